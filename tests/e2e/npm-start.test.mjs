// `npm start` as an operator runs it (scripts/start.mjs): the first start
// builds what is missing, migrates, creates the admin author and API keys in
// a credentials file (mode 600), seeds the demo blog and serves it; Ctrl-C
// stops the engine and the web app; a second start reuses everything and is
// ready within 15 seconds, with the same content. Isolated from a developer's
// own `npm start`: a fresh database, Redis prefixes and a credentials file of its own.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { engineClients, PostStatus } from './web-engine-client.mjs';
import { freePort } from '../../scripts/lib/ports.mjs';
import { ROOT, startProcess, waitForReady } from '../../scripts/lib/processes.mjs';

const FIRST_START_TIMEOUT_MS = 20 * 60_000; // may include the first release build
const SECOND_START_BUDGET_MS = 15_000;

const database = `quire_e2e_start_${Date.now()}_${process.pid}`;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'quire-start-'));
const credentialsFile = path.join(scratch, 'credentials');
let env;
let webUrl;
let engineUrl;

async function adminQuery(sql) {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

before(async () => {
  if (!process.env.DATABASE_URL || !process.env.REDIS_URL) throw new Error('run the end-to-end tests through `npm test`');
  await adminQuery(`CREATE DATABASE "${database}"`);
  const [webPort, enginePort] = [await freePort(), await freePort()];
  webUrl = `http://127.0.0.1:${webPort}`;
  engineUrl = `http://127.0.0.1:${enginePort}`;
  env = {
    ...process.env,
    DATABASE_URL: Object.assign(new URL(process.env.DATABASE_URL), { pathname: `/${database}` }).toString(),
    PORT: String(webPort),
    QUIRE_LISTEN_ADDR: `127.0.0.1:${enginePort}`,
    QUIRE_CREDENTIALS_FILE: credentialsFile,
    QUIRE_REDIS_PREFIX: database,
    QUIRE_WEB_CACHE_PREFIX: `${database}:web:`,
    QUIRE_METRICS_ADDR: 'off',
  };
});

after(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await adminQuery(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
});

/** Runs `npm start` until it says it is running; answers the process, its output and how long that took. */
async function npmStart(timeoutMs) {
  const startedAt = Date.now();
  // Its own process group, like a terminal's foreground job.
  const server = startProcess(['npm', 'start'], { cwd: ROOT, env, output: 'keep', ownGroup: true, stopTimeoutMs: 30_000 });
  await waitForReady(server, {
    check: async () => server.output().includes('Quire is running.'),
    waitingFor: 'with "Quire is running."',
    timeoutMs,
  });
  return { server, output: server.output, readyMs: Date.now() - startedAt };
}

/** Ctrl-C: SIGINT to npm's process group, as a terminal sends it; resolves once nothing answers any more. */
async function interrupt(started) {
  started.server.kill('SIGINT');
  const { code, signal } = await Promise.race([
    started.server.exited,
    new Promise((_, reject) => setTimeout(() => reject(new Error('npm start did not stop within 30 s')), 30_000)),
  ]);
  // npm itself may end on the signal; what matters is that Quire stopped in order.
  assert.ok(code === 0 || signal === 'SIGINT', `npm start ended with ${code ?? signal}`);
  const deadline = Date.now() + 30_000;
  while (!(await refused(`${webUrl}/`)) || !(await refused(engineUrl))) {
    assert.ok(Date.now() < deadline, `still answering 30 s after Ctrl-C:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.match(started.output(), /Stopping Quire…/);
  assert.doesNotMatch(started.output(), /exited \(.*\); stopping Quire/, 'a server crashed instead of stopping');
}

async function refused(url) {
  try {
    await fetch(url);
    return false;
  } catch {
    return true;
  }
}

function credentials() {
  return Object.fromEntries(
    readFileSync(credentialsFile, 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

async function homeTitles() {
  const html = await (await fetch(`${webUrl}/`)).text();
  // Each listed post: <h3><a href="/slug">Title</a></h3>.
  return [...html.matchAll(/<h3[^>]*><a[^>]*href="\/[^"]+"[^>]*>([^<]+)</g)].map(([, title]) => title);
}

let firstTitles;
let firstCredentials;

test('the first start builds, creates credentials, seeds the demo blog and serves it; Ctrl-C stops it all', { timeout: FIRST_START_TIMEOUT_MS + 60_000 }, async () => {
  const started = await npmStart(FIRST_START_TIMEOUT_MS);
  try {
    assert.match(started.output(), /Created the admin author and API keys: .*credentials \(mode 600\)/);
    assert.match(started.output(), /Seeded the demo blog\./);
    assert.equal(statSync(credentialsFile).mode & 0o777, 0o600);
    firstCredentials = credentials();
    for (const key of ['QUIRE_ADMIN_EMAIL', 'QUIRE_ADMIN_PASSWORD', 'QUIRE_ADMIN_API_KEY', 'QUIRE_WEB_API_KEY']) {
      assert.ok(firstCredentials[key], `${key} missing from the credentials file`);
    }

    firstTitles = await homeTitles();
    assert.ok(firstTitles.includes('Hello, Quire'), `home page: ${firstTitles}`);
    assert.ok(firstTitles.includes('Zero-copy parsing in Rust'));
    const post = await fetch(`${webUrl}/zero-copy-parsing-in-rust`);
    const html = await post.text();
    assert.equal(post.status, 200);
    assert.match(html, /<table/, 'the demo post’s table');
    assert.match(html, /class="[^"]*hl-/, 'the demo post’s highlighted code');
    assert.equal((await fetch(`${webUrl}/about`)).status, 200);

    // The API answers with the admin key, and the admin's password signs in.
    const admin = engineClients(engineUrl, firstCredentials.QUIRE_ADMIN_API_KEY);
    const { posts } = await admin.posts.listPosts({ pageSize: 50, statuses: [PostStatus.PUBLISHED] });
    assert.equal(posts.length, 5);
    const session = await admin.authors.authenticate({ email: firstCredentials.QUIRE_ADMIN_EMAIL, password: firstCredentials.QUIRE_ADMIN_PASSWORD });
    assert.ok(session.sessionToken);
  } finally {
    await interrupt(started);
  }
});

test('a second start reuses the builds, data and credentials, and is ready within 15 seconds', { timeout: 120_000 }, async () => {
  assert.ok(firstTitles, 'the first start failed');
  const started = await npmStart(60_000);
  try {
    assert.ok(started.readyMs < SECOND_START_BUDGET_MS, `ready after ${started.readyMs} ms`);
    assert.match(started.output(), /The web app is built and up to date\./);
    assert.doesNotMatch(started.output(), /Seeded the demo blog|Created the admin author/);
    assert.deepEqual(credentials(), firstCredentials);
    assert.deepEqual(await homeTitles(), firstTitles);
  } finally {
    await interrupt(started);
  }
});
