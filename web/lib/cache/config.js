// @ts-check
/**
 * Configuration of the shared cache (Redis), for the cache handlers.
 *
 * Next.js loads the handlers (use-cache-handler.js, incremental-cache-handler.js)
 * itself, with a plain `import()` outside the app bundle: they cannot use
 * lib/env.ts (TypeScript, `server-only`, the `@/` alias). So this module is
 * their reader of `process.env`, and the only one besides lib/env.ts, which
 * declares and validates the same variables for the app's own code (the
 * change follower) with the default from here.
 *
 * - `REDIS_URL`: where the shared cache lives. Unset: every cache stays in this
 *   process's memory, exactly as Next.js does by default (one dev server, or
 *   `next build` in CI/Docker).
 * - `QUIRE_WEB_CACHE_PREFIX`: the prefix of every key the web tier writes, so
 *   several sites (or tests) can share one Redis. Replicas of one site share it.
 *
 * `next build` never uses Redis, even when `REDIS_URL` is set: what a build
 * renders must not leak into (or depend on) a running site's cache.
 */

export const DEFAULT_CACHE_PREFIX = 'quire:web:';

/** Next's default size for its in-memory caches, kept in memory mode (next.config.ts sets `cacheMaxMemorySize: 0`). */
export const MEMORY_CACHE_BYTES = 50 * 1024 * 1024;

/**
 * @param {Record<string, string | undefined>} source normally `process.env`
 * @returns {import('./config').CacheConfig}
 */
export function readCacheConfig(source) {
  const prefix = source.QUIRE_WEB_CACHE_PREFIX || DEFAULT_CACHE_PREFIX;
  const redisUrl = source.REDIS_URL || undefined;
  if (!redisUrl || source.NEXT_PHASE === 'phase-production-build') return { shared: false, prefix };
  let protocol;
  try {
    protocol = new URL(redisUrl).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new Error('Invalid environment variables:\n  REDIS_URL: must be a redis:// or rediss:// URL');
  }
  return { shared: true, redisUrl, prefix };
}

/** @type {import('./config').CacheConfig | undefined} */
let cached;

/** This process's cache configuration, read once. */
export function cacheConfig() {
  cached ??= readCacheConfig(process.env);
  return cached;
}
