// The edge (issue 14): Varnish with xkey (deploy/varnish/quire.vcl) in front of two web replicas
// that share their cache through Redis, purged by the replicas' change followers by the same
// cache tags the pages carry. A page becomes an edge hit; a change made straight through the
// engine (`buf curl`) shows through the edge within a second while an unrelated page stays a
// hit, and an edge hit reaches no web replica (each sits behind a request-counting proxy); sessions, draft previews and Server Actions are never answered from the edge; a stranger
// cannot purge; an edge that missed a purge (unreachable for the replicas) serves no stale page
// once it answers again. Varnish comes from Debian's packages, installed when missing.
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { bufCurl } from './buf-curl.mjs';
import { startEngine } from './engine-process.mjs';
import { startWeb } from './web-process.mjs';
import { seedSettled } from './web-blog.mjs';
import { seedBlog } from './web-seed.mjs';
import { startFaultProxy } from '../../bench/lib/faults/proxy.mjs';
import { deleteRedisKeys } from '../../bench/lib/scratch.mjs';
import { freePort } from '../../scripts/lib/ports.mjs';
import { ROOT } from '../../scripts/lib/processes.mjs';
import { ensureVarnish, startVarnish } from '../../scripts/lib/varnish.mjs';

const FRESH_WITHIN_MS = 1_000;
const PURGE_SECRET = `edge-test-secret-${process.pid}-${Date.now()}`;

let engine;
let adminKey;
let cache;
let edge;
/** The replicas purge the edge through this proxy, so that a test can cut them off from it. */
let purgePath;
const replicas = [];
let seeded;
/** What Varnish sees as its backends: one request-counting proxy per replica. */
const counters = [];

/**
 * An HTTP proxy to `target` that counts the requests it forwards by path:
 * what the replica behind it was asked. Headers pass unchanged (the replicas
 * trust one hop: Varnish's X-Forwarded-For entry).
 */
