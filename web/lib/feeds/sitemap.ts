import { escapeXml, textElement } from './xml';

export type SitemapEntry = { url: string; lastModified?: string | undefined };

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
