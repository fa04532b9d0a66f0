import 'server-only';
import type { Tag } from '@quire/gen/quire/v1/tag_pb';
import { cacheLife, cacheTag } from 'next/cache';
import { tags } from './cache-tags';
import { engine } from './clients';
import { isNotFound } from './errors';

/** Tags as their pages and the sitemap show them; cached like posts.ts. */

/** ListTags' largest page. */
const TAGS_PAGE_SIZE = 200;
/** Bounds the walk at 10,000 tags. */
const TAGS_MAX_PAGES = 50;

export type TagProfile = Pick<Tag, 'slug' | 'name' | 'description' | 'postCount'>;

/** A tag by slug, or undefined when there is none. */
export async function getTag(slug: string): Promise<TagProfile | undefined> {
  'use cache';
  cacheLife('hours');
  cacheTag(tags.tag(slug));

  try {
    const { tag } = await engine().tags.getTag({ slug });
    return tag && toProfile(tag);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Every tag with at least one published post, by name. */
export async function listUsedTags(): Promise<TagProfile[]> {
  'use cache';
  cacheLife('hours');
  // The list changes with tags; post counts with publishing; names with each tag's edits.
  cacheTag(tags.tagList, tags.posts);

  const found: TagProfile[] = [];
  let pageToken = '';
  for (let page = 0; page < TAGS_MAX_PAGES; page += 1) {
    const response = await engine().tags.listTags({ pageSize: TAGS_PAGE_SIZE, pageToken, onlyUsed: true });
    found.push(...response.tags.map(toProfile));
    pageToken = response.nextPageToken;
    if (!pageToken) break;
  }
  cacheTag(...found.map((tag) => tags.tag(tag.slug)));
  return found;
}

function toProfile(tag: Tag): TagProfile {
  return { slug: tag.slug, name: tag.name, description: tag.description, postCount: tag.postCount };
}
