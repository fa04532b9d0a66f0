import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import { AuthorRefSchema } from '@quire/gen/quire/v1/author_pb';
import { type Post, PostKind, PostSchema, PostStatus, PostView, TocEntrySchema } from '@quire/gen/quire/v1/post_pb';
import {
  GetAdjacentPostsResponseSchema,
  GetPostResponseSchema,
  type ListPostsRequest,
  ListPostsResponseSchema,
  PostService,
} from '@quire/gen/quire/v1/post_service_pb';
import { TagRefSchema } from '@quire/gen/quire/v1/tag_pb';
import { cacheLife, cacheTag } from 'next/cache';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { adjacentPosts, countPublished, getPost, listFeedPosts, listPostsPage, listPublished, POSTS_PER_PAGE } from './posts';

// The engine, replaced by Connect's in-memory router transport. Each test sets
// how GetPost and ListPosts answer.
const engineDouble = vi.hoisted(() => ({
  getPost: undefined as ServiceImpl<typeof PostService>['getPost'] | undefined,
  getAdjacentPosts: undefined as ServiceImpl<typeof PostService>['getAdjacentPosts'] | undefined,
  listPosts: undefined as ServiceImpl<typeof PostService>['listPosts'] | undefined,
}));

vi.mock('./transport', async () => {
  const { createRouterTransport } = await import('@connectrpc/connect');
  const { PostService } = await import('@quire/gen/quire/v1/post_service_pb');
  const transport = createRouterTransport(({ service }) => {
    service(PostService, {
      getPost(request, context) {
        if (!engineDouble.getPost) throw new Error('test did not set engineDouble.getPost');
        return engineDouble.getPost(request, context);
      },
      listPosts(request, context) {
        if (!engineDouble.listPosts) throw new Error('test did not set engineDouble.listPosts');
        return engineDouble.listPosts(request, context);
      },
      getAdjacentPosts(request, context) {
        if (!engineDouble.getAdjacentPosts) throw new Error('test did not set engineDouble.getAdjacentPosts');
        return engineDouble.getAdjacentPosts(request, context);
      },
    });
  });
  return { engineTransport: () => transport };
});

// cacheLife/cacheTag only work inside Next's 'use cache' runtime.
vi.mock('next/cache', () => ({ cacheLife: vi.fn(), cacheTag: vi.fn() }));

function post(slug: string, fields: MessageInitShape<typeof PostSchema> = {}): Post {
  return create(PostSchema, {
    id: `id-${slug}`,
    slug,
    title: `Title of ${slug}`,
    excerpt: 'The first post.',
    readingTimeMinutes: 3,
    status: PostStatus.PUBLISHED,
    publishTime: timestampFromDate(new Date('2026-01-02T03:04:05Z')),
    author: create(AuthorRefSchema, { id: 'a1', slug: 'ada', displayName: 'Ada Lovelace', bio: 'Engines.' }),
    tags: [create(TagRefSchema, { slug: 'meta', name: 'Meta' })],
    markdown: 'never shown',
    ...fields,
  });
}

/** Every tag that cacheTag was given, across calls. */
const taggedWith = () => vi.mocked(cacheTag).mock.calls.flat();

/** A listing of `total` posts answered page by page, with tokens that say where the next page starts. */
function listingOf(total: number, requests: ListPostsRequest[] = []) {
  const all = Array.from({ length: total }, (_, index) => post(`post-${index + 1}`));
  return (request: ListPostsRequest) => {
    requests.push(request);
    const start = (request.pageToken ? Number(request.pageToken.replace('after-', '')) : 0) + request.skip;
    const size = request.pageSize || 20;
    const page = all.slice(start, start + size);
    const end = start + page.length;
    return create(ListPostsResponseSchema, {
      posts: page,
      totalSize: total,
      nextPageToken: end < total ? `after-${end}` : '',
    });
  };
}

beforeEach(() => {
  vi.clearAllMocks();
  engineDouble.getPost = undefined;
  engineDouble.listPosts = undefined;
});

