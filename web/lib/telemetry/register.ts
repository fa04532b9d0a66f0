import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';

/**
 * Exports this server's traces over OTLP/HTTP (JSON) when an endpoint is
 * configured (OTEL_EXPORTER_OTLP_ENDPOINT, e.g. http://collector:4318);
 * otherwise registers nothing, so tracing stays OpenTelemetry's no-op API.
 * Next.js traces requests, rendering and Server Actions itself once a
 * provider is registered; engine calls add client spans and carry the W3C
 * `traceparent` to the engine (lib/engine/tracing.ts), so one trace runs
 * from a Server Action through the engine into PostgreSQL and Redis.
 *
 * The exporter reads the standard OTEL_EXPORTER_OTLP_* variables itself.
 */
export function registerTelemetry(settings: { endpoint: string | undefined; serviceName: string }): void {
  if (!settings.endpoint) return;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // Also installs the W3C trace-context propagator and the async context manager.
  provider.register();
  const flush = () => void provider.shutdown();
  process.once('SIGTERM', flush);
  process.once('SIGINT', flush);
}
