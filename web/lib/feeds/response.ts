import type { FeedFormat } from '@/lib/routes';
import { renderAtom } from './atom';
import type { Feed } from './feed';
import { renderJsonFeed } from './json-feed';
import { renderRss } from './rss';

const CONTENT_TYPES: Record<FeedFormat, string> = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
};

const RENDERERS: Record<FeedFormat, (feed: Feed) => string> = { rss: renderRss, atom: renderAtom, json: renderJsonFeed };

/** `feed` rendered in `format`, as a route handler's response. */
export function feedResponse(format: FeedFormat, feed: Feed): Response {
  return new Response(RENDERERS[format](feed), { headers: { 'content-type': CONTENT_TYPES[format] } });
}
