// The media library in the browser, against the web server and the real engine
// on a fresh database: an image uploaded on the library page and described
// there, an image dropped into the editor's Markdown (its placeholder becomes
// its Markdown), publishing refused until the image has alt text, the
// published post serving a <picture> of AVIF and WebP sources whose files the
// browser loads as immutable, a cover picked from the library (a <picture>
// fetched first, and the post's absolute og:image), and the upload route
// refusing foreign origins, missing sessions and files that are not images.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { startEngine } from './engine-process.mjs';
import { CHROMIUM_LAUNCH, signInThroughForm } from './web-blog.mjs';
import { AuthorRole, engineClients, MediaState } from './web-engine-client.mjs';
import { startWeb } from './web-process.mjs';

const PASSWORD = 'a long enough password';
const EDITOR = { slug: 'mia', displayName: 'Mia Editor', email: 'mia@example.com', role: AuthorRole.EDITOR };
const MEDIA_PATH = /\/media\/([0-9a-f]{64})\/original\.jpg/;
/** How long an image may take to have all its sizes (decoding and encoding AVIF on two busy cores). */
const READY_WITHIN_MS = 90_000;

let engine;
let web;
let browser;
let admin;

before(async () => {
  engine = await startEngine();
  try {
    web = await startWeb({ engineUrl: engine.url, apiKey: await engine.createKey(['content:read', 'comments:create']) });
    admin = engineClients(engine.url, await engine.createKey(['admin']));
    await admin.authors.createAuthor({ author: EDITOR, password: PASSWORD });
    browser = await chromium.launch(CHROMIUM_LAUNCH);
  } catch (error) {
    await web?.stop();
    await engine.stop();
    throw error;
  }
});

after(async () => {
  await browser?.close();
  await web?.stop();
  await engine?.stop();
});

const url = (path) => `${web.url}${path}`;

async function signIn() {
  return signInThroughForm(browser, web.url, EDITOR.email, PASSWORD);
}

/**
 * A photograph-like JPEG (`width`×`height`, a gradient and noise so it does not
 * compress to nothing), drawn by the browser's canvas: real encoder output.
 */
async function jpeg(page, width, height, seed) {
  const bytes = await page.evaluate(
    async ({ width, height, seed }) => {
      const canvas = new OffscreenCanvas(width, height);
      const context = canvas.getContext('2d');
      const gradient = context.createLinearGradient(0, 0, width, height);
      gradient.addColorStop(0, `hsl(${seed % 360} 70% 40%)`);
      gradient.addColorStop(1, `hsl(${(seed * 7) % 360} 60% 70%)`);
      context.fillStyle = gradient;
      context.fillRect(0, 0, width, height);
      for (let dot = 0; dot < 4000; dot += 1) {
        context.fillStyle = `hsl(${(dot * seed) % 360} 50% 50% / 0.4)`;
        context.fillRect((dot * 7919 * seed) % width, (dot * 104729) % height, 9, 9);
      }
      const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.85 });
      return Array.from(new Uint8Array(await blob.arrayBuffer()));
    },
    { width, height, seed },
  );
  return Buffer.from(bytes);
}

