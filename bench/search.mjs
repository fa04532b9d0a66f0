// SearchPosts (issue 15): the engine's search index against PostgreSQL's full-text search — the
// engine with QUIRE_SEARCH=postgres (the implementation the index replaced, kept as the baseline)
// and the Node baselines (bench/baseline), which run the same PostgreSQL query — for five query
// shapes on one corpus seeded through the engine, side by side in one run. Each server is pinned
// to CPU 0 and the load generator to CPU 1, as in bench/rpc-compare.mjs (PostgreSQL unpinned).
// Per backend and shape: closed-loop saturation, then open loop at half of that backend's own
// saturation for that shape. Also the index's build time (from the engine's JSON log) and its
// memory: the engine's resident memory (VmRSS) with the index against QUIRE_SEARCH=postgres on the
// same database once the build has settled and after every search, with the peaks (VmHWM) beside.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureBaselineInstalled, serverArgv } from './rpc-compare.mjs';
import { currentRssMiB, peakRssMiB, pinned, startServer } from './lib/processes.mjs';
import { createDatabase, deleteRedisKeys, dropDatabase, settleDatabase } from './lib/scratch.mjs';
import { engineServing } from '../scripts/lib/engine-client.mjs';
import { freePort } from '../scripts/lib/ports.mjs';
import { commandOutput, waitUntil } from '../scripts/lib/processes.mjs';

/** The budgets, as issue 15 states them (at 10,000 posts). */
export const SEARCH_BUDGETS = { posts: 10_000, commonWordSpeedup: 100, p99AtHalfMs: 20, buildSeconds: 10, extraMemoryMiB: 100 };

/**
 * What readers type, one query per shape, in the words bench/load/src/seed.rs writes: its 30
 * words are in (nearly) every post, and its RARE_WORD in one post of every hundred.
 */
export const QUERY_SHAPES = [
  { name: 'common word', query: 'latency' },
  { name: 'rare word', query: 'backpressure' },
  { name: 'two-word phrase', query: '"memory latency"' },
  { name: 'prefix', query: 'thro' }, // "throughput", being typed
  { name: 'typo', query: 'netwrok' }, // "network", two letters swapped
];

/** The index under test first; `quick` leaves out grpc-js (the same handler and query as connect-node). */
const BACKENDS = [
  { name: 'index', server: 'engine', search: 'index', label: 'engine, search index' },
  { name: 'postgres', server: 'engine', search: 'postgres', label: 'engine, QUIRE_SEARCH=postgres' },
  { name: 'connect-node', server: 'connect-node', label: 'Node baseline on connect-node' },
  { name: 'grpc-js', server: 'grpc-js', label: 'Node baseline on grpc-js', fullOnly: true },
];

/**
 * Searches in flight in the closed loop: enough to keep a server's core busy, few enough that
 * queueing stays well inside the index's 250 ms budget per query (QUIRE_SEARCH_BUDGET_MS).
 */
const CONCURRENCY = 8;
/** How long memory is left to settle before it is read. */
const SETTLE_MS = 3_000;

/** How long the index may take to build before the run fails. */
const BUILD_TIMEOUT_MS = 120_000;

/** The engine's "search index built" log line in `logFile` (JSON logs), or null. */
function indexBuiltLine(logFile) {
  let text;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const event = JSON.parse(line);
      if (event.message === 'search index built') return event;
    } catch {
      // A line still being written.
    }
  }
  return null;
}

/** Half of a saturation rate, for the open loop: whole requests per second, or tenths below 10. */
function halfOf(throughput) {
  const half = throughput / 2;
  return half >= 10 ? Math.round(half) : Math.max(0.5, Math.round(half * 10) / 10);
}

/**
 * @param {{ root: string, targetDir: string, databaseUrl: string, redisUrl: string, quick: boolean, log: (s: string) => void }} options
 */
