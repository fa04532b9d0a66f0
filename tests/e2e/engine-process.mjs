// Runs the real engine binary for end-to-end tests: a fresh database, API
// keys made with the engine's own CLI, and the server on a free port.
import pg from 'pg';
import { engineServing } from '../../scripts/lib/engine-client.mjs';
import { freePort } from '../../scripts/lib/ports.mjs';
import { commandOutput, startProcess, waitForReady } from '../../scripts/lib/processes.mjs';

/** The engine binary built by `npm test` (QUIRE_ENGINE_BIN). */
export function engineBinary() {
  const binary = process.env.QUIRE_ENGINE_BIN;
  if (!binary) throw new Error('QUIRE_ENGINE_BIN is not set; run the end-to-end tests through `npm test`');
  return binary;
}

function withDatabase(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * Starts an engine on a fresh database (and Redis under a key prefix of its own).
 * @param {{ metrics?: boolean, env?: Record<string, string> }} [options] metrics: serve Prometheus metrics on a free port; env: extra settings
 * @returns {Promise<{ url: string, metricsUrl: string | null, databaseUrl: string, createKey: (scopes: string[]) => Promise<string>, stop: () => Promise<void> }>}
 */
export async function startEngine({ metrics = false, env: extraEnv = {} } = {}) {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('DATABASE_URL is not set; run the end-to-end tests through `npm test`');
  const database = `quire_e2e_${Date.now()}_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  const databaseUrl = withDatabase(adminUrl, database);
  const metricsPort = metrics ? await freePort() : null;
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    QUIRE_REDIS_PREFIX: database,
    QUIRE_LOG: 'warn',
    QUIRE_METRICS_ADDR: metricsPort ? `127.0.0.1:${metricsPort}` : 'off',
    ...extraEnv,
  };

  const createKey = async (scopes) => {
    const args = ['keys', 'create', '--name', 'e2e', ...scopes.flatMap((scope) => ['--scope', scope])];
    const stdout = await commandOutput([engineBinary(), ...args], { env });
    const key = stdout.match(/^key:\s+(\S+)$/m)?.[1];
    if (!key) throw new Error(`no key in: ${stdout}`);
    return key;
  };

  const port = await freePort();
  const engine = startProcess([engineBinary()], { env: { ...env, QUIRE_LISTEN_ADDR: `127.0.0.1:${port}` }, name: 'quire-engine' });
  // Ready once it says SERVING (database reachable, search index caught up), not when its port opens.
  await waitForReady(engine, { port, check: () => engineServing(`http://127.0.0.1:${port}`), waitingFor: 'SERVING from grpc.health.v1' });

  const stop = async () => {
    await engine.stop();
    const cleanup = new pg.Client({ connectionString: adminUrl });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await cleanup.end();
  };
  const metricsUrl = metricsPort ? `http://127.0.0.1:${metricsPort}` : null;
  return { url: `http://127.0.0.1:${port}`, metricsUrl, databaseUrl, createKey, stop };
}
