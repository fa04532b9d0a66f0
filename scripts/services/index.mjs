// Provides PostgreSQL and Redis to `npm start`, `npm test` and `npm run bench`: the one place
// that decides where they come from.
//
// For each of the two, in this order:
//   1. DATABASE_URL / REDIS_URL from the environment, when set (checked to answer on TCP);
//   2. a server Quire runs itself under <root>/.quire/ (QUIRE_STATE_DIR moves it) from programs
//      installed on the machine (postgres.mjs, redis.mjs); PostgreSQL on 127.0.0.1:55432 and Redis
//      on 127.0.0.1:56379, or QUIRE_PG_PORT / QUIRE_REDIS_PORT. Without those variables, when the
//      default port is taken by something other than this checkout's own server (another
//      checkout's, say), the next free port up to default+50 is used instead and remembered in
//      .quire/postgres/port / .quire/redis/port, so later runs of the same checkout find their
//      server there (ports.mjs);
//   3. a container started with testcontainers, when a Docker engine answers (containers.mjs);
//   4. otherwise an error that says what to install.
//
// A PostgreSQL of Quire's own (2, 3) has two URLs: `databaseUrl`, of the ordinary role `quire`
// that owns database `quire`, for the engine; `adminDatabaseUrl`, of the superuser, for tests and
// benchmarks that create databases of their own (postgres-roles.mjs). DATABASE_URL from the
// environment is both.
//
// Only Node built-ins are imported at the top of these modules: callers may run this before
// `npm install` has finished. testcontainers is imported on the Docker path only.
//
// CLI: `node scripts/services.mjs up|down` (cli.mjs).

import fs from 'node:fs';
import path from 'node:path';
import { withLock } from '../lib/processes.mjs';
import { dockerAnswers, startPostgresContainer, startRedisContainer } from './containers.mjs';
import { readPortFile } from './ports.mjs';
import { findPostgresPrograms, preparePostgresRunner, startLocalPostgres, stopLocalPostgres } from './postgres.mjs';
import { DEFAULT_REDIS_PORT, findRedisServer, startLocalRedis, stopLocalRedis } from './redis.mjs';
import { assertUrlAnswers, errorMessage, localPaths, readSettings } from './settings.mjs';

/**
 * @typedef {object} Services
 * @property {string} databaseUrl what the engine gets: for Quire's own server the ordinary role
 *   `quire`, owner of database `quire` (postgres-roles.mjs); DATABASE_URL as given when set
 * @property {string} adminDatabaseUrl a role that may create databases, for tests and benchmarks:
 *   the superuser of Quire's own server or container; DATABASE_URL as given when set
 * @property {string} redisUrl
 * @property {'env'|'local'|'testcontainers'} source
 * @property {() => Promise<void>} stop
 */
/** @typedef {import('./settings.mjs').Log} Log */

/** How long to wait for another process (`npm start` and `npm test` at once) starting or stopping the servers. */
const LOCK_TIMEOUT_MS = 120_000;

const INSTALL_HINT =
  'Quire needs PostgreSQL (15+) and Redis (7+). Install them (Debian/Ubuntu: apt-get install ' +
  'postgresql redis-server; macOS: brew install postgresql@17 redis), or set DATABASE_URL and ' +
  'REDIS_URL, or run a Docker engine.';

/**
 * Finds or starts PostgreSQL and Redis and returns their URLs.
 *
 * `stop()` stops only what this call started (servers it reused are left running).
 *
 * @param {{ root: string, log?: Log }} options root: the repository root; log: progress lines
 * @returns {Promise<Services>}
 */
