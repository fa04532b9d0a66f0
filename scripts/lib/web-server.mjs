// How `npm start`, tests and benchmarks run the web app: the standalone
// server of the existing build (web/next.config.ts has `output: 'standalone'`,
// for which Next.js documents `node server.js`, not `next start`).
import { cpSync, existsSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './ports.mjs';
import { ROOT, startProcess, waitForReady } from './processes.mjs';

const WEB_BUILD = path.join(ROOT, 'web', '.next');
/** The standalone output mirrors the workspace: the web app's server is at web/server.js in it. */
const STANDALONE_APP = path.join(WEB_BUILD, 'standalone', 'web');
const STANDALONE_SERVER = path.join(STANDALONE_APP, 'server.js');
/** After SIGTERM, how long the server may take to exit before it is killed. */
const STOP_TIMEOUT_MS = 5_000;

/**
 * Puts beside the standalone server what Next.js leaves out of it: the hashed
 * static assets and public/ (web/Dockerfile copies the same two into its image).
 */
export function completeStandaloneServer() {
  cpSync(path.join(WEB_BUILD, 'static'), path.join(STANDALONE_APP, '.next', 'static'), { recursive: true });
  cpSync(path.join(ROOT, 'web', 'public'), path.join(STANDALONE_APP, 'public'), { recursive: true });
}

/**
 * What runs the web app's server on `host`:`port`, as argv and environment
 * (the standalone server takes both from the environment).
 * @param {{ port: number | string, host: string }} listen
 */
export function webServerCommand({ port, host }) {
  if (!existsSync(STANDALONE_SERVER) || !existsSync(path.join(STANDALONE_APP, '.next', 'static'))) {
    throw new Error('web/.next has no complete build; run `npm run build` first (npm test and npm start do)');
  }
  // HOSTNAME is set by many shells and container runtimes to the machine's name: always override it.
  return { argv: [process.execPath, STANDALONE_SERVER], env: { PORT: String(port), HOSTNAME: host } };
}

/**
 * The environment of a web server pointed at an engine. The shared Redis
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
 * Starts the web app's server on `port` (a free one by default) and waits until it serves
 * /robots.txt. Several can run at once, each on a port of its own.
 * @param {{ engineUrl: string, apiKey: string, port?: number, siteUrl?: string, cache?: { redisUrl: string, prefix: string }, env?: Record<string, string>, argvPrefix?: string[], output?: import('./processes.mjs').ProcessOutput, echo?: boolean }} options
 *   siteUrl: the public origin (QUIRE_SITE_URL); defaults to the server's own.
 *   cache: share pages and data through Redis under `prefix` (see webServerEnv).
 *   argvPrefix: what runs node (`taskset -c 0`, say); output, echo: see startProcess.
 * @returns {Promise<import('./processes.mjs').ServerProcess & { url: string, port: number }>}
 */
export async function startWebServer({ engineUrl, apiKey, port, siteUrl, cache, env = {}, argvPrefix = [], output = 'keep', echo = false }) {
  const listenPort = port ?? (await freePort());
  const url = `http://127.0.0.1:${listenPort}`;
  const command = webServerCommand({ port: listenPort, host: '127.0.0.1' });
  const server = startProcess([...argvPrefix, ...command.argv], {
    cwd: ROOT,
    env: { ...webServerEnv({ engineUrl, apiKey, siteUrl: siteUrl ?? url, cache }), ...env, ...command.env },
    output,
    echo,
    stopTimeoutMs: STOP_TIMEOUT_MS,
    name: 'web server',
  });
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
