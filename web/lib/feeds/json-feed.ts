import type { Feed } from './feed';

/** JSON Feed 1.1 (https://jsonfeed.org/version/1.1). */
export function renderJsonFeed(feed: Feed): string {
  return `${JSON.stringify(
    {
      version: 'https://jsonfeed.org/version/1.1',
      title: feed.title,
      home_page_url: feed.homeUrl,
      feed_url: feed.feedUrls.json,
      description: feed.description,
      language: 'en',
      authors: [{ name: feed.authorName }],
      items: feed.entries.map((entry) => ({
        id: entry.id,
        url: entry.url,
        title: entry.title,
        summary: entry.summary,
        content_html: entry.contentHtml,
        ...(entry.imageUrl ? { image: entry.imageUrl } : {}),
        ...(entry.published ? { date_published: entry.published } : {}),
        ...(entry.updated ? { date_modified: entry.updated } : {}),
        ...(entry.author ? { authors: [entry.author] } : {}),
        tags: entry.categories,
      })),
    },
    null,
    2,
  )}\n`;
}
