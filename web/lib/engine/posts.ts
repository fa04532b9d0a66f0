import 'server-only';
import { type Timestamp, timestampDate } from '@bufbuild/protobuf/wkt';
import type { AuthorRef } from '@quire/gen/quire/v1/author_pb';
import { type Post, PostKind, type PostSeo, PostView, type TocEntry } from '@quire/gen/quire/v1/post_pb';
import type { TagRef } from '@quire/gen/quire/v1/tag_pb';
import { cacheLife, cacheTag } from 'next/cache';
import { tags, tagsOfPosts } from './cache-tags';
import { engine } from './clients';
import { isNotFound } from './errors';

/**
 * Posts as pages, listings and feeds show them. Every read here is cached
 * across requests ('use cache') and tagged with everything it shows
 * (cache-tags.ts), so that a change revalidates exactly the pages it affects.
 * Freshness comes from those tags; the `hours` lifetime (revalidate after an
 * hour, expire after a day unused) is only a backstop, and long enough for
 * pages that must be static (`ensureStatic` wants a stale time of at least
 * 30 s and an expiry of at least 5 min).
 *
 * Engine failures are deliberately not caught: a fallback returned from a
 * cached function would be cached too (and at build time baked into a page).
 * They reach the page's error boundary, and nothing is cached for them. Only
 * NOT_FOUND is an answer worth caching ("no such post").
 */

export const POSTS_PER_PAGE = 10;
/** Posts in a feed: the newest ones, with their full HTML. */
export const FEED_SIZE = 20;
/** ListPosts' largest page, for reading many posts at once (a sitemap file). */
const INDEX_PAGE_SIZE = 100;

export type AuthorLink = Pick<AuthorRef, 'slug' | 'displayName'>;
export type TagLink = Pick<TagRef, 'slug' | 'name'>;

/** What a listing shows of a post: generated fields, with times as ISO 8601 strings. */
export type PostSummary = Pick<
  Post,
  'id' | 'slug' | 'title' | 'excerpt' | 'readingTimeMinutes' | 'coverImageUrl' | 'coverImageAlt' | 'coverImageHtml'
> & {
  /** ISO 8601, or undefined for a post that was never published. */
  publishTime: string | undefined;
  /** Undefined when the engine did not resolve the author. */
  author: AuthorLink | undefined;
  tags: TagLink[];
};

/** Everything a post's page (and a feed entry) shows. */
export type PostDetail = Omit<PostSummary, 'author'> &
  Pick<Post, 'kind' | 'html' | 'wordCount' | 'commentCount'> & {
    updateTime: string | undefined;
    toc: Pick<TocEntry, 'level' | 'anchor' | 'text'>[];
    author: (AuthorLink & Pick<AuthorRef, 'bio' | 'avatarUrl'>) | undefined;
    seo: Pick<PostSeo, 'metaTitle' | 'metaDescription' | 'canonicalUrl'>;
  };

/** A slug's answer: the post, the current slug of a renamed post, or nothing. */
export type PostLookup = { kind: 'found'; post: PostDetail } | { kind: 'moved'; slug: string } | { kind: 'missing' };

/** One numbered page of a listing. */
export type PostsPage = { posts: PostSummary[]; page: number; pageCount: number; totalSize: number };

/** A listing's filter; at most one of the two is set by the pages. */
export type ListingFilter = { tagSlug?: string; authorSlug?: string };

/** A post as the sitemap and the previous/next links need it. */
export type PostIndexEntry = Pick<Post, 'slug' | 'title'> & {
  publishTime: string | undefined;
  updateTime: string | undefined;
};

/** A published post or page by its current or an earlier slug. */
export async function getPost(slug: string): Promise<PostLookup> {
  'use cache';
  cacheLife('hours');
  cacheTag(tags.slug(slug));

  try {
    const { post, slugMoved } = await engine().posts.getPost({ key: { case: 'slug', value: slug }, view: PostView.FULL });
    if (!post) return { kind: 'missing' };
    // The answer changes with the post under its current slug too (renamed again, deleted).
    cacheTag(tags.slug(post.slug));
    if (slugMoved) return { kind: 'moved', slug: post.slug };
    const detail = toDetail(post);
    cacheTag(...tagsOfPosts([detail]));
    return { kind: 'found', post: detail };
  } catch (error) {
    if (isNotFound(error)) return { kind: 'missing' };
    throw error;
  }
}

/**
 * Page `page` (from 1) of the newest published posts, optionally of one tag
 * or author; undefined past the last page (page 1 always exists).
 */
export async function listPostsPage(filter: ListingFilter, page: number): Promise<PostsPage | undefined> {
  const tagSlug = filter.tagSlug ?? '';
  const authorSlug = filter.authorSlug ?? '';
  // The first page says how many there are, so a page past the end costs no engine call.
  const first = await listingPage(tagSlug, authorSlug, 1);
  const pageCount = Math.max(1, Math.ceil(first.totalSize / POSTS_PER_PAGE));
  if (!Number.isInteger(page) || page < 1 || page > pageCount) return undefined;
  const { posts } = page === 1 ? first : await listingPage(tagSlug, authorSlug, page);
  return { posts, page, pageCount, totalSize: first.totalSize };
}

