// Provides PostgreSQL and Redis to `npm start` and `npm test`: the one place that decides where
// they come from.
//
// For each of the two, in this order:
//   1. DATABASE_URL / REDIS_URL from the environment, when set (checked to answer on TCP);
//   2. a server Quire runs itself under <root>/.quire/ from programs installed on the machine;
//      PostgreSQL on 127.0.0.1:55432 and Redis on 127.0.0.1:56379, or QUIRE_PG_PORT /
//      QUIRE_REDIS_PORT. Without those variables, when the default port is taken by something
//      other than this checkout's own server (another checkout's, say), the next free port up to
//      default+50 is used instead and remembered in .quire/postgres/port / .quire/redis/port, so
//      later runs of the same checkout find their server there;
//   3. a container started with testcontainers, when a Docker engine answers;
//   4. otherwise an error that says what to install.
//
// Only Node built-ins are imported at the top: callers may run this before `npm install` has
// finished. testcontainers is imported on the Docker path only.
//
// CLI: `node scripts/services.mjs up` prints DATABASE_URL=... and REDIS_URL=... lines (for `eval`),
//      `node scripts/services.mjs down` stops the servers under .quire/.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** @typedef {{ databaseUrl: string, redisUrl: string, source: 'env'|'local'|'testcontainers', stop: () => Promise<void> }} Services */
/** @typedef {(msg: string) => void} Log */
/** @typedef {{ code: number | null, stdout: string, stderr: string, timedOut: boolean }} RunResult */
/** @typedef {(argv: string[], options?: RunOptions) => Promise<RunResult>} Runner */
/** @typedef {{ cwd?: string, input?: string, timeoutMs?: number }} RunOptions */
/** @typedef {{ dir: string, initdb: string, pgCtl: string, postgres: string, pgIsready: string | null, major: number }} PostgresPrograms */
/** @typedef {{ url: string, stop: (() => Promise<void>) | null }} StartedService */

const LOCAL_HOST = '127.0.0.1';
const DEFAULT_PG_PORT = 55432;
const DEFAULT_REDIS_PORT = 56379;
const PG_SUPERUSER = 'quire';
const PG_DATABASE = 'quire';
const MIN_PG_MAJOR = 15;
const MIN_REDIS_MAJOR = 7;
const PG_IMAGE = 'postgres:17-alpine';
const REDIS_IMAGE = 'redis:7-alpine';

const CONNECT_TIMEOUT_MS = 1_000;
const ENV_CONNECT_TIMEOUT_MS = 3_000;
const PG_START_TIMEOUT_S = 60;
const PG_READY_TIMEOUT_MS = 30_000;
const REDIS_READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 30_000;
const DOCKER_INFO_TIMEOUT_MS = 5_000;
const LOCK_TIMEOUT_MS = 120_000;
const LOG_TAIL_LINES = 20;
const PORT_SEARCH_SPAN = 50;

const INSTALL_HINT =
  'Quire needs PostgreSQL (15+) and Redis (7+). Install them (Debian/Ubuntu: apt-get install ' +
  'postgresql redis-server; macOS: brew install postgresql@17 redis), or set DATABASE_URL and ' +
  'REDIS_URL, or run a Docker engine.';

