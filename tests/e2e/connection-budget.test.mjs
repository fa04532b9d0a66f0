// Connection exhaustion is reported as what it is: an engine whose pool is
// larger than PostgreSQL lets its role open logs "too many clients" with the
// connection budget, instead of only "pool timed out", and keeps answering
// with the connections it has; an engine that may hold none says so in its
// health and fails calls at once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { engineBinary } from './engine-process.mjs';
import { Code } from '@connectrpc/connect';
import { engineClients, PostStatus, ServingStatus } from './web-engine-client.mjs';
import { engineServing } from '../../scripts/lib/engine-client.mjs';
import { freePort } from '../../scripts/lib/ports.mjs';
import { commandOutput, startProcess, waitForReady, waitUntil } from '../../scripts/lib/processes.mjs';

const suffix = `${Date.now()}_${process.pid}`;
const role = `quire_budget_${suffix}`;
const database = `quire_budget_${suffix}`;
const adminUrl = process.env.DATABASE_URL;

async function asAdmin(sql) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

let engine;
let key;

before(async () => {
  // The probe and the change feed's LISTEN take two; the pool gets two more.
  await asAdmin(`CREATE ROLE "${role}" LOGIN CONNECTION LIMIT 4`);
  await asAdmin(`CREATE DATABASE "${database}" OWNER "${role}"`);
  const url = new URL(adminUrl);
  url.username = role;
  url.password = '';
  url.pathname = `/${database}`;
  const env = {
    ...process.env,
    DATABASE_URL: url.toString(),
    QUIRE_REDIS_PREFIX: database,
    QUIRE_DB_POOL_SIZE: '16',
    QUIRE_DB_ACQUIRE_TIMEOUT_MS: '1000',
    QUIRE_CACHE: 'off',
    QUIRE_LOG: 'info',
    QUIRE_LOG_FORMAT: 'pretty',
    QUIRE_METRICS_ADDR: 'off',
  };
  const stdout = await commandOutput([engineBinary(), 'keys', 'create', '--name', 'budget', '--scope', 'admin'], { env });
  key = stdout.match(/^key:\s+(\S+)$/m)?.[1];
  const port = await freePort();
  engine = startProcess([engineBinary()], {
    env: { ...env, QUIRE_LISTEN_ADDR: `127.0.0.1:${port}` },
    output: 'keep',
    name: 'quire-engine',
  });
  await waitForReady(engine, { port });
  engine.url = `http://127.0.0.1:${port}`;
  // The port opens before the engine is ready; until then it fails calls at once (UNAVAILABLE).
  const serving = await waitUntil(30_000, () => engineServing(engine.url));
  assert.ok(serving, `the engine never reported SERVING; it said:\n${engine.output().slice(-3000)}`);
});

after(async () => {
  await engine?.stop();
  await asAdmin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await asAdmin(`DROP ROLE IF EXISTS "${role}"`);
});

test('a pool larger than PostgreSQL allows is named "too many clients", and calls still get answers', async () => {
  const { posts } = engineClients(engine.url, key);
  // Uncached listings in parallel make the pool grow past the role's limit.
  const calls = Array.from({ length: 40 }, () =>
    posts.listPosts({ statuses: [PostStatus.DRAFT] }).then(
      () => 'ok',
      (error) => error.code,
    ),
  );
  const outcomes = await Promise.all(calls);
  assert.ok(outcomes.includes('ok'), `some calls are served: ${outcomes}; the engine said:\n${engine.output().slice(-3000)}`);
  const named = await waitUntil(15_000, () => /too many clients/.test(engine.output()));
  assert.ok(named, `a "too many clients" log line in:\n${engine.output().slice(-3000)}`);
  assert.match(engine.output(), /QUIRE_DB_POOL_SIZE/, 'the log names the setting to change');
  assert.doesNotMatch(engine.output(), /panicked/);
});

test('an engine PostgreSQL lets hold no connection reports NOT_SERVING and fails calls at once, until it may connect again', async () => {
  const { posts, health } = engineClients(engine.url, key);
  const status = async () => (await health.check({ service: '' }, { timeoutMs: 1_000 })).status;
  const listing = async () => {
    const started = Date.now();
    const code = await posts.listPosts({ statuses: [PostStatus.DRAFT] }).then(
      () => 'ok',
      (error) => error.code,
    );
    return { code, ms: Date.now() - started };
  };
  assert.equal(await status(), ServingStatus.SERVING, `not SERVING before the test; the engine said:\n${engine.output().slice(-3000)}`);
  // Every slot of the role taken (by no one): the engine's connections are cut, and new ones refused.
  await asAdmin(`ALTER ROLE "${role}" CONNECTION LIMIT 0`);
  try {
    await asAdmin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '${role}'`);
    // The first call finds its pooled connections gone and cannot open one.
    assert.equal((await listing()).code, Code.Unavailable);
    assert.ok(
      await waitUntil(2_000, async () => (await status()) === ServingStatus.NOT_SERVING),
      'NOT_SERVING while no connection can be had',
    );
    // And it stays so (a probe refused as "too many clients" must not read as an answer here).
    for (let i = 0; i < 5; i += 1) {
      await sleep(250);
      assert.equal(await status(), ServingStatus.NOT_SERVING, `still NOT_SERVING after ${(i + 1) * 250} ms`);
      const refused = await listing();
      assert.equal(refused.code, Code.Unavailable);
      assert.ok(refused.ms < 200, `refused at once, not after the pool's timeout: ${refused.ms} ms`);
    }
  } finally {
    await asAdmin(`ALTER ROLE "${role}" CONNECTION LIMIT 4`);
  }
  assert.ok(await waitUntil(2_000, async () => (await status()) === ServingStatus.SERVING), 'SERVING once it may connect');
  assert.equal((await listing()).code, 'ok');
});
