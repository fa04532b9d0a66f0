// The fault suite's own servers: a PostgreSQL cluster and a redis-server in a scratch state
// directory on free loopback ports (never the machine's services, which CI uses), engine
// processes over them, and the faults done to them. `close()` stops and removes everything, also
// after a failure half-way; an exit (and SIGINT/SIGTERM) hook kills it all if the process ends
// without it.
import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort } from '../../../scripts/lib/ports.mjs';
import { ROOT, commandOutput, failureText, logTail, startProcess, waitForReady, waitUntil } from '../../../scripts/lib/processes.mjs';
import { findPostgresPrograms, preparePostgresRunner, startLocalPostgres } from '../../../scripts/services/postgres.mjs';
import { findRedisServer } from '../../../scripts/services/redis.mjs';
import { LOCAL_HOST, localPaths } from '../../../scripts/services/settings.mjs';
import { AuthorRole, engineClients } from './clients.mjs';

/** How long an engine may take to drain after SIGTERM before it is killed. */
const ENGINE_STOP_TIMEOUT_MS = 10_000;
/** How long to wait for the engine binary while another build replaces it. */
const BINARY_WAIT_MS = 120_000;
const ENGINE_START_ATTEMPTS = 3;
const SERVING_TIMEOUT_MS = 30_000;
/** How often the PostgreSQL return is polled (the reference for "SERVING again within 1 s"). */
const PG_UP_POLL_MS = 25;
const PG_CTL_TIMEOUT_MS = 60_000;

/** @typedef {ReturnType<typeof engineClients>} EngineClients */
/**
 * @typedef {object} Engine
 * @property {string} name
 * @property {string} url
 * @property {EngineClients} clients
 * @property {() => EngineClients} connect clients on a connection of their own (another client, as a load's)
 * @property {string} logFile where its output is appended
 * @property {() => number | undefined} pid the running process's
 * @property {() => boolean} running
 * @property {string} key the API key its clients send (admin scope)
 * @property {(env: NodeJS.ProcessEnv, placement?: { cpus?: string }) => void} configure settings (environment variables) over the cluster's for its next starts, `{}` for none; cpus: the cores it may run on (a `taskset -c` list), for its next starts
 * @property {(signal: NodeJS.Signals) => void} signal sends `signal` to the engine process
 * @property {(timeoutMs?: number) => Promise<void>} exited resolves once the process has exited (SIGKILL after `timeoutMs`)
 * @property {() => Promise<void>} start starts it (again), fresh from the binary, and waits for SERVING
 * @property {() => Promise<void>} stop
 */

/**
 * Starts PostgreSQL, Redis, the engines under test (`names`) and a checker engine (read cache
 * off, no Redis: it reads PostgreSQL as it is, and takes no part in the change fan-out).
 *
 * @param {{ engineBin: string, loadBin?: string, names?: string[], log?: (line: string) => void }} options
 *   loadBin: quire-load (bench/load), which the overload scenario drives the engine with when given
 */