// ---------------------------------------------------------------------------------------------
// Public API

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
  const paths = localPaths(root);

  if (settings.databaseUrl) await assertUrlAnswers('DATABASE_URL', settings.databaseUrl, 5432, log);
  if (settings.redisUrl) await assertUrlAnswers('REDIS_URL', settings.redisUrl, 6379, log);

  /** @type {Array<() => Promise<void>>} */
  const stops = [];
  const stopAll = once(() => runStops(stops, log));
  let databaseUrl = settings.databaseUrl;
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
      await withLock(paths.lock, log, async () => {
        if (pgPrograms) {
          const pg = await startLocalPostgres({ programs: pgPrograms, paths, explicitPort: settings.pgPort, log });
          databaseUrl = pg.url;
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

  return { databaseUrl: required(databaseUrl), redisUrl: required(redisUrl), source, stop: stopAll };
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
  const paths = localPaths(root);

  await withLock(paths.lock, log, async () => {
    const redisPort = settings.redisPort ?? readPortFile(paths.redisPortFile) ?? DEFAULT_REDIS_PORT;
    await stopLocalRedis({ paths, port: redisPort, log });

    if (!fs.existsSync(path.join(paths.pgData, 'PG_VERSION'))) {
      log('PostgreSQL: no cluster under .quire/postgres; nothing to stop');
      return;
    }
    const programs = await findPostgresPrograms(log);
    if (!programs) throw new Error(`Cannot stop the PostgreSQL in ${paths.pgData}: pg_ctl not found.`);
    const runner = await preparePostgresRunner(paths, log);
    await stopLocalPostgres({ programs, paths, runner, log });
  });
}

// ---------------------------------------------------------------------------------------------
// Settings and paths

/**
 * The only reader of the environment in this module.
 *
 * @param {NodeJS.ProcessEnv} env
 */
function readSettings(env) {
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    // undefined unless set: Quire then picks the port itself (see portCandidates).
    pgPort: parsePort('QUIRE_PG_PORT', env.QUIRE_PG_PORT),
    redisPort: parsePort('QUIRE_REDIS_PORT', env.QUIRE_REDIS_PORT),
    dockerHost: env.DOCKER_HOST || undefined,
  };
}

/**
 * @param {string} name
 * @param {string | undefined} value
 * @returns {number | undefined}
 */
function parsePort(name, value) {
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name} must be a TCP port number (1-65535), got "${value}".`);
  }
  return port;
}

/** @param {string} root */
function localPaths(root) {
  const base = path.resolve(root, '.quire');
  const pgDir = path.join(base, 'postgres');
  const redisDir = path.join(base, 'redis');
  return {
    base,
    lock: path.join(base, 'services.lock'),
    pgDir,
    pgData: path.join(pgDir, 'data'),
    pgLog: path.join(pgDir, 'postgres.log'),
    pgDatabaseCreated: path.join(pgDir, 'database-created'),
    pgPortFile: path.join(pgDir, 'port'),
    redisDir,
    redisPid: path.join(redisDir, 'redis.pid'),
    redisLog: path.join(redisDir, 'redis.log'),
    redisPortFile: path.join(redisDir, 'port'),
  };
}
/** @typedef {ReturnType<typeof localPaths>} LocalPaths */

// ---------------------------------------------------------------------------------------------
// Step 1: URLs from the environment

/**
 * @param {string} variable
 * @param {string} url
 * @param {number} defaultPort
 * @param {Log} log
 */
async function assertUrlAnswers(variable, url, defaultPort, log) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${variable} is not a valid URL (expected something like ${exampleUrl(variable)}).`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) {
    log(`${variable}: no TCP host in the URL (a Unix socket?); not checked`);
    return;
  }
  const port = parsed.port ? Number(parsed.port) : defaultPort;
  if (!(await tcpAnswers(host, port, ENV_CONNECT_TIMEOUT_MS))) {
    throw new Error(
      `${variable} is set, but nothing answers at ${host}:${port}. Start that server, or unset ` +
        `${variable} to let Quire run its own.`,
    );
  }
  log(`${variable}: using ${host}:${port} from the environment`);
}

/** @param {string} variable */
function exampleUrl(variable) {
  return variable === 'DATABASE_URL' ? 'postgres://user@host:5432/db' : 'redis://host:6379';
}

// ---------------------------------------------------------------------------------------------
// Step 2: servers under .quire/ from installed programs

/**
 * Finds a directory holding initdb, pg_ctl and postgres of version 15 or newer.
 *
 * @param {Log} log
 * @returns {Promise<PostgresPrograms | null>}
 */
async function findPostgresPrograms(log) {
  const dirs = unique([
    ...pathDirs(),
    ...versionedDirs('/usr/lib/postgresql', (name) => (/^\d+$/.test(name) ? Number(name) : null), 'bin'),
    ...versionedDirs('/usr/local/opt', postgresFormulaVersion, 'bin'),
    ...versionedDirs('/opt/homebrew/opt', postgresFormulaVersion, 'bin'),
    '/usr/local/pgsql/bin',
  ]);
  for (const dir of dirs) {
    const initdb = executableIn(dir, 'initdb');
    const pgCtl = executableIn(dir, 'pg_ctl');
    const postgres = executableIn(dir, 'postgres');
    if (!initdb || !pgCtl || !postgres) continue;

    const major = await programMajorVersion(postgres, /\(PostgreSQL\)\s+(\d+)/);
    if (major === null || major < MIN_PG_MAJOR) {
      log(`PostgreSQL in ${dir} is version ${major ?? 'unknown'}; Quire needs ${MIN_PG_MAJOR}+, skipping it`);
      continue;
    }
    const pgIsready = executableIn(dir, 'pg_isready') ?? findProgram('pg_isready');
    return { dir, initdb, pgCtl, postgres, pgIsready, major };
  }
  return null;
}

/**
 * @param {Log} log
 * @returns {Promise<string | null>} the path of redis-server 7 or newer
 */
async function findRedisServer(log) {
  const server = findProgram('redis-server', ['/usr/bin', '/usr/local/bin', '/opt/homebrew/bin']);
  if (!server) return null;
  const major = await programMajorVersion(server, /\bv=(\d+)/);
  if (major === null || major < MIN_REDIS_MAJOR) {
    log(`${server} is version ${major ?? 'unknown'}; Quire needs Redis ${MIN_REDIS_MAJOR}+, skipping it`);
    return null;
  }
  return server;
}

/**
 * Starts (or reuses) the PostgreSQL cluster in .quire/postgres/data.
 *
 * With `explicitPort` (QUIRE_PG_PORT) only that port is used. Without it, a running cluster is
 * reused on whatever port it runs on; otherwise the first free port of portCandidates() is used
 * and remembered in .quire/postgres/port.
 *
 * @param {{ programs: PostgresPrograms, paths: LocalPaths, explicitPort: number | undefined, log: Log }} options
 * @returns {Promise<StartedService>}
 */
