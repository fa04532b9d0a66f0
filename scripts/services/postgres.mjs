// PostgreSQL under .quire/postgres from the programs installed on this machine: finding them,
// creating the cluster once, starting, waiting for and stopping the server, and running its
// programs as an unprivileged user when Quire runs as root. Its roles (a superuser, and the
// ordinary role the engine gets) are set up by postgres-roles.mjs.
import fs from 'node:fs';
import path from 'node:path';
import { tcpAnswers } from '../lib/ports.mjs';
import {
  executableIn,
  failureText,
  findProgram,
  logTail,
  pathDirs,
  programMajorVersion,
  runProgram,
  shellQuote,
  waitUntil,
} from '../lib/processes.mjs';
import { PG_ADMIN_DATABASE, PG_ADMIN_ROLE, PG_APP_ROLE, PG_DATABASE, ensureRoles } from './postgres-roles.mjs';
import { localPortIsFree, noFreePortMessage, portCandidates, readPortFile, writePortFile } from './ports.mjs';
import { CONNECT_TIMEOUT_MS, LOCAL_HOST, STOP_TIMEOUT_MS } from './settings.mjs';

/** @typedef {import('./settings.mjs').Log} Log */
/** @typedef {import('./settings.mjs').LocalPaths} LocalPaths */
/** @typedef {import('../lib/processes.mjs').RunResult} RunResult */
/** @typedef {import('../lib/processes.mjs').RunOptions} RunOptions */
/** @typedef {(argv: string[], options?: RunOptions) => Promise<RunResult>} Runner */
/** @typedef {{ dir: string, initdb: string, pgCtl: string, postgres: string, psql: string, pgIsready: string | null, major: number }} PostgresPrograms */
/** @typedef {import('./settings.mjs').StartedService & { adminUrl: string }} StartedPostgres url: the engine's (ordinary role); adminUrl: the superuser's */

const DEFAULT_PG_PORT = 55432;
const MIN_PG_MAJOR = 15;
const PG_START_TIMEOUT_S = 60;
const PG_READY_TIMEOUT_MS = 30_000;

/**
 * Finds a directory holding initdb, pg_ctl and postgres of version 15 or newer, and psql (beside
 * them or on PATH).
 *
 * @param {Log} log
 * @returns {Promise<PostgresPrograms | null>}
 */
export async function findPostgresPrograms(log) {
  const dirs = new Set([
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
    const psql = executableIn(dir, 'psql') ?? findProgram('psql');
    if (!psql) {
      log(`PostgreSQL in ${dir} has no psql (nor is one on PATH), which sets up its roles; skipping it`);
      continue;
    }
    const pgIsready = executableIn(dir, 'pg_isready') ?? findProgram('pg_isready');
    return { dir, initdb, pgCtl, postgres, psql, pgIsready, major };
  }
  return null;
}

/**
 * Starts (or reuses) the PostgreSQL cluster in .quire/postgres/data.
 *
 * With `explicitPort` (QUIRE_PG_PORT) only that port is used. Without it, a running cluster is
 * reused on whatever port it runs on; otherwise the first free port of portCandidates() is used
 * and remembered in .quire/postgres/port.
 *
 * Either way its roles are brought to the current layout (postgres-roles.mjs), which upgrades a
 * cluster made by an earlier version of Quire.
 *
 * @param {{ programs: PostgresPrograms, paths: LocalPaths, explicitPort: number | undefined, log: Log }} options
 * @returns {Promise<StartedPostgres>}
 */
export async function startLocalPostgres({ programs, paths, explicitPort, log }) {
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
    await ensureRoles({ psql: programs.psql, port, log });
    log(`PostgreSQL: reusing the server already running on ${LOCAL_HOST}:${port}`);
    return { ...postgresUrls(port), stop: null };
  }

  // Our cluster is not running, so whatever answers on a port is someone else's.
  for (const port of portCandidates(explicitPort, remembered, DEFAULT_PG_PORT)) {
    if (!(await localPortIsFree(port))) {
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
      const lostRace = explicitPort === undefined && !(await postgresIsRunning(programs, paths, runner)) && !(await localPortIsFree(port));
      if (lostRace) {
        log(`PostgreSQL: port ${port} was taken while starting; trying the next`);
        continue;
      }
      throw new Error(`PostgreSQL did not start (pg_ctl: ${failureText(started)}).\n${logTail(paths.pgLog)}`);
    }
    if (explicitPort === undefined) writePortFile(paths.pgPortFile, port);
    await waitForPostgres({ programs, port, logFile: paths.pgLog });
    const stop = () => stopLocalPostgres({ programs, paths, runner, log });
    try {
      await ensureRoles({ psql: programs.psql, port, log });
    } catch (error) {
      await stop().catch(() => {});
      throw error;
    }
    const urls = postgresUrls(port);
    log(`PostgreSQL: ready at ${urls.url} (superuser: ${urls.adminUrl})`);
    return { ...urls, stop };
  }
  throw new Error(noFreePortMessage('PostgreSQL', DEFAULT_PG_PORT, 'QUIRE_PG_PORT', 'DATABASE_URL'));
}