export async function ensureServices({ root, log = () => {} }) {
  const settings = readSettings(process.env);
  const paths = localPaths(root, settings.stateDir);

  if (settings.databaseUrl) await assertUrlAnswers('DATABASE_URL', settings.databaseUrl, 5432, log);
  if (settings.redisUrl) await assertUrlAnswers('REDIS_URL', settings.redisUrl, 6379, log);

  /** @type {Array<() => Promise<void>>} */
  const stops = [];
  const stopAll = once(() => runStops(stops, log));
  let databaseUrl = settings.databaseUrl;
  // The operator's URL is used as given, for everything.
  let adminDatabaseUrl = settings.databaseUrl;
  let redisUrl = settings.redisUrl;
  /** @type {Services['source']} */
  let source = 'env';

  try {
    const pgPrograms = databaseUrl ? null : await findPostgresPrograms(log);
    const redisServer = redisUrl ? null : await findRedisServer(log);
    const pgNeedsContainer = !databaseUrl && !pgPrograms;
    const redisNeedsContainer = !redisUrl && !redisServer;

    if ((pgNeedsContainer || redisNeedsContainer) && !(await dockerAnswers(log))) {
      throw new Error(missingProgramsMessage(pgNeedsContainer, redisNeedsContainer));
    }

    if (pgPrograms || redisServer) {
      source = 'local';
      await withServicesLock(paths.lock, log, async () => {
        if (pgPrograms) {
          const pg = await startLocalPostgres({ programs: pgPrograms, paths, explicitPort: settings.pgPort, log });
          databaseUrl = pg.url;
          adminDatabaseUrl = pg.adminUrl;
          if (pg.stop) stops.push(pg.stop);
        }
        if (redisServer) {
          const redis = await startLocalRedis({ server: redisServer, paths, explicitPort: settings.redisPort, log });
          redisUrl = redis.url;
          if (redis.stop) stops.push(redis.stop);
        }
      });
    }

    if (pgNeedsContainer) {
      source = 'testcontainers';
      const pg = await startPostgresContainer(log);
      databaseUrl = pg.url;
      adminDatabaseUrl = pg.adminUrl;
      stops.push(pg.stop);
    }
    if (redisNeedsContainer) {
      source = 'testcontainers';
      const redis = await startRedisContainer(log);
      redisUrl = redis.url;
      stops.push(redis.stop);
    }
  } catch (error) {
    await stopAll().catch((stopError) => log(`while cleaning up: ${errorMessage(stopError)}`));
    throw error;
  }

  return {
    databaseUrl: required(databaseUrl),
    adminDatabaseUrl: required(adminDatabaseUrl),
    redisUrl: required(redisUrl),
    source,
    stop: stopAll,
  };
}

/**
 * Stops the PostgreSQL and Redis servers that Quire runs under <root>/.quire/, whoever started
 * them. Servers that are not Quire's (another Redis on the same port, say) are left alone.
 *
 * @param {{ root: string, log?: Log }} options
 * @returns {Promise<void>}
 */
export async function stopLocalServices({ root, log = () => {} }) {
  const settings = readSettings(process.env);
  const paths = localPaths(root, settings.stateDir);

  await withServicesLock(paths.lock, log, async () => {
    const redisPort = settings.redisPort ?? readPortFile(paths.redisPortFile) ?? DEFAULT_REDIS_PORT;
    await stopLocalRedis({ paths, port: redisPort, log });

    if (!fs.existsSync(path.join(paths.pgData, 'PG_VERSION'))) {
      log('PostgreSQL: no cluster under .quire/postgres; nothing to stop');
      return;
    }
    const programs = await findPostgresPrograms(log);
    if (!programs) throw new Error(`Cannot stop the PostgreSQL in ${paths.pgData}: its programs (pg_ctl) were not found.`);
    const runner = await preparePostgresRunner(paths, log);
    await stopLocalPostgres({ programs, paths, runner, log });
  });
}

/**
 * Serialises starting and stopping across processes (`npm start` and `npm test` at once).
 *
 * @template T
 * @param {string} lockFile
 * @param {Log} log
 * @param {() => Promise<T>} body
 * @returns {Promise<T>}
 */
function withServicesLock(lockFile, log, body) {
  const onWait = (/** @type {number | null} */ holder) =>
    log(`waiting for another Quire process (pid ${holder ?? 'unknown'}) that is starting or stopping services`);
  return withLock(lockFile, { timeoutMs: LOCK_TIMEOUT_MS, onWait }, body);
}

/**
 * @param {boolean} pgMissing
 * @param {boolean} redisMissing
 */
function missingProgramsMessage(pgMissing, redisMissing) {
  const missing = [
    pgMissing && 'PostgreSQL (initdb, pg_ctl, postgres and psql, version 15+)',
    redisMissing && 'Redis (redis-server, version 7+)',
  ].filter(Boolean);
  return `${INSTALL_HINT}\nNot found on this machine: ${missing.join(' and ')}; no Docker engine answers either.`;
}

/**
 * @template T
 * @param {T | undefined} value
 * @returns {T}
 */
function required(value) {
  if (value === undefined) throw new Error('ensureServices: a service URL was not resolved (a bug)');
  return value;
}

/**
 * Wraps `fn` so that it runs once; later calls return the first call's promise.
 *
 * @param {() => Promise<void>} fn
 * @returns {() => Promise<void>}
 */
function once(fn) {
  /** @type {Promise<void> | undefined} */
  let promise;
  return () => (promise ??= fn());
}

/**
 * Runs the stop functions, newest first, and reports every failure.
 *
 * @param {Array<() => Promise<void>>} stops
 * @param {Log} log
 */
async function runStops(stops, log) {
  const errors = [];
  for (const stop of [...stops].reverse()) {
    try {
      await stop();
    } catch (error) {
      log(`stopping a service failed: ${errorMessage(error)}`);
      errors.push(error);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, 'Several services failed to stop.');
}
