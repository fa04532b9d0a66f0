import 'server-only';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { Post } from '@quire/gen/quire/v1/post_pb';
import { PostView } from '@quire/gen/quire/v1/post_pb';
import type { TagRef } from '@quire/gen/quire/v1/tag_pb';
import { cacheLife, cacheTag } from 'next/cache';
import { tags } from './cache-tags';
import { engine } from './clients';
import { type CachedReadOutcome, outcomeOfCachedRead } from './errors';

/**
 * What a listing shows of a post: the generated `Post` fields it needs, plus
 * values flattened for rendering (and for a cache entry that stays small).
 */
export type PostSummary = Pick<Post, 'id' | 'slug' | 'title' | 'excerpt' | 'readingTimeMinutes'> & {
  /** ISO 8601, or undefined for a post that was never published. */
  publishTime: string | undefined;
  /** The author's display name, or '' when the engine did not resolve it. */
  authorName: string;
  tags: Pick<TagRef, 'slug' | 'name'>[];
};

/** The newest published posts, or `unavailable` when the engine cannot be reached. */
export async function listRecentPosts(pageSize: number): Promise<CachedReadOutcome<PostSummary[]>> {
  return outcomeOfCachedRead(recentPostsFromEngine(pageSize));
}

/**
 * Cached across requests and tagged `posts`, so any post change can drop it.
 * Errors are deliberately not caught here: a fallback returned from a cached
 * function would be cached too (and at build time baked into the page).
 */
async function recentPostsFromEngine(pageSize: number): Promise<PostSummary[]> {
  'use cache';
  // Short until the change-feed subscriber revalidates `posts` on every change.
  cacheLife('minutes');
  cacheTag(tags.posts);

  const { posts } = await engine().posts.listPosts({ pageSize, view: PostView.BASIC });
  return posts.map(toSummary);
}

function toSummary(post: Post): PostSummary {
  return {
    id: post.id,
    slug: post.slug,
    title: post.title,
    excerpt: post.excerpt,
    readingTimeMinutes: post.readingTimeMinutes,
    publishTime: post.publishTime ? timestampDate(post.publishTime).toISOString() : undefined,
    authorName: post.author?.displayName ?? '',
    tags: post.tags.map(({ slug, name }) => ({ slug, name })),
  };
}
