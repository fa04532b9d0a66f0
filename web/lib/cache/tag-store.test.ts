import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redisTagStore, type TagState, tagVerdict } from './tag-store';
import { testRedis } from './test-redis';

const never: TagState = { expired: 0, stale: 0, expires: 0 };

describe('tagVerdict', () => {
  it('keeps an entry whose tags were never invalidated, or only before it was made', () => {
    expect(tagVerdict([], 0, 1_000, 2_000)).toBe('fresh');
    expect(tagVerdict([never, { ...never, expired: 999, stale: 500 }], 0, 1_000, 2_000)).toBe('fresh');
  });

  it('drops an entry with a tag expired since it was made, even in the same millisecond', () => {
    expect(tagVerdict([never, { ...never, expired: 1_500 }], 0, 1_000, 2_000)).toBe('expired');
    expect(tagVerdict([{ ...never, expired: 1_000 }], 0, 1_000, 2_000)).toBe('expired');
  });

  it('drops every entry made before everything was expired', () => {
    expect(tagVerdict([], 1_000, 1_000, 2_000)).toBe('expired');
    expect(tagVerdict([], 999, 1_000, 2_000)).toBe('fresh');
  });

  it('serves an entry with a stale tag once more, until the stale mark expires it', () => {
    expect(tagVerdict([{ ...never, stale: 1_500, expires: 5_000 }], 0, 1_000, 2_000)).toBe('stale');
    expect(tagVerdict([{ ...never, stale: 1_500, expires: 1_800 }], 0, 1_000, 2_000)).toBe('expired');
  });

  it('lets an expired tag win over a stale one', () => {
    expect(tagVerdict([{ ...never, stale: 1_500 }, { ...never, expired: 1_500 }], 0, 1_000, 2_000)).toBe('expired');
  });
});

describe('redisTagStore', () => {
  let redis: ReturnType<typeof testRedis>;
  beforeEach(() => {
    redis = testRedis();
  });
  afterEach(async () => {
    await redis.cleanup();
  });

  it('expires tags for every reader of the same prefix, and only those tags', async () => {
    const writer = redisTagStore(redis.redis, redis.prefix);
    const other = testRedis();
    try {
      const reader = redisTagStore(other.redis, redis.prefix);
      const before = Date.now() - 10;
      await writer.update(['post:a', 'posts']);
      expect(await reader.verdict(['post:a'], before)).toBe('expired');
      expect(await reader.verdict(['post:b', 'posts'], before)).toBe('expired');
      expect(await reader.verdict(['post:b'], before)).toBe('fresh');
      expect(await reader.verdict(['post:a'], Date.now() + 10)).toBe('fresh');
    } finally {
      other.redis.disconnect();
    }
  });

  it("expires a change's tags once across replicas: a page rendered after the first expiration stays fresh", async () => {
    const first = redisTagStore(redis.redis, redis.prefix);
    const second = redisTagStore(redis.redis.duplicate(), redis.prefix);
    const before = Date.now() - 10;
    expect(await first.expireOnce('41', ['post:a'])).toBe(true);
    const renderedAfter = Date.now() + 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
    // The second replica's follower delivers the same change later: it changes nothing.
    expect(await second.expireOnce('41', ['post:a'])).toBe(false);
    expect(await second.verdict(['post:a'], before)).toBe('expired');
    expect(await second.verdict(['post:a'], renderedAfter)).toBe('fresh');
    // Another change (or the second pass) expires again; `everything` is every tag.
    expect(await second.expireOnce('41:again', ['post:a'])).toBe(true);
    expect(await first.verdict(['post:a'], renderedAfter)).toBe('expired');
    expect(await first.expireOnce('42', 'everything')).toBe(true);
    expect(await first.verdict(['post:z'], renderedAfter)).toBe('expired');
  });

  it('marks tags stale when a profile gives them an expiry, and expires them after it', async () => {
    const store = redisTagStore(redis.redis, redis.prefix);
    const before = Date.now() - 10;
    await store.update(['tag:rust'], { expire: 0.05 });
    expect(await store.verdict(['tag:rust'], before)).toBe('stale');
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await store.verdict(['tag:rust'], before)).toBe('expired');
  });

  it('expires everything at once', async () => {
    const store = redisTagStore(redis.redis, redis.prefix);
    const before = Date.now() - 10;
    await store.expireAll();
    expect(await store.verdict([], before)).toBe('expired');
    expect(await store.verdict(['anything'], before)).toBe('expired');
    expect(await store.verdict(['anything'], Date.now() + 10)).toBe('fresh');
  });

  it('never moves an expiration back in time', async () => {
    const store = redisTagStore(redis.redis, redis.prefix);
    const later = Date.now() + 60_000;
    await redis.redis.hset(`${redis.prefix}tags:expired`, 'post:a', String(later));
    await store.update(['post:a']);
    expect(await redis.redis.hget(`${redis.prefix}tags:expired`, 'post:a')).toBe(String(later));
  });
});
