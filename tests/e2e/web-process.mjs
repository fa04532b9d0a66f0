// Runs the web app (its standalone server on the existing web/.next build) for
// end-to-end tests, pointed at an engine. Several can run at once, each on a
// port of its own (pages rendered at run time stay in each process's memory).
import { startWebServer } from '../../scripts/lib/web-server.mjs';

/**
 * Starts the web app on `port` (a free one by default).
 * @param {{ engineUrl: string, apiKey: string, port?: number, siteUrl?: string, cache?: { redisUrl: string, prefix: string }, env?: Record<string, string> }} options
 *   siteUrl: the public origin (QUIRE_SITE_URL); defaults to the server's own.
 *   cache: share pages and data through Redis under `prefix` (replicas of one
 *   site pass the same); without it the server caches in its own memory, even
 *   when this process has a REDIS_URL.
 * @returns {Promise<{ url: string, port: number, output: () => string, stop: () => Promise<void> }>}
 */
export function startWeb(options) {
  // Kept for failure messages and `output()`; printed live with QUIRE_WEB_LOG=1.
  return startWebServer({ ...options, output: 'keep', echo: process.env.QUIRE_WEB_LOG === '1' });
}