async function startLocalPostgres({ programs, paths, explicitPort, log }) {
  const runner = await preparePostgresRunner(paths, log);
  const remembered = readPortFile(paths.pgPortFile);

  if (await postgresIsRunning(programs, paths, runner)) {
    const runningPort = postmasterPort(paths.pgData);
    if (explicitPort !== undefined && runningPort !== null && runningPort !== explicitPort) {
      throw new Error(
        `Quire's PostgreSQL (${paths.pgData}) is already running on port ${runningPort}, not ${explicitPort}. ` +
          'Stop it with `node scripts/services.mjs down`, or set QUIRE_PG_PORT to match.',
      );
    }
    const port = explicitPort ?? runningPort ?? remembered ?? DEFAULT_PG_PORT;
    if (explicitPort === undefined) writePortFile(paths.pgPortFile, port);
    await waitForPostgres({ programs, port, logFile: paths.pgLog });
    log(`PostgreSQL: reusing the server already running on ${LOCAL_HOST}:${port}`);
    return { url: postgresUrl(port), stop: null };
  }

  // Our cluster is not running, so whatever answers on a port is someone else's.
  for (const port of portCandidates(explicitPort, remembered, DEFAULT_PG_PORT)) {
    if (!(await portIsFree(port))) {
      if (explicitPort !== undefined) {
        throw new Error(
          `Port ${port} on ${LOCAL_HOST} is taken by a program other than Quire's PostgreSQL ` +
            `(${paths.pgData}). Set QUIRE_PG_PORT to a free port, or set DATABASE_URL.`,
        );
      }
      log(`PostgreSQL: port ${port} on ${LOCAL_HOST} is taken by a program other than this checkout's server; trying the next`);
      continue;
    }

    await initPostgresCluster({ programs, paths, runner, log });

    log(`PostgreSQL ${programs.major}: starting on ${LOCAL_HOST}:${port} (log: ${paths.pgLog})`);
    const serverOptions = `-p ${port} -k '' -c listen_addresses=${LOCAL_HOST}`;
    const started = await runner(
      [programs.pgCtl, '-D', paths.pgData, '-l', paths.pgLog, '-o', serverOptions, '-w', '-t', String(PG_START_TIMEOUT_S), 'start'],
      { cwd: paths.pgDir, timeoutMs: (PG_START_TIMEOUT_S + 10) * 1_000 },
    );
    if (started.code !== 0) {
      // Another checkout may have taken the port between the check and the start.
      const lostRace = explicitPort === undefined && !(await postgresIsRunning(programs, paths, runner)) && !(await portIsFree(port));
      if (lostRace) {
        log(`PostgreSQL: port ${port} was taken while starting; trying the next`);
        continue;
      }
      throw new Error(`PostgreSQL did not start (pg_ctl: ${outputOf(started)}).\n${logTail(paths.pgLog)}`);
    }
    if (explicitPort === undefined) writePortFile(paths.pgPortFile, port);
    await waitForPostgres({ programs, port, logFile: paths.pgLog });
    const url = postgresUrl(port);
    log(`PostgreSQL: ready at ${url}`);
    return { url, stop: () => stopLocalPostgres({ programs, paths, runner, log }) };
  }
  throw new Error(noFreePortMessage('PostgreSQL', DEFAULT_PG_PORT, 'QUIRE_PG_PORT', 'DATABASE_URL'));
}

/** @param {number} port */
function postgresUrl(port) {
  return `postgres://${PG_SUPERUSER}@${LOCAL_HOST}:${port}/${PG_DATABASE}`;
}

/**
 * Creates the cluster once (superuser `quire`, database `quire`, trust auth; the server only
 * listens on 127.0.0.1). Later runs reuse it.
 *
 * @param {{ programs: PostgresPrograms, paths: LocalPaths, runner: Runner, log: Log }} options
 */
async function initPostgresCluster({ programs, paths, runner, log }) {
  const versionFile = path.join(paths.pgData, 'PG_VERSION');
  if (fs.existsSync(versionFile)) {
    const dataMajor = Number(fs.readFileSync(versionFile, 'utf8').trim());
    if (dataMajor !== programs.major) {
      throw new Error(
        `${paths.pgData} was created by PostgreSQL ${dataMajor}, but the programs found are ` +
          `PostgreSQL ${programs.major} (${programs.dir}). Remove ${paths.pgDir} to start afresh ` +
          '(its data is lost), or put the matching version first on PATH.',
      );
    }
  } else {
    if (fs.existsSync(paths.pgData) && fs.readdirSync(paths.pgData).length > 0) {
      throw new Error(`${paths.pgData} exists but holds no PostgreSQL cluster. Remove it and try again.`);
    }
    log(`PostgreSQL: creating a cluster in ${paths.pgData}`);
    const created = await runner(
      [programs.initdb, '-D', paths.pgData, '-U', PG_SUPERUSER, '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-instructions'],
      { cwd: paths.pgDir, timeoutMs: 120_000 },
    );
    if (created.code !== 0) throw new Error(`initdb failed: ${outputOf(created)}`);
    fs.rmSync(paths.pgDatabaseCreated, { force: true });
  }

  if (!fs.existsSync(paths.pgDatabaseCreated)) {
    // Single-user mode creates the database without a running server or a client program.
    const result = await runner([programs.postgres, '--single', '-D', paths.pgData, 'postgres'], {
      cwd: paths.pgDir,
      input: `CREATE DATABASE ${PG_DATABASE};\n`,
      timeoutMs: 60_000,
    });
    const failed = result.code !== 0 || /\b(ERROR|FATAL):/.test(result.stderr);
    if (failed && !/already exists/.test(result.stderr)) {
      throw new Error(`Could not create database "${PG_DATABASE}": ${outputOf(result)}`);
    }
    fs.writeFileSync(paths.pgDatabaseCreated, `${new Date().toISOString()}\n`);
  }
}

