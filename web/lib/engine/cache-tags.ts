import 'server-only';

/**
 * Every cache tag the web app uses, in one place. Cached reads tag their
 * entries with these (`cacheTag(tags.posts)`), and invalidation (Server
 * Actions, the change-feed subscriber) revalidates the same names. Each maps
 * to a field of `quire.v1.Change`, so a change tells us exactly what to drop.
 */
export const tags = {
  /** Any listing of posts (home page, archives, feeds). */
  posts: 'posts',
  /** One post, by its current slug (`Change.slug`, `Change.previous_slug`). */
  post: (slug: string) => `post:${slug}`,
  /** Listings and pages of one tag (`Change.tag_slugs`, `Change.tag_slug`). */
  tag: (slug: string) => `tag:${slug}`,
  /** Listings and profile of one author (`Change.author_slug`). */
  author: (slug: string) => `author:${slug}`,
} as const;
