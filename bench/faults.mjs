// Fault benchmark (issue 13, "The fault suite"): two engines over a PostgreSQL and a Redis of
// their own, a writer keeping a ledger of every acknowledged write, one fault per scenario
// injected mid-run, and a checker at the end (bench/lib/faults/). Part of `npm run bench`; also
// runs on its own, on the engine binary of QUIRE_ENGINE_BIN (default: the release build):
//
//   node bench/faults.mjs [--quick] [scenario ...]     writes bench/results/faults[-quick].md
//
// The overload scenario's callers are quire-load's (QUIRE_LOAD_BIN, default: the release build).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from '../scripts/lib/processes.mjs';
import { startFaultCluster } from './lib/faults/cluster.mjs';
import { SCENARIOS, runScenario, scenariosById } from './lib/faults/scenarios.mjs';

/** @typedef {Awaited<ReturnType<typeof runScenario>>} FaultResult */

/**
 * Per scenario: writing before the fault, how long it lasts, writing after it was undone; for
 * overload, its phases (the unloaded latency, each step of the search for saturation, 3x it).
 */
const TIMING = {
  full: {
    warmupMs: 4_000,
    holdMs: 5_000,
    tailMs: 6_000,
    lanes: 2,
    giveUpMs: 20_000,
    overload: { unloadedMs: 3_000, stepMs: 1_500, offeredMs: 10_000 },
  },
  quick: {
    warmupMs: 1_000,
    holdMs: 1_500,
    tailMs: 1_500,
    lanes: 2,
    giveUpMs: 10_000,
    overload: { unloadedMs: 1_500, stepMs: 700, offeredMs: 3_000 },
  },
};

/**
 * Runs the fault scenarios, one after the other on one cluster.
 *
 * @param {{ engineBin: string, loadBin?: string, quick: boolean, log: (line: string) => void, scenarioIds?: string[] }} options
 *   loadBin: quire-load, the overload scenario's callers (without it, this process makes the calls)
 */
