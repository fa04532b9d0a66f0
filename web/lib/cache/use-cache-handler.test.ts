import type { CacheEntry } from 'next/cache';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redisTagStore } from './tag-store';
import { testRedis } from './test-redis';
import { createRedisUseCacheHandler, entryTtlMs } from './use-cache-handler';

function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });
}

function entry(overrides: Partial<CacheEntry> = {}): CacheEntry {
  return {
    value: streamOf('{"title":', '"Hello"}'),
    tags: ['post:hello'],
    stale: 300,
    timestamp: Date.now(),
    expire: 86_400,
    revalidate: 3_600,
    ...overrides,
  };
}

const text = async (value: ReadableStream<Uint8Array>) => new Response(value).text();

describe('entryTtlMs', () => {
  it('keeps an entry until its expire, counted from when it was made', () => {
    expect(entryTtlMs({ timestamp: 10_000, expire: 60 }, 20_000)).toBe(50_000);
    expect(entryTtlMs({ timestamp: 10_000, expire: 5 }, 20_000)).toBeLessThanOrEqual(0);
    expect(entryTtlMs({ timestamp: 0, expire: Infinity }, 0)).toBe(30 * 24 * 60 * 60 * 1000);
  });
});

describe('the Redis use-cache handler', () => {
  let redis: ReturnType<typeof testRedis>;
  beforeEach(() => {
    redis = testRedis();
  });
  afterEach(async () => {
    await redis.cleanup();
  });

  it('serves what another replica stored, with a fresh stream each time and a TTL from expire', async () => {
    const writer = createRedisUseCacheHandler(redis.redis, redis.prefix);
    const reader = createRedisUseCacheHandler(redis.redis.duplicate(), redis.prefix);
    const stored = entry();
    await writer.set('key-1', Promise.resolve(stored));

    for (let read = 0; read < 2; read += 1) {
      const found = await reader.get('key-1', []);
      expect(found).toBeDefined();
      expect(await text(found!.value)).toBe('{"title":"Hello"}');
      expect(found).toMatchObject({ tags: ['post:hello'], timestamp: stored.timestamp, revalidate: 3_600, expire: 86_400 });
    }
    const ttl = await redis.redis.pttl(`${redis.prefix}use-cache:key-1`);
    expect(ttl).toBeGreaterThan(86_000_000);
    expect(ttl).toBeLessThanOrEqual(86_400_000);
  });

  it('drops an entry once any replica expires one of its tags or implicit tags', async () => {
    const handler = createRedisUseCacheHandler(redis.redis, redis.prefix);
    const tags = redisTagStore(redis.redis, redis.prefix);
    await handler.set('a', Promise.resolve(entry({ timestamp: Date.now() - 5 })));
    await handler.set('b', Promise.resolve(entry({ timestamp: Date.now() - 5, tags: ['post:other'] })));

    await handler.updateTags(['post:hello']);
    expect(await handler.get('a', [])).toBeUndefined();
    expect(await handler.get('b', ['_N_T_/other'])).toBeDefined();

    await tags.update(['_N_T_/other']);
    expect(await handler.get('b', ['_N_T_/other'])).toBeUndefined();
  });

  it('serves an entry with a stale tag with revalidate -1, so that it refreshes', async () => {
    const handler = createRedisUseCacheHandler(redis.redis, redis.prefix);
    await handler.set('a', Promise.resolve(entry({ timestamp: Date.now() - 5 })));
    await handler.updateTags(['post:hello'], { expire: 3_600 });
    const found = await handler.get('a', []);
    expect(found?.revalidate).toBe(-1);
  });

  it('stores neither dynamic entries nor values whose stream failed', async () => {
    const handler = createRedisUseCacheHandler(redis.redis, redis.prefix);
    await handler.set('dynamic', Promise.resolve(entry({ expire: 0 })));
    const failing = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array([1]));
        controller.error(new Error('render failed'));
      },
    });
    await handler.set('failed', Promise.resolve(entry({ value: failing })));
    expect(await handler.get('dynamic', [])).toBeUndefined();
    expect(await handler.get('failed', [])).toBeUndefined();
  });

  it('answers a get during a set with the entry being set', async () => {
    const handler = createRedisUseCacheHandler(redis.redis, redis.prefix);
    let resolve: (value: CacheEntry) => void = () => {};
    const setting = handler.set('slow', new Promise((r) => (resolve = r)));
    const getting = handler.get('slow', []);
    resolve(entry());
    await setting;
    expect(await getting).toBeDefined();
  });

  it('treats an unreachable Redis as a miss and never throws', async () => {
    const down = new Redis('redis://127.0.0.1:1', {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 200,
      retryStrategy: () => 1_000,
    });
    down.on('error', () => {});
    try {
      const handler = createRedisUseCacheHandler(down, redis.prefix);
      await expect(handler.set('a', Promise.resolve(entry()))).resolves.toBeUndefined();
      await expect(handler.get('a', [])).resolves.toBeUndefined();
      await expect(handler.updateTags(['post:hello'])).resolves.toBeUndefined();
    } finally {
      down.disconnect();
    }
  });
});
