// What the environment asks of the services module, where and how Quire runs its own servers
// under <root>/.quire/, and how the services modules report.
import path from 'node:path';
import { tcpAnswers } from '../lib/ports.mjs';

/** @typedef {(msg: string) => void} Log */
/** @typedef {{ url: string, stop: (() => Promise<void>) | null }} StartedService stop: null for a server that was reused, not started */

/** Quire's own servers listen on loopback only (PostgreSQL trusts every local connection). */
export const LOCAL_HOST = '127.0.0.1';
export const CONNECT_TIMEOUT_MS = 1_000;
export const STOP_TIMEOUT_MS = 30_000;
const ENV_CONNECT_TIMEOUT_MS = 3_000;

/**
 * The only reader of the environment in the services module.
 *
 * @param {NodeJS.ProcessEnv} env
 */
export function readSettings(env) {
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    // undefined unless set: Quire then picks the port itself (see portCandidates).
    pgPort: parsePort('QUIRE_PG_PORT', env.QUIRE_PG_PORT),
    redisPort: parsePort('QUIRE_REDIS_PORT', env.QUIRE_REDIS_PORT),
    // Where Quire keeps its own servers and files; <root>/.quire unless set (tests use scratch ones).
    stateDir: env.QUIRE_STATE_DIR || undefined,
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

/**
 * @param {string} root the repository root
 * @param {string} [stateDir] QUIRE_STATE_DIR, instead of <root>/.quire
 */
export function localPaths(root, stateDir) {
  const base = path.resolve(root, stateDir ?? '.quire');
  const pgDir = path.join(base, 'postgres');
  const redisDir = path.join(base, 'redis');
  return {
    base,
    lock: path.join(base, 'services.lock'),
    pgDir,
    pgData: path.join(pgDir, 'data'),
    pgLog: path.join(pgDir, 'postgres.log'),
    pgPortFile: path.join(pgDir, 'port'),
    redisDir,
    redisPid: path.join(redisDir, 'redis.pid'),
    redisLog: path.join(redisDir, 'redis.log'),
    redisPortFile: path.join(redisDir, 'port'),
    /** `npm start`'s admin author and API keys (scripts/lib/first-run.mjs). */
    credentials: path.join(base, 'credentials'),
  };
}
/** @typedef {ReturnType<typeof localPaths>} LocalPaths */

/**
 * Checks that a URL from the environment answers on TCP, so that a typo fails here and not in
 * the middle of a test run.
 *
 * @param {string} variable
 * @param {string} url
 * @param {number} defaultPort
 * @param {Log} log
 */
export async function assertUrlAnswers(variable, url, defaultPort, log) {
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

/** @param {unknown} error */
export function errorMessage(error) {
  return error instanceof Error ? error.message : String(error);
}
