// Overload at 3x saturation, on one engine, measured in the same run: the unloaded latency of the
// call mix (OVERLOAD_MIX: the fault suite's readers and editors, plus authors' previews, which
// make the engine's CPU the bottleneck rather than the harness's) from one caller, then the concurrency where throughput stops growing, then
// three times that concurrency twice: once with the engine's default admission settings (for
// comparison, before the writer starts), and once, the writer writing meanwhile on both engines,
// with the settings an operator would choose for a CPU-bound engine (operatorSettings): one
// running call per core it has (more share the cores: they add latency, not throughput), and,
// once overloaded, a 1 ms queue wait instead of the default 5 ms, so refusals come at once. A
// burst still may wait 100 ms for a slot (grpc/admission.rs).
// The callers honour a refusal's RetryInfo, as gRPC clients with retry pushback do. Latencies as
// the callers saw them, and as the engine's own histograms have them (quire_rpc_duration_seconds,
// scraped before and after).
// The callers are quire-load's (bench/load) when the cluster has it, as a load generator runs on
// machines of its own: the engine is pinned to half of the cores and quire-load to the others
// (PostgreSQL and Redis run anywhere). Without it, this process makes the calls, sharing the
// engine's cores, and its event-loop delay lands in every latency it measures.
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../../scripts/lib/ports.mjs';
import { LOCAL_HOST } from '../../../scripts/services/settings.mjs';
import { findSaturation, loadFigures, offerLoad, seedPosts } from './load.mjs';

/** @typedef {import('./scenarios.mjs').Scenario} Scenario */
/** @typedef {import('./cluster.mjs').Engine} Engine */
/** @typedef {import('./load.mjs').Seeded} Seeded */
/** @typedef {Map<string, Map<number, number>>} Histograms by gRPC status: cumulative count per upper bound (s) */

/**
 * The calls offered: load.mjs's mix with previews, which render a long post each time. Without
 * them the engine answers from its caches faster than one Node.js harness can ask (the engine
 * stayed under half a core), and "saturation" would be the harness's.
 *
 * @type {Partial<Record<import('./load.mjs').CallKind, number>>}
 */
const OVERLOAD_MIX = { preview: 0.4, get_post: 0.3, list_posts: 0.15, list_drafts: 0.1, update_post: 0.05 };
/** When the timing names none (the smoke's). */
const DEFAULT_PHASES = { unloadedMs: 1_500, stepMs: 700, offeredMs: 3_000 };
/** Warming the caches before each measurement. */
const WARMUP_MS = 500;
/**
 * How long 3x saturation is offered before it is measured: the first burst may queue up to
 * QUIRE_MAX_QUEUE_WAIT_MS (100 ms) by design, until the engine tells it is overload that stands
 * (grpc/admission.rs); the targets are about the overload after that.
 */
const OVERLOAD_SETTLE_MS = 1_000;
/** How many times saturation is offered. */
const OVERLOAD_FACTOR = 3;
/** The targets: refusals within this, accepted calls' p99 within this many times the unloaded p99. */
const REFUSAL_TARGET_MS = 10;
const ACCEPTED_TARGET_FACTOR = 2;
const STATUS_OK = '0';
const STATUS_RESOURCE_EXHAUSTED = '8';

