import type { PostDetail } from '@/lib/engine/posts';
import { type FeedFormat, routes } from '@/lib/routes';
import { coverImageUrlOf } from '@/lib/seo';
import type { Site } from '@/lib/site';

/**
 * A feed, whatever its format: what rss.ts, atom.ts and json-feed.ts render.
 * Built from the newest posts (lib/engine/posts.ts listFeedPosts).
 */
export type Feed = {
  title: string;
  description: string;
  /** The HTML page the feed follows (the home page, or the tag's page). */
  homeUrl: string;
  /** This feed's own URL in each format. */
  feedUrls: Record<FeedFormat, string>;
  /** The newest change among the entries (ISO 8601). */
  updated: string | undefined;
  /** Who writes the blog, for formats that want an author for the feed itself. */
  authorName: string;
  entries: FeedEntry[];
};

export type FeedEntry = {
  /** Stable across renames: `urn:uuid:<post id>`. */
  id: string;
  url: string;
  title: string;
  summary: string;
  contentHtml: string;
  published: string | undefined;
  updated: string | undefined;
  author: { name: string; url: string } | undefined;
  categories: string[];
  imageUrl: string | undefined;
};

/**
 * `html` with the media library's paths in `src` and `srcset` made absolute
 * under `origin`: a feed is read away from the site, where `/media/…` means
 * nothing. (The engine writes those attributes, with double quotes, and only
 * library paths survive in a `srcset`.)
 */
export function absoluteMediaUrls(html: string, origin: string): string {
  const absolute = (path: string) => new URL(path, origin).toString();
  return html
    .replace(/(\ssrc=")(\/media\/[^"]*)"/g, (_, attribute: string, path: string) => `${attribute}${absolute(path)}"`)
    .replace(/(\ssrcset=")([^"]*)"/g, (_, attribute: string, set: string) => {
      const entries = set.split(',').map((entry) => entry.trim().replace(/^\/media\/\S*/, (path) => absolute(path)));
      return `${attribute}${entries.join(', ')}"`;
    });
}

export function feedFromPosts(
  posts: PostDetail[],
  site: Site,
  scope: { tag?: { slug: string; name: string; description: string } } = {},
): Feed {
  const absolute = (path: string) => new URL(path, site.url).toString();
  const { tag } = scope;
  const entries = posts.map(
    (post): FeedEntry => ({
      id: `urn:uuid:${post.id}`,
      url: absolute(routes.post(post.slug)),
      title: post.title,
      summary: post.seo.metaDescription || post.excerpt,
      contentHtml: absoluteMediaUrls(post.html, site.url),
      published: post.publishTime,
      updated: post.updateTime ?? post.publishTime,
      author: post.author && { name: post.author.displayName, url: absolute(routes.author(post.author.slug)) },
      categories: post.tags.map((postTag) => postTag.name),
      imageUrl: post.coverImageUrl ? coverImageUrlOf(post.coverImageUrl, site) : undefined,
    }),
  );
  const updated = entries
    .map((entry) => entry.updated)
    .filter((time): time is string => Boolean(time))
    .sort()
    .at(-1);
  return {
    title: tag ? `${tag.name} · ${site.name}` : site.name,
    description: tag ? tag.description || `Posts tagged “${tag.name}” on ${site.name}.` : site.description,
    homeUrl: absolute(tag ? routes.tag(tag.slug) : routes.home()),
    feedUrls: {
      rss: absolute(routes.feed('rss', tag?.slug)),
      atom: absolute(routes.feed('atom', tag?.slug)),
      json: absolute(routes.feed('json', tag?.slug)),
    },
    updated,
    authorName: site.name,
    entries,
  };
}
