import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, createRouterTransport } from '@connectrpc/connect';
import { CommentSchema } from '@quire/gen/quire/v1/comment_pb';
import { CommentService, CreateCommentResponseSchema } from '@quire/gen/quire/v1/comment_service_pb';
import { GetPostResponseSchema, PostService } from '@quire/gen/quire/v1/post_service_pb';
import { describe, expect, it } from 'vitest';
import { Health } from '@quire/gen/grpc/health/v1/health_pb';
import { isIdempotentRead, retryIdempotentReads } from './retry';

const noJitterDelay = () => 0;

/** An engine whose GetPost and CreateComment fail with `failures` codes, in order, then answer. */
function flakyEngine(failures: Code[]) {
  const calls = { getPost: 0, createComment: 0 };
  const failNext = (counter: keyof typeof calls) => {
    const code = failures[calls[counter]];
    calls[counter] += 1;
    if (code !== undefined) throw new ConnectError('engine hiccup', code);
  };
  const transport = createRouterTransport(
    ({ service }) => {
      service(PostService, {
        getPost() {
          failNext('getPost');
          return create(GetPostResponseSchema, {});
        },
      });
      service(CommentService, {
        createComment() {
          failNext('createComment');
          return create(CreateCommentResponseSchema, { comment: create(CommentSchema, { id: 'c1' }) });
        },
      });
    },
    { transport: { interceptors: [retryIdempotentReads({ attempts: 3, baseDelayMs: 1 }, noJitterDelay)] } },
  );
  return { calls, posts: createClient(PostService, transport), comments: createClient(CommentService, transport) };
}

describe('retryIdempotentReads', () => {
  it('retries a read that answered UNAVAILABLE until it succeeds', async () => {
    const engine = flakyEngine([Code.Unavailable, Code.Unavailable]);

    await expect(engine.posts.getPost({ key: { case: 'slug', value: 'x' } })).resolves.toBeDefined();
    expect(engine.calls.getPost).toBe(3);
  });

  it('retries a read that the server reported as DEADLINE_EXCEEDED', async () => {
    const engine = flakyEngine([Code.DeadlineExceeded]);

    await engine.posts.getPost({});
    expect(engine.calls.getPost).toBe(2);
  });

  it('gives up after the policy’s attempts with the last error', async () => {
    const engine = flakyEngine([Code.Unavailable, Code.Unavailable, Code.Unavailable, Code.Unavailable]);

    await expect(engine.posts.getPost({})).rejects.toMatchObject({ code: Code.Unavailable });
    expect(engine.calls.getPost).toBe(3);
  });

  it('does not retry answers that a retry cannot change', async () => {
    const engine = flakyEngine([Code.NotFound]);

    await expect(engine.posts.getPost({})).rejects.toMatchObject({ code: Code.NotFound });
    expect(engine.calls.getPost).toBe(1);
  });

  it('never retries a write', async () => {
    const engine = flakyEngine([Code.Unavailable]);

    await expect(engine.comments.createComment({})).rejects.toMatchObject({ code: Code.Unavailable });
    expect(engine.calls.createComment).toBe(1);
  });

  it('does not retry once the call’s own deadline has passed', async () => {
    let calls = 0;
    const transport = createRouterTransport(
      ({ service }) => {
        service(PostService, {
          async getPost(_request, context) {
            calls += 1;
            await new Promise((resolve) => context.signal.addEventListener('abort', resolve));
            throw new ConnectError('too slow', Code.DeadlineExceeded);
          },
        });
      },
      { transport: { interceptors: [retryIdempotentReads({ attempts: 3, baseDelayMs: 1 })] } },
    );

    await expect(createClient(PostService, transport).getPost({}, { timeoutMs: 30 })).rejects.toMatchObject({
      code: Code.DeadlineExceeded,
    });
    expect(calls).toBe(1);
  });
});

describe('isIdempotentRead', () => {
  it('lists the side-effect-free RPCs and nothing else', () => {
    expect(isIdempotentRead(PostService.method.getPost)).toBe(true);
    expect(isIdempotentRead(PostService.method.searchPosts)).toBe(true);
    expect(isIdempotentRead(CommentService.method.listComments)).toBe(true);
    expect(isIdempotentRead(PostService.method.publishPost)).toBe(false);
    expect(isIdempotentRead(CommentService.method.createComment)).toBe(false);
  });

  it('leaves out the health check, which reports a down engine in one attempt', () => {
    expect(isIdempotentRead(Health.method.check)).toBe(false);
  });
});