/** @type {Scenario} */
export const overloadScenario = {
  id: 'overload',
  title: `overload at ${OVERLOAD_FACTOR}x saturation`,
  async prepare({ cluster, timing }) {
    const phases = timing.overload ?? DEFAULT_PHASES;
    const [target] = cluster.engines;
    const placement = cluster.loadBin ? corePlacement() : null;
    const generator = cluster.loadBin ? { bin: cluster.loadBin, cpus: placement?.generator ?? null } : null;
    const metricsAddr = `${LOCAL_HOST}:${await freePort()}`;
    const metricsUrl = `http://${metricsAddr}/metrics`;
    target.configure({ QUIRE_METRICS_ADDR: metricsAddr }, { cpus: placement?.engine });
    await target.stop();
    await target.start();
    const seeded = await seedPosts(cluster.checker, { authorId: cluster.authorId, prefix: `seed-load-${Date.now().toString(36)}`, published: 20, drafts: 30 });
    const load = (/** @type {number} */ concurrency, /** @type {number} */ durationMs) =>
      offerLoad({ engine: target, seeded, concurrency, durationMs, kinds: OVERLOAD_MIX, generator });
    await load(1, WARMUP_MS);
    const beforeUnloaded = await scrapeDurations(metricsUrl);
    const unloaded = loadFigures(await load(1, phases.unloadedMs));
    await sleep(100);
    const unloadedServer = serverFigures(beforeUnloaded, await scrapeDurations(metricsUrl)).accepted;
    const { steps, saturation } = await findSaturation({ engine: target, seeded, stepMs: phases.stepMs, kinds: OVERLOAD_MIX, generator });
    const concurrency = OVERLOAD_FACTOR * saturation.concurrency;
    const measure = { target, unloaded, concurrency, durationMs: phases.offeredMs, metricsUrl, load };
    const defaults = { settings: { defaults: 'QUIRE_MAX_CONCURRENT_CALLS=64, QUIRE_MAX_QUEUED_CALLS=1024, QUIRE_MAX_QUEUE_WAIT_MS=100, QUIRE_OVERLOAD_QUEUE_WAIT_MS=5' }, ...(await overloaded(measure)), writer: false };
    const settings = operatorSettings(placement, saturation.concurrency);
    target.configure({ ...settings, QUIRE_METRICS_ADDR: metricsAddr }, { cpus: placement?.engine });
    await target.stop();
    await target.start();
    await load(1, WARMUP_MS);
    return {
      state: { measure, steps, saturation, settings, defaults, unloadedServer, placement },
      async restore() {
        target.configure({});
        await target.stop();
        await target.start();
      },
    };
  },
  async inject({ prepared }) {
    const { measure, steps, saturation, settings, defaults, unloadedServer, placement } = prepared?.state;
    const from = Date.now();
    const operator = { settings, ...(await overloaded(measure)), writer: true };
    const to = Date.now();
    const { offered } = operator;
    /** @type {Record<string, number>} */
    const loadOutcomes = Object.fromEntries(Object.entries({ resource_exhausted: offered.shed, ...offered.otherOutcomes }).filter(([, n]) => n > 0));
    const { target, unloaded, concurrency, durationMs } = measure;
    return {
      at: { from, to },
      targets: [],
      notes: [
        `engine ${target.name}: unloaded p99 ${ms(unloaded.acceptedP99Ms)} (1 caller, ${unloaded.offered} calls); saturation at ` +
          `${saturation.concurrency} callers; ` +
          `${concurrency} callers for ${durationMs / 1000} s, first with the default admission settings (no writer), then, with the ` +
          `writer, restarted with ${Object.entries(settings).map(([k, v]) => `${k}=${v}`).join(' ')}; ` +
          (placement
            ? `engine ${target.name} pinned to core(s) ${placement.engine}, the callers (quire-load) to ${placement.generator}`
            : 'the callers: this harness, on the same cores'),
      ],
      healthShouldFlip: 'none',
      loadOutcomes,
      figures: { overload: { engine: target.name, placement, unloaded, unloadedServer, steps, saturation: saturation.concurrency, runs: [defaults, operator] } },
    };
  },
};

/**
 * Offers `concurrency` callers to the engine, and says what became of their calls, against the
 * targets, as the callers and as the engine saw it.
 *
 * @param {{ unloaded: ReturnType<typeof loadFigures>, concurrency: number, durationMs: number, metricsUrl: string, load: (concurrency: number, durationMs: number) => ReturnType<typeof offerLoad> }} measure
 */