async function startCountingProxy(target) {
  const seen = new Map();
  const server = http.createServer((request, response) => {
    const { pathname } = new URL(request.url, 'http://proxy');
    seen.set(pathname, (seen.get(pathname) ?? 0) + 1);
    const upstream = http.request({ ...target, method: request.method, path: request.url, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode, answer.statusMessage, answer.rawHeaders);
      answer.pipe(response);
    });
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    requests: (pathname) => seen.get(pathname) ?? 0,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** How often the replicas were asked for `pathname`. */
const replicaRequests = (pathname) => counters.reduce((sum, counter) => sum + counter.requests(pathname), 0);

before(async () => {
  await ensureVarnish();
  engine = await startEngine();
  const apiKey = await engine.createKey(['content:read', 'comments:create']);
  adminKey = await engine.createKey(['admin']);
  cache = { redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379', prefix: `quire:e2e:edge:${Date.now()}_${process.pid}:` };
  const [edgePort, ...webPorts] = await Promise.all([freePort(), freePort(), freePort()]);
  for (const port of webPorts) counters.push(await startCountingProxy({ host: '127.0.0.1', port }));
  edge = await startVarnish({
    port: edgePort,
    backends: counters.map(({ port }) => ({ host: '127.0.0.1', port })),
    purgeSecret: PURGE_SECRET,
    workDir: path.join(ROOT, '.quire', 'test', `edge-${process.pid}-${Date.now()}`),
  });
  purgePath = await startFaultProxy({ host: '127.0.0.1', port: edgePort });
  const siteUrl = edge.url;
  for (const port of webPorts) {
    replicas.push(
      await startWeb({
        engineUrl: engine.url,
        apiKey,
        cache,
        port,
        siteUrl,
        env: {
          QUIRE_EDGE_PURGE_URLS: `http://127.0.0.1:${purgePath.port}`,
          QUIRE_EDGE_PURGE_SECRET: PURGE_SECRET,
          QUIRE_TRUSTED_PROXY_HOPS: '1',
        },
      }),
    );
  }
  seeded = await seedBlog(engine.url, engine.createKey, { assetBaseUrl: siteUrl });
  await seedSettled();
});

after(async () => {
  await Promise.all(replicas.map((replica) => replica.stop()));
  await edge?.stop();
  await Promise.all(counters.map((counter) => counter.close()));
  await purgePath?.close();
  await engine?.stop();
  if (cache) await deleteRedisKeys(cache.redisUrl, cache.prefix);
});

async function get(pathname, headers = {}) {
  const response = await fetch(`${edge.url}${pathname}`, { redirect: 'manual', headers });
  const body = await response.text();
  return { status: response.status, edge: response.headers.get('x-quire-edge'), headers: response.headers, body };
}

/** Requests `pathname` through the edge until it is an edge hit (a web hit, with its keys, is stored). */
async function untilEdgeHit(pathname, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await get(pathname);
    if (response.edge === 'hit') return response;
    if (Date.now() > deadline) assert.fail(`${pathname} is still "${response.edge}" at the edge`);
    await sleep(50);
  }
}

async function msUntilShown(pathname, text, since, timeoutMs = 10_000) {
  for (;;) {
    const response = await get(pathname);
    if (response.status === 200 && response.body.includes(text)) return Date.now() - since;
    if (Date.now() - since > timeoutMs) assert.fail(`${pathname} never showed "${text}" through the edge`);
    await sleep(25);
  }
}

const updateTitle = async (post, title) => {
  const result = await bufCurl(engine.url, 'quire.v1.PostService/UpdatePost', { post: { id: post.id, etag: post.etag, title }, updateMask: 'title' }, adminKey);
  assert.ok(result.ok, JSON.stringify(result));
  return result.body.post;
};

test('a page becomes an edge hit that reaches no web replica, and leaves the edge revalidating, without its keys', async () => {
  const hit = await untilEdgeHit('/analytical-engine');
  assert.match(hit.body, /Notes on the Analytical Engine/);
  const asked = replicaRequests('/analytical-engine');
  assert.ok(asked >= 1, 'the replicas rendered it once (through the counting proxies)');
  for (let request = 0; request < 20; request += 1) assert.equal((await get('/analytical-engine')).edge, 'hit');
  assert.equal(replicaRequests('/analytical-engine'), asked, 'an edge hit reached a web replica');
  assert.ok(Number(hit.headers.get('age')) >= 0, 'Varnish says how long it has held it');
  assert.equal(hit.headers.get('cache-control'), 'public, max-age=0, must-revalidate');
  for (const internal of ['xkey', 'x-next-cache-tags', 'x-nextjs-cache']) assert.equal(hit.headers.get(internal), null, internal);
  // Browsers revalidate through the edge.
  const etag = hit.headers.get('etag');
  assert.ok(etag, 'an ETag to revalidate with');
  const revalidated = await fetch(`${edge.url}/analytical-engine`, { headers: { 'if-none-match': etag } });
  assert.equal(revalidated.status, 304);
  // Readers' own cookies do not split the cache.
  assert.equal((await get('/analytical-engine', { cookie: 'theme=dark; _ga=1' })).edge, 'hit');
});

test('a file of web/public (the cover image) is an edge hit too, without its key', async () => {
  const hit = await untilEdgeHit('/samples/cover.jpg');
  assert.equal(hit.headers.get('content-type'), 'image/jpeg');
  assert.equal(hit.headers.get('xkey'), null);
  const asked = replicaRequests('/samples/cover.jpg');
  for (let request = 0; request < 5; request += 1) assert.equal((await get('/samples/cover.jpg')).edge, 'hit');
  assert.equal(replicaRequests('/samples/cover.jpg'), asked, 'an edge hit reached a web replica');
});

test('a change made through the engine shows through the edge within a second; an unrelated page stays an edge hit', async (t) => {
  await untilEdgeHit('/first-compilers');
  await untilEdgeHit('/about');
  const title = 'The very first compilers, at the edge';
  seeded.posts.compilers = await updateTitle(seeded.posts.compilers, title);
  const written = Date.now();
  const shownAfter = await msUntilShown('/first-compilers', title, written);
  t.diagnostic(`shown through the edge after ${shownAfter} ms`);
  assert.ok(shownAfter < FRESH_WITHIN_MS, `shown after ${shownAfter} ms`);
  assert.equal((await get('/about')).edge, 'hit', 'a page the change did not touch was not purged');
  // After the followers' second expiration (and purge), the new title is what the edge keeps.
  await sleep(1_500);
  assert.match((await untilEdgeHit('/first-compilers')).body, new RegExp(title));
});

test('sessions, draft previews, the admin and Server Actions are never answered from the edge', async () => {
  await untilEdgeHit('/analytical-engine');
  assert.equal((await get('/analytical-engine', { cookie: 'quire_session=someone:token' })).edge, 'pass');
  assert.equal((await get('/analytical-engine', { cookie: '__prerender_bypass=1' })).edge, 'pass');
  for (let i = 0; i < 2; i += 1) assert.equal((await get('/admin/login')).edge, 'pass');
  const action = await fetch(`${edge.url}/analytical-engine`, { method: 'POST', headers: { 'next-action': 'x', origin: edge.url }, body: '[]' });
  await action.arrayBuffer();
  assert.equal(action.headers.get('x-quire-edge'), 'pass');
  // A search is dynamic.
  for (let i = 0; i < 2; i += 1) assert.notEqual((await get('/search?q=engine')).edge, 'hit');
});

test("a stranger's PURGE or BAN is refused, and purges nothing", async () => {
  await untilEdgeHit('/analytical-engine');
  for (const [method, headers] of [
    ['PURGE', { 'xkey-purge': 'all' }],
    ['PURGE', { 'xkey-purge': 'all', 'x-quire-purge-secret': 'guess' }],
    ['BAN', {}],
  ]) {
    const response = await fetch(`${edge.url}/`, { method, headers });
    await response.arrayBuffer();
    assert.equal(response.status, 403, `${method} ${JSON.stringify(headers)}`);
  }
  assert.equal((await get('/analytical-engine')).edge, 'hit');
});

test('an edge the replicas could not purge serves no stale page once it answers again', async (t) => {
  await untilEdgeHit('/analytical-engine');
  purgePath.setMode({ kind: 'blackhole' });
  const title = 'Notes on the Analytical Engine, revised';
  try {
    seeded.posts.analytical = await updateTitle(seeded.posts.analytical, title);
    await sleep(1_500);
    assert.doesNotMatch((await get('/analytical-engine')).body, new RegExp(title), 'the edge missed the purge');
  } finally {
    purgePath.setMode({ kind: 'pass' });
  }
  const back = Date.now();
  const shownAfter = await msUntilShown('/analytical-engine', title, back, 5_000);
  t.diagnostic(`fresh ${shownAfter} ms after the edge answered the replicas again`);
  assert.ok(shownAfter < 2_500, `fresh after ${shownAfter} ms`);
});