export async function searchBenchmark({ root, targetDir, databaseUrl, redisUrl, quick, log }) {
  const posts = quick ? 1_000 : SEARCH_BUDGETS.posts;
  const seconds = quick ? 0.4 : 6;
  const warmup = quick ? 0.2 : 1;
  const backends = BACKENDS.filter((b) => !(quick && b.fullOnly));
  await ensureBaselineInstalled(root);
  const engineBin = path.join(targetDir, 'release', 'quire-engine');
  const loadBin = path.join(targetDir, 'release', 'quire-load');
  const database = `quire_search_${Date.now()}`;
  const benchUrl = await createDatabase(databaseUrl, database);
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: benchUrl,
    REDIS_URL: redisUrl,
    QUIRE_LOG: 'warn,quire_engine::search=info',
    QUIRE_LOG_FORMAT: 'json',
    QUIRE_METRICS_ADDR: 'off',
    // Searches never use the read cache; off, it adds nothing to either engine's memory.
    QUIRE_CACHE: 'off',
    BASELINE_CACHE: 'off',
    // One load generator's key is one search client: the default rate would refuse most of its searches.
    QUIRE_SEARCH_RATE_PER_CLIENT: '0',
  };
  delete env.QUIRE_SEARCH_DIR; // in memory: all of the index counts in the engine's RSS
  const key = (await commandOutput([engineBin, 'keys', 'create', '--name', 'bench', '--scope', 'admin'], { env })).match(
    /^key:\s+(\S+)$/m,
  )[1];
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;

  const start = (backend, prefix, logFile) => {
    const { argv, cwd } = serverArgv(backend.server, { root, engineBin });
    return startServer({
      argv: pinned('0', argv),
      cwd,
      port,
      logFile,
      // The engine is ready when its health check says so (index caught up); a baseline when its port opens.
      ...(backend.server === 'engine' ? { ready: () => engineServing(url), waitingFor: 'SERVING from grpc.health.v1' } : {}),
      env: {
        ...env,
        PORT: String(port),
        QUIRE_LISTEN_ADDR: `127.0.0.1:${port}`,
        QUIRE_SEARCH: backend.search ?? 'postgres',
        QUIRE_REDIS_PREFIX: prefix,
        BASELINE_REDIS_PREFIX: prefix,
      },
    });
  };
  const quireLoad = async (argv) => JSON.parse(await commandOutput(pinned('1', [loadBin, '--url', url, '--key', key, ...argv])));
  const load = (query, extra) =>
    quireLoad(['run', '--scenario', 'search-posts', '--query', query, '--seconds', String(seconds), '--warmup', String(warmup), ...extra]);

  // Seeded without the index, which would only follow the writes.
  log(`Seeding ${posts} posts through the engine…`);
  let server = await start({ server: 'engine', search: 'postgres' }, `${database}-seed`, path.join(os.tmpdir(), `${database}-seed.log`));
  await commandOutput([loadBin, '--url', url, '--key', key, 'seed', '--posts', String(posts)]);
  await server.stop();
  await settleDatabase(benchUrl);

  const results = [];
  const memory = {};
  let build = null;
  for (const backend of backends) {
    const logFile = path.join(os.tmpdir(), `${database}-${backend.name}.log`);
    server = await start(backend, `${database}-${backend.name}`, logFile);
    if (backend.search === 'index') {
      const built = await waitUntil(BUILD_TIMEOUT_MS, async () => indexBuiltLine(logFile) !== null);
      if (!built) throw new Error(`the engine logged no "search index built" within ${BUILD_TIMEOUT_MS / 1000} s; see ${logFile}`);
      const line = indexBuiltLine(logFile);
      build = { posts: line.posts, sequence: line.sequence, elapsedMs: line.elapsed_ms };
      log(`  index built: ${line.posts} posts in ${line.elapsed_ms} ms`);
    }
    // jemalloc hands freed pages back within a second (engine/src/main.rs): what stays is the index's.
    await sleep(SETTLE_MS);
    const afterStart = { residentMiB: currentRssMiB(server.pid), peakMiB: peakRssMiB(server.pid) };
    for (const shape of QUERY_SHAPES) {
      const found = await quireLoad(['search', '--query', shape.query]);
      const closed = await load(shape.query, ['--concurrency', String(CONCURRENCY)]);
      const rate = halfOf(closed.throughput);
      const open = await load(shape.query, ['--rate', String(rate), '--connections', '4']);
      results.push({ backend: backend.name, shape: shape.name, query: shape.query, matches: found.total_size, closed, rate, open });
      log(
        `  ${backend.name} ${shape.name} (${shape.query}, ${found.total_size} matches): ${Math.round(closed.throughput)} req/s, ` +
          `p99 ${closed.p99_ms} ms; at ${rate} req/s p99 ${open.p99_ms} ms; errors ${closed.errors + open.errors}`,
      );
    }
    await sleep(SETTLE_MS);
    memory[backend.name] = { afterStart, afterSearches: { residentMiB: currentRssMiB(server.pid), peakMiB: peakRssMiB(server.pid) } };
    await server.stop();
  }

  await dropDatabase(databaseUrl, database);
  await deleteRedisKeys(redisUrl, database);
  const missing = results.filter((r) => r.backend === 'index' && !(r.matches > 0));
  if (missing.length) throw new Error(`the index found nothing for ${missing.map((r) => r.query).join(', ')}: do the shapes still fit bench/load/src/seed.rs?`);
  return { quick, posts, seconds, warmup, concurrency: CONCURRENCY, backends: backends.map((b) => b.name), build, memory, results };
}