/**
 * The engine's URL (the ordinary role, its database) and the superuser's.
 *
 * @param {number} port
 */
function postgresUrls(port) {
  return {
    url: `postgres://${PG_APP_ROLE}@${LOCAL_HOST}:${port}/${PG_DATABASE}`,
    adminUrl: `postgres://${PG_ADMIN_ROLE}@${LOCAL_HOST}:${port}/${PG_ADMIN_DATABASE}`,
  };
}

/**
 * Creates the cluster once (bootstrap superuser `postgres`, trust auth; the server only listens
 * on 127.0.0.1). Later runs reuse it. The engine's role and database are made once the server
 * runs (postgres-roles.mjs).
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
      [programs.initdb, '-D', paths.pgData, '-U', PG_ADMIN_ROLE, '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-instructions'],
      { cwd: paths.pgDir, timeoutMs: 120_000 },
    );
    if (created.code !== 0) throw new Error(`initdb failed: ${failureText(created)}`);
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
export async function stopLocalPostgres({ programs, paths, runner, log }) {
  if (!(await postgresIsRunning(programs, paths, runner))) {
    log('PostgreSQL: not running');
    return;
  }
  const stopped = await runner([programs.pgCtl, '-D', paths.pgData, '-m', 'fast', '-w', 'stop'], {
    cwd: paths.pgDir,
    timeoutMs: STOP_TIMEOUT_MS,
  });
  if (stopped.code !== 0) throw new Error(`pg_ctl stop failed: ${failureText(stopped)}`);
  log('PostgreSQL: stopped');
}

/**
 * @param {{ programs: PostgresPrograms, port: number, logFile: string }} options
 */
async function waitForPostgres({ programs, port, logFile }) {
  const ready = await waitUntil(PG_READY_TIMEOUT_MS, async () => {
    if (!(await tcpAnswers(LOCAL_HOST, port, CONNECT_TIMEOUT_MS))) return false;
    if (!programs.pgIsready) return true;
    const check = await runProgram(
      programs.pgIsready,
      ['-h', LOCAL_HOST, '-p', String(port), '-U', PG_ADMIN_ROLE, '-d', PG_ADMIN_DATABASE, '-t', '2'],
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
export async function preparePostgresRunner(paths, log) {
  fs.mkdirSync(paths.pgDir, { recursive: true });
  if (!isRoot()) return (argv, options) => runProgram(argv[0], argv.slice(1), options);

  // .quire is ours: let the unprivileged user through it.
  const baseMode = fs.statSync(paths.base).mode & 0o777;
  if ((baseMode & 0o005) !== 0o005) fs.chmodSync(paths.base, baseMode | 0o005);

  const user = await postgresOsUser(paths);
  const runner = userRunner(user);
  if (fs.statSync(paths.pgDir).uid !== user.uid) {
    log(`PostgreSQL: running as user "${user.name}" (it refuses to run as root); giving it ${paths.pgDir}`);
    const chown = await runProgram('chown', ['-R', `${user.uid}:${user.gid}`, paths.pgDir], { timeoutMs: 60_000 });
    if (chown.code !== 0) throw new Error(`chown of ${paths.pgDir} failed: ${failureText(chown)}`);
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
      runProgram('id', ['-un', candidate], { timeoutMs: 5_000 }),
      runProgram('id', ['-u', candidate], { timeoutMs: 5_000 }),
      runProgram('id', ['-g', candidate], { timeoutMs: 5_000 }),
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
  if (runuser) return (argv, options) => runProgram(runuser, ['-u', user.name, '--', ...argv], options);
  const setpriv = findProgram('setpriv', ['/usr/bin']);
  if (setpriv) {
    return (argv, options) =>
      runProgram(setpriv, ['--reuid', String(user.uid), '--regid', String(user.gid), '--clear-groups', '--', ...argv], options);
  }
  const su = findProgram('su', ['/bin', '/usr/bin']);
  if (su) return (argv, options) => runProgram(su, ['-s', '/bin/sh', user.name, '-c', argv.map(shellQuote).join(' ')], options);
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

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
