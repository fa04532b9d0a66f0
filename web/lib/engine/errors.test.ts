import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createRouterTransport, createClient } from '@connectrpc/connect';
import { BadRequestSchema } from '@quire/gen/google/rpc/error_details_pb';
import { PostService } from '@quire/gen/quire/v1/post_service_pb';
import { describe, expect, it } from 'vitest';
import { failureFrom, isNotFound, outcomeOf } from './errors';

function badRequest(...violations: { field: string; description: string }[]) {
  return { desc: BadRequestSchema, value: create(BadRequestSchema, { fieldViolations: violations }) };
}

describe('failureFrom', () => {
  it('maps invalid argument to field errors from every BadRequest detail', () => {
    const error = new ConnectError('invalid post', Code.InvalidArgument, undefined, [
      badRequest(
        { field: 'post.title', description: 'must not be empty' },
        { field: 'post.slug', description: 'must be lower-case' },
      ),
      badRequest({ field: 'update_mask', description: 'unknown field "colour"' }),
    ]);

    expect(failureFrom(error)).toEqual({
      kind: 'invalid',
      fieldErrors: {
        'post.title': 'must not be empty',
        'post.slug': 'must be lower-case',
        update_mask: 'unknown field "colour"',
      },
    });
  });

  it('keeps the first violation when a field has several', () => {
    const error = new ConnectError('invalid post', Code.InvalidArgument, undefined, [
      badRequest(
        { field: 'post.slug', description: 'must not be empty' },
        { field: 'post.slug', description: 'must be lower-case' },
      ),
    ]);

    expect(failureFrom(error)).toEqual({ kind: 'invalid', fieldErrors: { 'post.slug': 'must not be empty' } });
  });

  it('maps a request id used before for another request to a conflict, not a form error', () => {
    const error = new ConnectError('invalid request', Code.InvalidArgument, undefined, [
      badRequest({ field: 'request_id', description: 'was already used for a different request' }),
    ]);

    expect(failureFrom(error)).toEqual({ kind: 'conflict' });
  });

  it('maps invalid argument without details to empty field errors', () => {
    expect(failureFrom(new ConnectError('bad page token', Code.InvalidArgument))).toEqual({
      kind: 'invalid',
      fieldErrors: {},
    });
    expect(failureFrom(new ConnectError('page token expired', Code.OutOfRange))).toEqual({
      kind: 'invalid',
      fieldErrors: {},
    });
  });

  it.each([
    [Code.NotFound, { kind: 'not-found' }],
    [Code.AlreadyExists, { kind: 'conflict' }],
    [Code.Aborted, { kind: 'conflict' }],
    [Code.FailedPrecondition, { kind: 'conflict' }],
    [Code.Unauthenticated, { kind: 'unauthenticated' }],
    [Code.PermissionDenied, { kind: 'forbidden' }],
    [Code.ResourceExhausted, { kind: 'rate-limited' }],
  ])('maps code %s to %o', (code, expected) => {
    expect(failureFrom(new ConnectError('engine said no', code))).toEqual(expected);
  });

  it.each([
    Code.Unavailable,
    Code.DeadlineExceeded,
    Code.Canceled,
    Code.Unknown,
    Code.Internal,
    Code.DataLoss,
    Code.Unimplemented,
  ])('maps code %s to unavailable, keeping the message for logs', (code) => {
    const error = new ConnectError('connect ECONNREFUSED 127.0.0.1:50051', code);
    expect(failureFrom(error)).toEqual({ kind: 'unavailable', message: error.message });
  });

  it('rethrows anything that is not a ConnectError', () => {
    const bug = new TypeError('post.title is undefined');
    expect(() => failureFrom(bug)).toThrow(bug);
  });
});

describe('isNotFound', () => {
  it('recognises NOT_FOUND and nothing else', () => {
    expect(isNotFound(new ConnectError('no such post', Code.NotFound))).toBe(true);
    expect(isNotFound(new ConnectError('down', Code.Unavailable))).toBe(false);
    expect(isNotFound(new Error('not found'))).toBe(false);
  });
});

describe('outcomeOf', () => {
  it('wraps a resolved call as ok', async () => {
    await expect(outcomeOf(Promise.resolve(42))).resolves.toEqual({ kind: 'ok', value: 42 });
  });

  it('turns a rejected call into its failure', async () => {
    const call = Promise.reject(new ConnectError('no such post', Code.NotFound));
    await expect(outcomeOf(call)).resolves.toEqual({ kind: 'not-found' });
  });

  it('reads field violations that travelled over the wire', async () => {
    // The router transport serializes the error and its details like a real
    // server would, so this exercises decoding of google.rpc.BadRequest.
    const transport = createRouterTransport(({ service }) => {
      service(PostService, {
        createPost() {
          throw new ConnectError('invalid post', Code.InvalidArgument, undefined, [
            badRequest({ field: 'post.title', description: 'must not be empty' }),
          ]);
        },
      });
    });
    const posts = createClient(PostService, transport);

    await expect(outcomeOf(posts.createPost({}))).resolves.toEqual({
      kind: 'invalid',
      fieldErrors: { 'post.title': 'must not be empty' },
    });
  });
});