/**
 * @param {PostgresPrograms} programs
 * @param {LocalPaths} paths
 * @param {Runner} runner
 */
async function postgresIsRunning(programs, paths, runner) {
  if (!fs.existsSync(path.join(paths.pgData, 'PG_VERSION'))) return false;
  const status = await runner([programs.pgCtl, 'status', '-D', paths.pgData], { cwd: paths.pgDir, timeoutMs: 10_000 });
  return status.code === 0;
}

/**
 * @param {{ programs: PostgresPrograms, paths: LocalPaths, runner: Runner, log: Log }} options
 */
async function stopLocalPostgres({ programs, paths, runner, log }) {
  if (!(await postgresIsRunning(programs, paths, runner))) {
    log('PostgreSQL: not running');
    return;
  }
  const stopped = await runner([programs.pgCtl, '-D', paths.pgData, '-m', 'fast', '-w', 'stop'], {
    cwd: paths.pgDir,
    timeoutMs: STOP_TIMEOUT_MS,
  });
  if (stopped.code !== 0) throw new Error(`pg_ctl stop failed: ${outputOf(stopped)}`);
  log('PostgreSQL: stopped');
}

/**
 * @param {{ programs: PostgresPrograms, port: number, logFile: string }} options
 */
async function waitForPostgres({ programs, port, logFile }) {
  const ready = await waitUntil(PG_READY_TIMEOUT_MS, async () => {
    if (!(await tcpAnswers(LOCAL_HOST, port, CONNECT_TIMEOUT_MS))) return false;
    if (!programs.pgIsready) return true;
    const check = await run(
      programs.pgIsready,
      ['-h', LOCAL_HOST, '-p', String(port), '-U', PG_SUPERUSER, '-d', PG_DATABASE, '-t', '2'],
      { timeoutMs: 5_000 },
    );
    return check.code === 0;
  });
  if (!ready) {
    throw new Error(
      `PostgreSQL did not answer on ${LOCAL_HOST}:${port} within ${PG_READY_TIMEOUT_MS / 1000}s.\n${logTail(logFile)}`,
    );
  }
}

/**
 * Reads the port from postmaster.pid (its fourth line) of a running cluster.
 *
 * @param {string} dataDir
 * @returns {number | null}
 */
function postmasterPort(dataDir) {
  try {
    const lines = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
    const port = Number(lines[3]);
    return Number.isInteger(port) && port > 0 ? port : null;
  } catch {
    return null;
  }
}

/**
 * PostgreSQL refuses to run as root. As root, its programs run as an unprivileged user that owns
 * .quire/postgres; otherwise they run as the current user.
 *
 * @param {LocalPaths} paths
 * @param {Log} log
 * @returns {Promise<Runner>}
 */
async function preparePostgresRunner(paths, log) {
  makeDir(paths.base);
  makeDir(paths.pgDir);
  if (!isRoot()) return (argv, options) => run(argv[0], argv.slice(1), options);

  // .quire is ours: let the unprivileged user through it.
  const baseMode = fs.statSync(paths.base).mode & 0o777;
  if ((baseMode & 0o005) !== 0o005) fs.chmodSync(paths.base, baseMode | 0o005);

  const user = await postgresOsUser(paths);
  const runner = userRunner(user);
  if (fs.statSync(paths.pgDir).uid !== user.uid) {
    log(`PostgreSQL: running as user "${user.name}" (it refuses to run as root); giving it ${paths.pgDir}`);
    const chown = await run('chown', ['-R', `${user.uid}:${user.gid}`, paths.pgDir], { timeoutMs: 60_000 });
    if (chown.code !== 0) throw new Error(`chown of ${paths.pgDir} failed: ${outputOf(chown)}`);
  }

  const access = await runner(['test', '-w', paths.pgDir], { cwd: '/', timeoutMs: 10_000 });
  if (access.code !== 0) {
    const blocked = firstUntraversableAncestor(paths.pgDir, user);
    throw new Error(
      `PostgreSQL refuses to run as root, so Quire runs it as user "${user.name}", who cannot reach ` +
        `${paths.pgDir}` +
        (blocked ? ` because ${blocked} is not traversable by others (chmod o+x ${blocked} allows it)` : '') +
        '. Alternatively clone Quire where other users can reach it, or set DATABASE_URL.',
    );
  }
  return runner;
}

