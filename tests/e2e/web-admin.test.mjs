// The editing side of the web app, in headless Chromium against the web server
// and the real engine on a fresh database: signing in and out, writing and
// publishing a post, the engine's field errors beside their fields, a stale
// edit answered with the latest version while the typed text is kept, a save
// sent twice saved once (its request id), the draft preview, roles (a
// contributor cannot publish), and moderation.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Code } from '@connectrpc/connect';
import { chromium } from 'playwright-core';
import { startEngine } from './engine-process.mjs';
import { CHROMIUM_LAUNCH, signInThroughForm } from './web-blog.mjs';
import { AuthorRole, CommentStatus, engineClients, PostStatus } from './web-engine-client.mjs';
import { startWeb } from './web-process.mjs';

const PASSWORD = 'a long enough password';
const EDITOR = { slug: 'eve', displayName: 'Eve Editor', email: 'eve@example.com', role: AuthorRole.EDITOR };
const CONTRIBUTOR = { slug: 'carl', displayName: 'Carl Contributor', email: 'carl@example.com', role: AuthorRole.CONTRIBUTOR };

let engine;
let web;
/** A second replica on the same engine and shared cache: what one replica's editor publishes, it shows too. */
let replica;
let browser;
let admin;
const authors = {};

before(async () => {
  engine = await startEngine();
  try {
    const webOptions = {
      engineUrl: engine.url,
      apiKey: await engine.createKey(['content:read', 'comments:create']),
      // The shared cache, as deployed: updateTag must reach it for read-your-writes.
      cache: { redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379', prefix: `quire_admin_${Date.now()}_${process.pid}` },
    };
    [web, replica] = await Promise.all([startWeb(webOptions), startWeb(webOptions)]);
    admin = engineClients(engine.url, await engine.createKey(['admin']));
    for (const author of [EDITOR, CONTRIBUTOR]) {
      authors[author.slug] = (await admin.authors.createAuthor({ author, password: PASSWORD })).author;
    }
    browser = await chromium.launch(CHROMIUM_LAUNCH);
  } catch (error) {
    await web?.stop();
    await replica?.stop();
    await engine.stop();
    throw error;
  }
});

after(async () => {
  await browser?.close();
  await web?.stop();
  await replica?.stop();
  await engine?.stop();
});

const url = (path) => `${web.url}${path}`;

/** A fresh browser context (its own cookies) signed in as `author` through the login form. */
async function signIn(author) {
  return signInThroughForm(browser, web.url, author.email, PASSWORD);
}

/** The session cookie, or undefined. */
async function sessionCookie(context) {
  return (await context.cookies(url('/admin'))).find((cookie) => cookie.name === 'quire_session');
}

/** Waits until the editor on `page` is hydrated (its buttons are enabled only then). */
async function editorReady(page) {
  await page.waitForFunction(() => document.querySelector('button[name="intent"][value="save"]')?.disabled === false);
}

/** The engine session token in the session cookie (`<author id>:<token>`, URL-encoded). */
async function sessionToken(context) {
  const value = decodeURIComponent((await sessionCookie(context)).value);
  return value.slice(value.indexOf(':') + 1);
}

/** The id of the post whose editor `page` shows (/admin/posts/<id>). */
function editedPostId(page) {
  return new URL(page.url()).pathname.split('/').pop();
}

async function expectCode(promise, code) {
  await assert.rejects(promise, (error) => error?.code === code);
}

test('wrong credentials keep the email and say so without saying which part was wrong', async () => {
  const page = await browser.newPage();
  await page.goto(url('/admin/login'));
  await page.getByLabel('Email').fill(EDITOR.email);
  await page.getByLabel('Password').fill('not the password at all');
  await page.getByRole('button', { name: 'Sign in' }).click();

  await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
  assert.equal(await page.getByLabel('Email').inputValue(), EDITOR.email);
  assert.equal(await sessionCookie(page.context()), undefined);
  await page.close();
});

test('an editor signs in, writes and publishes a post with a live preview, and readers see it on the home page', async () => {
  // The second replica's home page is cached before the post exists.
  for (let request = 0; request < 2; request += 1) await (await fetch(`${replica.url}/`)).text();
  const before = Date.now();
  const { context, page } = await signIn(EDITOR);

  // The engine's session lives in an httpOnly, SameSite=Lax cookie until the engine's expiry.
  const cookie = await sessionCookie(context);
  assert.ok(cookie, 'no session cookie');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Lax');
  assert.equal(cookie.secure, false, 'Secure on a plain-http local site');
  assert.ok(cookie.expires * 1000 > before + 24 * 3600 * 1000, 'the cookie ends before the engine session');
  assert.match(await page.getByRole('navigation', { name: 'Admin' }).innerText(), /Comments/);

  await page.getByRole('link', { name: 'New post' }).first().click();
  await page.waitForURL(url('/admin/posts/new'));
  await editorReady(page);
  await page.getByLabel('Title', { exact: true }).fill('Hello from the editor!');
  // Suggested from the title while not edited by hand.
  assert.equal(await page.getByLabel('Slug').inputValue(), 'hello-from-the-editor');
  await page.getByLabel('Body (Markdown)').fill('Some **bold** words.\n\n## A heading\n\n<script>alert(1)</script>');
  const preview = page.getByTestId('markdown-preview');
  await preview.locator('strong', { hasText: 'bold' }).waitFor();
  assert.equal(await preview.locator('h2').innerText(), 'A heading');
  assert.equal(await preview.locator('script').count(), 0, 'the preview is sanitised');
  await page.getByLabel('Tags').fill('Testing, Editor notes');
  await page.getByLabel('Image URL').fill(url('/samples/cover.jpg'));
  await page.getByLabel('Alternative text').fill('A cover image');
  await page.getByLabel('SEO description').fill('A post written in the browser.');

  await page.getByRole('button', { name: 'Publish now' }).click();
  await page.waitForURL(/\/admin\/posts\/[0-9a-f-]+\?notice=publish$/);
  await page.getByRole('status').filter({ hasText: 'Published.' }).waitFor();
  const { post } = await admin.posts.getPost({ key: { case: 'id', value: editedPostId(page) } });
  assert.equal(post.slug, 'hello-from-the-editor');
  assert.deepEqual(post.tags.map((tag) => tag.name), ['Testing', 'Editor notes']);
  assert.equal(post.seo.metaDescription, 'A post written in the browser.');
  assert.equal(post.author.slug, EDITOR.slug);

  const publishedAt = Date.now();
  await page.goto(url('/'));
  assert.equal(await page.locator('main article h2, main article h3').first().innerText(), 'Hello from the editor!');
  // The other replica, whose home page was cached before, shows the post within a second.
  for (;;) {
    const home = await (await fetch(`${replica.url}/`)).text();
    if (home.includes('Hello from the editor!')) break;
    assert.ok(Date.now() - publishedAt < 1000, 'the second replica’s home page does not show the new post within a second');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await page.goto(url('/hello-from-the-editor'));
  assert.equal(await page.locator('h1').innerText(), 'Hello from the editor!');
  assert.equal(await page.locator('article strong').innerText(), 'bold');

  // It is listed under Published in the admin.
  await page.goto(url('/admin?status=published'));
  await page.getByRole('link', { name: 'Hello from the editor!' }).waitFor();
  await page.goto(url('/admin?status=draft'));
  assert.equal(await page.getByRole('link', { name: 'Hello from the editor!' }).count(), 0);
  await context.close();
});

test('a bad slug shows the engine’s message beside the slug field, and keeps what was typed', async () => {
  const { context, page } = await signIn(EDITOR);
  await page.goto(url('/admin/posts/new'));
  await editorReady(page);
  await page.getByLabel('Title', { exact: true }).fill('A post with a bad slug');
  await page.getByLabel('Slug').fill('Not A Slug!');
  await page.getByLabel('Body (Markdown)').fill('Words I do not want to lose.');
  await page.getByRole('button', { name: 'Save draft' }).click();

  const error = page.locator('#post-slug-error');
  await error.waitFor();
  assert.match(await error.innerText(), /lower-case letters, digits and single hyphens/);
  assert.equal(await page.getByLabel('Slug').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), 'A post with a bad slug');
  assert.equal(await page.getByLabel('Body (Markdown)').inputValue(), 'Words I do not want to lose.');
  assert.equal(await page.getByLabel('Slug').inputValue(), 'Not A Slug!');
  assert.equal(page.url(), url('/admin/posts/new'));

  // A slug another post holds is the engine's ALREADY_EXISTS, beside the same field.
  await page.getByLabel('Slug').fill('hello-from-the-editor');
  await page.getByRole('button', { name: 'Save draft' }).click();
  await error.filter({ hasText: 'is already in use' }).waitFor();
  await context.close();
});

test('a stale save shows the conflict, keeps the typed text and offers the latest version', async () => {
  const { post: draft } = await admin.posts.createPost({
    post: { slug: 'shared-draft', title: 'A shared draft', markdown: 'First version.', authorId: authors.eve.id },
  });
  const { context, page } = await signIn(EDITOR);
  await page.goto(url(`/admin/posts/${draft.id}`));
  await editorReady(page);
  await page.getByLabel('Body (Markdown)').fill('My typed text.');

  // Someone else saves meanwhile.
  await admin.posts.updatePost({
    post: { id: draft.id, etag: draft.etag, title: 'Changed elsewhere' },
    updateMask: { paths: ['title'] },
  });
  await page.getByRole('button', { name: 'Save draft' }).click();

  await page.getByRole('alert').filter({ hasText: 'Someone else changed this post' }).waitFor();
  assert.equal(await page.getByLabel('Body (Markdown)').inputValue(), 'My typed text.');
  assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), 'A shared draft');
  const stored = (await admin.posts.getPost({ key: { case: 'id', value: draft.id } })).post;
  assert.equal(stored.markdown, 'First version.', 'the stale save changed the post');

  // Loading the latest version shows theirs and keeps mine aside.
  await page.getByRole('button', { name: 'Load the latest version' }).click();
  assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), 'Changed elsewhere');
  assert.equal(await page.getByLabel('Body (Markdown)').inputValue(), 'First version.');
  assert.equal(await page.getByLabel('Your body').inputValue(), 'My typed text.');

  // Putting mine back onto the latest version saves it.
  await page.getByRole('button', { name: 'Put my version back' }).click();
  assert.equal(await page.getByLabel('Body (Markdown)').inputValue(), 'My typed text.');
  await page.getByRole('button', { name: 'Save draft' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  const saved = (await admin.posts.getPost({ key: { case: 'id', value: draft.id } })).post;
  assert.equal(saved.markdown, 'My typed text.');

  // The draft preview renders it with the reader's components, in draft mode.
  await page.getByRole('button', { name: 'Preview as readers will see it' }).click();
  await page.waitForURL(url(`/admin/preview/${draft.id}`));
  await page.getByText('Draft preview: readers cannot see this page.').waitFor();
  assert.equal(await page.locator('article h1').innerText(), 'A shared draft');
  assert.match(await page.locator('article .prose').innerText(), /My typed text\./);
  assert.ok((await context.cookies()).some((cookie) => cookie.name === '__prerender_bypass'), 'draft mode is off');
  // Readers still cannot see it.
  assert.equal((await fetch(url('/shared-draft'))).status, 404);
  await context.close();
});