/** Waits until the library item behind `hash` has all its variants. */
async function ready(hash) {
  const deadline = Date.now() + READY_WITHIN_MS;
  for (;;) {
    const { items } = await admin.media.listMedia({ pageSize: 100 });
    const item = items.find((candidate) => candidate.path.includes(hash));
    assert.notEqual(item?.state, MediaState.FAILED, 'making the sizes failed');
    if (item?.state === MediaState.READY) return item;
    assert.ok(Date.now() < deadline, `the image had no sizes within ${READY_WITHIN_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('an image uploaded on the library page is listed and described there', async () => {
  const { context, page } = await signIn();
  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Media' }).click();
  await page.waitForURL(url('/admin/media'));
  const photo = await jpeg(page, 1000, 750, 11);
  await page.locator('input[type="file"]').setInputFiles({ name: 'harbour.jpg', mimeType: 'image/jpeg', buffer: photo });

  const card = page.getByRole('article', { name: 'harbour.jpg' });
  await card.waitFor();
  assert.match(await card.innerText(), /1000×750/);
  await card.getByLabel('Alternative text').fill('Fishing boats in a harbour at dusk');
  await card.getByLabel('Caption').fill('Kinsale, October');
  await card.getByRole('button', { name: 'Save' }).click();
  await card.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();

  const { items } = await admin.media.listMedia({ pageSize: 10 });
  const item = items.find((candidate) => candidate.filename === 'harbour.jpg');
  assert.equal(item.altText, 'Fishing boats in a harbour at dusk');
  assert.equal(item.caption, 'Kinsale, October');
  assert.equal(item.width, 1000);

  // The same bytes again are the same item, not a second copy.
  await page.locator('input[type="file"]').setInputFiles({ name: 'harbour-again.jpg', mimeType: 'image/jpeg', buffer: photo });
  await page.waitForFunction(() => !document.querySelector('[aria-label="Upload images"] progress'));
  assert.equal((await admin.media.listMedia({ pageSize: 10 })).items.length, 1);
  await context.close();
});

test('an image dropped into the editor is uploaded, needs alt text to publish, and readers get a <picture>', async () => {
  const { context, page } = await signIn();
  await page.goto(url('/admin/posts/new'));
  await page.waitForFunction(() => document.querySelector('button[name="intent"][value="save"]')?.disabled === false);
  await page.getByLabel('Title', { exact: true }).fill('Boats at rest');
  const body = page.getByLabel('Body (Markdown)');
  await body.fill('Before the picture.\n\n');
  const photo = await jpeg(page, 1200, 600, 23);
  await page.evaluate(
    ({ bytes }) => {
      const textarea = document.querySelector('textarea[name="markdown"]');
      textarea.focus();
      textarea.setSelectionRange(textarea.value.length, textarea.value.length);
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], 'boats.jpg', { type: 'image/jpeg' }));
      textarea.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    },
    { bytes: Array.from(photo) },
  );
  await page.waitForFunction(() => /!\[\]\(\/media\/[0-9a-f]{64}\/original\.jpg\)/.test(document.querySelector('textarea[name="markdown"]').value));
  const markdown = await body.inputValue();
  assert.ok(markdown.startsWith('Before the picture.\n\n![]('), `the image went elsewhere: ${markdown}`);
  const [path, hash] = markdown.match(MEDIA_PATH);

  // Without alt text, publishing is refused beside the body, and nothing is published.
  await page.getByRole('button', { name: 'Publish now' }).click();
  const error = page.locator('#post-markdown-error');
  await error.filter({ hasText: 'has no alt text' }).waitFor();
  assert.equal(await body.inputValue(), markdown, 'the typed text was lost');

  await body.fill(markdown.replace('![](', '![Two boats pulled up on a beach](') + '\n\nAfter the picture.');
  await page.getByRole('button', { name: 'Publish now' }).click();
  await page.waitForURL(/\/admin\/posts\/[0-9a-f-]+\?notice=publish$/);
  const item = await ready(hash);
  await context.close();

  // Readers get a <picture> once the sizes exist (the post is rendered again then).
  const reader = await browser.newPage();
  const loaded = [];
  reader.on('response', (response) => {
    if (new URL(response.url()).pathname.startsWith('/media/')) loaded.push(response);
  });
  const deadline = Date.now() + 5_000;
  for (;;) {
    await reader.goto(url('/boats-at-rest'));
    if ((await reader.locator('article picture').count()) > 0) break;
    assert.ok(Date.now() < deadline, 'the post shows no <picture> 5 s after its image was ready');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const picture = reader.locator('article picture');
  const avif = picture.locator('source[type="image/avif"]');
  const webp = picture.locator('source[type="image/webp"]');
  assert.equal(await avif.count(), 1);
  assert.equal(await webp.count(), 1);
  for (const source of [avif, webp]) {
    const srcset = await source.getAttribute('srcset');
    assert.match(srcset, /^\/media\/[0-9a-f]{64}\/\d+\.(avif|webp) \d+w(, \/media\/[0-9a-f]{64}\/\d+\.(avif|webp) \d+w)*$/);
    assert.ok(await source.getAttribute('sizes'), 'a source without sizes');
  }
  const img = picture.locator('img');
  assert.equal(await img.getAttribute('alt'), 'Two boats pulled up on a beach');
  assert.equal(await img.getAttribute('width'), String(item.width));
  assert.equal(await img.getAttribute('height'), String(item.height));
  assert.equal(await img.getAttribute('loading'), 'eager', 'the first image of a post loads lazily');

  // The browser chose an AVIF and loaded it; its file is immutable, typed and inert.
  await reader.waitForFunction(() => document.querySelector('article picture img').complete);
  const image = loaded.find((response) => response.status() === 200 && response.url().endsWith('.avif'));
  assert.ok(image, `the browser loaded no AVIF (it loaded ${loaded.map((response) => response.url()).join(', ')})`);
  const headers = await image.allHeaders();
  assert.equal(headers['content-type'], 'image/avif');
  assert.equal(headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.equal(headers['x-content-type-options'], 'nosniff');
  assert.equal(headers['content-security-policy'], "default-src 'none'; sandbox");
  assert.ok(await reader.evaluate(() => document.querySelector('article picture img').naturalWidth > 0), 'the AVIF did not decode');
  await reader.close();

  // The original is served as uploaded; a revalidation is a 304; a path that is not a file is a 404.
  const original = await fetch(url(path));
  assert.equal(original.status, 200);
  assert.equal(original.headers.get('content-type'), 'image/jpeg');
  assert.ok((await original.arrayBuffer()).byteLength > 0);
  const again = await fetch(url(path), { headers: { 'if-none-match': original.headers.get('etag') } });
  assert.equal(again.status, 304);
  for (const missing of [`/media/${hash}/9999.avif`, `/media/${'0'.repeat(64)}/original.jpg`, `/media/${hash}/..%2Fsecrets`, '/media/abc/original.jpg']) {
    assert.equal((await fetch(url(missing))).status, 404, missing);
  }
});

test('the upload route refuses other sites, missing sessions and files that are not images', async () => {
  const { context, page } = await signIn();
  const cookie = (await context.cookies(url('/admin'))).find((candidate) => candidate.name === 'quire_session');
  const upload = (headers, body) =>
    fetch(url('/admin/media/upload'), { method: 'POST', headers: { 'x-filename': 'a.jpg', ...headers }, body });
  const photo = await jpeg(page, 64, 64, 5);
  const session = { cookie: `quire_session=${cookie.value}`, origin: web.url };

  const foreign = await upload({ ...session, origin: 'https://evil.example' }, photo);
  assert.equal(foreign.status, 403);
  const anonymous = await upload({ origin: web.url }, photo);
  assert.equal(anonymous.status, 401);
  assert.match((await anonymous.json()).error, /sign in/);
  const text = await upload(session, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'));
  assert.equal(text.status, 400);
  assert.match((await text.json()).error, /^The file /);
  const empty = await upload(session, Buffer.alloc(0));
  assert.equal(empty.status, 400);
  const before = (await admin.media.listMedia({ pageSize: 100 })).items.length;

  // In the page, the same upload from the editor's own origin works and reports progress to the end.
  const stored = await page.evaluate(async (bytes) => {
    const { status, body } = await new Promise((resolve) => {
      const request = new XMLHttpRequest();
      request.open('POST', '/admin/media/upload');
      request.setRequestHeader('x-filename', encodeURIComponent('tiny één.jpg'));
      request.responseType = 'json';
      request.onload = () => resolve({ status: request.status, body: request.response });
      request.send(new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }));
    });
    return { status, filename: body?.item?.filename };
  }, Array.from(photo));
  assert.deepEqual(stored, { status: 200, filename: 'tiny één.jpg' });
  assert.equal((await admin.media.listMedia({ pageSize: 100 })).items.length, before + 1);
  await context.close();
});

test('a cover chosen from the library takes its alt text, and readers get it as a <picture> fetched first', async () => {
  const { context, page } = await signIn();
  const harbour = (await admin.media.listMedia({ pageSize: 100 })).items.find((item) => item.filename === 'harbour.jpg');
  await ready(harbour.sha256);
  await page.goto(url('/admin/posts/new'));
  await page.waitForFunction(() => document.querySelector('button[name="intent"][value="save"]')?.disabled === false);
  await page.getByLabel('Title', { exact: true }).fill('Harbour days');
  await page.getByLabel('Body (Markdown)').fill('A day by the water.');
  await page.getByRole('button', { name: 'Choose from the library' }).click();
  await page.getByRole('button', { name: 'Use harbour.jpg as the cover' }).click();
  assert.equal(await page.getByLabel('Image URL').inputValue(), harbour.path);
  assert.equal(await page.getByLabel('Alternative text').inputValue(), 'Fishing boats in a harbour at dusk');
  await page.getByRole('button', { name: 'Publish now' }).click();
  await page.waitForURL(/\/admin\/posts\/[0-9a-f-]+\?notice=publish$/);
  await context.close();

  const reader = await browser.newPage();
  await reader.goto(url('/harbour-days'));
  const cover = reader.locator('article picture img[fetchpriority="high"]');
  assert.equal(await cover.count(), 1, 'the cover is not a <picture> fetched first');
  assert.equal(await cover.getAttribute('alt'), 'Fishing boats in a harbour at dusk');
  assert.equal(await cover.getAttribute('width'), '1000');
  assert.equal(await reader.locator('article picture source[type="image/avif"]').count(), 1);
  // Shared, it is an absolute URL of the same file.
  assert.equal(await reader.locator('meta[property="og:image"]').getAttribute('content'), url(harbour.path));
  await reader.close();
});
