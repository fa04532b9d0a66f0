// Two web replicas sharing their cache through Redis, and a change made
// straight through the engine (`buf curl`, as an internal service would):
// both replicas show it within a second, pages it did not touch stay cached,
// a page cached by one replica is a hit on the other, and a replica that was
// down while the change was made shows it once it is back.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bufCurl } from './buf-curl.mjs';
import { startEngine } from './engine-process.mjs';
import { startWeb } from './web-process.mjs';
import { seedSettled } from './web-blog.mjs';
import { seedBlog } from './web-seed.mjs';
import { deleteRedisKeys } from '../../bench/lib/scratch.mjs';

const FRESH_WITHIN_MS = 1_000;

let engine;
let apiKey;
let adminKey;
let cache;
let replicas = {};
let seeded;

async function startReplica(name) {
  replicas[name] = await startWeb({ engineUrl: engine.url, apiKey, cache });
  return replicas[name];
}

before(async () => {
  engine = await startEngine();
  apiKey = await engine.createKey(['content:read', 'comments:create']);
  adminKey = await engine.createKey(['admin']);
  cache = {
    redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    prefix: `quire:e2e:web-freshness:${Date.now()}_${process.pid}:`,
  };
  await Promise.all([startReplica('a'), startReplica('b')]);
  seeded = await seedBlog(engine.url, engine.createKey, { assetBaseUrl: replicas.a.url });
  await seedSettled();
});

after(async () => {
  await Promise.all(Object.values(replicas).map((replica) => replica.stop()));
  await engine?.stop();
  if (cache) await deleteRedisKeys(cache.redisUrl, cache.prefix);
});

async function get(replica, path) {
  const response = await fetch(`${replica.url}${path}`, { redirect: 'manual' });
  const body = await response.text();
  return { status: response.status, cache: response.headers.get('x-nextjs-cache'), body };
}

/** Requests `path` until the answer is a cache hit (the render before it was stored). */
async function untilHit(replica, path, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await get(replica, path);
    if (response.cache === 'HIT') return response;
    if (Date.now() > deadline) assert.fail(`${path} on ${replica.url} is still ${response.cache}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Milliseconds from `since` until `path` on `replica` shows `text`, polling. */
async function msUntilShown(replica, path, text, since, timeoutMs = 10_000) {
  for (;;) {
    const response = await get(replica, path);
    if (response.status === 200 && response.body.includes(text)) return Date.now() - since;
    if (Date.now() - since > timeoutMs) assert.fail(`${path} on ${replica.url} never showed "${text}"`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const updateTitle = async (post, title) => {
  const result = await bufCurl(engine.url, 'quire.v1.PostService/UpdatePost', { post: { id: post.id, etag: post.etag, title }, updateMask: 'title' }, adminKey);
  assert.ok(result.ok, JSON.stringify(result));
  return result.body.post;
};

test('a page cached by one replica is a cache hit on the other', async () => {
  const first = await get(replicas.a, '/analytical-engine');
  assert.equal(first.cache, 'MISS');
  const other = await untilHit(replicas.b, '/analytical-engine');
  assert.match(other.body, /Notes on the Analytical Engine/);
});

test('a change made through the engine shows on both replicas within a second, and unrelated pages stay cached', async (t) => {
  for (const replica of [replicas.a, replicas.b]) {
    await untilHit(replica, '/first-compilers');
    await untilHit(replica, '/about');
  }
  const aboutBefore = await get(replicas.b, '/about');

  const title = 'The very first compilers';
  seeded.posts.compilers = await updateTitle(seeded.posts.compilers, title);
  const written = Date.now();
  const [onA, onB] = await Promise.all([
    msUntilShown(replicas.a, '/first-compilers', title, written),
    msUntilShown(replicas.b, '/first-compilers', title, written),
  ]);
  t.diagnostic(`shown after ${onA} ms on replica A, ${onB} ms on replica B`);
  assert.ok(onA < FRESH_WITHIN_MS, `replica A showed the change after ${onA} ms`);
  assert.ok(onB < FRESH_WITHIN_MS, `replica B showed the change after ${onB} ms`);

  // Also after the follower's second expiration, the new title stays and is cached again.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  for (const replica of [replicas.a, replicas.b]) {
    const page = await untilHit(replica, '/first-compilers');
    assert.match(page.body, new RegExp(title));
  }

  // "About" is by another author, with no tag or listing in common with the post: never re-rendered.
  for (const replica of [replicas.a, replicas.b]) {
    const about = await get(replica, '/about');
    assert.equal(about.cache, 'HIT', `/about on ${replica.url}`);
    assert.equal(about.body, aboutBefore.body);
  }
});

test('a replica that was down while a change was made shows it once it is back', async (t) => {
  for (const replica of [replicas.a, replicas.b]) await untilHit(replica, '/first-compilers');
  // Both down: only the restarted replica's own follower, resuming from the
  // sequence kept in Redis, can drop the cached page.
  await Promise.all([replicas.a.stop(), replicas.b.stop()]);

  const title = 'Compilers, the first ones';
  seeded.posts.compilers = await updateTitle(seeded.posts.compilers, title);

  const restarted = await startReplica('b');
  const started = Date.now();
  const shownAfter = await msUntilShown(restarted, '/first-compilers', title, started);
  t.diagnostic(`shown ${shownAfter} ms after the restarted replica was up`);
  assert.ok(shownAfter < FRESH_WITHIN_MS, `the restarted replica showed the change after ${shownAfter} ms`);
  assert.match(restarted.output(), /following engine changes after sequence [1-9]/);
});
