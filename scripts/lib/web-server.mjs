// How tests and benchmarks start the web app (`next start` on the existing build).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './ports.mjs';
import { ROOT, startProcess, waitForReady } from './processes.mjs';

const NEXT_BIN = path.join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');
/** After SIGTERM, how long `next start` may take to exit before it is killed. */
const STOP_TIMEOUT_MS = 5_000;

/**
 * The environment of a `next start` pointed at an engine. The shared Redis
 * cache is used only when `cache` is given: otherwise a REDIS_URL inherited
 * from the caller (npm test's services) would make unrelated servers share pages.
 * @param {{ engineUrl: string, apiKey: string, siteUrl: string, cache?: { redisUrl: string, prefix: string } }} options
 */
export function webServerEnv({ engineUrl, apiKey, siteUrl, cache }) {
  const { REDIS_URL: _redisUrl, QUIRE_WEB_CACHE_PREFIX: _cachePrefix, ...inherited } = process.env;
  return {
    ...inherited,
    ...(cache ? { REDIS_URL: cache.redisUrl, QUIRE_WEB_CACHE_PREFIX: cache.prefix } : {}),
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    QUIRE_ENGINE_URL: engineUrl,
    QUIRE_ENGINE_API_KEY: apiKey,
    QUIRE_SITE_URL: siteUrl,
  };
}

/**
 * Starts `next start` for web/ on `port` (a free one by default) and waits until it serves
 * /robots.txt. Several can run at once, each on a port of its own.
 * @param {{ engineUrl: string, apiKey: string, port?: number, siteUrl?: string, cache?: { redisUrl: string, prefix: string }, env?: Record<string, string>, argvPrefix?: string[], output?: import('./processes.mjs').ProcessOutput, echo?: boolean }} options
 *   siteUrl: the public origin (QUIRE_SITE_URL); defaults to the server's own.
 *   cache: share pages and data through Redis under `prefix` (see webServerEnv).
 *   argvPrefix: what runs node (`taskset -c 0`, say); output, echo: see startProcess.
 * @returns {Promise<import('./processes.mjs').ServerProcess & { url: string, port: number }>}
 */
export async function startWebServer({ engineUrl, apiKey, port, siteUrl, cache, env = {}, argvPrefix = [], output = 'keep', echo = false }) {
  if (!existsSync(path.join(ROOT, 'web', '.next', 'BUILD_ID'))) {
    throw new Error('web/.next has no build; run `npm run build -w web` first (npm test does)');
  }
  const listenPort = port ?? (await freePort());
  const url = `http://127.0.0.1:${listenPort}`;
  const server = startProcess(
    [...argvPrefix, process.execPath, NEXT_BIN, 'start', 'web', '--port', String(listenPort), '--hostname', '127.0.0.1'],
    {
      cwd: ROOT,
      env: { ...webServerEnv({ engineUrl, apiKey, siteUrl: siteUrl ?? url, cache }), ...env },
      output,
      echo,
      stopTimeoutMs: STOP_TIMEOUT_MS,
      name: 'next start',
    },
  );
  await waitForReady(server, {
    check: async () => {
      try {
        const response = await fetch(`${url}/robots.txt`);
        await response.arrayBuffer();
        return response.ok;
      } catch {
        return false; // not listening yet
      }
    },
    waitingFor: `on ${url}`,
  });
  return { ...server, url, port: listenPort };
}
