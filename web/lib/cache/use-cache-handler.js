// @ts-check
import * as defaultHandlerModule from 'next/dist/server/lib/cache-handlers/default.js';

// A CommonJS module: Node may expose its exports only as `default`, a bundler as named exports.
/** @type {typeof import('next/dist/server/lib/cache-handlers/default').createDefaultCacheHandler} */
const createDefaultCacheHandler =
  /** @type {any} */ (defaultHandlerModule).createDefaultCacheHandler ?? /** @type {any} */ (defaultHandlerModule).default.createDefaultCacheHandler;
import { MEMORY_CACHE_BYTES, cacheConfig } from './config.js';
import { decodeUseCacheEntry, encodeUseCacheEntry } from './entry-codec.js';
import { cacheKeys } from './keys.js';
import { warnCacheFailure } from './log.js';
import { sharedRedis } from './redis.js';
import { localInvalidation, redisTagStore } from './tag-store.js';

/**
 * The `'use cache'` handler (`cacheHandlers.default` in next.config.ts).
 *
 * Shared mode (REDIS_URL): entries live in Redis under the prefix, with a TTL
 * from their `expire`, so every replica reads what any of them cached. Every
 * `get` checks the entry's tags and its implicit (path) tags against the tag
 * store in the same breath, so an invalidation written by any replica or by
 * the change follower holds at once; `getExpiration` answers Infinity to say
 * so. When Redis cannot be read, `get` answers a miss: a Redis outage makes
 * pages slower, never staler, and never fails a request.
 *
 * Memory mode: Next's own in-memory handler, unchanged, plus the follower's
 * "expire everything" (see tag-store.js).
 */

/** Upper bound on an entry's time to live; `expire` can be "never". */
const MAX_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/** @typedef {import('next/cache').CacheHandler} CacheHandler */
/** @typedef {import('next/cache').CacheEntry} CacheEntry */

/** @param {ReadableStream<Uint8Array>} stream */
async function readAll(stream) {
  const chunks = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** @param {Uint8Array} bytes */
function streamOf(bytes) {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

/**
 * How long Redis should keep an entry: until its `expire`, counted from its
 * timestamp (Next.js would refuse it after that anyway).
 * @param {{ timestamp: number, expire: number }} entry
 * @param {number} now
 */
export function entryTtlMs(entry, now) {
  const expireMs = Number.isFinite(entry.expire) ? entry.expire * 1000 : MAX_TTL_MS;
  return Math.min(Math.ceil(entry.timestamp + expireMs - now), MAX_TTL_MS);
}

/**
 * @param {import('ioredis').Redis} redis
 * @param {string} prefix
 * @returns {CacheHandler}
 */
export function createRedisUseCacheHandler(redis, prefix) {
  const keys = cacheKeys(prefix);
  const tags = redisTagStore(redis, prefix);
  // A get for a key whose set is still running waits for it (the interface asks so).
  /** @type {Map<string, Promise<void>>} */
  const pendingSets = new Map();

  return {
    async get(cacheKey, softTags) {
      await pendingSets.get(cacheKey);
      try {
        const stored = await redis.getBuffer(keys.useCacheEntry(cacheKey));
        if (!stored) return undefined;
        const { meta, bytes } = decodeUseCacheEntry(stored);
        const verdict = await tags.verdict([...meta.tags, ...softTags], meta.timestamp);
        if (verdict === 'expired') return undefined;
        // A stale tag (revalidateTag with a profile): served once more while a fresh one renders.
        return { ...meta, revalidate: verdict === 'stale' ? -1 : meta.revalidate, value: streamOf(bytes) };
      } catch (error) {
        warnCacheFailure('use-cache read', error);
        return undefined;
      }
    },

    async set(cacheKey, pendingEntry) {
      /** @type {() => void} */
      let settle = () => {};
      pendingSets.set(cacheKey, new Promise((resolve) => (settle = resolve)));
      try {
        const entry = await pendingEntry;
        // `expire: 0` is dynamic: never served from a cache, so not worth storing.
        if (entry.expire === 0) return;
        // A stream that fails partway gives an incomplete value: nothing is stored.
        const bytes = await readAll(entry.value);
        const { value: _value, ...meta } = entry;
        const ttlMs = entryTtlMs(meta, Date.now());
        if (ttlMs <= 0) return;
        await redis.set(keys.useCacheEntry(cacheKey), encodeUseCacheEntry(meta, bytes), 'PX', ttlMs);
      } catch (error) {
        warnCacheFailure('use-cache write', error);
      } finally {
        settle();
        pendingSets.delete(cacheKey);
      }
    },

    // Tag state is read with each entry, so there is nothing to sync per request.
    async refreshTags() {},

    // Infinity: implicit (soft) tags are checked in `get`, with the entry's own.
    async getExpiration() {
      return Infinity;
    },

    async updateTags(updated, durations) {
      try {
        await tags.update(updated, durations);
      } catch (error) {
        // The change follower expires the same tags once Redis answers again;
        // until then no replica can read an entry from Redis either.
        warnCacheFailure('tag invalidation', error);
      }
    },
  };
}

/** @returns {CacheHandler} */
export function createMemoryUseCacheHandler() {
  const memory = createDefaultCacheHandler(MEMORY_CACHE_BYTES);
  const local = localInvalidation();
  local.update = (tags, durations) => memory.updateTags([...tags], durations);
  return {
    ...memory,
    async get(cacheKey, softTags) {
      const entry = await memory.get(cacheKey, softTags);
      return entry && entry.timestamp <= local.allExpiredAt ? undefined : entry;
    },
  };
}

/** The handler for this process's configuration, made on first use (importing has no effects). */
function createUseCacheHandler() {
  const config = cacheConfig();
  console.info(
    config.shared
      ? `[cache] 'use cache' entries shared in Redis under "${config.prefix}"`
      : `[cache] 'use cache' entries in this process's memory (no REDIS_URL, or next build)`,
  );
  return config.shared ? createRedisUseCacheHandler(sharedRedis(config.redisUrl), config.prefix) : createMemoryUseCacheHandler();
}

/** @type {CacheHandler | undefined} */
let instance;
const handler = () => (instance ??= createUseCacheHandler());

/** @type {CacheHandler} */
export default {
  get: (cacheKey, softTags) => handler().get(cacheKey, softTags),
  set: (cacheKey, pendingEntry) => handler().set(cacheKey, pendingEntry),
  refreshTags: () => handler().refreshTags(),
  getExpiration: (tags) => handler().getExpiration(tags),
  updateTags: (tags, durations) => handler().updateTags(tags, durations),
};