export async function startFaultCluster({ engineBin, loadBin, names = ['A', 'B'], log = () => {} }) {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'quire-faults-'));
  // As root, PostgreSQL runs as another user, who must reach the data directory.
  chmodSync(stateDir, 0o755);
  const paths = localPaths(ROOT, stateDir);
  /** @type {Array<() => Promise<void>>} */
  const closers = [];
  /** Pids to kill if the process exits before close(). */
  const pids = new Set();
  const exitHook = () => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    const postmaster = postmasterPid(paths.pgData);
    if (postmaster) {
      try {
        process.kill(postmaster, 'SIGQUIT');
      } catch {}
    }
    rmSync(stateDir, { recursive: true, force: true });
  };
  process.once('exit', exitHook);
  // Interrupted (Ctrl-C, a runner's time limit): clean up as on exit, then end as the signal would.
  const onSignal = (/** @type {NodeJS.Signals} */ signal) => {
    exitHook();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const close = async () => {
    for (const closer of closers.reverse()) {
      await closer().catch((error) => log(`faults: clean-up: ${error instanceof Error ? error.message : error}`));
    }
    closers.length = 0;
    process.removeListener('exit', exitHook);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    rmSync(stateDir, { recursive: true, force: true });
  };

  try {
    const programs = await findPostgresPrograms(log);
    if (!programs) throw new Error('the fault suite needs PostgreSQL 15+ installed (initdb, pg_ctl, postgres, psql)');
    const redisServer = await findRedisServer(log);
    if (!redisServer) throw new Error('the fault suite needs redis-server 7+ installed');

    const pgPort = await freePort();
    const started = await startLocalPostgres({ programs, paths, explicitPort: pgPort, log });
    closers.push(async () => {
      await started.stop?.();
    });
    const runner = await preparePostgresRunner(paths, log);
    const postgres = postgresFaults({ programs, paths, runner, port: pgPort, adminUrl: started.adminUrl });

    const redisPort = await freePort();
    const redis = redisFaults({ server: redisServer, port: redisPort, dir: paths.redisDir, logFile: paths.redisLog, pids });
    await redis.start();
    closers.push(() => redis.close());

    const baseEnv = {
      ...process.env,
      DATABASE_URL: started.url,
      REDIS_URL: `redis://${LOCAL_HOST}:${redisPort}`,
      QUIRE_REDIS_PREFIX: 'faults',
      QUIRE_LOG: 'warn',
      QUIRE_METRICS_ADDR: 'off',
    };
    await waitForBinary(engineBin);
    // `keys create` migrates the fresh database first.
    const created = await commandOutput([engineBin, 'keys', 'create', '--name', 'faults', '--scope', 'admin'], { env: baseEnv });
    const key = /^key:\s+(\S+)$/m.exec(created)?.[1];
    if (!key) throw new Error(`no key in: ${created}`);

    const engines = [];
    for (const name of names) {
      const engine = await engineProcess({ name, engineBin, env: baseEnv, key, logFile: path.join(stateDir, `engine-${name}.log`), pids });
      closers.push(() => engine.stop());
      await engine.start();
      engines.push(engine);
    }
    const { REDIS_URL: _noRedis, ...checkerEnv } = baseEnv;
    const checker = await engineProcess({
      name: 'checker',
      engineBin,
      env: { ...checkerEnv, QUIRE_CACHE: 'off' },
      key,
      logFile: path.join(stateDir, 'engine-checker.log'),
      pids,
    });
    closers.push(() => checker.stop());
    await checker.start();
    // Posts made with an API key name their author.
    const { author } = await checker.clients.authors.createAuthor({
      author: { slug: 'fault-writer', displayName: 'Fault Writer', email: 'fault-writer@example.com', role: AuthorRole.EDITOR },
      password: 'a long enough password',
    });
    if (!author) throw new Error('CreateAuthor answered no author');

    return {
      stateDir,
      engines,
      checker,
      authorId: author.id,
      /** quire-load, if the caller gave it. */
      loadBin: loadBin ?? null,
      /** The engines' DATABASE_URL (the ordinary role), and PostgreSQL's address. */
      database: { url: started.url, host: LOCAL_HOST, port: pgPort },
      postgres,
      /** Redis's process (to kill or pause it), and its address. */
      redis: { ...redis, host: LOCAL_HOST, port: redisPort },
      /** The last lines of every log, for a failure's message. */
      logTails: () =>
        [paths.pgLog, paths.redisLog, ...[...names, 'checker'].map((name) => path.join(stateDir, `engine-${name}.log`))].map(logTail).join('\n'),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * One engine process on a port of its own, restartable on the same port.
 *
 * @param {{ name: string, engineBin: string, env: NodeJS.ProcessEnv, key: string, logFile: string, pids: Set<number> }} options
 * @returns {Promise<Engine>}
 */
async function engineProcess({ name, engineBin, env, key, logFile, pids }) {
  const port = await freePort();
  const url = `http://${LOCAL_HOST}:${port}`;
  const clients = engineClients(url, key);
  /** @type {import('../../../scripts/lib/processes.mjs').ServerProcess | null} */
  let server = null;
  /** @type {NodeJS.ProcessEnv} a scenario's settings over the cluster's */
  let overrides = {};
  /** @type {string | undefined} the cores it runs on, if a scenario pinned it */
  let cpus;

  const start = async () => {
    for (let attempt = 1; ; attempt += 1) {
      // Another build may be replacing the binary right now.
      await waitForBinary(engineBin);
      const child = startProcess(cpus ? ['taskset', '-c', cpus, engineBin] : [engineBin], {
        env: { ...env, ...overrides, QUIRE_LISTEN_ADDR: `${LOCAL_HOST}:${port}` },
        output: { appendTo: logFile },
        stopTimeoutMs: ENGINE_STOP_TIMEOUT_MS,
        name: `quire-engine ${name}`,
      });
      if (child.pid) pids.add(child.pid);
      void child.exited.then(() => child.pid && pids.delete(child.pid));
      server = child;
      try {
        await waitForReady(child, { port });
        if (!(await waitUntil(SERVING_TIMEOUT_MS, async () => (await clients.health()) === 'serving', { intervalMs: 50 }))) {
          throw new Error(`engine ${name} did not report SERVING within ${SERVING_TIMEOUT_MS / 1000}s; ${logTail(logFile)}`);
        }
        return;
      } catch (error) {
        await child.stop();
        if (attempt >= ENGINE_START_ATTEMPTS) throw error;
        await sleep(2_000);
      }
    }
  };

  return {
    name,
    url,
    clients,
    connect: () => engineClients(url, key),
    logFile,
    pid: () => server?.pid,
    running: () => server?.running() ?? false,
    key,
    configure: (settings, placement = {}) => {
      overrides = { ...settings };
      cpus = placement.cpus;
    },
    signal: (signal) => server?.kill(signal),
    exited: async (timeoutMs = ENGINE_STOP_TIMEOUT_MS) => {
      const current = server;
      if (!current) return;
      const timer = setTimeout(() => current.kill('SIGKILL'), timeoutMs);
      await current.exited;
      clearTimeout(timer);
    },
    start,
    stop: async () => {
      await server?.stop();
    },
  };
}

/**
 * Stopping PostgreSQL at once (`pg_ctl stop -m immediate`: no checkpoint, clients cut off, crash
 * recovery on the next start) and starting it again on the same port.
 *
 * @param {{ programs: NonNullable<Awaited<ReturnType<typeof findPostgresPrograms>>>, paths: ReturnType<typeof localPaths>, runner: Awaited<ReturnType<typeof preparePostgresRunner>>, port: number, adminUrl: string }} options
 */
function postgresFaults({ programs, paths, runner, port, adminUrl }) {
  /** @type {Record<string, string | number>} server settings (`-c name=value`) over the cluster's, for the next starts */
  let settings = {};
  const stop = async (/** @type {'immediate' | 'fast'} */ mode) => {
    const stopped = await runner([programs.pgCtl, '-D', paths.pgData, '-m', mode, '-w', 'stop'], {
      cwd: paths.pgDir,
      timeoutMs: PG_CTL_TIMEOUT_MS,
    });
    if (stopped.code !== 0) throw new Error(`pg_ctl stop -m ${mode} failed: ${failureText(stopped)}`);
  };
  /** @returns {Promise<{ upAt: number }>} upAt: when it first answered a query again */
  const start = async () => {
    // The same server options as scripts/services/postgres.mjs starts it with, and the scenario's.
    const extra = Object.entries(settings).map(([name, value]) => ` -c ${name}=${value}`).join('');
    const options = `-p ${port} -k '' -c listen_addresses=${LOCAL_HOST}${extra}`;
    let upAt = 0;
    const polling = (async () => {
      const deadline = Date.now() + PG_CTL_TIMEOUT_MS;
      while (!upAt && Date.now() < deadline) {
        if (await answersQuery(adminUrl)) upAt = Date.now();
        else await sleep(PG_UP_POLL_MS);
      }
    })();
    const started = await runner(
      [programs.pgCtl, '-D', paths.pgData, '-l', paths.pgLog, '-o', options, '-w', '-t', String(PG_CTL_TIMEOUT_MS / 1000), 'start'],
      { cwd: paths.pgDir, timeoutMs: PG_CTL_TIMEOUT_MS + 10_000 },
    );
    if (started.code !== 0) throw new Error(`PostgreSQL did not start again (pg_ctl: ${failureText(started)}).\n${logTail(paths.pgLog)}`);
    await polling;
    if (!upAt) throw new Error(`PostgreSQL started but answered no query within ${PG_CTL_TIMEOUT_MS / 1000}s`);
    return { upAt };
  };
  return {
    /** Its server log (what it refused, and why). */
    logFile: paths.pgLog,
    /** @returns {Promise<{ stoppedAt: number }>} stoppedAt: when the stop was issued */
    async stopImmediately() {
      const stoppedAt = Date.now();
      await stop('immediate');
      return { stoppedAt };
    },
    start,
    /**
     * A clean restart (`pg_ctl stop -m fast`, then start) with these server settings over the
     * cluster's (`{}`: none), kept for later starts.
     *
     * @param {Record<string, string | number>} newSettings
     */
    async restartWith(newSettings) {
      settings = { ...newSettings };
      await stop('fast');
      return start();
    },
  };
}

/** @param {string} url */
async function answersQuery(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 500 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A redis-server in the foreground (nothing persisted), so that it can be killed, paused and
 * resumed by its pid, and started again on the same port.
 *
 * @param {{ server: string, port: number, dir: string, logFile: string, pids: Set<number> }} options
 */
function redisFaults({ server, port, dir, logFile, pids }) {
  /** @type {import('../../../scripts/lib/processes.mjs').ServerProcess | null} */
  let child = null;
  let paused = false;
  const start = async () => {
    mkdirSync(dir, { recursive: true });
    child = startProcess(
      [server, '--bind', LOCAL_HOST, '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', logFile],
      { output: 'keep', stopTimeoutMs: 5_000, name: 'redis-server' },
    );
    if (child.pid) pids.add(child.pid);
    const pid = child.pid;
    void child.exited.then(() => pid && pids.delete(pid));
    await waitForReady(child, { port });
  };
  return {
    start,
    /** SIGKILL: Redis is gone, with every connection. */
    async kill() {
      child?.kill('SIGKILL');
      await child?.exited;
    },
    /** SIGSTOP: connections stay open, nothing answers. */
    pause() {
      child?.kill('SIGSTOP');
      paused = true;
    },
    resume() {
      child?.kill('SIGCONT');
      paused = false;
    },
    async close() {
      if (paused) child?.kill('SIGCONT');
      await child?.stop();
    },
  };
}

/** @param {string} dataDir */
function postmasterPid(dataDir) {
  try {
    return Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || null;
  } catch {
    return null;
  }
}

/** @param {string} binary */
async function waitForBinary(binary) {
  const present = () => {
    try {
      accessSync(binary, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (!(await waitUntil(BINARY_WAIT_MS, async () => present(), { intervalMs: 500 }))) {
    throw new Error(`the engine binary ${binary} is missing (waited ${BINARY_WAIT_MS / 1000}s)`);
  }
}