/**
 * The user that owns an existing cluster, else `postgres`, else `nobody`.
 *
 * @param {LocalPaths} paths
 * @returns {Promise<{ name: string, uid: number, gid: number }>}
 */
async function postgresOsUser(paths) {
  const candidates = [];
  if (fs.existsSync(paths.pgData)) {
    const owner = fs.statSync(paths.pgData).uid;
    if (owner !== 0) candidates.push(String(owner));
  }
  candidates.push('postgres', 'nobody');
  for (const candidate of candidates) {
    const [name, uid, gid] = await Promise.all([
      run('id', ['-un', candidate], { timeoutMs: 5_000 }),
      run('id', ['-u', candidate], { timeoutMs: 5_000 }),
      run('id', ['-g', candidate], { timeoutMs: 5_000 }),
    ]);
    if (name.code === 0 && uid.code === 0 && gid.code === 0) {
      return { name: name.stdout.trim(), uid: Number(uid.stdout), gid: Number(gid.stdout) };
    }
  }
  throw new Error('Running as root, but there is neither a "postgres" nor a "nobody" user to run PostgreSQL as.');
}

/**
 * @param {{ name: string, uid: number, gid: number }} user
 * @returns {Runner}
 */
function userRunner(user) {
  const runuser = findProgram('runuser', ['/usr/sbin', '/sbin']);
  if (runuser) return (argv, options) => run(runuser, ['-u', user.name, '--', ...argv], options);
  const setpriv = findProgram('setpriv', ['/usr/bin']);
  if (setpriv) {
    return (argv, options) =>
      run(setpriv, ['--reuid', String(user.uid), '--regid', String(user.gid), '--clear-groups', '--', ...argv], options);
  }
  const su = findProgram('su', ['/bin', '/usr/bin']);
  if (su) return (argv, options) => run(su, ['-s', '/bin/sh', user.name, '-c', argv.map(shellQuote).join(' ')], options);
  throw new Error('Running as root, but none of runuser, setpriv or su is available to run PostgreSQL as another user.');
}

/**
 * @param {string} dir
 * @param {{ uid: number, gid: number }} user
 * @returns {string | null}
 */
function firstUntraversableAncestor(dir, user) {
  const ancestors = [];
  for (let current = path.dirname(dir); ; current = path.dirname(current)) {
    ancestors.unshift(current);
    if (path.dirname(current) === current) break;
  }
  for (const ancestor of ancestors) {
    const { mode, uid, gid } = fs.statSync(ancestor);
    const traversable =
      (uid === user.uid && mode & 0o100) || (gid === user.gid && mode & 0o010) || mode & 0o001;
    if (!traversable) return ancestor;
  }
  return null;
}

/**
 * Starts (or reuses) redis-server on 127.0.0.1 with its files in .quire/redis.
 *
 * With `explicitPort` (QUIRE_REDIS_PORT) only that port is used, and any Redis answering there is
 * reused. Without it, only this checkout's own Redis is reused: the first port of
 * portCandidates() that has it, or else is free, is used and remembered in .quire/redis/port.
 *
 * @param {{ server: string, paths: LocalPaths, explicitPort: number | undefined, log: Log }} options
 * @returns {Promise<StartedService>}
 */