/** The Markdown section of the report. */
export function searchReport({ quick, posts, seconds, warmup, concurrency, backends, build, memory, results }) {
  const budgets = SEARCH_BUDGETS;
  const label = (name) => BACKENDS.find((b) => b.name === name).label;
  const find = (backend, shape) => results.find((r) => r.backend === backend && r.shape === shape);
  const ms = (value) => (Number.isFinite(value) ? value.toFixed(3) : '–');
  const mark = (met) => (met ? '✓' : '✗');
  const lines = [
    '### SearchPosts: the search index vs PostgreSQL full-text search (issue 15)',
    '',
    `${posts} posts seeded through the engine (then vacuumed, analysed and checkpointed); one after another on that database: ${backends.map(label).join('; ')} ` +
      '(the baselines run the same PostgreSQL query as QUIRE_SEARCH=postgres), each pinned to CPU 0 with the load generator ' +
      `on CPU 1 (PostgreSQL unpinned), caches off, the search rate limit off. Per query shape: closed loop, ${concurrency} searches ` +
      `in flight over 4 HTTP/2 connections, ${seconds} s after ${warmup} s warm-up; then open loop at half of that backend's ` +
      'saturation for that shape (latency timed from when each search was due). PostgreSQL\'s `websearch_to_tsquery` has no ' +
      'prefix or typo matching: where it matches nothing, its figures are those of finding nothing.',
    '',
    '| query shape | query | backend | matches | throughput (req/s) | p50 (ms) | p99 (ms) | open loop at (req/s) | p99 there (ms) | p99.9 there (ms) | errors |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const shape of QUERY_SHAPES) {
    for (const backend of backends) {
      const r = find(backend, shape.name);
      lines.push(
        `| ${shape.name} | \`${shape.query}\` | ${backend} | ${r.matches} | ${r.closed.throughput.toFixed(0)} | ${ms(r.closed.p50_ms)} | ${ms(r.closed.p99_ms)} | ` +
          `${r.rate} | ${ms(r.open.p99_ms)} | ${ms(r.open.p999_ms)} | ${r.closed.errors + r.open.errors} |`,
      );
    }
  }
  const others = backends.filter((b) => b !== 'index');
  lines.push('', `| throughput ratio | ${others.map((b) => `index / ${b}`).join(' | ')} |`, `|---|${others.map(() => '---:').join('|')}|`);
  const speedup = (shape, other) => find('index', shape).closed.throughput / find(other, shape).closed.throughput;
  for (const shape of QUERY_SHAPES) {
    lines.push(`| ${shape.name} | ${others.map((b) => `${speedup(shape.name, b).toFixed(1)}x`).join(' | ')} |`);
  }

  const extra = (when, what) => memory.index[when][what] - memory.postgres[when][what];
  const memoryRow = (label, when, what) =>
    `| ${label} | ${memory.index[when][what].toFixed(1)} MiB | ${memory.postgres[when][what].toFixed(1)} MiB | ${extra(when, what).toFixed(1)} MiB |`;
  const extraMiB = extra('afterSearches', 'residentMiB');
  lines.push(
    '',
    `| engine memory (${SETTLE_MS / 1000} s after each step) | with the index | with QUIRE_SEARCH=postgres | index's extra |`,
    '|---|---:|---:|---:|',
    memoryRow('resident (VmRSS) after start, index built', 'afterStart', 'residentMiB'),
    memoryRow('resident (VmRSS) after every search above', 'afterSearches', 'residentMiB'),
    memoryRow('peak (VmHWM) so far: the build, then the searches', 'afterSearches', 'peakMiB'),
    '',
    `Index build at start: ${build.posts} posts in ${build.elapsedMs} ms (the engine's "search index built" log line).`,
  );

  const common = speedup('common word', 'postgres');
  lines.push(
    '',
    `| budget (issue 15, at ${budgets.posts} posts) | measured${quick ? ` (quick: ${posts} posts)` : ''} | target | |`,
    '|---|---:|---|---|',
    `| common-word throughput, index / PostgreSQL (QUIRE_SEARCH=postgres) | ${common.toFixed(1)}x | ≥ ${budgets.commonWordSpeedup}x | ${mark(common >= budgets.commonWordSpeedup)} |`,
    ...QUERY_SHAPES.map((shape) => {
      const r = find('index', shape.name);
      const met = r.open.p99_ms <= budgets.p99AtHalfMs && r.open.errors === 0;
      return `| index p99 at half saturation, ${shape.name} (${r.rate} req/s) | ${ms(r.open.p99_ms)} ms | ≤ ${budgets.p99AtHalfMs} ms | ${mark(met)} |`;
    }),
    `| index build for ${build.posts} posts | ${(build.elapsedMs / 1000).toFixed(2)} s | ≤ ${budgets.buildSeconds} s | ${mark(build.elapsedMs <= budgets.buildSeconds * 1000)} |`,
    `| extra engine memory with the index (resident after the searches) | ${extraMiB.toFixed(1)} MiB | ≤ ${budgets.extraMemoryMiB} MiB | ${mark(extraMiB <= budgets.extraMemoryMiB)} |`,
  );
  if (quick) lines.push('', `Quick run: ${posts} posts and short measurements; the budgets are judged by the full run.`);
  return lines.join('\n');
}
