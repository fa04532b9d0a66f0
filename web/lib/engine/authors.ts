import 'server-only';
import type { Author } from '@quire/gen/quire/v1/author_pb';
import { cacheLife, cacheTag } from 'next/cache';
import { tags } from './cache-tags';
import { engine } from './clients';
import { isNotFound } from './errors';

/** Authors' public profiles; cached like posts.ts. */

/** ListAuthors' largest page. */
const AUTHORS_PAGE_SIZE = 100;
/** Bounds the walk at 10,000 authors. */
const AUTHORS_MAX_PAGES = 100;

/** The public part of an author: never the email or role. */
export type AuthorProfile = Pick<Author, 'slug' | 'displayName' | 'bio' | 'avatarUrl' | 'websiteUrl' | 'postCount'>;

/** An author by slug, or undefined when there is none. */
export async function getAuthor(slug: string): Promise<AuthorProfile | undefined> {
  'use cache';
  cacheLife('hours');
  cacheTag(tags.author(slug));

  try {
    const { author } = await engine().authors.getAuthor({ key: { case: 'slug', value: slug } });
    return author && toProfile(author);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Every author with at least one published post, by name. */
export async function listPublishingAuthors(): Promise<AuthorProfile[]> {
  'use cache';
  cacheLife('hours');
  // The list changes with authors; post counts with publishing; profiles with each author's edits.
  cacheTag(tags.authorList, tags.posts);

  const found: AuthorProfile[] = [];
  let pageToken = '';
  for (let page = 0; page < AUTHORS_MAX_PAGES; page += 1) {
    const response = await engine().authors.listAuthors({ pageSize: AUTHORS_PAGE_SIZE, pageToken });
    found.push(...response.authors.filter((author) => author.postCount > 0).map(toProfile));
    pageToken = response.nextPageToken;
    if (!pageToken) break;
  }
  cacheTag(...found.map((author) => tags.author(author.slug)));
  return found;
}

function toProfile(author: Author): AuthorProfile {
  return {
    slug: author.slug,
    displayName: author.displayName,
    bio: author.bio,
    avatarUrl: author.avatarUrl,
    websiteUrl: author.websiteUrl,
    postCount: author.postCount,
  };
}
