// What `npm start` does once per database: an admin author and API keys,
// saved to .quire/credentials (mode 600), and the demo blog.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEMO_AUTHOR, DEMO_POSTS } from './demo-content.mjs';
import { run } from './processes.mjs';

const ADMIN = { slug: 'admin', displayName: 'Quire Admin', email: 'admin@example.com' };

/** @typedef {{ QUIRE_ADMIN_EMAIL: string, QUIRE_ADMIN_PASSWORD: string, QUIRE_ADMIN_API_KEY: string, QUIRE_WEB_API_KEY: string }} Credentials */

/** @returns {Credentials | null} */
function readCredentials(file) {
  if (!existsSync(file)) return null;
  const values = Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  const complete = ['QUIRE_ADMIN_EMAIL', 'QUIRE_ADMIN_PASSWORD', 'QUIRE_ADMIN_API_KEY', 'QUIRE_WEB_API_KEY'].every((key) => values[key]);
  return complete ? /** @type {Credentials} */ (values) : null;
}

function writeCredentials(file, credentials) {
  mkdirSync(path.dirname(file), { recursive: true });
  const lines = [
    '# Quire credentials, created by `npm start`. Secret: anyone with these can change the blog.',
    '# Sign in at /admin with the email and password; QUIRE_ADMIN_API_KEY is for `buf curl` and services;',
    '# QUIRE_WEB_API_KEY is the web app\'s own key (read content, create comments).',
    ...Object.entries(credentials).map(([key, value]) => `${key}=${value}`),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
}

async function createKey(engineBinary, env, name, scopes) {
  const args = ['keys', 'create', '--name', name, ...scopes.flatMap((scope) => ['--scope', scope])];
  const { output } = await run(engineBinary, args, { env, capture: true });
  const key = output.match(/^key:\s+(\S+)$/m)?.[1];
  if (!key) throw new Error(`quire-engine keys create printed no key:\n${output}`);
  return key;
}

/** Whether `apiKey` is accepted by the engine at `engineUrl`. */
async function keyWorks(clients) {
  try {
    await clients.authors.listAuthors({ pageSize: 1 });
    return true;
  } catch (error) {
    if (error?.code === 16 /* UNAUTHENTICATED */) return false;
    throw error;
  }
}

/**
 * The credentials of this database: read from `file` when they still work,
 * otherwise created (keys through the engine's CLI, the admin author through
 * the API) and written to `file`.
 * @returns {Promise<{ credentials: Credentials, created: boolean }>}
 */
export async function ensureCredentials({ file, engineUrl, engineBinary, env }) {
  const { engineClients, AuthorRole } = await import('./engine-client.mjs');
  const saved = readCredentials(file);
  if (saved && (await keyWorks(engineClients(engineUrl, saved.QUIRE_ADMIN_API_KEY)))) {
    return { credentials: saved, created: false };
  }

  const adminKey = await createKey(engineBinary, env, 'npm-start-admin', ['admin']);
  const webKey = await createKey(engineBinary, env, 'web', ['content:read', 'comments:create']);
  const admin = engineClients(engineUrl, adminKey);
  const password = randomBytes(18).toString('base64url');
  const email = env.QUIRE_ADMIN_EMAIL || ADMIN.email;
  try {
    await admin.authors.createAuthor({ author: { ...ADMIN, email, role: AuthorRole.ADMIN }, password });
  } catch (error) {
    if (error?.code !== 6 /* ALREADY_EXISTS */) throw error;
    // The author exists but its password was lost with the file: set a new one.
    const { authors } = await admin.authors.listAuthors({ pageSize: 100 });
    const existing = authors.find((author) => author.email === email || author.slug === ADMIN.slug);
    if (!existing) throw error;
    await admin.authors.updateAuthor({ author: { id: existing.id, etag: existing.etag }, updateMask: { paths: [] }, newPassword: password });
  }
  const credentials = { QUIRE_ADMIN_EMAIL: email, QUIRE_ADMIN_PASSWORD: password, QUIRE_ADMIN_API_KEY: adminKey, QUIRE_WEB_API_KEY: webKey };
  writeCredentials(file, credentials);
  return { credentials, created: true };
}

/**
 * Creates the demo blog when the database has no posts at all (so it happens
 * once, and never over an operator's own content). Answers whether it did.
 */
export async function seedDemoOnce({ engineUrl, adminApiKey }) {
  const { engineClients, AuthorRole, PostKind, PostStatus } = await import('./engine-client.mjs');
  const admin = engineClients(engineUrl, adminApiKey);
  const statuses = [PostStatus.DRAFT, PostStatus.SCHEDULED, PostStatus.PUBLISHED, PostStatus.ARCHIVED];
  for (const kind of [PostKind.POST, PostKind.PAGE]) {
    const { posts } = await admin.posts.listPosts({ pageSize: 1, statuses, kind });
    if (posts.length > 0) return false;
  }

  const { authors } = await admin.authors.listAuthors({ pageSize: 100 });
  const adminAuthor = authors.find((author) => author.slug === ADMIN.slug) ?? authors[0];
  const demoAuthor =
    authors.find((author) => author.slug === DEMO_AUTHOR.slug) ??
    (await admin.authors.createAuthor({
      author: { ...DEMO_AUTHOR, role: AuthorRole.AUTHOR },
      password: randomBytes(18).toString('base64url'),
    })).author;

  for (const { author, post } of DEMO_POSTS) {
    const authorId = author === 'admin' ? adminAuthor.id : demoAuthor.id;
    const kind = post.kind === 'page' ? PostKind.PAGE : PostKind.POST;
    const { post: created } = await admin.posts.createPost({ post: { ...post, kind, authorId } });
    await admin.posts.publishPost({ id: created.id });
  }
  return true;
}
