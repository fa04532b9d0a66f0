// The HTTP edge's VCL (deploy/varnish/quire.vcl) against a stand-in for the web: a small Node
// server that answers the way the web does (cache tags in `xkey`, `s-maxage`, ETags, Set-Cookie
// on some answers) and records every request it gets. What is cached and what passes, what
// leaves the edge, the purge API and its secret, and grace only while the web is down. Needs
// Varnish 7 with varnish-modules (installed when missing and we are root with apt).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../scripts/lib/ports.mjs';
import { waitUntil } from '../../scripts/lib/processes.mjs';
import { ensureVarnish, startVarnish } from '../../scripts/lib/varnish.mjs';

const SECRET = `edge-test-${process.pid}-0123456789`;
/** A stopped web must count as sick within this (probe: interval 1s, window 3, threshold 2). */
const SICK_WITHIN_MS = 10_000;

/** @type {{ method: string, url: string, cookie: string | null }[]} */
const seen = [];
/** @type {http.Server} */
let origin;
/** @type {Awaited<ReturnType<typeof startVarnish>>} */
let edge;
let workDir = '';

/**
 * The stand-in web. Tags come from `?tags=` (default `page:<path> site`), so that each test can
 * tag its own pages and count purges exactly.
 *
 * @param {http.IncomingMessage} request
 * @param {http.ServerResponse} response
 */
function web(request, response) {
  const url = new URL(request.url ?? '/', 'http://origin');
  if (url.pathname === '/healthz') {
    response.writeHead(200, { 'cache-control': 'no-store' }).end('ok');
    return;
  }
  seen.push({ method: request.method ?? '', url: request.url ?? '', cookie: request.headers.cookie ?? null });
  const body = `${request.method} ${request.url} rsc=${request.headers.rsc ?? ''}`;
  const tagged = {
    xkey: url.searchParams.get('tags') ?? `page:${url.pathname} site`,
    'x-next-cache-tags': '_N_T_/layout,_N_T_/page',
    'x-nextjs-cache': 'HIT',
    'cache-control': 's-maxage=3600, stale-while-revalidate=82800',
    etag: `"${Buffer.from(request.url ?? '').toString('hex').slice(-16)}"`,
    'content-type': 'text/html; charset=utf-8',
  };
  switch (url.pathname) {
    case '/_next/static/x.js':
      response.writeHead(200, { 'cache-control': 'public, max-age=31536000, immutable', 'content-type': 'text/javascript' }).end(body);
      return;
    case '/untagged': {
      const { xkey, ...untagged } = tagged;
      response.writeHead(200, untagged).end(body);
      return;
    }
    case '/set-cookie':
      response.writeHead(200, { ...tagged, 'set-cookie': 'quire_session=new; HttpOnly; Path=/' }).end(body);
      return;
    case '/error':
      response.writeHead(500, tagged).end(body);
      return;
    case '/short':
      // The web's way of asking the edge for less than its default day.
      response.writeHead(200, { ...tagged, 'surrogate-control': 'max-age=1' }).end(body);
      return;
    default:
      response.writeHead(200, tagged).end(body);
  }
}

/** How many times the web was asked for `url` (any method). */
const originRequests = (/** @type {string} */ url) => seen.filter((request) => request.url === url).length;

/**
 * @param {string} url a path on the edge
 * @param {RequestInit} [init]
 */
async function edgeFetch(url, init = {}) {
  const response = await fetch(`${edge.url}${url}`, { redirect: 'manual', ...init, signal: AbortSignal.timeout(5_000) });
  const body = await response.text();
  return { status: response.status, headers: response.headers, body, via: response.headers.get('x-quire-edge') };
}

/**
 * @param {'PURGE' | 'BAN'} method
 * @param {Record<string, string>} headers
 */
const purgeRequest = (method, headers) => edgeFetch('/', { method, headers });

