// `npm start`: checks the prerequisites, installs and builds what is missing
// or stale, brings up PostgreSQL and Redis through the services module,
// migrates, creates the admin author and API keys on first start (saved to
// .quire/credentials), seeds the demo blog once, then runs the engine and the
// web app until Ctrl-C, and stops everything it started. When Varnish is
// installed, it is the edge cache on the blog's port, with the web app behind
// it on a port of its own (QUIRE_EDGE=off serves the web app directly).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { build } from './build.mjs';
import { ensureCredentials, seedDemoOnce } from './lib/first-run.mjs';
import { freePort } from './lib/ports.mjs';
import { ROOT, pathWithNodeBins, run, runProgram, startProcess, waitForPort } from './lib/processes.mjs';
import { startVarnish, varnishInstalled } from './lib/varnish.mjs';
import { webServerCommand } from './lib/web-server.mjs';
import { ensureServices } from './services/index.mjs';
import { localPaths, readSettings } from './services/settings.mjs';

const ENGINE_ADDR = process.env.QUIRE_LISTEN_ADDR ?? '127.0.0.1:50051';
const WEB_PORT = process.env.PORT ?? '3000';
const READY_TIMEOUT_MS = 60_000;
const MIN_NODE_MAJOR = 20;

const startedAt = Date.now();
const step = (message) => console.log(`[${((Date.now() - startedAt) / 1000).toFixed(1)}s] ${message}`);

/** Stops with a message saying what to install, instead of a stack trace. */
class MissingPrerequisite extends Error {}

async function checkPrerequisites() {
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  if (nodeMajor < MIN_NODE_MAJOR) {
    throw new MissingPrerequisite(`Quire needs Node.js ${MIN_NODE_MAJOR} or newer (this is ${process.version}): https://nodejs.org/`);
  }
  const cargoRuns = await runProgram('cargo', ['--version']).then((cargo) => cargo.code === 0, () => false);
  if (!cargoRuns) {
    throw new MissingPrerequisite('Quire needs Rust (cargo) to build its engine. Install it from https://rustup.rs/ and run `npm start` again.');
  }
}

/** @type {import('./lib/processes.mjs').ServerProcess[]} */
const children = [];
let stopping = false;
/** @type {(() => Promise<void>) | null} */
let stopServices = null;

/**
 * Each child runs in a process group of its own, so a terminal's Ctrl-C
 * reaches only this script, which then stops them in order; otherwise a child
 * could exit on the signal first and look like a crash. Stopping gives each
 * child the time it takes to drain.
 */
function startChild(name, command, args, env) {
  return watchChild(name, startProcess([command, ...args], { cwd: ROOT, env: { ...env, PATH: pathWithNodeBins(env) }, ownGroup: true, name }));
}

/** Stops Quire when `child` exits by itself; stops `child` with the rest. */
function watchChild(name, child) {
  void child.exited.then(({ code, signal, error }) => {
    if (!stopping) {
      console.error(`${name} exited (${error?.message ?? signal ?? code}); stopping Quire.`);
      void stop(1);
    }
  });
  children.push(child);
  return child;
}

async function stop(code) {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping Quire…');
  // The web app first (no new engine calls), then the engine (it drains in-flight calls).
  // Each stop signals the whole group: npm and the server it runs.
  for (const child of [...children].reverse()) await child.stop();
  if (stopServices) await stopServices();
  process.exit(code);
}

