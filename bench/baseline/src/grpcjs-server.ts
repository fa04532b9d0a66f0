/**
 * The baseline on @grpc/grpc-js, over cleartext HTTP/2 on 127.0.0.1:PORT.
 * grpc-js has no protobuf-es integration, so the service definition is
 * built from the generated descriptors: one method per RPC of
 * quire.v1.PostService, (de)serialised with protobuf-es.
 *
 *   npx tsx src/grpcjs-server.ts
 */

import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { DescMethod } from '@bufbuild/protobuf';
import { anyPack, AnySchema } from '@bufbuild/protobuf/wkt';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import * as grpc from '@grpc/grpc-js';
import { BadRequestSchema } from '@quire/gen/google/rpc/error_details_pb';
import { PostService } from '@quire/gen/quire/v1/post_service_pb';
import { buildApp, stopOnSignal } from './app';
import { loadConfig } from './config';
import type { ApiError } from './errors';
import { toApiError } from './errors';
import type { PostHandlers } from './handlers';
import { MAX_MESSAGE_BYTES } from './limits';

const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** A grpc-js method definition for one unary RPC of the descriptor. */
function methodDefinition(method: DescMethod): grpc.MethodDefinition<unknown, unknown> {
  return {
    path: `/${method.parent.typeName}/${method.name}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: (message) => asBuffer(toBinary(method.input, message as never)),
    requestDeserialize: (bytes) => fromBinary(method.input, bytes),
    responseSerialize: (message) => asBuffer(toBinary(method.output, message as never)),
    responseDeserialize: (bytes) => fromBinary(method.output, bytes),
    originalName: method.localName,
  };
}

/** quire.v1.PostService for grpc-js, keyed by the RPCs' names (`GetPost`). */
const postServiceDefinition: grpc.ServiceDefinition = Object.fromEntries(
  PostService.methods.map((method) => [method.name, methodDefinition(method)]),
);

/**
 * google.rpc.Status { code, message, details: [BadRequest] } for the
 * `grpc-status-details-bin` trailer, as tonic and connect send it. The
 * message is small enough to write by hand rather than generate.
 */
function statusDetails(error: ApiError): Buffer {
  const badRequest = create(BadRequestSchema, { fieldViolations: [...error.violations] });
  const writer = new BinaryWriter();
  writer.tag(1, WireType.Varint).int32(error.code);
  writer.tag(2, WireType.LengthDelimited).string(error.message);
  writer.tag(3, WireType.LengthDelimited).bytes(toBinary(AnySchema, anyPack(BadRequestSchema, badRequest)));
  return asBuffer(writer.finish());
}

function toServiceError(thrown: unknown): grpc.ServerErrorResponse {
  const error = toApiError(thrown);
  const metadata = new grpc.Metadata();
  if (error.violations.length > 0) metadata.set('grpc-status-details-bin', statusDetails(error));
  // grpc-js's Status enum has gRPC's status codes, as ApiError.
  return Object.assign(new Error(error.message), { code: error.code, details: error.message, metadata });
}

/** Calls a handler with the call's `authorization` and answers its result or error. */
function serve<Req, Res>(handler: (request: Req, authorization: string | undefined) => Promise<Res>) {
  return (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => {
    const [authorization] = call.metadata.get('authorization');
    handler(call.request, typeof authorization === 'string' ? authorization : undefined).then(
      (response) => callback(null, response),
      (error: unknown) => callback(toServiceError(error)),
    );
  };
}

function implementation(handlers: PostHandlers): grpc.UntypedServiceImplementation {
  // Methods not listed answer UNIMPLEMENTED.
  return {
    GetPost: serve(handlers.getPost.bind(handlers)),
    ListPosts: serve(handlers.listPosts.bind(handlers)),
    SearchPosts: serve(handlers.searchPosts.bind(handlers)),
    CreatePost: serve(handlers.createPost.bind(handlers)),
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await buildApp(config);
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
  server.addService(postServiceDefinition, implementation(app.handlers));
  await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${config.port}`, grpc.ServerCredentials.createInsecure(), (error, port) =>
      error ? reject(error) : resolve(port),
    ),
  );
  console.error(`quire baseline (grpc-js) listening on 127.0.0.1:${config.port}, cache ${config.cache ? 'on' : 'off'}`);
  stopOnSignal(
    () => new Promise((resolve) => server.tryShutdown(() => resolve())),
    app,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
