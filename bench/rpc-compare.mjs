// Quire's engine against the Node.js baseline (bench/baseline) served on
// @connectrpc/connect-node and on @grpc/grpc-js: the same RPCs on the same
// data, the servers alternated (A/B/C, A/B/C) within one run, each pinned to
// CPU 0 with the load generator on CPU 1.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cpuSeconds } from './lib/cpu.mjs';
import { peakRssMiB, pinned, startServer } from './lib/processes.mjs';
import { createDatabase, deleteRedisKeys, dropDatabase } from './lib/scratch.mjs';
import { engineServing } from '../scripts/lib/engine-client.mjs';
import { freePort } from '../scripts/lib/ports.mjs';
import { commandOutput, run } from '../scripts/lib/processes.mjs';

const SERVERS = ['engine', 'connect-node', 'grpc-js'];

/** How each server is started (bench/search.mjs starts them the same way). */
export function serverArgv(server, { root, engineBin }) {
  const baseline = path.join(root, 'bench', 'baseline');
  switch (server) {
    case 'engine':
      return { argv: [engineBin], cwd: root };
    case 'connect-node':
      return { argv: [process.execPath, '--import', 'tsx', 'src/connect-server.ts'], cwd: baseline };
    case 'grpc-js':
      return { argv: [process.execPath, '--import', 'tsx', 'src/grpcjs-server.ts'], cwd: baseline };
    default:
      throw new Error(server);
  }
}

/** Installs the baseline's own dependencies (it is not part of the workspace). */
export async function ensureBaselineInstalled(root) {
  const baseline = path.join(root, 'bench', 'baseline');
  if (!existsSync(path.join(baseline, 'node_modules', '.package-lock.json'))) {
    await run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: baseline });
  }
}

/**
 * @param {{ root: string, targetDir: string, databaseUrl: string, redisUrl: string, quick: boolean, log: (s: string) => void }} options
 */
export async function rpcComparison({ root, targetDir, databaseUrl, redisUrl, quick, log }) {
  const warmup = quick ? 0.5 : 1;
  await ensureBaselineInstalled(root);
  const engineBin = path.join(targetDir, 'release', 'quire-engine');
  const loadBin = path.join(targetDir, 'release', 'quire-load');
  const database = `quire_compare_${Date.now()}`;
  const benchUrl = await createDatabase(databaseUrl, database);
  const logFile = path.join(os.tmpdir(), `${database}.log`);
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: benchUrl,
    REDIS_URL: redisUrl,
    QUIRE_LOG: 'warn',
    QUIRE_METRICS_ADDR: 'off',
    // One load generator's key is one search client: the default rate would refuse most of its searches.
    QUIRE_SEARCH_RATE_PER_CLIENT: '0',
  };
  const posts = quick ? 150 : 10_000;
  const seconds = quick ? 1 : 6;
  const rounds = quick ? 1 : 2;
  const key = (await commandOutput([engineBin, 'keys', 'create', '--name', 'bench', '--scope', 'admin'], { env })).match(
    /^key:\s+(\S+)$/m,
  )[1];
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;

  const start = (server, cache, prefix) => {
    const { argv, cwd } = serverArgv(server, { root, engineBin });
    return startServer({
      argv: pinned('0', argv),
      cwd,
      port,
      logFile,
      // The engine is ready when its health check says so (index caught up); a baseline when its port opens.
      ...(server === 'engine' ? { ready: () => engineServing(url), waitingFor: 'SERVING from grpc.health.v1' } : {}),
      env: {
        ...env,
        PORT: String(port),
        QUIRE_LISTEN_ADDR: `127.0.0.1:${port}`,
        QUIRE_CACHE: cache,
        QUIRE_REDIS_PREFIX: prefix,
        BASELINE_CACHE: cache,
        BASELINE_REDIS_PREFIX: prefix,
      },
    });
  };

  log(`Seeding ${posts} posts through the engine…`);
  let server = await start('engine', 'on', `${database}-seed`);
  const authorId = (await commandOutput([loadBin, '--url', url, '--key', key, 'seed', '--posts', String(posts)])).trim();
  await server.stop();

  const load = async (scenario, extra = []) => {
    const argv = pinned('1', [
      loadBin, '--url', url, '--key', key, 'run', '--scenario', scenario,
      '--seconds', String(seconds), '--warmup', String(warmup), ...extra,
    ]);
    return JSON.parse(await commandOutput(argv));
  };
  const plan = {
    on: [
      { name: 'hot get-post', scenario: 'get-post', extra: ['--slug', 'post-1', '--concurrency', '64'] },
      { name: 'list-posts', scenario: 'list-posts', extra: ['--concurrency', '64'] },
    ],
    off: [
      { name: 'cold get-post', scenario: 'get-post', extra: ['--slug', 'post-2', '--concurrency', '32'] },
      { name: 'search-posts', scenario: 'search-posts', extra: ['--concurrency', '16'] },
      { name: 'create-post', scenario: 'create-post', extra: ['--author-id', authorId, '--concurrency', '16'] },
    ],
  };

  const results = [];
  for (let round = 0; round < rounds; round += 1) {
    for (const name of SERVERS) {
      for (const cache of ['on', 'off']) {
        server = await start(name, cache, `${database}-${name}-${round}`);
        for (const step of plan[cache]) {
          const cpuBefore = cpuSeconds(server.pid);
          const result = await load(step.scenario, step.extra);
          const cpuAfter = cpuSeconds(server.pid);
          const cpuPerRequestUs =
            cpuBefore !== null && cpuAfter !== null && result.requests > 0
              ? ((cpuAfter - cpuBefore) / result.requests) * 1e6
              : null;
          results.push({ ...result, server: name, name: step.name, round, cpu_us_per_request: cpuPerRequestUs });
          log(`  ${name} ${step.name}: ${Math.round(result.throughput)} req/s, p99 ${result.p99_ms} ms, errors ${result.errors}`);
        }
        results.push({ server: name, name: 'rss', cache, round, peak_rss_mib: await peakRssMiB(server.pid) });
        await server.stop();
      }
    }
  }

  // Ceilings and the engine's latency at half its saturation rate.
  server = await start('engine', 'on', `${database}-ceiling`);
  const health = await load('health', ['--concurrency', '64']);
  results.push({ ...health, server: 'engine', name: 'no-op (health)', round: 0 });
  const hot = results.filter((r) => r.server === 'engine' && r.name === 'hot get-post');
  const saturation = hot.reduce((sum, r) => sum + r.throughput, 0) / hot.length;
  const halfRate = Math.round(saturation / 2);
  const open = await load('get-post', ['--slug', 'post-1', '--rate', String(halfRate), '--connections', '4']);
  results.push({ ...open, server: 'engine', name: `hot get-post, open loop at ${halfRate} req/s`, round: 0 });
  await server.stop();
  results.push({ server: 'redis', name: 'redis-benchmark GET', throughput: await redisBenchmark(redisUrl, quick) });

  await dropDatabase(databaseUrl, database);
  await deleteRedisKeys(redisUrl, database);
  return { posts, seconds, warmup, rounds, halfRate, results };
}

