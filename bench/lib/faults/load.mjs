// Load for the fault suite: a representative call mix (readers' GetPost and ListPosts, which the
// engine caches; an editor's ListPosts of drafts, which it never caches; a few UpdatePosts of
// drafts), offered by closed-loop callers at a given concurrency, each call timed and its
// outcome kept; the concurrency where throughput stops growing; and what the machine did
// meanwhile (the engine's CPU, the machine's, this process's event-loop delay, which is the
// harness's own share of the latencies it measures).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { commandOutput } from '../../../scripts/lib/processes.mjs';
import { cpuSeconds } from '../cpu.mjs';
import { PostStatus, PostView, outcomeOf, retryDelayMs } from './clients.mjs';

/** @typedef {import('./cluster.mjs').Engine} Engine */
/** @typedef {'get_post' | 'list_posts' | 'list_drafts' | 'update_post' | 'preview'} CallKind */
/** @typedef {{ kind: CallKind, start: number, ms: number, outcome: string }} Call start: ms since the load began; outcome: 'ok' or outcomeOf() */
/**
 * @typedef {object} LoadRun
 * @property {number} concurrency callers
 * @property {number} seconds how long it ran
 * @property {Call[]} calls
 * @property {number | null} engineCpu the engine's CPU use (1 = one core), if its pid was known
 * @property {number} machineBusy the machine's CPU use, all cores (1 = all busy)
 * @property {number | null} loopDelayP99Ms this process's event-loop delay, p99, when it made the calls
 * @property {number | null} generatorCpu the load generator's CPU use (1 = one core), when quire-load made them
 * @property {string | null} generatorCpus the cores quire-load was pinned to, if any
 */
/** @typedef {{ bin: string, cpus: string | null }} Generator quire-load, and the cores it runs on (a `taskset -c` list; null: anywhere) */
/** @typedef {{ slugs: string[], draftIds: string[] }} Seeded */

/**
 * The call mix: half GetPosts of published posts (a reader's page), a quarter ListPosts (the
 * home page), the rest an editor's: ListPosts of drafts and, one call in ten, UpdatePost.
 *
 * @type {Record<CallKind, number>}
 */
export const MIX = { get_post: 0.5, list_posts: 0.25, list_drafts: 0.15, update_post: 0.1 };
/** How long one call may take before the caller gives up (a reader's page, an editor's save). */
const CALL_TIMEOUT_MS = 2_000;
/** Connections the callers share (several clients, as several web replicas would be). */
const LOAD_CONNECTIONS = 4;
/** The body of every seeded post: a few paragraphs, a list and some code, like a short post. */
const SEED_MARKDOWN = [
  '# A seeded post',
  ...Array.from({ length: 6 }, (_, i) => `Paragraph ${i} with *emphasis*, a [link](https://example.com/${i}) and \`code\`. `.repeat(6)),
  '- one\n- two\n- three',
  '```rust\nfn main() {\n    println!("hello");\n}\n```',
].join('\n\n');

/**
 * What an author previews: a post of about 6 KB of Markdown (a third of it code), which the
 * engine renders, highlights and sanitises on every call: CPU-bound work in the engine, where
 * the other calls mostly wait on caches and PostgreSQL.
 */
const PREVIEW_MARKDOWN = Array.from({ length: 3 }, (_, i) =>
  [
    `## Section ${i}`,
    `A paragraph about part ${i}, with *emphasis*, **strong words**, a [link](https://example.com/${i}) and \`inline code\`. `.repeat(8),
    '| column | value |\n|---|---|\n' + Array.from({ length: 6 }, (_, r) => `| row ${r} | ${r * i} |`).join('\n'),
    '```rust\n' + Array.from({ length: 12 }, (_, l) => `fn step_${l}(x: u64) -> u64 { x.wrapping_mul(${l + 3}) + ${i} } // line ${l}`).join('\n') + '\n```',
  ].join('\n\n'),
).join('\n\n');

