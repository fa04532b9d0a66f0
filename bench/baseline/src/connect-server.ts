/**
 * The baseline on @connectrpc/connect-node: gRPC (and Connect, gRPC-Web)
 * over cleartext HTTP/2 on 127.0.0.1:PORT.
 *
 *   npx tsx src/connect-server.ts
 */

import http2 from 'node:http2';
import { create } from '@bufbuild/protobuf';
import type { ConnectRouter, HandlerContext } from '@connectrpc/connect';
import { ConnectError } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { BadRequestSchema } from '@quire/gen/google/rpc/error_details_pb';
import { PostService } from '@quire/gen/quire/v1/post_service_pb';
import { buildApp, stopOnSignal } from './app';
import { loadConfig } from './config';
import { toApiError } from './errors';
import type { PostHandlers } from './handlers';
import { MAX_MESSAGE_BYTES } from './limits';

function toConnectError(thrown: unknown): ConnectError {
  const error = toApiError(thrown);
  const details =
    error.violations.length === 0
      ? []
      : [{ desc: BadRequestSchema, value: create(BadRequestSchema, { fieldViolations: [...error.violations] }) }];
  // The numbers of Connect's Code are gRPC's status codes.
  return new ConnectError(error.message, error.code, undefined, details);
}

/** Calls a handler with the request's `authorization` and answers its errors as ConnectErrors. */
function serve<Req, Res>(handler: (request: Req, authorization: string | undefined) => Promise<Res>) {
  return async (request: Req, context: HandlerContext): Promise<Res> => {
    try {
      return await handler(request, context.requestHeader.get('authorization') ?? undefined);
    } catch (error) {
      throw toConnectError(error);
    }
  };
}

function routes(handlers: PostHandlers) {
  return (router: ConnectRouter) =>
    // Methods not listed answer UNIMPLEMENTED.
    router.service(PostService, {
      getPost: serve(handlers.getPost.bind(handlers)),
      listPosts: serve(handlers.listPosts.bind(handlers)),
      searchPosts: serve(handlers.searchPosts.bind(handlers)),
      createPost: serve(handlers.createPost.bind(handlers)),
    });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await buildApp(config);
  const server = http2.createServer(
    connectNodeAdapter({
      routes: routes(app.handlers),
      readMaxBytes: MAX_MESSAGE_BYTES,
      writeMaxBytes: MAX_MESSAGE_BYTES,
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, '127.0.0.1', resolve);
  });
  console.error(`quire baseline (connect-node) listening on 127.0.0.1:${config.port}, cache ${config.cache ? 'on' : 'off'}`);
  stopOnSignal(() => new Promise((resolve) => server.close(() => resolve())), app);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
