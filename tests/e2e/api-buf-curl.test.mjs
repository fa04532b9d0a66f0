// The content API through `buf curl` and reflection, as an internal service
// would use it: create, update, publish, list, search and delete a post, and
// the documented status codes for bad input and bad credentials.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bufCurl } from './buf-curl.mjs';
import { startEngine } from './engine-process.mjs';
import { commandOutput } from '../../scripts/lib/processes.mjs';

let engine;
let adminKey;
let readerKey;
let author;
let post;

const call = (method, body, key = adminKey) => bufCurl(engine.url, `quire.v1.${method}`, body, key);

async function ok(method, body, key) {
  const result = await call(method, body, key);
  assert.ok(result.ok, `${method} failed: ${JSON.stringify(result.error)}`);
  return result.body;
}

async function fails(method, body, key) {
  const result = await call(method, body, key);
  assert.ok(!result.ok, `${method} unexpectedly succeeded`);
  return result.error;
}

before(async () => {
  engine = await startEngine();
  adminKey = await engine.createKey(['admin']);
  readerKey = await engine.createKey(['content:read']);
  ({ author } = await ok('AuthorService/CreateAuthor', {
    author: { slug: 'grace', displayName: 'Grace Hopper', email: 'grace@example.com', role: 'AUTHOR_ROLE_EDITOR' },
    password: 'a long enough password',
  }));
});

after(async () => {
  await engine?.stop();
});

test('reflection lists the quire.v1 services', async () => {
  const stdout = await commandOutput(['npx', 'buf', 'curl', '--protocol', 'grpc', '--http2-prior-knowledge', '--list-services', engine.url]);
  for (const service of ['PostService', 'TagService', 'AuthorService', 'CommentService', 'ChangeService', 'MediaService']) {
    assert.match(stdout, new RegExp(`quire\\.v1\\.${service}`));
  }
});

test('create, update, publish, list, search and delete a post', async () => {
  ({ post } = await ok('PostService/CreatePost', {
    post: { slug: 'compilers', title: 'On compilers', markdown: 'The first **compiler** was A-0.', authorId: author.id, tags: [{ name: 'History' }] },
  }));
  assert.equal(post.status, 'POST_STATUS_DRAFT');
  assert.match(post.html, /<strong>compiler<\/strong>/);

  ({ post } = await ok('PostService/UpdatePost', {
    post: { id: post.id, etag: post.etag, title: 'On the first compilers' },
    updateMask: 'title',
  }));
  assert.equal(post.title, 'On the first compilers');

  ({ post } = await ok('PostService/PublishPost', { id: post.id, etag: post.etag }));
  assert.equal(post.status, 'POST_STATUS_PUBLISHED');

  const listed = await ok('PostService/ListPosts', { pageSize: 10 }, readerKey);
  assert.deepEqual(listed.posts.map((p) => p.slug), ['compilers']);

  // Searchable within a second of publishing (each engine's index follows the change log).
  let found;
  for (const started = Date.now(); ; ) {
    found = await ok('PostService/SearchPosts', { query: 'compiler' }, readerKey);
    if (found.results?.length || Date.now() - started > 1000) break;
  }
  assert.equal(found.results[0].post.slug, 'compilers');
  assert.match(found.results[0].snippetHtml, /<mark>/);

  await ok('PostService/DeletePost', { id: post.id });
  const gone = await fails('PostService/GetPost', { slug: 'compilers' });
  assert.equal(gone.code, 'not_found');
});

test('one UpdatePost saves and publishes, and answers the cache tags of its one change', async () => {
  const { post: draft } = await ok('PostService/CreatePost', {
    post: { slug: 'one-click', title: 'Draft title', authorId: author.id, tags: [{ name: 'History' }] },
  });
  const saved = await ok('PostService/UpdatePost', {
    post: { id: draft.id, etag: draft.etag, title: 'Published title' },
    updateMask: 'title',
    status: 'POST_STATUS_PUBLISHED',
  });
  assert.equal(saved.post.status, 'POST_STATUS_PUBLISHED');
  assert.equal(saved.post.title, 'Published title');
  for (const tag of [`post:${draft.id}`, 'slug:one-click', 'posts', 'tag:history', 'author:grace']) {
    assert.ok(saved.cacheTags.includes(tag), `${tag} missing from ${saved.cacheTags}`);
  }
  await ok('PostService/DeletePost', { id: draft.id });
});

test('a bad slug answers invalid_argument with a field violation', async () => {
  const error = await fails('PostService/CreatePost', { post: { slug: 'Bad Slug!', title: 'x', authorId: author.id } });
  assert.equal(error.code, 'invalid_argument');
  const badRequest = error.details?.find((detail) => detail.type === 'google.rpc.BadRequest');
  assert.ok(badRequest, `no google.rpc.BadRequest detail in ${JSON.stringify(error)}`);
  // The detail is a serialized BadRequest; its field paths are plain strings inside it.
  const fields = Buffer.from(badRequest.value, 'base64').toString('latin1');
  assert.match(fields, /post\.slug/);
  assert.doesNotMatch(fields, /post\.title/, 'only the bad field is reported');
});

test('a stale etag answers aborted', async () => {
  const { post: created } = await ok('PostService/CreatePost', { post: { slug: 'etags', title: 'v1', authorId: author.id } });
  await ok('PostService/UpdatePost', { post: { id: created.id, etag: created.etag, title: 'v2' }, updateMask: 'title' });
  const error = await fails('PostService/UpdatePost', { post: { id: created.id, etag: created.etag, title: 'v3' }, updateMask: 'title' });
  assert.equal(error.code, 'aborted');
});

test('a missing key answers unauthenticated', async () => {
  const error = await fails('PostService/ListPosts', {}, null);
  assert.equal(error.code, 'unauthenticated');
});

test('a key without the needed scope answers permission_denied', async () => {
  const error = await fails('PostService/CreatePost', { post: { slug: 'nope', title: 'Nope', authorId: author.id } }, readerKey);
  assert.equal(error.code, 'permission_denied');
});
