import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import { AuthorRefSchema } from '@quire/gen/quire/v1/author_pb';
import { PostSchema, PostStatus, PostView } from '@quire/gen/quire/v1/post_pb';
import { ListPostsResponseSchema, PostService } from '@quire/gen/quire/v1/post_service_pb';
import { TagRefSchema } from '@quire/gen/quire/v1/tag_pb';
import { cacheLife, cacheTag } from 'next/cache';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { listRecentPosts } from './posts';

// The engine, replaced by Connect's in-memory router transport. Each test sets
// how ListPosts answers.
const engineDouble = vi.hoisted(() => ({
  listPosts: undefined as ServiceImpl<typeof PostService>['listPosts'] | undefined,
}));

vi.mock('./transport', async () => {
  const { createRouterTransport } = await import('@connectrpc/connect');
  const { PostService } = await import('@quire/gen/quire/v1/post_service_pb');
  const transport = createRouterTransport(({ service }) => {
    service(PostService, {
      listPosts(request, context) {
        if (!engineDouble.listPosts) throw new Error('test did not set engineDouble.listPosts');
        return engineDouble.listPosts(request, context);
      },
    });
  });
  return { engineTransport: () => transport };
});

// cacheLife/cacheTag only work inside Next's 'use cache' runtime.
vi.mock('next/cache', () => ({ cacheLife: vi.fn(), cacheTag: vi.fn() }));

const publishedPost = create(PostSchema, {
  id: '0193a7e2-0000-7000-8000-000000000001',
  slug: 'hello-world',
  title: 'Hello, world',
  excerpt: 'The first post.',
  readingTimeMinutes: 3,
  status: PostStatus.PUBLISHED,
  publishTime: timestampFromDate(new Date('2026-01-02T03:04:05Z')),
  author: create(AuthorRefSchema, { id: 'a1', slug: 'ada', displayName: 'Ada Lovelace' }),
  tags: [create(TagRefSchema, { slug: 'meta', name: 'Meta' })],
  markdown: 'not part of a listing',
});

beforeEach(() => {
  vi.clearAllMocks();
  engineDouble.listPosts = undefined;
});

describe('listRecentPosts', () => {
  it('asks for the basic view of one page and projects each post', async () => {
    const requests: { pageSize: number; view: PostView }[] = [];
    engineDouble.listPosts = (request) => {
      requests.push({ pageSize: request.pageSize, view: request.view });
      return create(ListPostsResponseSchema, { posts: [publishedPost], totalSize: 1 });
    };

    const outcome = await listRecentPosts(10);

    expect(requests).toEqual([{ pageSize: 10, view: PostView.BASIC }]);
    expect(outcome.kind).toBe('ok');
    expect(outcome.kind === 'ok' && outcome.value).toEqual([
      {
        id: '0193a7e2-0000-7000-8000-000000000001',
        slug: 'hello-world',
        title: 'Hello, world',
        excerpt: 'The first post.',
        readingTimeMinutes: 3,
        publishTime: '2026-01-02T03:04:05.000Z',
        authorName: 'Ada Lovelace',
        tags: [{ slug: 'meta', name: 'Meta' }],
      },
    ]);
  });

  it('leaves publish time and author empty when the engine omits them', async () => {
    engineDouble.listPosts = () =>
      create(ListPostsResponseSchema, { posts: [create(PostSchema, { id: 'p2', slug: 'draft', title: 'Draft' })] });

    const outcome = await listRecentPosts(1);
    const post = outcome.kind === 'ok' ? outcome.value[0] : undefined;

    expect(post?.publishTime).toBeUndefined();
    expect(post?.authorName).toBe('');
  });

  it('tags its cache entry so post changes can invalidate it', async () => {
    engineDouble.listPosts = () => create(ListPostsResponseSchema);

    await listRecentPosts(10);

    expect(cacheTag).toHaveBeenCalledWith('posts');
    expect(cacheLife).toHaveBeenCalledTimes(1);
  });

  it('reports an engine failure as unavailable', async () => {
    engineDouble.listPosts = () => {
      throw new ConnectError('database is down', Code.Unavailable);
    };

    await expect(listRecentPosts(10)).resolves.toEqual({
      kind: 'unavailable',
      message: '[unavailable] database is down',
    });
  });
});
