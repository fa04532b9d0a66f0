/**
 * Every URL of the site, built in one place. Paths only; `site.ts` makes
 * them absolute. The first page of a listing has no `/page/1` form
 * (next.config.ts redirects it), so there is one URL per page.
 */

export type FeedFormat = 'rss' | 'atom' | 'json';

/** The file name of each feed format in its URL (`/feed/rss.xml`). */
export const FEED_FILES: Record<FeedFormat, string> = { rss: 'rss.xml', atom: 'atom.xml', json: 'feed.json' };

/** The format a feed URL's file name stands for, if any. */
export function feedFormatOf(file: string): FeedFormat | undefined {
  return (Object.keys(FEED_FILES) as FeedFormat[]).find((format) => FEED_FILES[format] === file);
}

const paged = (base: string, page: number) => (page > 1 ? `${base === '/' ? '' : base}/page/${page}` : base);

export const routes = {
  home: (page = 1) => paged('/', page),
  post: (slug: string) => `/${slug}`,
  tag: (slug: string, page = 1) => paged(`/tag/${slug}`, page),
  author: (slug: string, page = 1) => paged(`/author/${slug}`, page),
  search: (query?: string, pageToken?: string) => {
    const params = new URLSearchParams();
    if (query) params.set('q', query);
    if (pageToken) params.set('after', pageToken);
    const search = params.toString();
    return search ? `/search?${search}` : '/search';
  },
  feed: (format: FeedFormat, tagSlug?: string) =>
    tagSlug ? `/tag/${tagSlug}/feed/${FEED_FILES[format]}` : `/feed/${FEED_FILES[format]}`,
  ogImage: (slug: string) => `/og/${slug}`,
  sitemap: '/sitemap.xml',
  sitemapFile: (name: string) => `/sitemaps/${name}`,
} as const;
