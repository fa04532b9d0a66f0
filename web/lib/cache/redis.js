// @ts-check
import { Redis } from 'ioredis';

/**
 * One Redis connection per URL and process, shared through `globalThis`: the
 * cache handlers (loaded by Next.js outside the app bundle) and the change
 * follower (inside it) are different module instances.
 *
 * Failing fast is the point: while Redis is away, commands fail at once (no
 * offline queue) or after COMMAND_TIMEOUT_MS, the handlers treat that as a
 * miss, and pages render from the engine. The connection retries in the
 * background, forever.
 */

const COMMAND_TIMEOUT_MS = 500;
const CONNECT_TIMEOUT_MS = 2_000;
const MAX_RECONNECT_DELAY_MS = 1_000;

const CONNECTIONS = Symbol.for('quire.web.cache.redis');

/** @returns {Map<string, Redis>} */
function connections() {
  const holder = /** @type {Record<symbol, Map<string, Redis> | undefined>} */ (/** @type {unknown} */ (globalThis));
  return (holder[CONNECTIONS] ??= new Map());
}

/** @param {string} url */
export function sharedRedis(url) {
  const existing = connections().get(url);
  if (existing) return existing;
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, MAX_RECONNECT_DELAY_MS),
  });
  // Logged once per outage, not once per retry; without an 'error' listener
  // ioredis would report every failed attempt as unhandled.
  let down = false;
  redis.on('error', (error) => {
    if (down) return;
    down = true;
    console.warn(`[cache] Redis unavailable, serving without the shared cache: ${error.message}`);
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    console.info('[cache] Redis reconnected');
  });
  connections().set(url, redis);
  return redis;
}