before(async () => {
  await ensureVarnish((message) => console.log(message));
  origin = http.createServer(web);
  origin.keepAliveTimeout = 60_000;
  await new Promise((resolve) => origin.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (origin.address());
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-edge-test-'));
  edge = await startVarnish({ port: await freePort(), backends: [{ host: '127.0.0.1', port: address.port }], purgeSecret: SECRET, workDir });
  // The probe marks the web healthy before the first test: grace depends on it.
  assert.ok(await waitUntil(5_000, async () => (await edgeFetch('/warm-up')).status === 200), 'the edge never reached the web');
}, { timeout: 120_000 });

after(async () => {
  await edge?.stop();
  origin?.closeAllConnections();
  origin?.close();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

test('a tagged page is cached: the second request is a hit that never reaches the web', async () => {
  const url = '/posts/hit';
  const first = await edgeFetch(url);
  const second = await edgeFetch(url);
  assert.equal(first.status, 200);
  assert.equal(first.via, 'miss');
  assert.equal(second.via, 'hit');
  assert.ok(second.headers.get('age') !== null, 'a hit says how old it is');
  assert.equal(second.body, first.body);
  assert.equal(originRequests(url), 1);
});

test('a cached page leaves the edge revalidating, without the internal headers', async () => {
  const url = '/posts/headers';
  await edgeFetch(url);
  for (const response of [await edgeFetch(url), await edgeFetch(url, { method: 'HEAD' })]) {
    assert.equal(response.headers.get('cache-control'), 'public, max-age=0, must-revalidate');
    for (const header of ['xkey', 'x-next-cache-tags', 'x-nextjs-cache', 'via', 'x-varnish', 'surrogate-control']) {
      assert.equal(response.headers.get(header), null, header);
    }
    assert.ok(response.headers.get('etag'), 'the ETag stays, for conditional requests');
  }
});

test('a conditional request for a cached page is answered 304 by the edge', async () => {
  const url = '/posts/etag';
  const { headers } = await edgeFetch(url);
  const etag = headers.get('etag') ?? '';
  const conditional = await edgeFetch(url, { headers: { 'if-none-match': etag } });
  assert.equal(conditional.status, 304);
  assert.equal(conditional.via, 'hit');
  assert.equal(conditional.body, '');
  assert.equal((await edgeFetch(url, { headers: { 'if-none-match': '"other"' } })).status, 200);
  assert.equal(originRequests(url), 1);
});

test("readers' cookies do not split the cache and never reach the web", async () => {
  const url = '/posts/cookies';
  assert.equal((await edgeFetch(url, { headers: { cookie: 'theme=dark' } })).via, 'miss');
  assert.equal((await edgeFetch(url, { headers: { cookie: '_ga=GA1.1.2; consent=yes' } })).via, 'hit');
  assert.equal((await edgeFetch(url)).via, 'hit');
  assert.deepEqual(
    seen.filter((request) => request.url === url).map((request) => request.cookie),
    [null],
  );
});

test('a signed-in or draft-mode request passes to the web with its cookies', async () => {
  const url = '/posts/session';
  await edgeFetch(url);
  for (const cookie of ['theme=dark; quire_session=s3cret', '__prerender_bypass=abc', '__next_preview_data=xyz']) {
    const response = await edgeFetch(url, { headers: { cookie } });
    assert.equal(response.via, 'pass', cookie);
    assert.equal(seen.at(-1)?.cookie, cookie, 'the web sees every cookie');
    assert.equal(response.headers.get('cache-control'), 's-maxage=3600, stale-while-revalidate=82800', 'a pass keeps the web\'s Cache-Control');
  }
  assert.equal(originRequests(url), 4);
  assert.equal((await edgeFetch(url)).via, 'hit', 'readers still get the cached copy');
});

test('RSC requests are cached apart from the HTML of the same URL', async () => {
  const url = '/posts/rsc';
  const html = await edgeFetch(url);
  const rsc = await edgeFetch(url, { headers: { rsc: '1' } });
  assert.equal(rsc.via, 'miss');
  assert.match(rsc.body, /rsc=1$/);
  assert.equal((await edgeFetch(url, { headers: { rsc: '1' } })).via, 'hit');
  const htmlAgain = await edgeFetch(url);
  assert.equal(htmlAgain.via, 'hit');
  assert.equal(htmlAgain.body, html.body);
});

test('the admin, search, POSTs, Set-Cookie answers, untagged pages and errors are never cached', async () => {
  const cases = [
    { url: '/admin/x', init: {} },
    { url: '/search?q=rust', init: {} },
    { url: '/posts/post', init: { method: 'POST', body: 'a=1' } },
    { url: '/set-cookie', init: {} },
    { url: '/untagged', init: {} },
    { url: '/error', init: {} },
  ];
  for (const { url, init } of cases) {
    const responses = [await edgeFetch(url, init), await edgeFetch(url, init), await edgeFetch(url, init)];
    assert.equal(originRequests(url), 3, `${url}: every request reaches the web`);
    for (const response of responses) assert.notEqual(response.via, 'hit', url);
  }
  const error = await edgeFetch('/error');
  assert.equal(error.status, 500);
  assert.equal(error.headers.get('xkey'), null, 'tags never leave the edge, even on a pass');
});

test('hashed static files are cached and stay immutable', async () => {
  const url = '/_next/static/x.js';
  await edgeFetch(url);
  const hit = await edgeFetch(url);
  assert.equal(hit.via, 'hit');
  assert.equal(hit.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.equal(originRequests(url), 1);
});

test('unknown methods are refused without reaching the web', async () => {
  const response = await edgeFetch('/posts/method', { method: 'FROB' });
  assert.equal(response.status, 405);
  assert.equal(originRequests('/posts/method'), 0);
});

test('PURGE with the secret removes exactly the pages with the tag', async () => {
  const a1 = '/posts/purge-1?tags=post:a%20site';
  const a2 = '/posts/purge-2?tags=post:a%20tag:rust';
  const b = '/posts/purge-3?tags=post:b%20site';
  for (const url of [a1, a2, b]) {
    await edgeFetch(url);
    assert.equal((await edgeFetch(url)).via, 'hit', url);
  }
  const purge = await purgeRequest('PURGE', { 'x-quire-purge-secret': SECRET, 'xkey-purge': 'post:a' });
  assert.equal(purge.status, 200);
  assert.equal(purge.headers.get('x-quire-purged'), '2');
  assert.match(purge.body, /purged 2/);
  assert.equal((await edgeFetch(a1)).via, 'miss');
  assert.equal((await edgeFetch(a2)).via, 'miss');
  assert.equal((await edgeFetch(b)).via, 'hit', 'a page tagged only post:b stays');
  assert.equal(seen.filter((request) => request.method === 'PURGE' || request.method === 'BAN').length, 0, 'purges never reach the web');

  const several = await purgeRequest('PURGE', { 'x-quire-purge-secret': SECRET, 'xkey-purge': 'post:a post:b' });
  assert.equal(several.headers.get('x-quire-purged'), '3', 'space-separated tags purge each');
  const missingTags = await purgeRequest('PURGE', { 'x-quire-purge-secret': SECRET });
  assert.equal(missingTags.status, 400);
});

test('PURGE and BAN without the right secret are refused and purge nothing', async () => {
  const url = '/posts/refused?tags=post:refused';
  await edgeFetch(url);
  for (const method of /** @type {const} */ (['PURGE', 'BAN'])) {
    for (const secret of [undefined, '', 'wrong-secret-0123456789', `${SECRET}x`, SECRET.slice(0, -1)]) {
      /** @type {Record<string, string>} */
      const headers = { 'xkey-purge': 'post:refused' };
      if (secret !== undefined) headers['x-quire-purge-secret'] = secret;
      const response = await purgeRequest(method, headers);
      assert.equal(response.status, 403, `${method} with secret ${JSON.stringify(secret)}`);
      assert.equal(response.headers.get('x-quire-purged'), null);
    }
  }
  // A client cannot claim the check's result for itself.
  const forged = await purgeRequest('BAN', { 'x-quire-purge-allowed': 'yes' });
  assert.equal(forged.status, 403);
  assert.equal((await edgeFetch(url)).via, 'hit');
  assert.equal(originRequests(url), 1);
});

test('BAN with the secret empties the edge', async () => {
  const urls = ['/posts/ban-1', '/posts/ban-2?tags=post:z', '/_next/static/x.js'];
  for (const url of urls) await edgeFetch(url);
  for (const url of urls) assert.equal((await edgeFetch(url)).via, 'hit', url);
  const ban = await purgeRequest('BAN', { 'x-quire-purge-secret': SECRET });
  assert.equal(ban.status, 200);
  for (const url of urls) assert.equal((await edgeFetch(url)).via, 'miss', url);
});

test('an expired page is fetched again while the web is up, and served stale only while it is down', async () => {
  const expiring = '/short?case=healthy';
  await edgeFetch(expiring);
  await sleep(1_500);
  const refetched = await edgeFetch(expiring);
  assert.equal(refetched.via, 'miss', 'the web is healthy: no stale copy');
  assert.equal(originRequests(expiring), 2);

  const stale = '/short?case=down';
  const fresh = '/posts/down';
  await edgeFetch(stale);
  await edgeFetch(fresh);
  await sleep(1_200);
  origin.closeAllConnections();
  await new Promise((resolve) => origin.close(() => resolve(undefined)));

  // Until the probe marks the web sick the expired page is a miss that fails (503); then the
  // stale copy is served.
  /** @type {Awaited<ReturnType<typeof edgeFetch>> | undefined} */
  let last;
  const servedStale = await waitUntil(SICK_WITHIN_MS, async () => {
    last = await edgeFetch(stale);
    return last.via === 'stale';
  }, { intervalMs: 250 });
  assert.ok(servedStale, `never served stale; last answer ${last?.status} ${last?.via}`);
  assert.equal(last?.status, 200);
  assert.match(last?.body ?? '', /^GET \/short\?case=down /);
  const stillFresh = await edgeFetch(fresh);
  assert.equal(stillFresh.via, 'hit', 'an unexpired page is an ordinary hit');
});