type ListingPage = { posts: PostSummary[]; totalSize: number };

/** Page `page` of a listing, reached by position (`skip`): as cheap at page 5,000 as at page 2. */
async function listingPage(tagSlug: string, authorSlug: string, page: number): Promise<ListingPage> {
  'use cache';
  cacheLife('hours');
  cacheTag(listingTag(tagSlug, authorSlug));

  const response = await engine().posts.listPosts({
    pageSize: POSTS_PER_PAGE,
    skip: (page - 1) * POSTS_PER_PAGE,
    tagSlug,
    authorSlug,
    view: PostView.BASIC,
  });
  const posts = response.posts.map(toSummary);
  cacheTag(...tagsOfPosts(posts));
  return { posts, totalSize: response.totalSize };
}

/** The newest posts with their full HTML, site-wide or of one tag. */
export async function listFeedPosts(tagSlug: string | undefined): Promise<PostDetail[]> {
  'use cache';
  cacheLife('hours');
  cacheTag(listingTag(tagSlug ?? '', ''));

  const { posts } = await engine().posts.listPosts({ pageSize: FEED_SIZE, tagSlug, view: PostView.FULL });
  const details = posts.map(toDetail);
  cacheTag(...tagsOfPosts(details));
  return details;
}

/** How many posts (or pages) are published. */
export async function countPublished(kind: PostKind.POST | PostKind.PAGE): Promise<number> {
  'use cache';
  cacheLife('hours');
  cacheTag(tags.posts);

  const { totalSize } = await engine().posts.listPosts({ pageSize: 1, kind, view: PostView.BASIC });
  return totalSize;
}

/**
 * At most `count` published posts (or pages) from position `offset` (from 0),
 * newest first: the first engine page reached by position, the rest by token.
 */
export async function listPublished(kind: PostKind.POST | PostKind.PAGE, offset: number, count: number): Promise<PostIndexEntry[]> {
  'use cache';
  cacheLife('hours');
  cacheTag(tags.posts);

  const entries: PostIndexEntry[] = [];
  let pageToken = '';
  while (entries.length < count) {
    const response = await engine().posts.listPosts({
      pageSize: Math.min(INDEX_PAGE_SIZE, count - entries.length),
      pageToken,
      skip: pageToken ? 0 : offset,
      kind,
      view: PostView.BASIC,
    });
    entries.push(...response.posts.map(toIndexEntry));
    pageToken = response.nextPageToken;
    if (!pageToken) break;
  }
  return entries;
}

/**
 * The posts published just before (older) and after (newer) `slug`: one
 * engine lookup, as cheap with 100,000 posts as with 100. Cached under
 * `posts`, which every change to the published set expires.
 */
export async function adjacentPosts(slug: string): Promise<{ newer?: PostIndexEntry; older?: PostIndexEntry }> {
  'use cache';
  cacheLife('hours');
  cacheTag(tags.posts);

  try {
    const { newer, older } = await engine().posts.getAdjacentPosts({ slug });
    return { newer: newer && toIndexEntry(newer), older: older && toIndexEntry(older) };
  } catch (error) {
    if (isNotFound(error)) return {};
    throw error;
  }
}

function toIndexEntry(post: Post): PostIndexEntry {
  return { slug: post.slug, title: post.title, publishTime: isoTime(post.publishTime), updateTime: isoTime(post.updateTime) };
}

function listingTag(tagSlug: string, authorSlug: string): string {
  if (tagSlug) return tags.tag(tagSlug);
  if (authorSlug) return tags.author(authorSlug);
  return tags.posts;
}

function isoTime(timestamp: Timestamp | undefined): string | undefined {
  return timestamp ? timestampDate(timestamp).toISOString() : undefined;
}

export function toSummary(post: Post): PostSummary {
  return {
    id: post.id,
    slug: post.slug,
    title: post.title,
    excerpt: post.excerpt,
    readingTimeMinutes: post.readingTimeMinutes,
    coverImageUrl: post.coverImageUrl,
    coverImageAlt: post.coverImageAlt,
    coverImageHtml: post.coverImageHtml,
    publishTime: isoTime(post.publishTime),
    author: post.author ? { slug: post.author.slug, displayName: post.author.displayName } : undefined,
    tags: post.tags.map(({ slug, name }) => ({ slug, name })),
  };
}

export function toDetail(post: Post): PostDetail {
  return {
    ...toSummary(post),
    kind: post.kind,
    html: post.html,
    wordCount: post.wordCount,
    commentCount: post.commentCount,
    updateTime: isoTime(post.updateTime),
    toc: post.toc.map(({ level, anchor, text }) => ({ level, anchor, text })),
    author: post.author
      ? {
          slug: post.author.slug,
          displayName: post.author.displayName,
          bio: post.author.bio,
          avatarUrl: post.author.avatarUrl,
        }
      : undefined,
    seo: {
      metaTitle: post.seo?.metaTitle ?? '',
      metaDescription: post.seo?.metaDescription ?? '',
      canonicalUrl: post.seo?.canonicalUrl ?? '',
    },
  };
}