async function startLocalRedis({ server, paths, explicitPort, log }) {
  const automatic = explicitPort === undefined;
  for (const port of portCandidates(explicitPort, readPortFile(paths.redisPortFile), DEFAULT_REDIS_PORT)) {
    const url = `redis://${LOCAL_HOST}:${port}`;
    if (await redisPing(port)) {
      // Redis holds no users or databases Quire must create, so with an explicit port any Redis
      // answering there will do; otherwise it must be this checkout's, not another's.
      if (!automatic || (await redisIsOurs(paths, port))) {
        if (automatic) writePortFile(paths.redisPortFile, port);
        log(`Redis: reusing the server already answering on ${LOCAL_HOST}:${port}`);
        return { url, stop: null };
      }
      log(`Redis: the server on ${LOCAL_HOST}:${port} is not this checkout's (${paths.redisDir}); trying the next port`);
      continue;
    }
    if (!(await portIsFree(port))) {
      if (!automatic) {
        throw new Error(
          `Port ${port} on ${LOCAL_HOST} is taken by a program that does not answer Redis PING. ` +
            'Set QUIRE_REDIS_PORT to a free port, or set REDIS_URL.',
        );
      }
      log(`Redis: port ${port} on ${LOCAL_HOST} is taken by a program other than Redis; trying the next`);
      continue;
    }

    makeDir(paths.redisDir);
    log(`Redis: starting on ${LOCAL_HOST}:${port} (log: ${paths.redisLog})`);
    const started = await run(
      server,
      [
        '--bind', LOCAL_HOST,
        '--port', String(port),
        '--dir', paths.redisDir,
        '--daemonize', 'yes',
        '--pidfile', paths.redisPid,
        '--logfile', paths.redisLog,
        '--appendonly', 'yes',
        '--appendfsync', 'everysec',
      ],
      { cwd: paths.redisDir, timeoutMs: 15_000 },
    );
    if (started.code !== 0) {
      throw new Error(`redis-server did not start: ${outputOf(started)}\n${logTail(paths.redisLog)}`);
    }
    // redis-server daemonizes before it binds the port, so a Redis that answers may be another
    // checkout's that took the port meanwhile; ours then exits (see its log).
    const ready = await waitUntil(REDIS_READY_TIMEOUT_MS, async () =>
      (await redisPing(port)) && (!automatic || (await redisIsOurs(paths, port))),
    );
    if (!ready) {
      if (automatic && !(await portIsFree(port)) && !(await redisIsOurs(paths, port))) {
        log(`Redis: port ${port} was taken while starting; trying the next`);
        continue;
      }
      throw new Error(
        `Redis did not answer PING on ${LOCAL_HOST}:${port} within ${REDIS_READY_TIMEOUT_MS / 1000}s.\n${logTail(paths.redisLog)}`,
      );
    }
    if (automatic) writePortFile(paths.redisPortFile, port);
    log(`Redis: ready at ${url}`);
    return { url, stop: () => stopLocalRedis({ paths, port, log }) };
  }
  throw new Error(noFreePortMessage('Redis', DEFAULT_REDIS_PORT, 'QUIRE_REDIS_PORT', 'REDIS_URL'));
}

/**
 * Shuts down the Redis on `port` if it is the one whose pid is in .quire/redis/redis.pid.
 *
 * @param {{ paths: LocalPaths, port: number, log: Log }} options
 */
async function stopLocalRedis({ paths, port, log }) {
  if (!(await redisPing(port))) {
    log('Redis: not running');
    return;
  }
  if (!(await redisIsOurs(paths, port))) {
    log(`Redis: the server on ${LOCAL_HOST}:${port} is not the one Quire started in ${paths.redisDir}; leaving it running`);
    return;
  }
  // A successful SHUTDOWN closes the connection without a reply.
  const reply = await redisCommand(port, 'SHUTDOWN NOSAVE').catch(() => '');
  if (reply.startsWith('-')) throw new Error(`Redis refused SHUTDOWN: ${reply.trim()}`);
  if (!(await waitUntil(STOP_TIMEOUT_MS, async () => !(await tcpAnswers(LOCAL_HOST, port, CONNECT_TIMEOUT_MS))))) {
    throw new Error(`Redis on ${LOCAL_HOST}:${port} did not stop within ${STOP_TIMEOUT_MS / 1000}s.`);
  }
  log('Redis: stopped');
}

/**
 * Whether the Redis on `port` is the one whose pid is in .quire/redis/redis.pid.
 *
 * @param {LocalPaths} paths
 * @param {number} port
 */
async function redisIsOurs(paths, port) {
  const info = await redisCommand(port, 'INFO server').catch(() => '');
  const runningPid = Number(/^process_id:(\d+)/m.exec(info)?.[1]);
  return Boolean(runningPid) && runningPid === readPidFile(paths.redisPid);
}

/** @param {number} port */
async function redisPing(port) {
  try {
    return (await redisCommand(port, 'PING')).startsWith('+PONG');
  } catch {
    return false;
  }
}

/**
 * Sends one inline command and returns the raw reply (or what arrived before the server closed
 * the connection).
 *
 * @param {number} port
 * @param {string} command
 * @returns {Promise<string>}
 */
function redisCommand(port, command) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: LOCAL_HOST, port });
    let reply = '';
    const finish = (/** @type {Error | null} */ error) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(reply);
    };
    socket.setTimeout(CONNECT_TIMEOUT_MS * 2, () => finish(new Error(`Redis on port ${port} did not reply`)));
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (redisReplyComplete(reply)) finish(null);
    });
    socket.on('error', finish);
    socket.on('close', () => finish(null));
  });
}

/** @param {string} reply */
function redisReplyComplete(reply) {
  const headerEnd = reply.indexOf('\r\n');
  if (headerEnd < 0) return false;
  if (reply[0] !== '$') return true;
  const length = Number(reply.slice(1, headerEnd));
  return length < 0 || Buffer.byteLength(reply, 'utf8') >= headerEnd + 2 + length + 2;
}

