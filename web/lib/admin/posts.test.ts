import { create } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError } from '@connectrpc/connect';
import { PostStatus } from '@quire/gen/quire/v1/post_pb';
import {
  type CreatePostRequest,
  CreatePostResponseSchema,
  type DeletePostRequest,
  DeletePostResponseSchema,
  type UpdatePostRequest,
  UpdatePostResponseSchema,
} from '@quire/gen/quire/v1/post_service_pb';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { EDITOR_UPDATE_MASK, EMPTY_POST_VALUES, type PostIntent } from './post-form';
import { deletePost, writePost } from './posts';

// The engine, replaced by Connect's in-memory router transport: it records
// every call, so a test sees each RPC a save makes. Methods it does not
// implement (GetPost, PublishPost, …) would fail the save.
const engineDouble = vi.hoisted(() => ({
  calls: [] as { method: string; request: unknown; authorization: string | null }[],
  answer: undefined as (() => never) | undefined,
}));

vi.mock('@/lib/engine/transport', async (importOriginal) => {
  const { createRouterTransport } = await import('@connectrpc/connect');
  const { PostService } = await import('@quire/gen/quire/v1/post_service_pb');
  const { PostSchema } = await import('@quire/gen/quire/v1/post_pb');
  const record = (method: string, request: CreatePostRequest | UpdatePostRequest, header: Headers) => {
    engineDouble.calls.push({ method, request, authorization: header.get('authorization') });
    engineDouble.answer?.();
    const post = create(PostSchema, { id: request.post?.id || 'new-id', etag: 'e2', title: request.post?.title });
    return { post, cacheTags: ['post:p1', 'slug:hello'] };
  };
  const transport = createRouterTransport(({ service }) => {
    service(PostService, {
      createPost: (request, context) => create(CreatePostResponseSchema, record('createPost', request, context.requestHeader)),
      updatePost: (request, context) => create(UpdatePostResponseSchema, record('updatePost', request, context.requestHeader)),
      deletePost: (request: DeletePostRequest, context) => {
        engineDouble.calls.push({ method: 'deletePost', request, authorization: context.requestHeader.get('authorization') });
        return create(DeletePostResponseSchema, { cacheTags: ['post:p1'] });
      },
    });
  });
  return { ...(await importOriginal<typeof import('@/lib/engine/transport')>()), engineTransport: () => transport };
});

const session = { authorId: 'a1', token: 'session-token' };
const opened = { ...EMPTY_POST_VALUES, id: 'p1', etag: 'e1', title: 'Hello', slug: 'hello' };
const at = new Date('2031-05-04T10:30:00Z');

beforeEach(() => {
  engineDouble.calls = [];
  engineDouble.answer = undefined;
});

describe('writePost', () => {
  it('creates a new post, published in the same CreatePost, and answers the tags that write invalidated', async () => {
    const saved = await writePost(session, { ...EMPTY_POST_VALUES, title: 'Hello', slug: 'hello' }, 'publish', undefined, 'r1');

    expect(saved).toMatchObject({ kind: 'ok', value: { post: { id: 'new-id' }, cacheTags: ['post:p1', 'slug:hello'] } });
    expect(engineDouble.calls).toHaveLength(1);
    expect(engineDouble.calls[0]).toMatchObject({
      method: 'createPost',
      request: { requestId: 'r1', status: PostStatus.PUBLISHED, post: { title: 'Hello', slug: 'hello' } },
      authorization: 'Bearer session-token',
    });
  });

  it('updates an opened post at its etag with one UpdatePost, in the status each intent asks for', async () => {
    const expected: [PostIntent, PostStatus][] = [
      ['save', PostStatus.UNSPECIFIED], // keeps the status
      ['publish', PostStatus.PUBLISHED],
      ['schedule', PostStatus.SCHEDULED],
      ['unpublish', PostStatus.DRAFT],
      ['archive', PostStatus.ARCHIVED],
    ];
    for (const [intent, status] of expected) {
      engineDouble.calls = [];
      await writePost(session, opened, intent, intent === 'schedule' ? at : undefined, 'r1');

      expect(engineDouble.calls.map((call) => call.method)).toEqual(['updatePost']);
      const request = engineDouble.calls[0]?.request as UpdatePostRequest;
      expect(request.status).toBe(status);
      expect(request.requestId).toBe('r1');
      expect(request.post).toMatchObject({ id: 'p1', etag: 'e1', title: 'Hello' });
      expect(request.updateMask?.paths).toEqual([...EDITOR_UPDATE_MASK]);
      expect(request.publishTime && timestampDate(request.publishTime)).toEqual(intent === 'schedule' ? at : undefined);
    }
  });

  it('answers stale for a stale etag, and forbidden for a status change the role does not allow', async () => {
    engineDouble.answer = () => {
      throw new ConnectError('the post changed', Code.Aborted);
    };
    await expect(writePost(session, opened, 'save', undefined, 'r1')).resolves.toEqual({ kind: 'stale' });

    engineDouble.answer = () => {
      throw new ConnectError('publishing needs an editor', Code.PermissionDenied);
    };
    await expect(writePost(session, opened, 'publish', undefined, 'r1')).resolves.toEqual({ kind: 'forbidden' });
    expect(engineDouble.calls.map((call) => call.method)).toEqual(['updatePost', 'updatePost']);
  });
});

describe('deletePost', () => {
  it('deletes at the etag the author saw, with the request id of the confirmation', async () => {
    const deleted = await deletePost(session, 'p1', 'e1', 'r2');

    expect(deleted).toMatchObject({ kind: 'ok', value: { cacheTags: ['post:p1'] } });
    expect(engineDouble.calls).toMatchObject([
      { method: 'deletePost', request: { id: 'p1', etag: 'e1', requestId: 'r2' }, authorization: 'Bearer session-token' },
    ]);
  });
});