async function main() {
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  // Should this script die without stopping them, its children go too.
  process.once('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });

  await checkPrerequisites();
  await build(step);

  const services = await ensureServices({ root: ROOT, log: step });
  stopServices = services.stop;
  // The engine's URL: on Quire's own PostgreSQL an ordinary role, never the superuser.
  const env = { ...process.env, DATABASE_URL: services.databaseUrl, REDIS_URL: services.redisUrl };
  const credentialsFile = process.env.QUIRE_CREDENTIALS_FILE ?? localPaths(ROOT, readSettings(process.env).stateDir).credentials;
  const engineBinary = path.join(process.env.CARGO_TARGET_DIR ?? path.join(ROOT, 'target'), 'release', 'quire-engine');

  step('Migrating the database…');
  await run(engineBinary, ['migrate'], { env, quiet: true });

  step(`Starting the engine on ${ENGINE_ADDR}…`);
  const [engineHost, enginePort] = ENGINE_ADDR.split(/:(?=\d+$)/);
  // The search index on disk, so a restart resumes it instead of rebuilding it.
  const searchDir = process.env.QUIRE_SEARCH_DIR ?? path.join(localPaths(ROOT, readSettings(process.env).stateDir).base, 'search');
  startChild('engine', engineBinary, ['serve'], { ...env, QUIRE_LISTEN_ADDR: ENGINE_ADDR, QUIRE_SEARCH_DIR: searchDir });
  await waitForPort(enginePort, { host: engineHost, timeoutMs: READY_TIMEOUT_MS });
  const engineUrl = `http://${ENGINE_ADDR}`;

  const { credentials, created } = await ensureCredentials({ file: credentialsFile, engineUrl, engineBinary, env });
  if (created) step(`Created the admin author and API keys: ${credentialsFile} (mode 600).`);
  if (await seedDemoOnce({ engineUrl, adminApiKey: credentials.QUIRE_ADMIN_API_KEY })) step('Seeded the demo blog.');

  const edge = process.env.QUIRE_EDGE !== 'off' && varnishInstalled();
  const webPort = edge ? String(await freePort()) : WEB_PORT;
  // Generated per start: the web app and the edge are its only holders.
  const purgeSecret = randomBytes(24).toString('base64url');
  step(`Starting the web app on port ${webPort}…`);
  // Behind the edge the web app needs only loopback; serving readers itself, every interface (as `next start` does).
  const web = webServerCommand({ port: webPort, host: edge ? '127.0.0.1' : '0.0.0.0' });
  startChild('web', web.argv[0], web.argv.slice(1), {
    ...env,
    ...web.env,
    QUIRE_ENGINE_URL: engineUrl,
    QUIRE_ENGINE_API_KEY: credentials.QUIRE_WEB_API_KEY,
    QUIRE_SITE_URL: process.env.QUIRE_SITE_URL ?? `http://localhost:${WEB_PORT}`,
    ...(edge
      ? { QUIRE_EDGE_PURGE_URLS: `http://127.0.0.1:${WEB_PORT}`, QUIRE_EDGE_PURGE_SECRET: purgeSecret, QUIRE_TRUSTED_PROXY_HOPS: '1' }
      : {}),
  });
  await waitForPort(webPort, { timeoutMs: READY_TIMEOUT_MS });
  if (edge) {
    step(`Starting the edge cache (Varnish) on port ${WEB_PORT}…`);
    const varnish = await startVarnish({
      port: Number(WEB_PORT),
      backends: [{ host: '127.0.0.1', port: Number(webPort) }],
      purgeSecret,
      workDir: path.join(localPaths(ROOT, readSettings(process.env).stateDir).base, 'varnish'),
    });
    watchChild('edge', varnish.process);
  } else {
    step(
      process.env.QUIRE_EDGE === 'off'
        ? 'No edge cache (QUIRE_EDGE=off): the web app serves readers directly.'
        : 'No edge cache: install Varnish (Debian/Ubuntu: apt-get install varnish varnish-modules) and run `npm start` again to put one in front.',
    );
  }

  step('Quire is running.');
  console.log(
    [
      '',
      `  blog       http://localhost:${WEB_PORT}`,
      `  admin      http://localhost:${WEB_PORT}/admin  (${credentials.QUIRE_ADMIN_EMAIL}; password in ${credentialsFile})`,
      `  gRPC API   ${ENGINE_ADDR}  (try: npx buf curl --protocol grpc --http2-prior-knowledge --list-methods ${engineUrl})`,
      '',
      'Press Ctrl-C to stop.',
    ].join('\n'),
  );
}

main().catch((error) => {
  console.error(error instanceof MissingPrerequisite ? `\n${error.message}\n` : error instanceof Error ? error.message : error);
  void stop(1);
});
