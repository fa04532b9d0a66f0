/** Types of redis.js. */
import type { Redis } from 'ioredis';
export declare function sharedRedis(url: string): Redis;
