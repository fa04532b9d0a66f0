// The web app's security boundary, against the web server and the real engine:
// the security headers on cached pages, Server Actions only from our own
// origin (a cross-site or origin-less call is refused before it runs), a
// reader's rate limit that forged forwarding headers cannot reset, and no
// secret in what the browser receives.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM_LAUNCH, startBlog } from './web-blog.mjs';
import { CommentStatus, engineClients } from './web-engine-client.mjs';

let blog;
let admin;

before(async () => {
  blog = await startBlog();
  admin = engineClients(blog.engine.url, await blog.engine.createKey(['admin']));
});

after(async () => {
  await blog?.stop();
});

const POST = '/first-compilers';

test('pages carry a Content-Security-Policy and the usual security headers', async () => {
  const response = await fetch(`${blog.web.url}${POST}`);
  await response.text();
  const csp = response.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self' 'unsafe-inline'(;|$)/);
  assert.match(csp, /object-src 'none'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-eval/);
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(response.headers.get('x-frame-options'), 'DENY');
  assert.equal(response.headers.get('referrer-policy'), 'strict-origin-when-cross-origin');
  assert.equal(response.headers.get('x-powered-by'), null);
});

/**
 * A real comment submission, made by Chromium on the post page: the Server
 * Action request exactly as our page sends it (headers and encoded body).
 */
async function captureCommentRequest() {
  const browser = await chromium.launch(CHROMIUM_LAUNCH);
  try {
    const page = await browser.newPage();
    await page.goto(`${blog.web.url}${POST}`);
    await page.getByLabel('Name').fill('Mallory');
    await page.getByLabel('Comment', { exact: true }).fill(MARKER);
    const [request] = await Promise.all([
      page.waitForRequest((candidate) => candidate.method() === 'POST' && Boolean(candidate.headers()['next-action'])),
      page.getByRole('button', { name: 'Post comment' }).click(),
    ]);
    await page.getByText('will appear once a moderator approves it').waitFor();
    return { headers: await request.allHeaders(), body: request.postData() ?? '' };
  } finally {
    await browser.close();
  }
}

const MARKER = 'sent from the page itself';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
let captured;

/**
 * Replays the captured action with another comment text (and a new request id: every UUID but the post's), from `origin` (none when undefined),
 * with `extraHeaders` besides the browser's.
 */
async function replay(text, origin, extraHeaders = {}) {
  captured ??= await captureCommentRequest();
  const headers = Object.fromEntries(
    Object.entries(captured.headers).filter(([name]) => !name.startsWith(':') && !['origin', 'host', 'content-length', 'cookie'].includes(name)),
  );
  if (origin) headers.origin = origin;
  Object.assign(headers, extraHeaders);
  const postId = blog.seeded.posts.compilers.id;
  const body = captured.body.replace(MARKER, text).replace(UUID, (id) => (id === postId ? id : crypto.randomUUID()));
  const response = await fetch(`${blog.web.url}${POST}`, { method: 'POST', headers, body });
  await response.text();
  return response.status;
}

async function storedBodies() {
  const postId = blog.seeded.posts.compilers.id;
  const { comments } = await admin.comments.listComments({ postId, status: CommentStatus.PENDING, pageSize: 100 });
  return comments.map((comment) => comment.body);
}

test('our own page’s Server Action works, and the same call replayed from our origin too', async () => {
  assert.equal(await replay('replayed from our own origin', new URL(blog.web.url).origin), 200);
  const bodies = await storedBodies();
  assert.ok(bodies.includes(MARKER));
  assert.ok(bodies.includes('replayed from our own origin'));
});

test('the same Server Action from another origin, or with no Origin, is refused and stores nothing', async () => {
  const crossSite = await replay('from another site', 'https://evil.example');
  const lookAlike = await replay('from a look-alike host', `${new URL(blog.web.url).origin}.evil.example`);
  const nullOrigin = await replay('from a null origin', 'null');
  const originless = await replay('from no origin', undefined);
  assert.ok(crossSite >= 400, `a cross-site action answered ${crossSite}`);
  // A clean refusal, not a server error.
  assert.equal(crossSite, 403);
  assert.equal(lookAlike, 403);
  assert.equal(nullOrigin, 403);
  assert.equal(originless, 403);
  const bodies = await storedBodies();
  for (const text of ['from another site', 'from a look-alike host', 'from a null origin', 'from no origin'])
    assert.ok(!bodies.includes(text), `"${text}" was stored`);
});

test('a reader cannot reset the comment rate limit by forging forwarding headers', async () => {
  const origin = new URL(blog.web.url).origin;
  // The engine allows five comments per client in ten minutes; this file's earlier ones came from this reader too.
  const earlier = (await storedBodies()).length;
  assert.ok(earlier < 5, `${earlier} comments stored before`);
  for (let attempt = 1; attempt <= 6; attempt += 1) {
    const address = `203.0.113.${attempt}`;
    const status = await replay(`forged address ${attempt}`, origin, {
      'x-forwarded-for': address,
      'x-real-ip': address,
      forwarded: `for=${address}`,
      // The header the web records the TCP peer in (web/lib/peer-address.ts): overwritten, never trusted.
      'x-quire-peer-address': address,
    });
    assert.equal(status, 200);
  }
  // Each forged address had its own key before the web ignored the header: all six were stored.
  const forged = (await storedBodies()).filter((body) => body.startsWith('forged address'));
  assert.equal(forged.length, 5 - earlier, `stored: ${forged.join(' | ')}`);
});

test('the API key never reaches the browser', async () => {
  const html = await (await fetch(`${blog.web.url}${POST}`)).text();
  assert.ok(!html.includes(blog.apiKey), 'the page contains the API key');
  const sources = [...html.matchAll(/<script[^>]+src="([^"]+)"/g)].map(([, src]) => src);
  for (const src of sources) {
    const code = await (await fetch(new URL(src, blog.web.url))).text();
    assert.ok(!code.includes(blog.apiKey), `${src} contains the API key`);
  }
});
