// An engine for a benchmark: its own database and Redis prefix on the shared
// servers, pinned to a core, with Prometheus metrics and API keys made by its
// own command line. Stopping it drops both.
import path from 'node:path';
import { engineServing } from '../../scripts/lib/engine-client.mjs';
import { freePort } from '../../scripts/lib/ports.mjs';
import { commandOutput } from '../../scripts/lib/processes.mjs';
import { pinned, startServer } from './processes.mjs';
import { createDatabase, deleteRedisKeys, dropDatabase } from './scratch.mjs';

/**
 * @param {{ targetDir: string, databaseUrl: string, redisUrl: string, database: string, cpu?: string, logFile: string, engineBin?: string }} options
 *   database: the scratch database's name, also the engine's Redis prefix;
 *   cpu: the core(s) to pin it to (unpinned without); engineBin: by default the release build.
 */
export async function startBenchEngine({ targetDir, databaseUrl, redisUrl, database, cpu, logFile, engineBin = path.join(targetDir, 'release', 'quire-engine') }) {
  const benchDatabaseUrl = await createDatabase(databaseUrl, database);
  const [port, metricsPort] = [await freePort(), await freePort()];
  const env = {
    ...process.env,
    DATABASE_URL: benchDatabaseUrl,
    REDIS_URL: redisUrl,
    QUIRE_REDIS_PREFIX: database,
    QUIRE_LOG: 'warn',
    QUIRE_METRICS_ADDR: `127.0.0.1:${metricsPort}`,
  };
  const drop = async () => {
    await deleteRedisKeys(redisUrl, database);
    await dropDatabase(databaseUrl, database);
  };
  let server;
  try {
    server = await startServer({
      argv: cpu === undefined ? [engineBin] : pinned(cpu, [engineBin]),
      env: { ...env, QUIRE_LISTEN_ADDR: `127.0.0.1:${port}` },
      port,
      logFile,
      ready: () => engineServing(`http://127.0.0.1:${port}`),
      waitingFor: 'SERVING from grpc.health.v1',
    });
  } catch (error) {
    await drop();
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${metricsPort}`,
    pid: server.pid,
    /** A new API key with these scopes. */
    createKey: async (scopes) =>
      (await commandOutput([engineBin, 'keys', 'create', '--name', 'bench', ...scopes.flatMap((s) => ['--scope', s])], { env })).match(
        /^key:\s+(\S+)$/m,
      )[1],
    stop: async () => {
      await server.stop().catch(() => {});
      await drop();
    },
  };
}
