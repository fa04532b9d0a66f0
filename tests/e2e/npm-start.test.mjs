// `npm start` as an operator runs it (scripts/start.mjs) on a machine with
// PostgreSQL installed and no DATABASE_URL: the first start builds what is
// missing, creates its own PostgreSQL cluster, migrates, creates the admin
// author and API keys in a credentials file (mode 600), seeds the demo blog
// and serves it, with the engine connected as an ordinary role (not a
// superuser), behind the edge cache (Varnish, which npm test installs); Ctrl-C stops the engine, the web app and the cluster; a second
// start reuses everything and is ready within 15 seconds, with the same
// content. Isolated from a developer's own `npm start`: a scratch
// QUIRE_STATE_DIR (cluster and credentials) on a free port, and Redis
// prefixes of its own. Needs REDIS_URL (`npm test` provides it).
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { engineClients, PostStatus } from './web-engine-client.mjs';
import { freePort } from '../../scripts/lib/ports.mjs';
import { ROOT, runProgram, startProcess, waitForReady } from '../../scripts/lib/processes.mjs';
import { PG_ADMIN_DATABASE, PG_ADMIN_ROLE } from '../../scripts/services/postgres-roles.mjs';

const FIRST_START_TIMEOUT_MS = 20 * 60_000; // may include the first release build
const SECOND_START_BUDGET_MS = 15_000;

const prefix = `quire_e2e_start_${Date.now()}_${process.pid}`;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'quire-start-'));
const credentialsFile = path.join(scratch, 'credentials');
let env;
let webUrl;
let engineUrl;
/** The superuser of the cluster `npm start` creates. */
let adminUrl;

before(async () => {
  if (!process.env.REDIS_URL) throw new Error('REDIS_URL is not set; run the end-to-end tests through `npm test`');
  // As root, PostgreSQL runs as another user, who must reach the cluster in the scratch directory.
  chmodSync(scratch, 0o755);
  const [webPort, enginePort, pgPort] = [await freePort(), await freePort(), await freePort()];
  webUrl = `http://127.0.0.1:${webPort}`;
  engineUrl = `http://127.0.0.1:${enginePort}`;
  adminUrl = `postgres://${PG_ADMIN_ROLE}@127.0.0.1:${pgPort}/${PG_ADMIN_DATABASE}`;
  // Without DATABASE_URL, as on a fresh machine: `npm start` runs PostgreSQL itself.
  const { DATABASE_URL: _ownClusterInstead, ...inherited } = process.env;
  env = {
    ...inherited,
    QUIRE_STATE_DIR: scratch,
    QUIRE_PG_PORT: String(pgPort),
    PORT: String(webPort),
    QUIRE_LISTEN_ADDR: `127.0.0.1:${enginePort}`,
    QUIRE_CREDENTIALS_FILE: credentialsFile,
    QUIRE_REDIS_PREFIX: prefix,
    QUIRE_WEB_CACHE_PREFIX: `${prefix}:web:`,
    QUIRE_METRICS_ADDR: 'off',
  };
});

after(async () => {
  // `npm start` stops the cluster it started; this is for a start that failed half-way. (Only
  // with the scratch QUIRE_STATE_DIR set: `down` without it would stop the checkout's own.)
  if (env?.QUIRE_STATE_DIR) {
    const services = path.join(ROOT, 'scripts', 'services.mjs');
    const down = await runProgram(process.execPath, [services, 'down'], { cwd: ROOT, env, timeoutMs: 60_000 });
    if (down.code !== 0) console.error(`services down: ${down.stderr}`);
  }
  rmSync(scratch, { recursive: true, force: true });
});

/** The roles the running engine's connections use (it names them `quire-engine`). */
async function engineRoles() {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT DISTINCT r.rolname, r.rolsuper, r.rolcreatedb, r.rolcreaterole
         FROM pg_stat_activity a JOIN pg_roles r ON r.oid = a.usesysid
        WHERE a.application_name = 'quire-engine'`,
    );
    return rows;
  } finally {
    await client.end();
  }
}

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
    assert.match(started.output(), /PostgreSQL: creating a cluster in /);
    // npm test installs Varnish, so the blog's port is the edge's.
    assert.match(started.output(), /Starting the edge cache \(Varnish\) on port /);
    assert.ok((await fetch(`${webUrl}/`)).headers.get('x-quire-edge'), 'the blog is answered through the edge');
    // The web app runs the way Next.js documents for a standalone build (not `next start`, which warns).
    assert.doesNotMatch(started.output(), /does not work with "output: standalone"/);
    // The engine is connected (its liveness probe and LISTEN connection stay open), as an ordinary role.
    assert.deepEqual(await engineRoles(), [{ rolname: 'quire', rolsuper: false, rolcreatedb: false, rolcreaterole: false }]);
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
    assert.doesNotMatch(started.output(), /Seeded the demo blog|Created the admin author|creating a cluster/);
    assert.deepEqual(await engineRoles(), [{ rolname: 'quire', rolsuper: false, rolcreatedb: false, rolcreaterole: false }]);
    assert.deepEqual(credentials(), firstCredentials);
    assert.deepEqual(await homeTitles(), firstTitles);
  } finally {
    await interrupt(started);
  }
});
