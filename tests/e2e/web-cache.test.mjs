// Pages, feeds and the sitemap come from the web app's cache: after the first
// request renders one, the next ones are cache hits that never reach the
// engine (counted on its Prometheus endpoint), and they keep being served
// while the engine is down. What is not cached fails without leaking internals.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM_LAUNCH, engineRpcCount, startBlog } from './web-blog.mjs';

let blog;

before(async () => {
  blog = await startBlog();
});

after(async () => {
  await blog?.stop();
});

const url = (path) => `${blog.web.url}${path}`;

/** What must never reach a reader: the engine's address, its errors, gRPC codes. */
const leaks = () => new RegExp(`ECONNREFUSED|${new URL(blog.engine.url).host.replace(/\./g, '\\.')}|ConnectError|\\[unavailable\\]|grpc`, 'i');

const CACHED_PATHS = [
  '/understanding-ownership',
  '/',
  '/page/2',
  '/tag/rust',
  '/author/ada',
  '/feed/rss.xml',
  '/tag/rust/feed/atom.xml',
  '/sitemap.xml',
  '/sitemaps/posts-1.xml',
  '/sitemaps/site.xml',
  '/og/first-compilers',
  '/no-such-post',
];

async function get(path) {
  const response = await fetch(url(path), { redirect: 'manual' });
  await response.arrayBuffer();
  return response;
}

test('the first request renders a page and caches it; the next ones are hits that never reach the engine', async () => {
  for (const path of CACHED_PATHS) {
    const first = await get(path);
    assert.equal(first.headers.get('x-nextjs-cache'), 'MISS', `${path}: first request`);
  }
  // Let any rendering that the first requests started settle.
  await new Promise((resolve) => setTimeout(resolve, 500));

  const before = await engineRpcCount(blog.engine.metricsUrl);
  for (const path of CACHED_PATHS) {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const response = await get(path);
      assert.equal(response.headers.get('x-nextjs-cache'), 'HIT', `${path}: request ${attempt + 2}`);
      assert.equal(response.status, path === '/no-such-post' ? 404 : 200, `${path}: status`);
    }
  }
  const afterHits = await engineRpcCount(blog.engine.metricsUrl);
  assert.equal(afterHits - before, 0, 'cache hits called the engine');
});

test('a post page is static HTML: a cache policy for shared caches, and the whole post in the first response', async () => {
  const response = await fetch(url('/understanding-ownership'));
  const html = await response.text();

  assert.equal(response.headers.get('x-nextjs-cache'), 'HIT');
  assert.equal(response.headers.get('x-nextjs-prerender'), '1');
  assert.match(response.headers.get('cache-control'), /^s-maxage=\d+, stale-while-revalidate=\d+$/);
  // Rendered in full, not a shell that streams the post in later.
  assert.match(html, /<h1[^>]*>Understanding ownership in Rust<\/h1>/);
  assert.match(html, /<pre class="syntax-highlighting">/);
  assert.doesNotMatch(html, /<template id="B:/);
});

test('with the engine down, cached pages are still served, and others fail without leaking internals', async () => {
  const LEAKS = leaks();
  await blog.engine.stop();

  for (const path of CACHED_PATHS) {
    const response = await get(path);
    assert.equal(response.headers.get('x-nextjs-cache'), 'HIT', `${path} with the engine down`);
  }

  const uncached = await fetch(url('/first-compilers'));
  const html = await uncached.text();
  assert.equal(uncached.status, 500);
  assert.ok(!LEAKS.test(html), `the error page leaks ${html.match(LEAKS)?.[0]}`);

  // What a reader sees: the error page, with a reference for a bug report and nothing internal.
  const browser = await chromium.launch(CHROMIUM_LAUNCH);
  try {
    const page = await browser.newPage();
    const response = await page.goto(url('/first-compilers'));
    assert.equal(response.status(), 500);
    await page.getByRole('heading', { name: 'Something went wrong' }).waitFor();
    const text = await page.locator('main').innerText();
    assert.match(text, /Reference: \d+/);
    assert.ok(!LEAKS.test(text), `the error page shows ${text.match(LEAKS)?.[0]}`);
  } finally {
    await browser.close();
  }

  // The failure was not cached: the same page fails again rather than serving an error page as a hit.
  const again = await fetch(url('/first-compilers'));
  await again.arrayBuffer();
  assert.notEqual(again.headers.get('x-nextjs-cache'), 'HIT');

  const feed = await fetch(url('/tag/history/feed/rss.xml'));
  const feedBody = await feed.text();
  assert.equal(feed.status, 500);
  assert.ok(!LEAKS.test(feedBody), `the feed's error leaks ${feedBody.match(LEAKS)?.[0]}`);
});
