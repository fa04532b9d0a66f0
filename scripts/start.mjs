// `npm start`: installs and builds what is missing, brings up PostgreSQL and
// Redis through the services module, then runs the engine and the web app
// until Ctrl-C, and stops everything it started.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { build } from './build.mjs';
import { ensureServices } from './services.mjs';
import { ROOT, pathWithNodeBins } from './lib/run.mjs';
import { waitForPort } from './lib/ports.mjs';

const ENGINE_ADDR = process.env.QUIRE_LISTEN_ADDR ?? '127.0.0.1:50051';
const WEB_PORT = process.env.PORT ?? '3000';
const READY_TIMEOUT_MS = 60_000;

/** @type {import('node:child_process').ChildProcess[]} */
const children = [];

function startChild(name, command, args, env) {
  const child = spawn(command, args, { cwd: ROOT, env: { ...env, PATH: pathWithNodeBins(env) }, stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping Quire.`);
      void stop(1);
    }
  });
  children.push(child);
  return child;
}


let stopping = false;
/** @type {(() => Promise<void>) | null} */
let stopServices = null;

async function stop(code) {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping Quire…');
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((child) => (child.exitCode === null ? new Promise((r) => child.once('exit', r)) : null)));
  if (stopServices) await stopServices();
  process.exit(code);
}

async function main() {
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));

  await build();
  const services = await ensureServices({ root: ROOT, log: (line) => console.log(line) });
  stopServices = services.stop;
  const env = { ...process.env, DATABASE_URL: services.databaseUrl, REDIS_URL: services.redisUrl };

  const [engineHost, enginePort] = ENGINE_ADDR.split(/:(?=\d+$)/);
  startChild('engine', path.join(process.env.CARGO_TARGET_DIR ?? path.join(ROOT, 'target'), 'release', 'quire-engine'), [], {
    ...env,
    QUIRE_LISTEN_ADDR: ENGINE_ADDR,
  });
  await waitForPort(enginePort, { host: engineHost, timeoutMs: READY_TIMEOUT_MS });

  startChild('web', 'npm', ['run', 'start', '--workspace', 'web', '--', '--port', WEB_PORT], {
    ...env,
    QUIRE_ENGINE_URL: `http://${ENGINE_ADDR}`,
  });
  await waitForPort(WEB_PORT, { timeoutMs: READY_TIMEOUT_MS });

  console.log(`\nQuire is running:\n  blog      http://localhost:${WEB_PORT}\n  gRPC API  ${ENGINE_ADDR}\nPress Ctrl-C to stop.`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  void stop(1);
});