async function redisBenchmark(redisUrl, quick) {
  const { hostname, port } = new URL(redisUrl);
  const csv = await commandOutput(
    pinned('1', ['redis-benchmark', '-h', hostname, '-p', port || '6379', '-t', 'get', '-n', quick ? '50000' : '200000', '-c', '50', '--csv']),
  ).catch(() => '');
  const line = csv.split('\n').find((l) => l.startsWith('"GET"'));
  return line ? Number(line.split(',')[1].replaceAll('"', '')) : null;
}

function mean(results, server, name, field) {
  const runs = results.filter((r) => r.server === server && r.name === name && Number.isFinite(r[field]));
  return runs.length ? runs.reduce((sum, r) => sum + r[field], 0) / runs.length : NaN;
}

/** The Markdown section of the report. */
export function rpcComparisonReport({ posts, seconds, warmup = 1, rounds, halfRate, results }) {
  const names = ['hot get-post', 'cold get-post', 'list-posts', 'search-posts', 'create-post'];
  const lines = [
    '### Engine vs Node.js baselines (gRPC)',
    '',
    `${posts} posts seeded through the engine; ${seconds} s per measurement after ${warmup} s warm-up; ${rounds} round(s) with the ` +
      'servers alternated; each server pinned to CPU 0 and the load generator to CPU 1. "hot" runs have each server\'s ' +
      'cache on (engine: in-process + Redis; baseline: ioredis cache-aside); "cold" runs have caches off.',
    '',
    '| scenario | server | throughput (req/s) | p50 (ms) | p90 (ms) | p99 (ms) | p99.9 (ms) | CPU µs/request | errors |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const name of names) {
    for (const server of SERVERS) {
      const errors = results.filter((r) => r.server === server && r.name === name).reduce((s, r) => s + (r.errors ?? 0), 0);
      const f = (field, digits) => {
        const value = mean(results, server, name, field);
        return Number.isFinite(value) ? value.toFixed(digits) : '–';
      };
      lines.push(
        `| ${name} | ${server} | ${f('throughput', 0)} | ${f('p50_ms', 3)} | ${f('p90_ms', 3)} | ${f('p99_ms', 3)} | ${f('p999_ms', 3)} | ${f('cpu_us_per_request', 0)} | ${errors} |`,
      );
    }
  }
  lines.push('', '| ratio | vs connect-node | vs grpc-js |', '|---|---:|---:|');
  for (const name of names) {
    const engine = mean(results, 'engine', name, 'throughput');
    const ratio = (other) => (engine / mean(results, other, name, 'throughput')).toFixed(2);
    lines.push(`| ${name} throughput, engine / baseline | ${ratio('connect-node')}x | ${ratio('grpc-js')}x |`);
  }
  const rss = (server) => {
    const values = results.filter((r) => r.server === server && r.name === 'rss').map((r) => r.peak_rss_mib).filter(Number.isFinite);
    return values.length ? Math.max(...values) : NaN;
  };
  lines.push(
    '',
    '| server | peak RSS under load (MiB) |',
    '|---|---:|',
    ...SERVERS.map((server) => `| ${server} | ${rss(server).toFixed(1)} |`),
    '',
    `Engine peak RSS / best baseline's: ${(rss('engine') / Math.min(rss('connect-node'), rss('grpc-js'))).toFixed(2)}.`,
  );
  const health = results.find((r) => r.name === 'no-op (health)');
  const open = results.find((r) => r.name.startsWith('hot get-post, open loop'));
  const redis = results.find((r) => r.server === 'redis');
  const hot = mean(results, 'engine', 'hot get-post', 'throughput');
  lines.push(
    '',
    '| ceiling | figure |',
    '|---|---:|',
    `| engine no-op RPC (health check) | ${health.throughput.toFixed(0)} req/s |`,
    `| engine hot get-post / no-op | ${(hot / health.throughput).toFixed(2)} |`,
    `| redis-benchmark GET (50 clients) | ${redis.throughput ? redis.throughput.toFixed(0) + ' req/s' : 'not run'} |`,
    `| engine hot get-post p99, open loop at ${halfRate} req/s (half saturation) | ${open.p99_ms.toFixed(3)} ms (p99.9 ${open.p999_ms.toFixed(3)} ms, ${open.errors} errors) |`,
  );
  return lines.join('\n');
}
