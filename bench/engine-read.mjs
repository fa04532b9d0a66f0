// Engine read benchmark: hot GetPost by slug and the first page of ListPosts,
// with the read cache on and off, alternated (A/B/A/B) in one run on the same
// data, so the ratio is measured, not assumed.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase, deleteRedisKeys, dropDatabase } from './lib/scratch.mjs';
import { engineServing } from '../scripts/lib/engine-client.mjs';
import { freePort } from '../scripts/lib/ports.mjs';
import { commandOutput } from '../scripts/lib/processes.mjs';
import { peakRssMiB, pinned, startServer } from './lib/processes.mjs';

/**
 * @param {{ root: string, targetDir: string, databaseUrl: string, redisUrl: string, quick: boolean, log: (s: string) => void }} options
 */
export async function engineReadBenchmark({ root, targetDir, databaseUrl, redisUrl, quick, log }) {
  const engineBin = path.join(targetDir, 'release', 'quire-engine');
  const loadBin = path.join(targetDir, 'release', 'quire-load');
  const database = `quire_bench_${Date.now()}`;
  const benchDatabaseUrl = await createDatabase(databaseUrl, database);
  const logFile = path.join(os.tmpdir(), `${database}.log`);
  const baseEnv = {
    ...process.env,
    DATABASE_URL: benchDatabaseUrl,
    REDIS_URL: redisUrl,
    QUIRE_REDIS_PREFIX: database,
    QUIRE_LOG: 'warn',
    QUIRE_METRICS_ADDR: 'off',
  };

  const key = (await commandOutput([engineBin, 'keys', 'create', '--name', 'bench', '--scope', 'admin'], { env: baseEnv })).match(
    /^key:\s+(\S+)$/m,
  )[1];
  const posts = quick ? 200 : 1000;
  const seconds = quick ? 1.5 : 8;
  const warmup = quick ? 0.5 : 1;
  const rounds = quick ? 1 : 2;

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const startEngine = (cache) =>
    startServer({
      argv: pinned('0', [engineBin]),
      env: { ...baseEnv, QUIRE_CACHE: cache, QUIRE_LISTEN_ADDR: `127.0.0.1:${port}` },
      port,
      logFile,
      ready: () => engineServing(url),
      waitingFor: 'SERVING from grpc.health.v1',
    });

  log(`Seeding ${posts} posts…`);
  let engine = await startEngine('on');
  await commandOutput([loadBin, '--url', url, '--key', key, 'seed', '--posts', String(posts)]);
  await engine.stop();

  const scenarios = [
    { name: 'get-post', args: ['--scenario', 'get-post', '--slug', 'post-1'] },
    { name: 'list-posts', args: ['--scenario', 'list-posts'] },
  ];
  const results = [];
  for (let round = 0; round < rounds; round += 1) {
    for (const cache of ['on', 'off']) {
      engine = await startEngine(cache);
      for (const scenario of scenarios) {
        const argv = pinned('1', [
          loadBin, '--url', url, '--key', key, 'run', ...scenario.args,
          '--concurrency', '64', '--connections', '4', '--seconds', String(seconds), '--warmup', String(warmup),
        ]);
        const result = JSON.parse(await commandOutput(argv));
        result.cache = cache;
        result.round = round;
        results.push(result);
        log(`  ${scenario.name} cache ${cache}: ${Math.round(result.throughput)} req/s, p99 ${result.p99_ms} ms`);
      }
      results.push({ scenario: 'rss', cache, round, peak_rss_mib: await peakRssMiB(engine.pid) });
      await engine.stop();
    }
  }

  await dropDatabase(databaseUrl, database);
  await deleteRedisKeys(redisUrl, database);
  return { posts, seconds, warmup, rounds, results };
}

/** Mean of a field over the runs of one scenario and cache mode. */
function mean(results, scenario, cache, field) {
  const runs = results.filter((r) => r.scenario === scenario && r.cache === cache);
  return runs.reduce((sum, r) => sum + r[field], 0) / runs.length;
}

/** The Markdown section of the report. */
export function engineReadReport({ posts, seconds, warmup = 1, rounds, results }) {
  const lines = [
    `### Engine reads: cache on vs off`,
    '',
    `${posts} published posts; closed loop, 64 requests in flight over 4 HTTP/2 connections; ` +
      `${seconds} s per measurement after ${warmup} s warm-up; ${rounds} round(s) of on/off alternated; engine pinned to CPU 0, ` +
      `load generator to CPU 1 (PostgreSQL and Redis unpinned).`,
    '',
    '| scenario | cache | throughput (req/s) | p50 (ms) | p99 (ms) | errors |',
    '|---|---|---:|---:|---:|---:|',
  ];
  for (const scenario of ['get-post', 'list-posts']) {
    for (const cache of ['on', 'off']) {
      const errors = results.filter((r) => r.scenario === scenario && r.cache === cache).reduce((s, r) => s + r.errors, 0);
      lines.push(
        `| ${scenario} | ${cache} | ${mean(results, scenario, cache, 'throughput').toFixed(0)} | ` +
          `${mean(results, scenario, cache, 'p50_ms').toFixed(3)} | ${mean(results, scenario, cache, 'p99_ms').toFixed(3)} | ${errors} |`,
      );
    }
  }
  lines.push('', '| ratio (cache on / off) | throughput | p99 latency (off / on) |', '|---|---:|---:|');
  for (const scenario of ['get-post', 'list-posts']) {
    const ratio = mean(results, scenario, 'on', 'throughput') / mean(results, scenario, 'off', 'throughput');
    const p99 = mean(results, scenario, 'off', 'p99_ms') / mean(results, scenario, 'on', 'p99_ms');
    lines.push(`| ${scenario} | ${ratio.toFixed(2)}x | ${p99.toFixed(2)}x |`);
  }
  const rss = results.filter((r) => r.scenario === 'rss').map((r) => r.peak_rss_mib).filter(Number.isFinite);
  if (rss.length) lines.push('', `Engine peak RSS across runs: ${Math.max(...rss).toFixed(1)} MiB.`);
  return lines.join('\n');
}

/** Writes nothing itself; kept separate so run.mjs owns the results folder. */
export function saveJson(file, data) {
  writeFileSync(file, JSON.stringify(data, null, 2));
}
