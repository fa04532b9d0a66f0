import type { Feed } from './feed';
import { escapeXml, textElement } from './xml';

/** RSS 2.0, with the full post in content:encoded and an atom:link to itself. */
export function renderRss(feed: Feed): string {
  const items = feed.entries.map((entry) =>
    [
      '<item>',
      textElement('title', entry.title),
      textElement('link', entry.url),
      textElement('guid', entry.id, ' isPermaLink="false"'),
      textElement('pubDate', entry.published && rfc822(entry.published)),
      textElement('dc:creator', entry.author?.name),
      ...entry.categories.map((category) => textElement('category', category)),
      textElement('description', asHtml(entry.summary)),
      textElement('content:encoded', entry.contentHtml),
      '</item>',
    ].join(''),
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">',
    '<channel>',
    textElement('title', feed.title),
    textElement('link', feed.homeUrl),
    textElement('description', asHtml(feed.description)),
    '<language>en</language>',
    textElement('generator', 'Quire'),
    textElement('lastBuildDate', feed.updated && rfc822(feed.updated)),
    `<atom:link href="${escapeXml(feed.feedUrls.rss)}" rel="self" type="application/rss+xml"/>`,
    ...items,
    '</channel>',
    '</rss>\n',
  ].join('');
}

/**
 * Readers treat a description (the item's and the channel's) as HTML, but
 * ours are plain text (an excerpt, a meta description, a tag's description):
 * escaped as HTML first (and then as XML), they show as the text they are,
 * even when that text is `<img onerror=…>`.
 */
function asHtml(text: string | undefined): string | undefined {
  return text && escapeXml(text);
}

/** RFC 822 dates, as RSS wants them: `Tue, 02 Jan 2026 03:04:05 GMT`. */
function rfc822(iso: string): string {
  return new Date(iso).toUTCString();
}
