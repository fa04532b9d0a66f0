// Runs the web app (`next start` on the existing web/.next build) for
// end-to-end tests, pointed at an engine. Several can run at once, each on a
// port of its own (pages rendered at run time stay in each process's memory).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../scripts/lib/ports.mjs';
import { NEXT_BIN, webServerEnv } from '../../scripts/lib/web-server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const READY_TIMEOUT_MS = 30_000;


/**
 * Starts `next start` for web/ on `port` (a free one by default).
 * @param {{ engineUrl: string, apiKey: string, port?: number, siteUrl?: string, cache?: { redisUrl: string, prefix: string }, env?: Record<string, string> }} options
 *   siteUrl: the public origin (QUIRE_SITE_URL); defaults to the server's own.
 *   cache: share pages and data through Redis under `prefix` (replicas of one
 *   site pass the same); without it the server caches in its own memory, even
 *   when this process has a REDIS_URL.
 * @returns {Promise<{ url: string, port: number, output: () => string, stop: () => Promise<void> }>}
 */
export async function startWeb({ engineUrl, apiKey, port, siteUrl, cache, env = {} }) {
  if (!existsSync(path.join(ROOT, 'web', '.next', 'BUILD_ID'))) {
    throw new Error('web/.next has no build; run `npm run build -w web` first (npm test does)');
  }
  const listenPort = port ?? (await freePort());
  const url = `http://127.0.0.1:${listenPort}`;
  const child = spawn(process.execPath, [NEXT_BIN, 'start', 'web', '--port', String(listenPort), '--hostname', '127.0.0.1'], {
    cwd: ROOT,
    env: { ...webServerEnv({ engineUrl, apiKey, siteUrl: siteUrl ?? url, cache }), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Kept for failure messages; printed live with QUIRE_WEB_LOG=1.
  let output = '';
  const collect = (chunk) => {
    output += chunk;
    if (process.env.QUIRE_WEB_LOG === '1') process.stderr.write(chunk);
  };
  child.stdout.setEncoding('utf8').on('data', collect);
  child.stderr.setEncoding('utf8').on('data', collect);

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`${url}/robots.txt`);
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`next start did not answer on ${url} within ${READY_TIMEOUT_MS / 1000}s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  return { url, port: listenPort, output: () => output, stop };
}
