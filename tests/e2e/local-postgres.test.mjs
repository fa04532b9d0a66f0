// The PostgreSQL cluster Quire runs itself (scripts/services/, through its command line
// `node scripts/services.mjs up|down`), each test in a scratch QUIRE_STATE_DIR on a free port:
// a fresh cluster gives the engine an ordinary role that owns its database, and the tests a
// superuser; a cluster made by an earlier version of Quire (`quire` its superuser) is upgraded in
// place, keeping its data, after which the engine migrates and writes through the ordinary role.
// Needs PostgreSQL 15+ installed, REDIS_URL and QUIRE_ENGINE_BIN (`npm test` provides them).
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { engineBinary } from './engine-process.mjs';
import { freePort } from '../../scripts/lib/ports.mjs';
import { ROOT, commandOutput, failureText, runProgram } from '../../scripts/lib/processes.mjs';
import { findPostgresPrograms, preparePostgresRunner } from '../../scripts/services/postgres.mjs';
import { localPaths } from '../../scripts/services/settings.mjs';

/** @type {Array<{ stateDir: string, port: number }>} */
const clusters = [];

after(async () => {
  for (const cluster of clusters) {
    await services('down', cluster).catch((error) => console.error(`services down: ${error.message}`));
    rmSync(cluster.stateDir, { recursive: true, force: true });
  }
});

async function scratchCluster() {
  if (!process.env.REDIS_URL) throw new Error('REDIS_URL is not set; run the end-to-end tests through `npm test`');
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'quire-pg-'));
  // As root, PostgreSQL runs as another user, who must reach the data directory.
  chmodSync(stateDir, 0o755);
  const cluster = { stateDir, port: await freePort() };
  clusters.push(cluster);
  return cluster;
}

/**
 * `node scripts/services.mjs <command>` for the scratch cluster: the URLs it printed, and its log.
 *
 * @param {'up' | 'down'} command
 * @param {{ stateDir: string, port: number }} cluster
 */
async function services(command, { stateDir, port }) {
  const { DATABASE_URL: _theTestRunsOwn, ...env } = process.env;
  const result = await runProgram(process.execPath, [path.join(ROOT, 'scripts', 'services.mjs'), command], {
    cwd: ROOT,
    env: { ...env, QUIRE_STATE_DIR: stateDir, QUIRE_PG_PORT: String(port) },
    timeoutMs: 120_000,
  });
  if (result.code !== 0) throw new Error(`services ${command} failed: ${failureText(result)}`);
  const urls = Object.fromEntries(
    result.stdout
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).replace(/^'(.*)'$/, '$1')]),
  );
  return { urls, log: result.stderr };
}

async function query(url, sql) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** What the role of `url` may do. */
async function ownRole(url) {
  const [role] = await query(
    url,
    'SELECT current_user AS name, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user',
  );
  return role;
}

/** Objects in schema public (and the database) that the engine's role does not own. */
async function notOwnedByQuire(url) {
  return query(
    url,
    `SELECT relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) <> 'quire'
     UNION ALL
     SELECT datname FROM pg_database WHERE datname = 'quire' AND pg_get_userbyid(datdba) <> 'quire'`,
  );
}

/** `quire-engine <args>` with DATABASE_URL=url; answers its standard output. */
function engine(url, args) {
  return commandOutput([engineBinary(), ...args], {
    env: { ...process.env, DATABASE_URL: url, QUIRE_LOG: 'warn', QUIRE_METRICS_ADDR: 'off' },
  });
}

test('a fresh cluster: the engine gets an ordinary role that owns its database, the tests a superuser', { timeout: 180_000 }, async () => {
  const cluster = await scratchCluster();
  const { urls } = await services('up', cluster);
  assert.equal(new URL(urls.DATABASE_URL).username, 'quire');
  assert.equal(new URL(urls.DATABASE_URL).pathname, '/quire');

  assert.deepEqual(await ownRole(urls.DATABASE_URL), { name: 'quire', rolsuper: false, rolcreatedb: false, rolcreaterole: false });
  await engine(urls.DATABASE_URL, ['migrate']);
  assert.match(await engine(urls.DATABASE_URL, ['keys', 'create', '--name', 'e2e', '--scope', 'admin']), /^key:\s+\S+$/m);
  assert.deepEqual(await notOwnedByQuire(urls.DATABASE_URL), []);

  const admin = await ownRole(urls.DATABASE_ADMIN_URL);
  assert.equal(admin.rolsuper, true, `${admin.name} is the superuser`);
  assert.notEqual(admin.name, 'quire');
  await query(urls.DATABASE_ADMIN_URL, 'CREATE DATABASE quire_e2e_scratch');
  await query(urls.DATABASE_ADMIN_URL, 'DROP DATABASE quire_e2e_scratch');

  // Running again reuses the server and changes nothing.
  const again = await services('up', cluster);
  assert.deepEqual(again.urls, urls);
  assert.match(again.log, /reusing the server already running/);
  assert.deepEqual(await ownRole(urls.DATABASE_URL), { name: 'quire', rolsuper: false, rolcreatedb: false, rolcreaterole: false });
});

