import 'server-only';
import { create, createFileRegistry, type Message } from '@bufbuild/protobuf';
import { type GenMessage, type GenService, messageDesc, serviceDesc } from '@bufbuild/protobuf/codegenv2';
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
} from '@bufbuild/protobuf/wkt';

/**
 * The `Health.Check` method of gRPC's health checking protocol
 * (grpc/health/v1/health.proto), which the engine serves beside quire.v1.
 *
 * Written out by hand, as protoc-gen-es would generate it, because nothing
 * installed provides it: gen/ts holds only our own contract (quire.v1 and the
 * google.rpc details it uses), connect-es ships no health client, and the
 * npm health packages are for @grpc/grpc-js. The protocol is gRPC's, not
 * ours, so it does not belong in proto/. Only what the web calls is
 * described: `Check`, not `Watch` or `List`. The descriptor is built from a
 * FileDescriptorProto, so it reads like the .proto file it mirrors.
 */

const file = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: 'grpc/health/v1/health.proto',
    package: 'grpc.health.v1',
    syntax: 'proto3',
    messageType: [
      {
        name: 'HealthCheckRequest',
        field: [{ name: 'service', number: 1, type: FieldDescriptorProto_Type.STRING, label: FieldDescriptorProto_Label.OPTIONAL }],
      },
      {
        name: 'HealthCheckResponse',
        field: [
          {
            name: 'status',
            number: 1,
            type: FieldDescriptorProto_Type.ENUM,
            typeName: '.grpc.health.v1.HealthCheckResponse.ServingStatus',
            label: FieldDescriptorProto_Label.OPTIONAL,
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

if (!file) throw new Error('grpc/health/v1/health.proto did not build');

/** `service`: a service name, or "" for the server as a whole. */
export type HealthCheckRequest = Message<'grpc.health.v1.HealthCheckRequest'> & { service: string };

export const HealthCheckRequestSchema: GenMessage<HealthCheckRequest> = messageDesc(file, 0);

export enum ServingStatus {
  UNKNOWN = 0,
  SERVING = 1,
  NOT_SERVING = 2,
  /** Only for `Watch`. */
  SERVICE_UNKNOWN = 3,
}

export type HealthCheckResponse = Message<'grpc.health.v1.HealthCheckResponse'> & { status: ServingStatus };

export const HealthCheckResponseSchema: GenMessage<HealthCheckResponse> = messageDesc(file, 1);

export const Health: GenService<{
  check: { methodKind: 'unary'; input: typeof HealthCheckRequestSchema; output: typeof HealthCheckResponseSchema };
}> = serviceDesc(file, 0);
