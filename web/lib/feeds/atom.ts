import type { Feed } from './feed';
import { escapeXml, textElement } from './xml';

/** The time Atom's required `updated` falls back to for a feed without entries. */
const EPOCH = '1970-01-01T00:00:00.000Z';

/** Atom 1.0 (RFC 4287), with the full post as escaped HTML content. */
export function renderAtom(feed: Feed): string {
  const entries = feed.entries.map((entry) =>
    [
      '<entry>',
      textElement('title', entry.title),
      textElement('id', entry.id),
      `<link rel="alternate" type="text/html" href="${escapeXml(entry.url)}"/>`,
      textElement('published', entry.published),
      textElement('updated', entry.updated ?? entry.published ?? EPOCH),
      entry.author
        ? `<author>${textElement('name', entry.author.name)}${textElement('uri', entry.author.url)}</author>`
        : '',
      ...entry.categories.map((category) => `<category term="${escapeXml(category)}"/>`),
      textElement('summary', entry.summary),
      textElement('content', entry.contentHtml, ' type="html"'),
      '</entry>',
    ].join(''),
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">',
    textElement('title', feed.title),
    textElement('subtitle', feed.description),
    textElement('id', feed.homeUrl),
    `<link rel="alternate" type="text/html" href="${escapeXml(feed.homeUrl)}"/>`,
    `<link rel="self" type="application/atom+xml" href="${escapeXml(feed.feedUrls.atom)}"/>`,
    textElement('updated', feed.updated ?? EPOCH),
    `<author>${textElement('name', feed.authorName)}</author>`,
    textElement('generator', 'Quire'),
    ...entries,
    '</feed>\n',
  ].join('');
}
