import { create, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError, type HandlerContext } from '@connectrpc/connect';
import { describe, expect, it, vi } from 'vitest';
import { ENGINE_HEALTH_TIMEOUT_MS } from './engine/health';
import { type HealthCheckRequest, HealthCheckResponseSchema, HealthCheckResponse_ServingStatus as ServingStatus } from '@quire/gen/grpc/health/v1/health_pb';
import { healthResponse } from './health';

// The engine's health service, replaced by Connect's in-memory router transport.
const engineDouble = vi.hoisted(() => ({
  check: undefined as ((request: HealthCheckRequest, context: HandlerContext) => Promise<ServingStatus>) | undefined,
}));

vi.mock('./engine/transport', async () => {
  const { createRouterTransport } = await import('@connectrpc/connect');
  const { create } = await import('@bufbuild/protobuf');
  const { Health, HealthCheckResponseSchema } = await import('@quire/gen/grpc/health/v1/health_pb');
  const transport = createRouterTransport(({ service }) => {
    service(Health, {
      async check(request, context) {
        if (!engineDouble.check) throw new Error('test did not set engineDouble.check');
        return create(HealthCheckResponseSchema, { status: await engineDouble.check(request, context) });
      },
    });
  });
  return { engineTransport: () => transport };
});

async function answered() {
  const response = await healthResponse();
  return { status: response.status, cacheControl: response.headers.get('cache-control'), body: await response.json() };
}

describe('healthResponse', () => {
  it('is 200 while the engine serves, asking about the server as a whole', async () => {
    const asked: string[] = [];
    engineDouble.check = async (request) => {
      asked.push(request.service);
      return ServingStatus.SERVING;
    };
    expect(await answered()).toEqual({ status: 200, cacheControl: 'no-store', body: { engine: 'serving' } });
    expect(asked).toEqual(['']);
  });

  it('is 503 while the engine says it is not serving', async () => {
    engineDouble.check = async () => ServingStatus.NOT_SERVING;
    expect(await answered()).toEqual({ status: 503, cacheControl: 'no-store', body: { engine: 'not-serving' } });
    engineDouble.check = async () => ServingStatus.UNKNOWN;
    expect((await answered()).status).toBe(503);
  });

  it('is 503 when the engine cannot be reached', async () => {
    engineDouble.check = async () => {
      throw new ConnectError('connection refused', Code.Unavailable);
    };
    expect(await answered()).toEqual({ status: 503, cacheControl: 'no-store', body: { engine: 'unreachable' } });
  });

  it('is 503 within its deadline when the engine does not answer', async () => {
    engineDouble.check = (_request, context) =>
      new Promise((_resolve, reject) => context.signal.addEventListener('abort', () => reject(context.signal.reason)));
    const started = performance.now();
    expect((await answered()).body).toEqual({ engine: 'unreachable' });
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(ENGINE_HEALTH_TIMEOUT_MS - 50);
    expect(took).toBeLessThan(ENGINE_HEALTH_TIMEOUT_MS + 500);
  });
});

describe('the hand-written grpc.health.v1 descriptor', () => {
  it('puts the protocol’s field numbers and values on the wire', () => {
    // status = 1 (field 1, varint): what grpc's own health.proto encodes.
    expect([...toBinary(HealthCheckResponseSchema, create(HealthCheckResponseSchema, { status: ServingStatus.SERVING }))]).toEqual([0x08, 0x01]);
    expect(HealthCheckResponseSchema.typeName).toBe('grpc.health.v1.HealthCheckResponse');
  });
});
