// The fault suite's gRPC clients: one HTTP/2 transport per engine with the post, change and
// health services on it, and the names of the outcomes a client sees (a gRPC code, or a broken
// connection, which connect-node otherwise reports as ABORTED, the code of a stale etag).
import { register } from 'tsx/esm/api';

// gen/ts ships TypeScript, which tsx loads (Node 20 cannot run .ts files by itself).
register();

const [{ Code, ConnectError, createClient }, { createGrpcTransport }, { create, createFileRegistry }, wkt, codegen] = await Promise.all([
  import('@connectrpc/connect'),
  import('@connectrpc/connect-node'),
  import('@bufbuild/protobuf'),
  import('@bufbuild/protobuf/wkt'),
  import('@bufbuild/protobuf/codegenv2'),
]);
const [{ PostService }, { ChangeService }, { AuthorService }] = await Promise.all([
  import('@quire/gen/quire/v1/post_service_pb'),
  import('@quire/gen/quire/v1/change_service_pb'),
  import('@quire/gen/quire/v1/author_service_pb'),
]);
export const { PostStatus, PostView } = await import('@quire/gen/quire/v1/post_pb');
export const { AuthorRole } = await import('@quire/gen/quire/v1/author_pb');

/**
 * `grpc.health.v1.Health/Check`, described by hand as web/lib/engine/grpc-health.ts does (that
 * file is server-only TypeScript): gen/ts holds only our own contract.
 */
const healthFile = createFileRegistry(
  create(wkt.FileDescriptorProtoSchema, {
    name: 'grpc/health/v1/health.proto',
    package: 'grpc.health.v1',
    syntax: 'proto3',
    messageType: [
      {
        name: 'HealthCheckRequest',
        field: [{ name: 'service', number: 1, type: wkt.FieldDescriptorProto_Type.STRING, label: wkt.FieldDescriptorProto_Label.OPTIONAL }],
      },
      {
        name: 'HealthCheckResponse',
        field: [
          {
            name: 'status',
            number: 1,
            type: wkt.FieldDescriptorProto_Type.ENUM,
            typeName: '.grpc.health.v1.HealthCheckResponse.ServingStatus',
            label: wkt.FieldDescriptorProto_Label.OPTIONAL,
          },
        ],
        enumType: [
          {
            name: 'ServingStatus',
            value: [
              { name: 'UNKNOWN', number: 0 },
              { name: 'SERVING', number: 1 },
              { name: 'NOT_SERVING', number: 2 },
              { name: 'SERVICE_UNKNOWN', number: 3 },
            ],
          },
        ],
      },
    ],
    service: [
      {
        name: 'Health',
        method: [{ name: 'Check', inputType: '.grpc.health.v1.HealthCheckRequest', outputType: '.grpc.health.v1.HealthCheckResponse' }],
      },
    ],
  }),
  () => undefined,
).getFile('grpc/health/v1/health.proto');
const Health = codegen.serviceDesc(healthFile, 0);
const SERVING = 1;
const NOT_SERVING = 2;

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
        return status === SERVING ? 'serving' : status === NOT_SERVING ? 'not_serving' : 'unreachable';
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
