/** Types of use-cache-handler.js. */
import type { Redis } from 'ioredis';
import type { CacheHandler } from 'next/cache';

export declare function entryTtlMs(entry: { timestamp: number; expire: number }, now: number): number;
export declare function createRedisUseCacheHandler(redis: Redis, prefix: string): CacheHandler;
export declare function createMemoryUseCacheHandler(): CacheHandler;
declare const handler: CacheHandler;
export default handler;