test('a save sent again after its answer was lost is saved once, as the same request', async () => {
  const { post: draft } = await admin.posts.createPost({
    post: { slug: 'saved-once', title: 'Saved once', markdown: 'First version.', authorId: authors.eve.id },
  });
  const revisions = async () => (await admin.posts.listPostRevisions({ postId: draft.id, pageSize: 100 })).revisions.length;
  const { context, page } = await signIn(EDITOR);
  await page.goto(url(`/admin/posts/${draft.id}`));
  await editorReady(page);
  await page.getByLabel('Body (Markdown)').fill('Second version.');
  const [sent] = await Promise.all([
    page.waitForRequest((request) => request.method() === 'POST' && Boolean(request.headers()['next-action'])),
    page.getByRole('button', { name: 'Save draft' }).click(),
  ]);
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  const saved = await revisions();

  // The same request again, as a browser retrying a lost answer sends it: its request id, and the etag it was opened at.
  const headers = Object.fromEntries(
    Object.entries(await sent.allHeaders()).filter(([name]) => !name.startsWith(':') && !['host', 'content-length'].includes(name)),
  );
  const resent = await fetch(sent.url(), { method: 'POST', headers, body: sent.postDataBuffer(), redirect: 'manual' });
  await resent.arrayBuffer();
  // Answered as the first attempt was (saved, on to the editor), not as a stale etag.
  assert.match(resent.headers.get('x-action-redirect') ?? '', /notice=saved/);
  assert.equal(await revisions(), saved, 'the resent save wrote another revision');
  assert.equal((await admin.posts.getPost({ key: { case: 'id', value: draft.id } })).post.markdown, 'Second version.');
  await context.close();
});

