import 'server-only';
import type { Interceptor } from '@connectrpc/connect';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ConnectError } from '@connectrpc/connect';

const tracer = trace.getTracer('quire-web');

/**
 * A client span per unary engine call (OpenTelemetry RPC conventions), and
 * the W3C `traceparent` of the current context on every call, so that the
 * engine's spans join the caller's trace. Without a registered provider
 * (no OTEL_EXPORTER_OTLP_ENDPOINT) the spans are no-ops and nothing is sent.
 * Streams get the header but no span: a span would last as long as the stream.
 */
export function traceEngineCalls(): Interceptor {
  return (next) => async (req) => {
    const inject = () => propagation.inject(context.active(), req.header, { set: (headers, key, value) => headers.set(key, value) });
    if (req.stream) {
      inject();
      return next(req);
    }
    const attributes = { 'rpc.system': 'grpc', 'rpc.service': req.service.typeName, 'rpc.method': req.method.name };
    return tracer.startActiveSpan(`${req.service.typeName}/${req.method.name}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
      try {
        inject();
        const response = await next(req);
        span.setAttribute('rpc.grpc.status_code', 0);
        return response;
      } catch (error) {
        const code = error instanceof ConnectError ? error.code : 2; // UNKNOWN
        span.setAttribute('rpc.grpc.status_code', code);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof ConnectError ? error.rawMessage : 'engine call failed' });
        throw error;
      } finally {
        span.end();
      }
    });
  };
}