/**
 * Posts for the mix, made through `engine`: `published` readers can see, `drafts` only editors.
 * Their slugs start with `prefix`.
 *
 * @param {Engine} engine
 * @param {{ authorId: string, prefix: string, published: number, drafts: number }} options
 * @returns {Promise<Seeded>}
 */
export async function seedPosts(engine, { authorId, prefix, published, drafts }) {
  /** @type {Seeded} */
  const seeded = { slugs: [], draftIds: [] };
  const create = async (/** @type {number} */ i, /** @type {boolean} */ publish) => {
    const slug = `${prefix}-${publish ? 'p' : 'd'}${i}`;
    const { post } = await engine.clients.posts.createPost({
      post: { slug, title: `Seeded ${slug}`, markdown: SEED_MARKDOWN, authorId },
      requestId: randomUUID(),
      status: publish ? PostStatus.PUBLISHED : PostStatus.DRAFT,
    });
    if (!post) throw new Error(`CreatePost of ${slug} answered no post`);
    if (publish) seeded.slugs.push(slug);
    else seeded.draftIds.push(post.id);
  };
  for (let i = 0; i < published; i += 1) await create(i, true);
  for (let i = 0; i < drafts; i += 1) await create(i, false);
  return seeded;
}

/**
 * Offers the mix to `engine` from `concurrency` closed-loop callers for `durationMs`. A caller
 * that is refused with a RetryInfo waits as it asks before its next call when `honourRetryInfo`
 * (as gRPC clients with retry pushback do); otherwise it calls again at once.
 *
 * With a `generator`, quire-load makes the same calls (bench/load/src/mix.rs), in a process of its
 * own that can run on cores apart from the engine's; this process only waits for its report.
 *
 * @param {{ engine: Engine, seeded: Seeded, concurrency: number, durationMs: number, honourRetryInfo?: boolean, kinds?: Partial<Record<CallKind, number>>, timeoutMs?: number, generator?: Generator | null }} options
 *   kinds: another mix (shares by call); timeoutMs: each call's deadline
 * @returns {Promise<LoadRun>}
 */
export async function offerLoad({ engine, seeded, concurrency, durationMs, honourRetryInfo = true, kinds = MIX, timeoutMs = CALL_TIMEOUT_MS, generator = null }) {
  const mix = /** @type {Array<[CallKind, number]>} */ (Object.entries(kinds));
  if (generator) {
    const spec = { kinds: mix, slugs: seeded.slugs, draft_ids: seeded.draftIds, preview_markdown: PREVIEW_MARKDOWN, concurrency, duration_ms: durationMs, timeout_ms: timeoutMs, honour_retry_info: honourRetryInfo };
    return measured(engine, concurrency, async () => {
      const generated = await generatedLoad(generator, engine, spec);
      return { ...generated, loopDelayP99Ms: null, generatorCpus: generator.cpus };
    });
  }
  const connections = Array.from({ length: Math.min(LOAD_CONNECTIONS, concurrency) }, () => engine.connect());
  /** @type {Call[]} */
  const calls = [];
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const began = performance.now();
  const until = began + durationMs;
  const caller = async (/** @type {number} */ index) => {
    const clients = connections[index % connections.length];
    for (let n = 0; performance.now() < until; n += 1) {
      const kind = pickKind(mix);
      const start = performance.now();
      let outcome = 'ok';
      let pause = 0;
      try {
        await callOf(kind, clients, seeded, index + n * concurrency, timeoutMs);
      } catch (error) {
        outcome = outcomeOf(error);
        if (honourRetryInfo) pause = retryDelayMs(error) ?? 0;
      }
      calls.push({ kind, start: start - began, ms: performance.now() - start, outcome });
      if (pause > 0) await sleep(Math.min(pause, Math.max(0, until - performance.now())));
    }
  };
  return measured(engine, concurrency, async () => {
    await Promise.all(Array.from({ length: concurrency }, (_, index) => caller(index)));
    loopDelay.disable();
    return { seconds: (performance.now() - began) / 1000, calls, loopDelayP99Ms: loopDelay.percentile(99) / 1e6, generatorCpu: null, generatorCpus: null };
  });
}