export async function faultBenchmark({ engineBin, loadBin, quick, log, scenarioIds = SCENARIOS.map((s) => s.id) }) {
  const timing = quick ? TIMING.quick : TIMING.full;
  log('Fault suite: starting PostgreSQL, Redis and the engines…');
  const cluster = await startFaultCluster({ engineBin, loadBin, log });
  /** @type {FaultResult[]} */
  const results = [];
  try {
    for (const scenario of scenariosById(scenarioIds)) {
      log(`  ${scenario.title}…`);
      const result = await runScenario(cluster, scenario, timing);
      results.push(result);
      log(
        `  ${scenario.title}: ${result.acknowledged} acknowledged, ${result.lost} lost, ${result.duplicated} duplicated, ` +
          `${result.wrong} wrong answers; staleness p99 ${result.staleness.p99Ms ?? '-'} ms; health ${result.health.correct ? 'correct' : 'WRONG'}`,
      );
    }
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : error}\n${cluster.logTails()}`, { cause: error });
  } finally {
    await cluster.close();
  }
  return { timing, results };
}

/**
 * The Markdown section of the report.
 *
 * @param {{ timing: typeof TIMING.full, results: FaultResult[] }} faults
 */
export function faultReport({ timing, results }) {
  const lines = [
    '### Faults',
    '',
    `Two engines over their own PostgreSQL and Redis; ${timing.lanes} writer lanes alternate between them (CreatePost, then ` +
      'UpdatePost with the etag, every write with a request_id; an ambiguous failure is retried with the same request on the ' +
      `next engine, for up to ${timing.giveUpMs / 1000} s). Per scenario: ${timing.warmupMs / 1000} s of writes, the fault ` +
      `(held ${timing.holdMs / 1000} s where it lasts), ${timing.tailMs / 1000} s after it; then a checker reads every post and ` +
      'its revisions through a third engine without a cache.',
    '',
    '| fault | writes acknowledged | lost | duplicated | unavailability window | codes seen | staleness p99 | health |',
    '|---|---:|---:|---:|---|---|---:|---|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.title} | ${r.acknowledged} | ${r.lost} | ${r.duplicated} | ${windowCell(r)} | ${codesCell(r)} | ${stalenessCell(r)} | ${healthCell(r)} |`,
    );
  }
  lines.push(
    '',
    'Unavailability window: from the start of a failed attempt to the end of the first successful one started after it, on ' +
      'either engine (the longest, and how many windows). Codes: what the writer (writes), the staleness probes (reads) and ' +
      'a scenario\'s own load (load) saw, besides OK; `connection …` is a broken or refused connection. Staleness: from an ' +
      'update\'s acknowledgement until a GetPost on the other engine shows it (the read\'s own latency included; probes ' +
      'whose reads failed are left out). Health: grpc.health.v1 polled every 50 ms on each engine the fault was not done ' +
      'to; for an engine that lost PostgreSQL (stopped, or its network path cut), the delays after the loss and after its ' +
      'return (target ≤ 1 s each); otherwise whether it stayed SERVING.',
    '',
    ...overloadTable(results),
  );
  for (const r of results) {
    const s = r.staleness;
    const details = [
      ...r.notes,
      `${r.attempts} attempts, ${r.retriesAcknowledged} retries acknowledged (${r.replayed} with the first attempt's stored response), ` +
        `${r.wrong} wrong answers, ${r.unknown} given up ` +
        `(${r.appliedUnknown} of the uncertain took effect), ${r.refused} refused`,
      `staleness: ${s.measured} of ${s.probes} probes measured (${s.interrupted} interrupted by failed reads, ${s.neverSeen} never ` +
        `fresh within 5 s), ${s.staleReads} stale reads, p50 ${s.p50Ms ?? '-'} ms, max ${s.maxMs ?? '-'} ms, slowest read ${s.slowestReadMs} ms`,
      ...Object.entries(r.failureSamples).map(([outcome, message]) => `${outcome}: "${message}"`),
      ...r.problems,
    ];
    lines.push(`- **${r.title}**: ${details.join('; ')}`);
  }
  return lines.join('\n');
}

/** @param {FaultResult} r */
function windowCell(r) {
  const { windows, longestMs } = r.unavailability;
  if (!windows) return 'none';
  return `${formatMs(longestMs)}${windows > 1 ? ` (longest of ${windows})` : ''}`;
}

/** @param {FaultResult} r */
function codesCell(r) {
  const list = (/** @type {Record<string, number>} */ counts) =>
    Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .map(([code, count]) => `${code} ×${count}`)
      .join(', ');
  const parts = [];
  if (Object.keys(r.writeOutcomes).length) parts.push(`writes: ${list(r.writeOutcomes)}`);
  if (Object.keys(r.readOutcomes).length) parts.push(`reads: ${list(r.readOutcomes)}`);
  if (Object.keys(r.loadOutcomes).length) parts.push(`load: ${list(r.loadOutcomes)}`);
  return parts.join('; ') || 'OK only';
}

/** @param {FaultResult} r */
function stalenessCell(r) {
  return r.staleness.p99Ms === null ? '-' : `${r.staleness.p99Ms} ms (n=${r.staleness.measured})`;
}

/** @param {FaultResult} r */
function healthCell(r) {
  const { perEngine, correct } = r.health;
  const names = Object.keys(perEngine).sort();
  const mark = correct ? '✓' : '✗';
  const parts = [];
  const cutOff = names.filter((name) => perEngine[name].cutOff);
  if (cutOff.length) {
    const delays = (/** @type {'notServingMs' | 'servingMs'} */ field) =>
      cutOff.map((name) => (perEngine[name][field] == null ? 'never' : formatMs(/** @type {number} */ (perEngine[name][field])))).join(' / ');
    const early = cutOff.filter((name) => perEngine[name].notServingBefore);
    parts.push(
      `NOT_SERVING after ${delays('notServingMs')}, SERVING after ${delays('servingMs')} (${cutOff.join(' / ')})` +
        (early.length ? `, NOT_SERVING before the loss (${early.join(', ')})` : ''),
    );
  }
  const others = names.filter((name) => !perEngine[name].cutOff);
  const flipped = others.filter((name) => perEngine[name].flips > 0);
  if (others.length && !flipped.length) parts.push(`SERVING throughout (${others.join(', ')})`);
  if (flipped.length) parts.push(flipped.map((name) => `${name}: ${perEngine[name].flips} change(s)`).join(', '));
  return `${parts.join('; ')} ${mark}`;
}