test('a cluster of an earlier version (superuser quire) is upgraded in place and keeps its data', { timeout: 180_000 }, async () => {
  const cluster = await scratchCluster();
  const legacyUrl = `postgres://quire@127.0.0.1:${cluster.port}/quire`;

  // The cluster as earlier versions of scripts/services/postgres.mjs made it.
  const paths = localPaths(ROOT, cluster.stateDir);
  const programs = await findPostgresPrograms(() => {});
  assert.ok(programs, 'PostgreSQL 15+ is installed');
  const runner = await preparePostgresRunner(paths, () => {});
  const ok = async (argv, options = {}) => {
    const result = await runner(argv, { cwd: paths.pgDir, timeoutMs: 120_000, ...options });
    assert.equal(result.code, 0, `${path.basename(argv[0])}: ${failureText(result)}`);
  };
  await ok([programs.initdb, '-D', paths.pgData, '-U', 'quire', '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-instructions']);
  await ok([programs.postgres, '--single', '-D', paths.pgData, 'postgres'], { input: 'CREATE DATABASE quire;\n' });
  const serverOptions = `-p ${cluster.port} -k '' -c listen_addresses=127.0.0.1`;
  await ok([programs.pgCtl, '-D', paths.pgData, '-l', paths.pgLog, '-o', serverOptions, '-w', 'start']);
  assert.equal((await ownRole(legacyUrl)).rolsuper, true, 'the earlier layout: quire is the superuser');
  await engine(legacyUrl, ['migrate']);
  await engine(legacyUrl, ['keys', 'create', '--name', 'before-the-upgrade', '--scope', 'admin']);
  // As `npm start` leaves it on Ctrl-C.
  await ok([programs.pgCtl, '-D', paths.pgData, '-m', 'fast', '-w', 'stop']);

  const { urls, log } = await services('up', cluster);
  assert.match(log, /upgrading the roles of a cluster made by an earlier Quire/);
  assert.equal(urls.DATABASE_URL, legacyUrl, 'the engine keeps its URL');
  assert.deepEqual(await ownRole(urls.DATABASE_URL), { name: 'quire', rolsuper: false, rolcreatedb: false, rolcreaterole: false });
  assert.deepEqual(await notOwnedByQuire(urls.DATABASE_URL), []);
  assert.deepEqual(
    (await query(urls.DATABASE_URL, 'SELECT name FROM api_keys')).map((row) => row.name),
    ['before-the-upgrade'],
  );

  // The engine migrates and writes as the ordinary role; a later migration could alter its tables.
  await engine(urls.DATABASE_URL, ['migrate']);
  await engine(urls.DATABASE_URL, ['keys', 'create', '--name', 'after-the-upgrade', '--scope', 'admin']);
  await query(urls.DATABASE_URL, 'BEGIN; ALTER TABLE posts ADD COLUMN later int; CREATE TABLE later (id int); ROLLBACK');

  // The old superuser, renamed: still the bootstrap superuser, and the helper role is gone.
  const roles = await query(
    urls.DATABASE_ADMIN_URL,
    "SELECT rolname, rolsuper, oid = 10 AS bootstrap FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%' ORDER BY rolname",
  );
  assert.deepEqual(roles, [
    { rolname: 'postgres', rolsuper: true, bootstrap: true },
    { rolname: 'quire', rolsuper: false, bootstrap: false },
  ]);

  // Later starts find nothing to upgrade.
  await services('down', cluster);
  const again = await services('up', cluster);
  assert.deepEqual(again.urls, urls);
  assert.doesNotMatch(again.log, /upgrading the roles/);
  assert.equal((await query(urls.DATABASE_URL, 'SELECT count(*)::int AS keys FROM api_keys'))[0].keys, 2);
});