/**
 * Runs `load`, and adds what the engine and the machine spent on the CPU meanwhile.
 *
 * @param {Engine} engine
 * @param {number} concurrency
 * @param {() => Promise<Omit<LoadRun, 'concurrency' | 'engineCpu' | 'machineBusy'>>} load
 * @returns {Promise<LoadRun>}
 */
async function measured(engine, concurrency, load) {
  const pid = engine.pid();
  const engineCpuBefore = pid ? cpuSeconds(pid) : null;
  const machineBefore = machineTimes();
  const run = await load();
  const engineCpuAfter = pid ? cpuSeconds(pid) : null;
  const machineAfter = machineTimes();
  return {
    concurrency,
    ...run,
    engineCpu: engineCpuBefore !== null && engineCpuAfter !== null ? (engineCpuAfter - engineCpuBefore) / run.seconds : null,
    machineBusy: 1 - (machineAfter.idle - machineBefore.idle) / Math.max(1, machineAfter.total - machineBefore.total),
  };
}

/**
 * `quire-load mix`: the calls as quire-load made and timed them.
 *
 * @param {Generator} generator
 * @param {Engine} engine
 * @param {object} spec bench/load/src/mix.rs's Spec
 * @returns {Promise<{ seconds: number, calls: Call[], generatorCpu: number | null }>}
 */
