// Readers' comments through the post page's Server Action, in headless
// Chromium against the web server and the real engine: the comment shows at
// once (optimistically), waits for moderation, appears on the page once
// approved; a refused comment is rolled back with the engine's message and
// nothing typed is lost; the honeypot drops bots; the per-client rate limit holds.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM_LAUNCH, startBlog } from './web-blog.mjs';
import { CommentStatus, engineClients } from './web-engine-client.mjs';

const POST = '/first-compilers';
let blog;
let browser;
let admin;

before(async () => {
  blog = await startBlog();
  browser = await chromium.launch(CHROMIUM_LAUNCH);
  admin = engineClients(blog.engine.url, await blog.engine.createKey(['admin']));
});

after(async () => {
  await browser?.close();
  await blog?.stop();
});

const postId = () => blog.seeded.posts.compilers.id;

async function commentsOf(status) {
  const { comments } = await admin.comments.listComments({ postId: postId(), status, pageSize: 100 });
  return comments;
}

/** A fresh page on the post, whose Server Action calls are held back by `delayMs`. */
async function openPost({ delayMs = 0 } = {}) {
  const page = await browser.newPage();
  if (delayMs > 0) {
    await page.route('**/*', async (route) => {
      if (route.request().headers()['next-action']) await new Promise((resolve) => setTimeout(resolve, delayMs));
      await route.continue();
    });
  }
  const response = await page.goto(`${blog.web.url}${POST}`);
  assert.equal(response.status(), 200);
  return page;
}

async function fillComment(page, { name, body }) {
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Comment', { exact: true }).fill(body);
}

const yourComments = (page) => page.getByRole('list', { name: 'Your comments' });

test('a comment shows at once as sending, then awaits moderation, and is on the page once approved', async () => {
  const page = await openPost({ delayMs: 800 });
  await fillComment(page, { name: 'Jean', body: 'Flow-Matic deserves more credit.' });
  await page.getByRole('button', { name: 'Post comment' }).click();

  // Optimistic: on screen while the action is still in flight.
  const mine = yourComments(page).getByRole('article');
  await mine.filter({ hasText: 'Sending…' }).waitFor({ timeout: 500 });
  assert.match(await mine.innerText(), /Flow-Matic deserves more credit\./);

  await mine.filter({ hasText: 'Awaiting moderation' }).waitFor();
  await page.getByText('will appear once a moderator approves it').waitFor();
  assert.equal(await page.getByLabel('Comment', { exact: true }).inputValue(), '', 'the form is cleared after success');
  const [pending] = await commentsOf(CommentStatus.PENDING);
  assert.equal(pending.body, 'Flow-Matic deserves more credit.');
  assert.equal(pending.authorName, 'Jean');

  // Not yet public.
  const reader = await browser.newPage();
  await reader.goto(`${blog.web.url}${POST}`);
  assert.equal(await reader.getByRole('article', { name: 'Comment by Jean' }).count(), 0);

  await admin.comments.moderateComment({ id: pending.id, status: CommentStatus.APPROVED });
  const approvedAt = Date.now();
  for (;;) {
    await reader.goto(`${blog.web.url}${POST}`);
    if ((await reader.getByRole('article', { name: 'Comment by Jean' }).count()) === 1) break;
    assert.ok(Date.now() - approvedAt < 1500, 'the approved comment is not on the page within a second');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await page.close();
  await reader.close();
});

test('a comment the engine refuses is rolled back, with its message next to the field and the text kept', async () => {
  const page = await openPost({ delayMs: 300 });
  // Only spaces: the browser's `required` accepts it, the engine does not.
  await fillComment(page, { name: 'Blank Bob', body: '   ' });
  await page.getByRole('button', { name: 'Post comment' }).click();
  await yourComments(page).getByRole('article').filter({ hasText: 'Sending…' }).waitFor({ timeout: 500 });

  await page.getByText('Please correct the fields marked above.').waitFor();
  assert.equal(await yourComments(page).count(), 0, 'the optimistic comment stays after a refusal');
  const body = page.getByLabel('Comment', { exact: true });
  assert.equal(await body.getAttribute('aria-invalid'), 'true');
  const errorId = await body.getAttribute('aria-describedby');
  assert.match(await page.locator(`#${errorId}`).innerText(), /required|empty/i);
  assert.equal(await page.getByLabel('Name').inputValue(), 'Blank Bob', 'the name typed was lost');
  assert.equal((await commentsOf(CommentStatus.PENDING)).filter((c) => c.authorName === 'Blank Bob').length, 0);
  await page.close();
});

test('a bot that fills the honeypot is thanked and its comment dropped', async () => {
  const page = await openPost();
  await fillComment(page, { name: 'Spambot', body: 'Cheap watches' });
  await page.locator('input[name="website"]').evaluate((input) => {
    input.value = 'http://spam.example';
  });
  await page.getByRole('button', { name: 'Post comment' }).click();
  await page.getByText('will appear once a moderator approves it').waitFor();
  const all = [...(await commentsOf(CommentStatus.PENDING)), ...(await commentsOf(CommentStatus.SPAM))];
  assert.equal(all.filter((c) => c.authorName === 'Spambot').length, 0);
  await page.close();
});

test('one reader can send only a few comments in a short time', async () => {
  const page = await openPost();
  let limited = false;
  // The engine allows five per client in ten minutes; the first test sent one.
  for (let attempt = 1; attempt <= 6 && !limited; attempt += 1) {
    await fillComment(page, { name: 'Chatty', body: `Comment number ${attempt}` });
    await page.getByRole('button', { name: 'Post comment' }).click();
    const outcome = page.getByText(/will appear once a moderator|Too many comments/);
    await outcome.waitFor();
    limited = /Too many comments/.test(await outcome.innerText());
    if (!limited) await page.getByRole('button', { name: 'Post comment' }).waitFor();
  }
  assert.ok(limited, 'the rate limit never answered');
  assert.equal((await commentsOf(CommentStatus.PENDING)).filter((c) => c.authorName === 'Chatty').length, 4);
  await page.close();
});