describe('getPost', () => {
  it('projects a found post for its page, with times as ISO strings and no Markdown', async () => {
    engineDouble.getPost = (request) => {
      expect(request.key).toEqual({ case: 'slug', value: 'hello' });
      expect(request.view).toBe(PostView.FULL);
      return create(GetPostResponseSchema, {
        post: post('hello', {
          html: '<p>Hi</p>',
          toc: [create(TocEntrySchema, { level: 2, anchor: 'intro', text: 'Intro' })],
          updateTime: timestampFromDate(new Date('2026-01-03T00:00:00Z')),
        }),
      });
    };

    const lookup = await getPost('hello');

    expect(lookup.kind).toBe('found');
    const found = lookup.kind === 'found' ? lookup.post : undefined;
    expect(found).toMatchObject({
      slug: 'hello',
      html: '<p>Hi</p>',
      publishTime: '2026-01-02T03:04:05.000Z',
      updateTime: '2026-01-03T00:00:00.000Z',
      toc: [{ level: 2, anchor: 'intro', text: 'Intro' }],
      author: { slug: 'ada', displayName: 'Ada Lovelace', bio: 'Engines.', avatarUrl: '' },
      seo: { metaTitle: '', metaDescription: '', canonicalUrl: '' },
    });
    expect(found).not.toHaveProperty('markdown');
  });

  it('tags a found post with its slug, author and tags', async () => {
    engineDouble.getPost = () => create(GetPostResponseSchema, { post: post('hello') });

    await getPost('hello');

    expect(taggedWith().sort()).toEqual(['author:ada', 'slug:hello', 'slug:hello', 'tag:meta']);
    expect(cacheLife).toHaveBeenCalledWith('hours');
  });

  it('answers an earlier slug with the current one, tagged by both', async () => {
    engineDouble.getPost = () => create(GetPostResponseSchema, { post: post('new-name'), slugMoved: true });

    await expect(getPost('old-name')).resolves.toEqual({ kind: 'moved', slug: 'new-name' });
    expect(taggedWith().sort()).toEqual(['slug:new-name', 'slug:old-name']);
  });

  it('caches NOT_FOUND as a missing post', async () => {
    engineDouble.getPost = () => {
      throw new ConnectError('no such post', Code.NotFound);
    };

    await expect(getPost('nope')).resolves.toEqual({ kind: 'missing' });
    expect(taggedWith()).toEqual(['slug:nope']);
  });

  it('lets other engine failures propagate, so that nothing is cached for them', async () => {
    engineDouble.getPost = () => {
      throw new ConnectError('database is down', Code.Unavailable);
    };

    await expect(getPost('hello')).rejects.toMatchObject({ code: Code.Unavailable });
  });
});

describe('listPostsPage', () => {
  it('reads the first page and counts the pages', async () => {
    const requests: ListPostsRequest[] = [];
    engineDouble.listPosts = listingOf(25, requests);

    const page = await listPostsPage({}, 1);

    expect(page?.posts.map((p) => p.slug)).toEqual(Array.from({ length: 10 }, (_, i) => `post-${i + 1}`));
    expect(page).toMatchObject({ page: 1, pageCount: 3, totalSize: 25 });
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ pageSize: POSTS_PER_PAGE, pageToken: '', skip: 0, view: PostView.BASIC });
  });

  it('reaches a later page by position, without walking the pages before it', async () => {
    const requests: ListPostsRequest[] = [];
    engineDouble.listPosts = listingOf(25, requests);

    const page = await listPostsPage({}, 3);

    expect(page?.posts.map((p) => p.slug)).toEqual(['post-21', 'post-22', 'post-23', 'post-24', 'post-25']);
    // The first page (for the count), then page 3 itself.
    expect(requests.map((request) => [request.skip, request.pageToken])).toEqual([
      [0, ''],
      [20, ''],
    ]);
  });

  it('has no page past the last one, and asks for nothing more to know it', async () => {
    const requests: ListPostsRequest[] = [];
    engineDouble.listPosts = listingOf(25, requests);

    await expect(listPostsPage({}, 4)).resolves.toBeUndefined();
    await expect(listPostsPage({}, 0)).resolves.toBeUndefined();
    expect(requests.every((request) => request.pageToken === '')).toBe(true);
  });

  it('has an empty first page when nothing is published', async () => {
    engineDouble.listPosts = listingOf(0);

    await expect(listPostsPage({}, 1)).resolves.toEqual({ posts: [], page: 1, pageCount: 1, totalSize: 0 });
  });

  it('filters by tag and tags the listing with it, not with every post', async () => {
    const requests: ListPostsRequest[] = [];
    engineDouble.listPosts = listingOf(3, requests);

    await listPostsPage({ tagSlug: 'rust' }, 1);

    expect(requests[0]).toMatchObject({ tagSlug: 'rust', authorSlug: '' });
    expect(taggedWith()).toContain('tag:rust');
    expect(taggedWith()).not.toContain('posts');
  });

  it('tags the site-wide listing as posts, plus the authors and tags it names', async () => {
    engineDouble.listPosts = listingOf(3);

    await listPostsPage({}, 1);

    expect(new Set(taggedWith())).toEqual(new Set(['posts', 'author:ada', 'tag:meta']));
  });
});

