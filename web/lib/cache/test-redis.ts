import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * The real Redis for the cache's tests (REDIS_URL, default the local one),
 * with a key prefix of the test's own, removed afterwards.
 */
export function testRedis(): { redis: Redis; prefix: string; cleanup: () => Promise<void> } {
  const redis = new Redis(process.env.REDIS_URL || 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  const prefix = `quire:test:web-cache:${randomUUID()}:`;
  const cleanup = async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  };
  return { redis, prefix, cleanup };
}