test('a contributor sees no publish buttons, and the engine refuses to publish for them', async () => {
  const { context, page } = await signIn(CONTRIBUTOR);
  assert.doesNotMatch(await page.getByRole('navigation', { name: 'Admin' }).innerText(), /Comments/);
  await page.goto(url('/admin/posts/new'));
  await editorReady(page);
  await page.getByLabel('Title', { exact: true }).fill('A contributor’s draft');
  await page.getByLabel('Body (Markdown)').fill('Waiting for an editor.');
  assert.equal(await page.getByRole('button', { name: 'Publish now' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Schedule' }).count(), 0);
  await page.getByRole('button', { name: 'Save draft' }).click();
  await page.waitForURL(/\/admin\/posts\/[0-9a-f-]+\?notice=saved$/);
  assert.equal(await page.getByRole('button', { name: 'Publish now' }).count(), 0);

  const token = await sessionToken(context);
  const asContributor = engineClients(engine.url, token);
  await expectCode(asContributor.posts.publishPost({ id: editedPostId(page) }), Code.PermissionDenied);
  await context.close();
});

test('an editor unpublishes, schedules and deletes a post, and readers follow', async () => {
  const { post: created } = await admin.posts.createPost({
    post: { slug: 'short-lived', title: 'Short-lived', markdown: 'Here today.', authorId: authors.eve.id },
  });
  await admin.posts.publishPost({ id: created.id });
  const { context, page } = await signIn(EDITOR);
  assert.equal((await page.goto(url('/short-lived'))).status(), 200);

  await page.goto(url(`/admin/posts/${created.id}`));
  await editorReady(page);
  await page.getByRole('button', { name: 'Unpublish' }).click();
  await page.getByRole('status').filter({ hasText: 'Unpublished' }).waitFor();
  assert.equal((await fetch(url('/short-lived'))).status, 404, 'readers still see an unpublished post');

  await editorReady(page);
  await page.getByLabel('Publish at').fill('2031-05-04T10:30');
  await page.getByRole('button', { name: 'Schedule' }).click();
  await page.getByRole('status').filter({ hasText: 'Scheduled.' }).waitFor();
  const { post: scheduled } = await admin.posts.getPost({ key: { case: 'id', value: created.id } });
  assert.equal(scheduled.status, PostStatus.SCHEDULED);
  await page.goto(url('/admin?status=scheduled'));
  await page.getByRole('link', { name: 'Short-lived' }).click();
  await page.waitForURL(url(`/admin/posts/${created.id}`));

  await page.getByRole('button', { name: 'Delete…' }).click();
  await page.getByRole('button', { name: 'Yes, delete permanently' }).click();
  await page.waitForURL(url('/admin'));
  await expectCode(admin.posts.getPost({ key: { case: 'id', value: created.id } }), Code.NotFound);
  await context.close();
});

test('an editor approves a pending comment from the moderation queue', async () => {
  const commenter = engineClients(engine.url, await engine.createKey(['comments:create']));
  const { post } = await admin.posts.getPost({ key: { case: 'slug', value: 'hello-from-the-editor' } });
  await commenter.comments.createComment({ comment: { postId: post.id, authorName: 'Rita Reader', body: 'Nice first post.' } });
  await commenter.comments.createComment({ comment: { postId: post.id, authorName: 'Spam Bot', body: 'Buy things.' } });

  const { context, page } = await signIn(EDITOR);
  await page.getByRole('link', { name: 'Comments' }).click();
  await page.waitForURL(url('/admin/comments'));
  await page.getByRole('button', { name: 'Approve' }).first().waitFor();
  const rita = page.getByRole('article', { name: 'Comment by Rita Reader' });
  await rita.getByRole('button', { name: 'Approve' }).click();
  await rita.waitFor({ state: 'detached' });
  await page.getByRole('article', { name: 'Comment by Spam Bot' }).getByRole('button', { name: 'Mark as spam' }).click();
  await page.getByText('Nothing to moderate.').waitFor();

  const spam = await admin.comments.listComments({ status: CommentStatus.SPAM });
  assert.deepEqual(spam.comments.map((comment) => comment.authorName), ['Spam Bot']);
  await page.goto(url('/hello-from-the-editor'));
  await page.getByRole('article', { name: 'Comment by Rita Reader' }).waitFor();
  await context.close();
});

test('logging out ends the engine session and clears the cookie', async () => {
  const { context, page } = await signIn(EDITOR);
  const token = await sessionToken(context);
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(url('/admin/login'));

  assert.equal(await sessionCookie(context), undefined);
  await expectCode(
    engineClients(engine.url, token).authors.getAuthor({ key: { case: 'slug', value: EDITOR.slug } }),
    Code.Unauthenticated,
  );
  await page.goto(url('/admin'));
  await page.waitForURL(url('/admin/login'));
  await context.close();
});