describe('listFeedPosts', () => {
  it('reads the newest posts in full, site-wide or by tag', async () => {
    const requests: ListPostsRequest[] = [];
    engineDouble.listPosts = (request) => {
      requests.push(request);
      return create(ListPostsResponseSchema, { posts: [post('hello', { html: '<p>Hi</p>' })] });
    };

    const posts = await listFeedPosts('rust');

    expect(posts[0]?.html).toBe('<p>Hi</p>');
    expect(requests[0]).toMatchObject({ tagSlug: 'rust', view: PostView.FULL, pageSize: 20 });
    expect(taggedWith()).toContain('tag:rust');
  });
});

describe('countPublished, listPublished and adjacentPosts', () => {
  it('reads a range of a kind by position, then by token, newest first', async () => {
    const requests: ListPostsRequest[] = [];
    engineDouble.listPosts = listingOf(1_000, requests);

    const range = await listPublished(PostKind.POST, 500, 250);

    expect(range.map((entry) => entry.slug)).toEqual(Array.from({ length: 250 }, (_, i) => `post-${501 + i}`));
    expect(requests.map((request) => [request.skip, request.pageToken, request.pageSize])).toEqual([
      [500, '', 100],
      [0, 'after-600', 100],
      [0, 'after-700', 50],
    ]);
    expect(requests.every((request) => request.kind === PostKind.POST)).toBe(true);
    expect(taggedWith()).toEqual(['posts']);
  });

  it('stops at the last post, and counts with one small page', async () => {
    const requests: ListPostsRequest[] = [];
    engineDouble.listPosts = listingOf(120, requests);

    await expect(listPublished(PostKind.PAGE, 100, 10_000)).resolves.toHaveLength(20);
    await expect(countPublished(PostKind.PAGE)).resolves.toBe(120);
    expect(requests.at(-1)).toMatchObject({ pageSize: 1, kind: PostKind.PAGE });
  });

  it('asks the engine for the neighbours of a post, in one call', async () => {
    const asked: string[] = [];
    engineDouble.getAdjacentPosts = (request) => {
      asked.push(request.slug);
      if (request.slug === 'unknown') throw new ConnectError('post not found', Code.NotFound);
      return create(GetAdjacentPostsResponseSchema, {
        newer: request.slug === 'post-2' ? post('post-1') : undefined,
        older: post('post-3'),
      });
    };

    const { newer, older } = await adjacentPosts('post-2');

    expect(newer?.slug).toBe('post-1');
    expect(older).toMatchObject({ slug: 'post-3', title: 'Title of post-3', publishTime: '2026-01-02T03:04:05.000Z' });
    await expect(adjacentPosts('post-3')).resolves.toEqual({ newer: undefined, older: expect.objectContaining({ slug: 'post-3' }) });
    await expect(adjacentPosts('unknown')).resolves.toEqual({});
    expect(asked).toEqual(['post-2', 'post-3', 'unknown']);
    expect(taggedWith()).toContain('posts');
  });
});
