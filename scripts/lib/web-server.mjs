// How tests and benchmarks start the web app (`next start` on the existing build).
import path from 'node:path';
import { ROOT } from './run.mjs';

export const NEXT_BIN = path.join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');

/**
 * The environment of a `next start` pointed at an engine. The shared Redis
 * cache is used only when `cache` is given: otherwise a REDIS_URL inherited
 * from the caller (npm test's services) would make unrelated servers share pages.
 * @param {{ engineUrl: string, apiKey: string, siteUrl: string, cache?: { redisUrl: string, prefix: string } }} options
 */
export function webServerEnv({ engineUrl, apiKey, siteUrl, cache }) {
  const { REDIS_URL: _redisUrl, QUIRE_WEB_CACHE_PREFIX: _cachePrefix, ...inherited } = process.env;
  return {
    ...inherited,
    ...(cache ? { REDIS_URL: cache.redisUrl, QUIRE_WEB_CACHE_PREFIX: cache.prefix } : {}),
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    QUIRE_ENGINE_URL: engineUrl,
    QUIRE_ENGINE_API_KEY: apiKey,
    QUIRE_SITE_URL: siteUrl,
  };
}
