import { escapeXml, textElement } from './xml';

export type SitemapEntry = { url: string; lastModified?: string | undefined };

/**
 * URLs per sitemap file. Search engines accept at most 50,000 (and 50 MB);
 * smaller files cost less to re-render after a change (a file of posts is
 * SITEMAP_FILE_URLS / 100 engine pages) and are what WordPress and Ghost serve too.
 */
export const SITEMAP_FILE_URLS = 10_000;

/**
 * The files of the sitemap index (/sitemap.xml): `site.xml` (the home page,
 * tags and authors) and numbered files of posts and of pages, newest first,
 * each of at most SITEMAP_FILE_URLS.
 */
export type SitemapFile = { kind: 'site' } | { kind: 'posts' | 'pages'; number: number };

/** The file names of a blog with this many published posts and pages (at least one file of posts). */
export function sitemapFiles(counts: { posts: number; pages: number }): SitemapFile[] {
  const numbered = (kind: 'posts' | 'pages', count: number, least: number) =>
    Array.from({ length: Math.max(least, Math.ceil(count / SITEMAP_FILE_URLS)) }, (_, index) => ({ kind, number: index + 1 }));
  return [{ kind: 'site' }, ...numbered('posts', counts.posts, 1), ...numbered('pages', counts.pages, 0)];
}

export function sitemapFileName(file: SitemapFile): string {
  return file.kind === 'site' ? 'site.xml' : `${file.kind}-${file.number}.xml`;
}

/** The file a name names (`site.xml`, `posts-3.xml`), or undefined. Whether it exists depends on the counts. */
export function parseSitemapFileName(name: string): SitemapFile | undefined {
  if (name === 'site.xml') return { kind: 'site' };
  const match = /^(posts|pages)-([1-9][0-9]{0,5})\.xml$/.exec(name);
  if (!match) return undefined;
  return { kind: match[1] as 'posts' | 'pages', number: Number(match[2]) };
}

/** How many posts a numbered file skips: its first post's position, from 0. */
export function sitemapFileOffset(number: number): number {
  return (number - 1) * SITEMAP_FILE_URLS;
}

/** A sitemap (https://www.sitemaps.org/protocol.html) of absolute URLs. */
export function renderSitemap(entries: SitemapEntry[]): string {
  const urls = entries.map(
    (entry) => `<url><loc>${escapeXml(entry.url)}</loc>${textElement('lastmod', entry.lastModified)}</url>`,
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n',
    ...urls.map((url) => `${url}\n`),
    '</urlset>\n',
  ].join('');
}

/** A sitemap index: the absolute URLs of sitemap files. */
export function renderSitemapIndex(entries: SitemapEntry[]): string {
  const sitemaps = entries.map(
    (entry) => `<sitemap><loc>${escapeXml(entry.url)}</loc>${textElement('lastmod', entry.lastModified)}</sitemap>`,
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n',
    ...sitemaps.map((sitemap) => `${sitemap}\n`),
    '</sitemapindex>\n',
  ].join('');
}
