// The fault suite's gRPC clients: one HTTP/2 transport per engine with the post, change and
// health services on it, and the names of the outcomes a client sees (a gRPC code, or a broken
// connection, which connect-node otherwise reports as ABORTED, the code of a stale etag).
import { register } from 'tsx/esm/api';

// gen/ts ships TypeScript, which tsx loads (Node 20 cannot run .ts files by itself).
register();

const [{ Code, ConnectError, createClient }, { createGrpcTransport }] = await Promise.all([
  import('@connectrpc/connect'),
  import('@connectrpc/connect-node'),
]);
const [{ PostService }, { ChangeService }, { AuthorService }, { RetryInfoSchema }, { Health, HealthCheckResponse_ServingStatus: ServingStatus }] =
  await Promise.all([
    import('@quire/gen/quire/v1/post_service_pb'),
    import('@quire/gen/quire/v1/change_service_pb'),
    import('@quire/gen/quire/v1/author_service_pb'),
    import('@quire/gen/google/rpc/error_details_pb'),
    import('@quire/gen/grpc/health/v1/health_pb'),
  ]);
export const { PostStatus, PostView } = await import('@quire/gen/quire/v1/post_pb');
export const { AuthorRole } = await import('@quire/gen/quire/v1/author_pb');

/** How long a health check may take; a slower engine counts as unreachable. */
const HEALTH_TIMEOUT_MS = 1_000;

/**
 * The clients of one engine, on one shared transport.
 *
 * @param {string} baseUrl
 * @param {string} key an API key
 */
export function engineClients(baseUrl, key) {
  const transport = createGrpcTransport({
    baseUrl,
    defaultTimeoutMs: 10_000,
    interceptors: [
      (next) => (request) => {
        request.header.set('authorization', `Bearer ${key}`);
        return next(request);
      },
    ],
  });
  const health = createClient(Health, transport);
  return {
    posts: createClient(PostService, transport),
    authors: createClient(AuthorService, transport),
    changes: createClient(ChangeService, transport),
    /** @returns {Promise<'serving' | 'not_serving' | 'unreachable'>} */
    async health() {
      try {
        const { status } = await health.check({ service: '' }, { timeoutMs: HEALTH_TIMEOUT_MS });
        return status === ServingStatus.SERVING ? 'serving' : status === ServingStatus.NOT_SERVING ? 'not_serving' : 'unreachable';
      } catch {
        return 'unreachable';
      }
    },
  };
}

/** Node's own error codes: the connection broke, and the client cannot know what the server did. */
const CONNECTION_ERRORS = /^(E[A-Z]+|ERR_HTTP2_\w+|ERR_STREAM_\w+)$/;

/**
 * What a call's failure was, as a short name: a gRPC code in snake case (`unavailable`,
 * `deadline_exceeded`, …) when the server (or the client's deadline) answered, or
 * `connection <NODE CODE>` when the connection broke (connect-node maps ECONNRESET to ABORTED,
 * which would read as a stale etag).
 *
 * @param {unknown} error
 */
export function outcomeOf(error) {
  let cause = error;
  for (let depth = 0; depth < 10 && cause instanceof Error; depth += 1, cause = cause.cause) {
    const code = /** @type {{ code?: unknown }} */ (cause).code;
    if (typeof code === 'string' && CONNECTION_ERRORS.test(code)) return `connection ${code}`;
  }
  const connectError = ConnectError.from(error);
  return Code[connectError.code].replace(/(?<=[a-z])(?=[A-Z])/g, '_').toLowerCase();
}

/**
 * When the server asked the client to try again (a `google.rpc.RetryInfo` detail, as shed calls
 * carry), in milliseconds; null if it did not say.
 *
 * @param {unknown} error
 */
export function retryDelayMs(error) {
  const [info] = ConnectError.from(error).findDetails(RetryInfoSchema);
  if (!info?.retryDelay) return null;
  return Number(info.retryDelay.seconds) * 1_000 + info.retryDelay.nanos / 1e6;
}

/**
 * Failures after which the client cannot know whether a write took effect (so it retries the
 * same request, which the engine answers with the first call's response): the server was
 * unreachable or gave up, the deadline passed, the connection broke, or the server failed.
 *
 * @param {string} outcome from `outcomeOf`
 */
export function isAmbiguous(outcome) {
  return (
    outcome.startsWith('connection ') ||
    ['unavailable', 'deadline_exceeded', 'canceled', 'unknown', 'internal', 'resource_exhausted'].includes(outcome)
  );
}