async function generatedLoad(generator, engine, spec) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'quire-mix-'));
  try {
    const specFile = path.join(dir, 'spec.json');
    writeFileSync(specFile, JSON.stringify(spec));
    const argv = [generator.bin, '--url', engine.url, '--key', engine.key, 'mix', '--spec', specFile, '--connections', String(LOAD_CONNECTIONS)];
    const output = await commandOutput(generator.cpus ? ['taskset', '-c', generator.cpus, ...argv] : argv);
    const report = JSON.parse(output.trim().split('\n').at(-1) ?? '{}');
    return { seconds: report.seconds, calls: report.calls, generatorCpu: report.cpu_seconds === null ? null : report.cpu_seconds / report.seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Offers the mix at doubling concurrency (1, 2, 4, …) until throughput stops growing (two steps
 * in a row without 10 % more answered calls per second than the best so far, or `maxConcurrency`),
 * and names the saturation: the least concurrency that reached 90 % of the best throughput.
 *
 * @param {{ engine: Engine, seeded: Seeded, stepMs: number, maxConcurrency?: number, kinds?: Partial<Record<CallKind, number>>, generator?: Generator | null }} options
 *   kinds, generator: offerLoad's
 */
export async function findSaturation({ engine, seeded, stepMs, maxConcurrency = 128, kinds = MIX, generator = null }) {
  /** @type {Array<{ concurrency: number, perSecond: number, p99Ms: number | null, failed: number, engineCpu: number | null, machineBusy: number }>} */
  const steps = [];
  let best = 0;
  let flat = 0;
  for (let concurrency = 1; concurrency <= maxConcurrency && flat < 2; concurrency *= 2) {
    const run = await offerLoad({ engine, seeded, concurrency, durationMs: stepMs, kinds, generator });
    const answered = run.calls.filter((c) => c.outcome === 'ok');
    const perSecond = answered.length / run.seconds;
    steps.push({
      concurrency,
      perSecond,
      p99Ms: percentile(answered.map((c) => c.ms), 0.99),
      failed: run.calls.length - answered.length,
      engineCpu: run.engineCpu,
      machineBusy: run.machineBusy,
    });
    flat = perSecond > best * 1.1 ? 0 : flat + 1;
    best = Math.max(best, perSecond);
  }
  const saturation = /** @type {(typeof steps)[number]} */ (steps.find((s) => s.perSecond >= 0.9 * best));
  return { steps, saturation };
}

/**
 * The figures of a load run: throughput, shedding and latencies.
 *
 * @param {LoadRun} run
 */
export function loadFigures(run) {
  const accepted = run.calls.filter((c) => c.outcome === 'ok');
  const shed = run.calls.filter((c) => c.outcome === 'resource_exhausted');
  /** @type {Record<string, number>} */
  const otherOutcomes = {};
  for (const call of run.calls) {
    if (call.outcome !== 'ok' && call.outcome !== 'resource_exhausted') otherOutcomes[call.outcome] = (otherOutcomes[call.outcome] ?? 0) + 1;
  }
  /** @type {Record<string, { n: number, p50Ms: number | null, p99Ms: number | null }>} */
  const byKind = {};
  for (const kind of new Set(run.calls.map((c) => c.kind))) {
    const ms = accepted.filter((c) => c.kind === kind).map((c) => c.ms);
    byKind[kind] = { n: ms.length, p50Ms: percentile(ms, 0.5), p99Ms: percentile(ms, 0.99) };
  }
  return {
    concurrency: run.concurrency,
    seconds: run.seconds,
    offered: run.calls.length,
    acceptedPerSecond: accepted.length / run.seconds,
    shedFraction: run.calls.length ? shed.length / run.calls.length : 0,
    shed: shed.length,
    shedP50Ms: percentile(shed.map((c) => c.ms), 0.5),
    shedP99Ms: percentile(shed.map((c) => c.ms), 0.99),
    shedMaxMs: shed.length ? Math.max(...shed.map((c) => c.ms)) : null,
    acceptedP50Ms: percentile(accepted.map((c) => c.ms), 0.5),
    acceptedP99Ms: percentile(accepted.map((c) => c.ms), 0.99),
    byKind,
    otherOutcomes,
    engineCpu: run.engineCpu,
    machineBusy: run.machineBusy,
    loopDelayP99Ms: run.loopDelayP99Ms,
    generatorCpu: run.generatorCpu,
    generatorCpus: run.generatorCpus,
  };
}

/**
 * @param {Array<[CallKind, number]>} mix
 * @returns {CallKind}
 */
function pickKind(mix) {
  let roll = Math.random() * mix.reduce((sum, [, share]) => sum + share, 0);
  for (const [kind, share] of mix) {
    roll -= share;
    if (roll < 0) return kind;
  }
  return mix[0][0];
}

/**
 * One call of the mix.
 *
 * @param {CallKind} kind
 * @param {import('./cluster.mjs').EngineClients} clients
 * @param {Seeded} seeded
 * @param {number} n which post (round robin)
 * @param {number} timeoutMs
 */
async function callOf(kind, { posts }, seeded, n, timeoutMs) {
  const options = { timeoutMs };
  switch (kind) {
    case 'get_post':
      return posts.getPost({ key: { case: 'slug', value: seeded.slugs[n % seeded.slugs.length] }, view: PostView.FULL }, options);
    case 'list_posts':
      return posts.listPosts({ pageSize: 10, view: PostView.BASIC }, options);
    case 'list_drafts':
      return posts.listPosts({ pageSize: 20, statuses: [PostStatus.DRAFT], view: PostView.BASIC }, options);
    case 'preview':
      return posts.previewPost({ markdown: PREVIEW_MARKDOWN }, options);
    case 'update_post':
      return posts.updatePost(
        { post: { id: seeded.draftIds[n % seeded.draftIds.length], title: `Edited ${n}` }, updateMask: { paths: ['title'] } },
        options,
      );
  }
}

/** The machine's CPU times, all cores, in ms. */
function machineTimes() {
  let idle = 0;
  let total = 0;
  for (const { times } of os.cpus()) {
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.idle + times.irq;
  }
  return { idle, total };
}

/**
 * @param {number[]} values
 * @param {number} q
 */
export function percentile(values, q) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}