async function overloaded({ unloaded, concurrency, durationMs, metricsUrl, load }) {
  await load(concurrency, OVERLOAD_SETTLE_MS);
  const before = await scrapeDurations(metricsUrl);
  const offered = loadFigures(await load(concurrency, durationMs));
  // Let the last calls' metrics land.
  await sleep(100);
  const server = serverFigures(before, await scrapeDurations(metricsUrl));
  return {
    offered,
    server,
    met: {
      refusedWithinTarget: offered.shedP99Ms !== null && offered.shedP99Ms <= REFUSAL_TARGET_MS,
      acceptedWithinTarget:
        offered.acceptedP99Ms !== null && unloaded.acceptedP99Ms !== null && offered.acceptedP99Ms <= ACCEPTED_TARGET_FACTOR * unloaded.acceptedP99Ms,
      onlyOkAndRefused: Object.keys(offered.otherOutcomes).length === 0,
    },
  };
}

/**
 * What an operator sets for a CPU-bound engine: one running call per core it
 * has (more only share the cores; unpinned, the measured saturation stands in
 * for them), and a 1 ms queue wait once overloaded, so a refusal comes at once
 * rather than after the default CoDel target of 5 ms.
 *
 * @param {{ engine: string } | null} placement
 * @param {number} saturation callers at saturation
 */
function operatorSettings(placement, saturation) {
  const engineCores = placement ? coreCount(placement.engine) : saturation;
  return { QUIRE_MAX_CONCURRENT_CALLS: String(engineCores), QUIRE_OVERLOAD_QUEUE_WAIT_MS: '1' };
}

/** @param {string} list a taskset core list such as "0" or "0-3" */
function coreCount(list) {
  const [from, to = from] = list.split('-').map(Number);
  return to - from + 1;
}

/**
 * Where the engine and the load generator run, apart: the engine on the first half of the cores,
 * quire-load on the rest (`taskset -c` lists); null on a single core.
 */
function corePlacement() {
  const cores = os.availableParallelism();
  if (cores < 2) return null;
  const half = Math.floor(cores / 2);
  const list = (/** @type {number} */ from, /** @type {number} */ to) => (from === to - 1 ? String(from) : `${from}-${to - 1}`);
  return { engine: list(0, half), generator: list(half, cores) };
}

/**
 * The engine's `quire_rpc_duration_seconds` histograms, summed over methods, by status.
 *
 * @param {string} url
 * @returns {Promise<Histograms>}
 */
async function scrapeDurations(url) {
  const text = await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).text();
  /** @type {Histograms} */
  const byStatus = new Map();
  for (const line of text.split('\n')) {
    const match = /^quire_rpc_duration_seconds_bucket\{(.*)\}\s+(\S+)$/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...match[1].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (labels.method?.startsWith('grpc.')) continue;
    const bound = labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(labels.le);
    const buckets = byStatus.get(labels.status) ?? new Map();
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(match[2]));
    byStatus.set(labels.status, buckets);
  }
  return byStatus;
}

/**
 * The engine's own view of the overload phase: how many calls it answered OK and refused, and
 * the bucket their p50 and p99 fall in (an upper bound, in ms).
 *
 * @param {Histograms} before
 * @param {Histograms} after
 */
function serverFigures(before, after) {
  const of = (/** @type {string} */ status) => {
    const buckets = [...(after.get(status) ?? new Map()).entries()]
      .map(([bound, count]) => /** @type {[number, number]} */ ([bound, count - (before.get(status)?.get(bound) ?? 0)]))
      .sort((a, b) => a[0] - b[0]);
    const total = buckets.at(-1)?.[1] ?? 0;
    const quantile = (/** @type {number} */ q) => {
      const bucket = buckets.find(([, count]) => count >= q * total);
      return total && bucket ? bucket[0] * 1_000 : null;
    };
    const within = (/** @type {number} */ seconds) => (total ? (buckets.find(([bound]) => bound >= seconds)?.[1] ?? 0) / total : null);
    return { n: total, p50AtMostMs: quantile(0.5), p99AtMostMs: quantile(0.99), within1ms: within(0.001), within10ms: within(0.01) };
  };
  return { accepted: of(STATUS_OK), shed: of(STATUS_RESOURCE_EXHAUSTED) };
}

/** @param {number | null} value */
function ms(value) {
  return value === null ? '-' : `${value.toFixed(1)} ms`;
}
