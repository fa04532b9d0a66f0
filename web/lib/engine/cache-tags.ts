import 'server-only';

/**
 * Every cache tag the web app uses, in one place, spelled as the contract's
 * grammar (`Change.cache_tags` in proto/quire/v1/change.proto). Each
 * `'use cache'` read in lib/engine/ tags its entry with the tags of
 * everything it shows, and a page's cached HTML inherits the tags of the
 * reads it made. The engine computes which tags a write invalidates, once:
 * Server Actions update the tags their write's response lists, and the
 * change follower (lib/changes/) expires the tags each change lists, so one
 * change drops exactly the pages that show what it changed. Nothing here
 * derives tags from a change.
 */
export const tags = {
  /**
   * Which posts are published and in what order, and what a listing shows of
   * them: the home pages, site-wide feeds, the sitemap, and the previous/next
   * links of every post page.
   */
  posts: 'posts',
  /** A post or page by slug, current or former: its page, comments and OG image; also a slug's 404 or redirect. */
  slug: (slug: string) => `slug:${slug}`,
  /** One tag: its name and description, its pages and feeds, and every listing that names it. */
  tag: (slug: string) => `tag:${slug}`,
  /** One author: their profile and pages, and every page that names them or shows their box. */
  author: (slug: string) => `author:${slug}`,
  /** The list of tags (the sitemap's tag pages). */
  tagList: 'tags',
  /** The list of authors. */
  authorList: 'authors',
  /** Everything: a change that lists it expires every cached entry. */
  all: 'all',
} as const;

/** The tags of the authors and tags that a set of posts shows. */
export function tagsOfPosts(
  posts: readonly { author?: { slug: string } | undefined; tags: readonly { slug: string }[] }[],
): string[] {
  const found = new Set<string>();
  for (const post of posts) {
    if (post.author?.slug) found.add(tags.author(post.author.slug));
    for (const tag of post.tags) found.add(tags.tag(tag.slug));
  }
  return [...found];
}
