/** Types of config.js (plain JavaScript: Next.js loads the cache handlers outside the app bundle). */
export type CacheConfig = { shared: true; redisUrl: string; prefix: string } | { shared: false; prefix: string };
export declare const DEFAULT_CACHE_PREFIX: string;
export declare const MEMORY_CACHE_BYTES: number;
export declare function readCacheConfig(source: Record<string, string | undefined>): CacheConfig;
export declare function cacheConfig(): CacheConfig;