/** @param {string} file */
function readPidFile(file) {
  try {
    return Number(fs.readFileSync(file, 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Ports of the servers under .quire/

/**
 * The ports to try, in order: the explicit one alone; else the one this checkout used last, the
 * default, and the PORT_SEARCH_SPAN ports after it.
 *
 * @param {number | undefined} explicitPort
 * @param {number | null} rememberedPort
 * @param {number} defaultPort
 * @returns {number[]}
 */
function portCandidates(explicitPort, rememberedPort, defaultPort) {
  if (explicitPort !== undefined) return [explicitPort];
  const span = Array.from({ length: PORT_SEARCH_SPAN + 1 }, (_, i) => defaultPort + i);
  return unique([...(rememberedPort === null ? [] : [rememberedPort]), ...span]).filter((port) => port <= 65535);
}

/**
 * Free: nothing answers on it and it can be bound on 127.0.0.1.
 *
 * @param {number} port
 */
async function portIsFree(port) {
  if (await tcpAnswers(LOCAL_HOST, port, CONNECT_TIMEOUT_MS)) return false;
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: LOCAL_HOST, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * @param {string} file
 * @returns {number | null}
 */
function readPortFile(file) {
  try {
    const port = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(port) && port >= 1 && port <= 65535 ? port : null;
  } catch {
    return null;
  }
}

/**
 * @param {string} file
 * @param {number} port
 */
function writePortFile(file, port) {
  if (readPortFile(file) === port) return;
  makeDir(path.dirname(file));
  fs.writeFileSync(file, `${port}\n`);
}

/**
 * @param {string} name
 * @param {number} defaultPort
 * @param {string} portVariable
 * @param {string} urlVariable
 */
function noFreePortMessage(name, defaultPort, portVariable, urlVariable) {
  return (
    `No free port for ${name} on ${LOCAL_HOST} among ${defaultPort}-${defaultPort + PORT_SEARCH_SPAN}. ` +
    `Set ${portVariable} to a free port, or set ${urlVariable}.`
  );
}

// ---------------------------------------------------------------------------------------------
// Step 3: containers

/** @param {Log} log */
async function dockerAnswers(log) {
  if (readSettings(process.env).dockerHost) return true;
  const docker = findProgram('docker');
  if (!docker) return false;
  const info = await run(docker, ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: DOCKER_INFO_TIMEOUT_MS });
  if (info.code === 0) log(`Docker engine ${info.stdout.trim()} answers`);
  return info.code === 0;
}

/**
 * @param {Log} log
 * @returns {Promise<{ url: string, stop: () => Promise<void> }>}
 */
async function startPostgresContainer(log) {
  const { PostgreSqlContainer } = await importOptional('@testcontainers/postgresql');
  log(`PostgreSQL: starting a ${PG_IMAGE} container`);
  const container = await startContainer(
    PG_IMAGE,
    new PostgreSqlContainer(PG_IMAGE).withDatabase(PG_DATABASE).withUsername(PG_SUPERUSER).withPassword(PG_SUPERUSER),
  );
  return { url: container.getConnectionUri(), stop: async () => void (await container.stop()) };
}

/**
 * @param {Log} log
 * @returns {Promise<{ url: string, stop: () => Promise<void> }>}
 */
async function startRedisContainer(log) {
  const { RedisContainer } = await importOptional('@testcontainers/redis');
  log(`Redis: starting a ${REDIS_IMAGE} container`);
  const container = await startContainer(REDIS_IMAGE, new RedisContainer(REDIS_IMAGE));
  return { url: container.getConnectionUrl(), stop: async () => void (await container.stop()) };
}

/**
 * @template {{ start: () => Promise<any> }} C
 * @param {string} image
 * @param {C} container
 * @returns {Promise<Awaited<ReturnType<C['start']>>>}
 */
async function startContainer(image, container) {
  try {
    return await container.start();
  } catch (error) {
    throw new Error(`Could not start a ${image} container: ${errorMessage(error)}`, { cause: error });
  }
}

/** @param {string} specifier */
async function importOptional(specifier) {
  try {
    return await import(specifier);
  } catch (error) {
    throw new Error(
      `A Docker engine answers, but ${specifier} could not be loaded (${errorMessage(error)}). ` +
        'Run `npm install` (it is an optional dependency), or install PostgreSQL and Redis locally.',
      { cause: error },
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Step 4: nothing found

/**
 * @param {boolean} pgMissing
 * @param {boolean} redisMissing
 */
function missingProgramsMessage(pgMissing, redisMissing) {
  const missing = [
    pgMissing && 'PostgreSQL (initdb, pg_ctl and postgres, version 15+)',
    redisMissing && 'Redis (redis-server, version 7+)',
  ].filter(Boolean);
  return `${INSTALL_HINT}\nNot found on this machine: ${missing.join(' and ')}; no Docker engine answers either.`;
}

// ---------------------------------------------------------------------------------------------
// Processes, files and sockets

/**
 * Runs a program to completion, capturing its output. Never rejects for a non-zero exit.
 *
 * @param {string} command
 * @param {string[]} args
 * @param {RunOptions} [options]
 * @returns {Promise<RunResult>}
 */
function run(command, args, { cwd, input, timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout?.on('data', (chunk) => (stdout += chunk));
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`Could not run ${command}: ${error.message}`, { cause: error }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: timedOut ? null : code, stdout, stderr, timedOut });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** @param {RunResult} result */
function outputOf(result) {
  if (result.timedOut) return 'timed out';
  const text = `${result.stderr}\n${result.stdout}`.trim();
  return text || `exit code ${result.code}`;
}

/**
 * @param {string} host
 * @param {number} port
 * @param {number} timeoutMs
 * @returns {Promise<boolean>}
 */
function tcpAnswers(host, port, timeoutMs) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (/** @type {boolean} */ answered) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.on('connect', () => finish(true));
    socket.on('error', () => finish(false));
  });
}

/**
 * Polls `check` until it returns true or the time is up.
 *
 * @param {number} timeoutMs
 * @param {() => Promise<boolean>} check
 */
async function waitUntil(timeoutMs, check) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(200);
  }
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
async function withLock(lockFile, log, body) {
  makeDir(path.dirname(lockFile));
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  let announced = false;
  for (;;) {
    try {
      fs.writeFileSync(lockFile, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EEXIST') throw error;
    }
    const holder = readPidFile(lockFile);
    if (holder !== null && !processAlive(holder)) {
      fs.rmSync(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`Another process (pid ${holder ?? 'unknown'}) holds ${lockFile}. Remove the file if that process is gone.`);
    }
    if (!announced) {
      log(`waiting for another Quire process (pid ${holder ?? 'unknown'}) that is starting or stopping services`);
      announced = true;
    }
    await sleep(250);
  }
  try {
    return await body();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

/** @param {number} pid */
function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code === 'EPERM';
  }
}

/**
 * @param {string} name
 * @param {string[]} [extraDirs] searched after PATH
 * @returns {string | null}
 */
function findProgram(name, extraDirs = []) {
  for (const dir of unique([...pathDirs(), ...extraDirs])) {
    const found = executableIn(dir, name);
    if (found) return found;
  }
  return null;
}

/**
 * @param {string} dir
 * @param {string} name
 * @returns {string | null}
 */
function executableIn(dir, name) {
  const candidate = path.join(dir, name);
  try {
    fs.accessSync(candidate, fs.constants.X_OK);
    return fs.statSync(candidate).isFile() ? candidate : null;
  } catch {
    return null;
  }
}

function pathDirs() {
  return (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
}

/**
 * Subdirectories of `parent` whose names carry a version, newest first, each joined with `sub`.
 *
 * @param {string} parent
 * @param {(name: string) => number | null} versionOf
 * @param {string} sub
 */
function versionedDirs(parent, versionOf, sub) {
  let names;
  try {
    names = fs.readdirSync(parent);
  } catch {
    return [];
  }
  return names
    .map((name) => ({ name, version: versionOf(name) }))
    .filter((entry) => entry.version !== null)
    .sort((a, b) => Number(b.version) - Number(a.version))
    .map((entry) => path.join(parent, entry.name, sub));
}

/** @param {string} name Homebrew formula directory: postgresql, postgresql@17, ... */
function postgresFormulaVersion(name) {
  if (name === 'postgresql') return 0;
  const match = /^postgresql@(\d+)$/.exec(name);
  return match ? Number(match[1]) : null;
}

/**
 * @param {string} program
 * @param {RegExp} pattern captures the major version from `program --version`
 */
async function programMajorVersion(program, pattern) {
  const result = await run(program, ['--version'], { timeoutMs: 10_000 });
  const match = pattern.exec(result.stdout);
  return match ? Number(match[1]) : null;
}

/**
 * The last lines of a log file, for error messages.
 *
 * @param {string} file
 */
function logTail(file) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    const lines = text.trimEnd().split('\n').slice(-LOG_TAIL_LINES);
    return `Last lines of ${file}:\n${lines.join('\n')}`;
  } catch {
    return `(no log at ${file})`;
  }
}

/** @param {string} dir */
function makeDir(dir) {
  fs.mkdirSync(dir, { recursive: true });
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** @param {string} value */
function shellQuote(value) {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * @template T
 * @param {T[]} values
 */
function unique(values) {
  return [...new Set(values)];
}

/**
 * @template T
 * @param {T | undefined} value
 * @returns {T}
 */
function required(value) {
  if (value === undefined) throw new Error('services.mjs: a service URL was not resolved (a bug)');
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

/** @param {unknown} error */
function errorMessage(error) {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------
// CLI

/** @param {string[]} args */
async function main(args) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  /** @type {Log} */
  const log = (msg) => process.stderr.write(`services: ${msg}\n`);
  const [command] = args;

  if (command === 'up') {
    const services = await ensureServices({ root, log });
    process.stdout.write(`DATABASE_URL=${shellQuote(services.databaseUrl)}\nREDIS_URL=${shellQuote(services.redisUrl)}\n`);
    if (services.source === 'testcontainers') {
      // Containers are removed when the process that started them exits.
      log('the containers live as long as this command runs; press Ctrl-C to stop them');
      await new Promise((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await services.stop();
    }
    return;
  }
  if (command === 'down') {
    await stopLocalServices({ root, log });
    return;
  }
  process.stderr.write('usage: node scripts/services.mjs up|down\n');
  process.exitCode = 2;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error) => {
    process.stderr.write(`services: ${errorMessage(error)}\n`);
    process.exitCode = 1;
  });
}