/**
 * The overload scenario's figures, when it ran: per run at 3x saturation (the engine's default
 * admission settings, then an operator's), what was offered, what the engine accepted and
 * refused, how fast, against the targets (refusals within 10 ms, accepted p99 within 2x the
 * unloaded p99, no codes but OK and RESOURCE_EXHAUSTED).
 *
 * @param {FaultResult[]} results
 */
function overloadTable(results) {
  const overloads = results.map((r) => /** @type {any} */ (r.figures).overload).filter(Boolean);
  if (!overloads.length) return [];
  const lines = [];
  const mark = (/** @type {boolean} */ met) => (met ? '✓' : '✗');
  const percent = (/** @type {number | null} */ fraction) => (fraction === null ? '-' : `${(100 * fraction).toFixed(1)} %`);
  for (const o of overloads) {
    const best = Math.max(...o.steps.map((/** @type {any} */ s) => s.perSecond));
    lines.push(
      `Overload on engine ${o.engine}${o.placement ? ` (pinned to core(s) ${o.placement.engine}; quire-load's callers on ${o.placement.generator})` : ''}: unloaded p99 ${formatMs(o.unloaded.acceptedP99Ms)} (1 caller, ${o.unloaded.offered} calls; ` +
        `the engine's own ≤ ${bound(o.unloadedServer.p99AtMostMs)}); ` +
        `saturation at ${o.saturation} callers (callers: answered per second, p99: ` +
        `${o.steps.map((/** @type {any} */ s) => `${s.concurrency}: ${Math.round(s.perSecond)}/s, ${formatMs(s.p99Ms)}`).join('; ')}; best ${Math.round(best)}/s).`,
      '',
      '| 3x saturation | callers | offered | accepted | shed | time to RESOURCE_EXHAUSTED p50 / p99 | accepted p99 (× unloaded) | other codes | engine\'s own: refusals ≤ 1 ms / ≤ 10 ms, accepted p99 | machine |',
      '|---|---:|---:|---:|---:|---|---|---|---|---|',
    );
    for (const run of o.runs) {
      const { offered: f, server, met } = run;
      const ratio = f.acceptedP99Ms !== null && o.unloaded.acceptedP99Ms ? f.acceptedP99Ms / o.unloaded.acceptedP99Ms : null;
      const others = Object.entries(f.otherOutcomes).map(([code, n]) => `${code} ×${n}`).join(', ');
      const settings = Object.entries(run.settings).map(([k, v]) => (k === 'defaults' ? `defaults (${v})` : `${k}=${v}`)).join(', ');
      lines.push(
        `| ${settings}${run.writer ? ', writer on' : ''} | ${f.concurrency} | ${f.offered} in ${f.seconds.toFixed(1)} s | ${Math.round(f.acceptedPerSecond)}/s | ` +
          `${percent(f.shedFraction)} (${f.shed}) | ${f.shed ? `${formatMs(f.shedP50Ms)} / ${formatMs(f.shedP99Ms)} ${mark(met.refusedWithinTarget)}` : 'none refused'} | ` +
          `${formatMs(f.acceptedP99Ms)} (${ratio === null ? '-' : ratio.toFixed(1)}×) ${mark(met.acceptedWithinTarget)} | ${others || 'none'} ${mark(met.onlyOkAndRefused)} | ` +
          `${server.shed.n ? `${percent(server.shed.within1ms)} / ${percent(server.shed.within10ms)}` : '-'}, ≤ ${bound(server.accepted.p99AtMostMs)} | ` +
          `engine ${f.engineCpu === null ? '-' : `${Math.round(100 * f.engineCpu)} %`} of a core, all cores ${Math.round(100 * f.machineBusy)} % busy, ` +
          `${callersCost(f)} |`,
      );
    }
    lines.push('');
  }
  lines.push(
    'Overload: the call mix (PreviewPost of a 6 KB post, rendered on every call, 40 %, GetPost FULL of published posts ' +
      '30 %, ListPosts 15 %, ListPosts of drafts with the admin key, uncached, 10 %, UpdatePost of a draft 5 %) from ' +
      'closed-loop callers on one engine, who wait as a refusal\'s RetryInfo asks. Unloaded: one caller. Saturation: ' +
      'callers doubled until throughput stopped growing; the least that reached 90 % of the best. 3x saturation is ' +
      'offered twice: with the engine\'s defaults (before the writer starts), then with the engine restarted as an ' +
      'operator would set it, the writer on: one running call per engine core (unpinned, the saturation\'s callers), ' +
      'and a 1 ms queue wait once overloaded. Latencies as the callers saw them ' +
      '(targets: refusals ≤ 10 ms, accepted p99 ≤ 2x unloaded); ' +
      '"engine\'s own": from its quire_rpc_duration_seconds histogram (the writer\'s and probes\' calls on it included), ' +
      'the p99 as the bucket it falls in; "machine": what else competed for the cores, the callers included. ' +
      'The callers are quire-load (bench/load), pinned to cores apart from the engine\'s as a load generator on a ' +
      'machine of its own would be (PostgreSQL and Redis run on any core), or, without it, the harness itself.',
    '',
  );
  return lines;
}

/**
 * What the callers cost: quire-load's CPU and cores, or the harness's event-loop delay.
 *
 * @param {{ generatorCpu: number | null, generatorCpus: string | null, loopDelayP99Ms: number | null }} figures
 */
function callersCost({ generatorCpu, generatorCpus, loopDelayP99Ms }) {
  if (loopDelayP99Ms !== null) return `callers: this harness, event-loop delay p99 ${formatMs(loopDelayP99Ms)}`;
  const cpu = generatorCpu === null ? '' : `, ${Math.round(100 * generatorCpu)} % of a core`;
  return `callers: quire-load${generatorCpus ? ` on core(s) ${generatorCpus}` : ''}${cpu}`;
}

/** @param {number | null} ms */
function bound(ms) {
  if (ms === null) return '-';
  return Number.isFinite(ms) ? formatMs(ms) : '∞';
}

/** @param {number | null} ms */
function formatMs(ms) {
  if (ms === null) return '-';
  if (ms >= 1_000) return `${(ms / 1000).toFixed(2)} s`;
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** JSON with bigints (revisions) as strings. */
export function faultJson(value) {
  return JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? String(v) : v), 2);
}

async function main() {
  const quick = process.argv.includes('--quick');
  const scenarioIds = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  const release = path.join(process.env.CARGO_TARGET_DIR ?? path.join(ROOT, 'target'), 'release');
  const engineBin = process.env.QUIRE_ENGINE_BIN ?? path.join(release, 'quire-engine');
  const loadBin = process.env.QUIRE_LOAD_BIN ?? path.join(release, 'quire-load');
  const faults = await faultBenchmark({
    engineBin,
    ...(existsSync(loadBin) ? { loadBin } : {}),
    quick,
    log: (line) => console.log(line),
    ...(scenarioIds.length ? { scenarioIds } : {}),
  });
  const report = [`# Quire fault suite${quick ? ' (quick)' : ''}`, '', `- date: ${new Date().toISOString()}`, `- engine: ${engineBin}`, '', faultReport(faults), ''].join('\n');
  const resultsDir = path.join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const name = quick ? 'faults-quick' : 'faults';
  writeFileSync(path.join(resultsDir, `${name}.md`), report);
  writeFileSync(path.join(resultsDir, `${name}.json`), faultJson(faults));
  console.log(`\n${report}`);
  console.log(`Report written to bench/results/${name}.md`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  });
}
