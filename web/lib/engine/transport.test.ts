import { once } from 'node:events';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { ListPostsResponseSchema, PostService, SearchPostsResponseSchema } from '@quire/gen/quire/v1/post_service_pb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { engineTransport } from './transport';

// A stand-in engine speaking real gRPC over cleartext HTTP/2 on a free port,
// to check what the shared transport puts on the wire.
const seen: { authorization: string | null; grpcTimeout: string | null }[] = [];
let searchAttempts = 0;
let server: http2.Http2Server;
const sessions = new Set<http2.ServerHttp2Session>();

beforeAll(async () => {
  server = http2.createServer(
    connectNodeAdapter({
      grpc: true,
      connect: false,
      grpcWeb: false,
      routes({ service }) {
        service(PostService, {
          listPosts(_request, context) {
            seen.push({
              authorization: context.requestHeader.get('authorization'),
              grpcTimeout: context.requestHeader.get('grpc-timeout'),
            });
            return create(ListPostsResponseSchema, { totalSize: 7 });
          },
          searchPosts() {
            // The engine is restarting for the first attempt only.
            searchAttempts += 1;
            if (searchAttempts === 1) throw new ConnectError('not serving yet', Code.Unavailable);
            return create(SearchPostsResponseSchema, { totalSize: 1 });
          },
          async getPost(_request, context) {
            // Slower than the client's deadline; ends when the client gives up.
            await new Promise((resolve) => context.signal.addEventListener('abort', resolve));
            throw new ConnectError('gave up', Code.Canceled);
          },
        });
      },
    }),
  );
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  // Read once, on the transport's first use (env() caches for the process).
  vi.stubEnv('QUIRE_ENGINE_URL', `http://127.0.0.1:${port}`);
  vi.stubEnv('QUIRE_ENGINE_API_KEY', 'test-key');
  vi.stubEnv('QUIRE_ENGINE_TIMEOUT_MS', '300');
});

afterAll(async () => {
  vi.unstubAllEnvs();
  // The shared transport keeps its HTTP/2 session open; end it from this side.
  const closed = once(server, 'close');
  server.close();
  for (const session of sessions) session.destroy();
  await closed;
});

describe('engineTransport', () => {
  it('is created once and shared', () => {
    expect(engineTransport()).toBe(engineTransport());
  });

  it('talks gRPC over HTTP/2 with the API key and the default deadline', async () => {
    const posts = createClient(PostService, engineTransport());

    const response = await posts.listPosts({});

    expect(response.totalSize).toBe(7);
    expect(seen).toEqual([{ authorization: 'Bearer test-key', grpcTimeout: '300m' }]);
  });

  it('retries a read that found the engine unavailable', async () => {
    const posts = createClient(PostService, engineTransport());

    const response = await posts.searchPosts({ query: 'retry' });

    expect(response.totalSize).toBe(1);
    expect(searchAttempts).toBe(2);
  });

  it('fails a call that outlives the default deadline', async () => {
    const posts = createClient(PostService, engineTransport());

    await expect(posts.getPost({})).rejects.toMatchObject({ code: Code.DeadlineExceeded });
  });
});
