import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRedisPageStore, RENDER_COALESCING, RenderStarts, tagsOfValue, withSurrogateKeys } from './incremental-cache-handler';
import { redisTagStore } from './tag-store';
import { testRedis } from './test-redis';

const page = (tags: string) => ({
  kind: 'APP_PAGE',
  html: '<h1>Understanding ownership</h1>',
  rscData: Buffer.from('rsc'),
  headers: { 'x-next-cache-tags': tags },
  postponed: undefined,
  status: 200,
  segmentData: new Map([['/_tree', Buffer.from('tree')]]),
});
const setCtx = { cacheControl: { revalidate: 3_600, expire: 86_400 } };
const getCtx = { kind: 'APP_PAGE', isFallback: false };

describe('tagsOfValue', () => {
  it("reads a page's tags from its cache-tags header, implicit tags included", () => {
    expect(tagsOfValue(page('post:a,posts,_N_T_/layout,_N_T_/a'))).toEqual(['post:a', 'posts', '_N_T_/layout', '_N_T_/a']);
    expect(tagsOfValue({ kind: 'APP_ROUTE', headers: {} })).toEqual([]);
    expect(tagsOfValue({ kind: 'FETCH', tags: ['x'] }, { softTags: ['_N_T_/y'] })).toEqual(['x', '_N_T_/y']);
  });
});

describe('withSurrogateKeys', () => {
  it("gives a cached page its tags as the edge's keys, without Next's implicit ones", () => {
    const entry = { lastModified: 1, value: page('post:a,posts,_N_T_/layout,_N_T_/a') };
    const keyed = withSurrogateKeys(entry);
    expect(keyed.value.headers).toEqual({ 'x-next-cache-tags': 'post:a,posts,_N_T_/layout,_N_T_/a', xkey: 'post:a posts' });
    expect(entry.value.headers).not.toHaveProperty('xkey');
  });

  it('keys a response with only implicit tags as all, and leaves other entries alone', () => {
    const route = { value: { kind: 'APP_ROUTE', headers: { 'x-next-cache-tags': '_N_T_/robots.txt' } as Record<string, string> } };
    expect(withSurrogateKeys(route).value.headers.xkey).toBe('all');
    const fetched = { value: { kind: 'FETCH', data: {}, tags: ['post:a'] } };
    expect(withSurrogateKeys(fetched)).toBe(fetched);
  });
});

describe('RenderStarts', () => {
  it("dates an entry from the first miss that led to its render", () => {
    const starts = new RenderStarts();
    starts.noteMiss('/a', 1_000);
    starts.noteMiss('/a', 1_200);
    expect(starts.take('/a', 1_500)).toBe(1_000);
    expect(starts.take('/a', 1_600)).toBe(1_600);
  });

  it('ignores a miss too old to belong to this render', () => {
    const starts = new RenderStarts();
    starts.noteMiss('/a', 1_000);
    expect(starts.take('/a', 100_000)).toBe(100_000);
  });
});

describe('the Redis page store', () => {
  let redis: ReturnType<typeof testRedis>;
  beforeEach(() => {
    redis = testRedis();
  });
  afterEach(async () => {
    await redis.cleanup();
  });

  it('serves a page stored by another replica, with its buffers, segment data and lifetime', async () => {
    await createRedisPageStore(redis.redis, redis.prefix).set('/a', page('post:a'), setCtx);
    const found = await createRedisPageStore(redis.redis.duplicate(), redis.prefix).get('/a', getCtx);
    const value = found?.value as ReturnType<typeof page>;
    expect(value.html).toBe('<h1>Understanding ownership</h1>');
    expect(value.rscData.toString()).toBe('rsc');
    expect(value.segmentData.get('/_tree')?.toString()).toBe('tree');
    expect(found?.cacheControl).toEqual(setCtx.cacheControl);
    const ttl = await redis.redis.pttl(`${redis.prefix}page:/a`);
    expect(ttl).toBeGreaterThan(86_000_000);
  });

  it('misses a page when any of its tags, implicit ones included, was invalidated since', async () => {
    const store = createRedisPageStore(redis.redis, redis.prefix);
    const tags = redisTagStore(redis.redis, redis.prefix);
    await store.set('/a', page('post:a,posts,_N_T_/a'), setCtx);
    await store.set('/b', page('post:b,posts,_N_T_/b'), setCtx);
    await new Promise((resolve) => setTimeout(resolve, 5));

    await tags.update(['post:a']);
    expect(await store.get('/a', getCtx)).toBeNull();
    expect(await store.get('/b', getCtx)).not.toBeNull();
    await store.revalidateTag('_N_T_/b');
    expect(await store.get('/b', getCtx)).toBeNull();
  });

  it('renders a page once across replicas that miss it together: the others wait for its page', async () => {
    const a = createRedisPageStore(redis.redis, redis.prefix);
    const b = createRedisPageStore(redis.redis.duplicate(), redis.prefix);
    const c = createRedisPageStore(redis.redis.duplicate(), redis.prefix);
    expect(await a.get('/a', getCtx)).toBeNull(); // A renders
    const waiting = [b.get('/a', getCtx), c.get('/a', getCtx)];
    await new Promise((resolve) => setTimeout(resolve, 30));
    await a.set('/a', page('post:a'), setCtx);
    const started = Date.now();
    const [fromB, fromC] = await Promise.all(waiting);
    expect(Date.now() - started).toBeLessThan(RENDER_COALESCING.waitMs / 2);
    expect((fromB?.value as ReturnType<typeof page>).html).toBe('<h1>Understanding ownership</h1>');
    expect(fromC).not.toBeNull();
    expect(await redis.redis.exists(`${redis.prefix}page-render:/a`)).toBe(0);
  });

  it('renders itself when the replica that claimed a render stores nothing, or its page is already stale', async () => {
    const coalescing = { claimMs: 60, waitMs: 1_000, pollMs: 5 };
    const a = createRedisPageStore(redis.redis, redis.prefix, coalescing);
    const b = createRedisPageStore(redis.redis.duplicate(), redis.prefix, coalescing);
    expect(await a.get('/gone', getCtx)).toBeNull(); // A claims, then fails to render
    const started = Date.now();
    expect(await b.get('/gone', getCtx)).toBeNull(); // B renders once the claim lapses
    expect(Date.now() - started).toBeLessThan(500);

    expect(await a.get('/a', getCtx)).toBeNull();
    const waiting = b.get('/a', getCtx);
    // A change lands while A renders: A's page is stale when stored, so B renders too.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await redisTagStore(redis.redis, redis.prefix).update(['post:a']);
    await a.set('/a', page('post:a'), setCtx);
    expect(await waiting).toBeNull();
  });

  it('misses a page whose tag was invalidated while it rendered', async () => {
    const store = createRedisPageStore(redis.redis, redis.prefix);
    expect(await store.get('/a', getCtx)).toBeNull(); // the miss that starts the render
    await new Promise((resolve) => setTimeout(resolve, 5));
    await redisTagStore(redis.redis, redis.prefix).update(['post:a']); // a change lands mid-render
    await new Promise((resolve) => setTimeout(resolve, 5));
    await store.set('/a', page('post:a'), setCtx); // rendered from what it read before the change
    expect(await store.get('/a', getCtx)).toBeNull();
  });
});
