// Redis under .quire/redis from the redis-server installed on this machine: finding it, starting,
// pinging and stopping it, and telling this checkout's server from another's (by its pid).
import fs from 'node:fs';
import net from 'node:net';
import { tcpAnswers } from '../lib/ports.mjs';
import { failureText, findProgram, logTail, programMajorVersion, readPidFile, runProgram, waitUntil } from '../lib/processes.mjs';
import { localPortIsFree, noFreePortMessage, portCandidates, readPortFile, writePortFile } from './ports.mjs';
import { CONNECT_TIMEOUT_MS, LOCAL_HOST, STOP_TIMEOUT_MS } from './settings.mjs';

/** @typedef {import('./settings.mjs').Log} Log */
/** @typedef {import('./settings.mjs').LocalPaths} LocalPaths */
/** @typedef {import('./settings.mjs').StartedService} StartedService */

export const DEFAULT_REDIS_PORT = 56379;
const MIN_REDIS_MAJOR = 7;
const REDIS_READY_TIMEOUT_MS = 15_000;

/**
 * @param {Log} log
 * @returns {Promise<string | null>} the path of redis-server 7 or newer
 */
export async function findRedisServer(log) {
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
 * Starts (or reuses) redis-server on 127.0.0.1 with its files in .quire/redis.
 *
 * With `explicitPort` (QUIRE_REDIS_PORT) only that port is used, and any Redis answering there is
 * reused. Without it, only this checkout's own Redis is reused: the first port of
 * portCandidates() that has it, or else is free, is used and remembered in .quire/redis/port.
 *
 * @param {{ server: string, paths: LocalPaths, explicitPort: number | undefined, log: Log }} options
 * @returns {Promise<StartedService>}
 */
export async function startLocalRedis({ server, paths, explicitPort, log }) {
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
    if (!(await localPortIsFree(port))) {
      if (!automatic) {
        throw new Error(
          `Port ${port} on ${LOCAL_HOST} is taken by a program that does not answer Redis PING. ` +
            'Set QUIRE_REDIS_PORT to a free port, or set REDIS_URL.',
        );
      }
      log(`Redis: port ${port} on ${LOCAL_HOST} is taken by a program other than Redis; trying the next`);
      continue;
    }

    fs.mkdirSync(paths.redisDir, { recursive: true });
    log(`Redis: starting on ${LOCAL_HOST}:${port} (log: ${paths.redisLog})`);
    const started = await runProgram(
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
      throw new Error(`redis-server did not start: ${failureText(started)}\n${logTail(paths.redisLog)}`);
    }
    // redis-server daemonizes before it binds the port, so a Redis that answers may be another
    // checkout's that took the port meanwhile; ours then exits (see its log).
    const ready = await waitUntil(REDIS_READY_TIMEOUT_MS, async () =>
      (await redisPing(port)) && (!automatic || (await redisIsOurs(paths, port))),
    );
    if (!ready) {
      if (automatic && !(await localPortIsFree(port)) && !(await redisIsOurs(paths, port))) {
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
export async function stopLocalRedis({ paths, port, log }) {
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
