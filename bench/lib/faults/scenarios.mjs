// The faults, one scenario each, and the run of one: a scenario that needs the cluster set up
// its own way (engine settings, PostgreSQL's, a proxy in between) prepares it, the writer and the
// observers start, the fault is injected after a warm-up and undone, writing goes on for a while,
// the preparation is undone, then the checker reads what PostgreSQL kept. Every step is bounded
// in time. Overload, the connection limit and the network fault live in files of their own.
import { setTimeout as sleep } from 'node:timers/promises';
import { outcomeOf } from './clients.mjs';
import { checkLedger } from './checker.mjs';
import { connectionLimitScenario } from './connection-limit.mjs';
import { postgresNetworkScenario, redisNetworkScenario } from './network.mjs';
import { probeStaleness, watchHealth } from './observers.mjs';
import { overloadScenario } from './overload.mjs';
import { startWriter } from './writer.mjs';

/** @typedef {import('./cluster.mjs').Engine} Engine */
/** @typedef {Awaited<ReturnType<typeof import('./cluster.mjs').startFaultCluster>>} FaultCluster */
/** @typedef {import('./observers.mjs').HealthChange} HealthChange */
/**
 * @typedef {object} Timing
 * @property {number} warmupMs writing before the fault
 * @property {number} holdMs how long a fault lasts (a dependency down, an engine gone)
 * @property {number} tailMs writing after the fault was undone
 * @property {{ unloadedMs: number, stepMs: number, offeredMs: number }} [overload] the overload scenario's phases: the
 *   unloaded latency, each step of the search for saturation, 3x saturation
 */
/**
 * @typedef {object} Injected what a fault did and when
 * @property {Record<string, number>} at times of its steps (`stopped`, `up`, `killed`, …)
 * @property {string[]} targets engines the fault was done to (their health is expected to change)
 * @property {string[]} notes
 * @property {'postgres' | 'none'} [healthShouldFlip] postgres: the engines that lose PostgreSQL (all of them, or those
 *   `cutOff` names) NOT_SERVING from `at.stopped` to `at.up`, the others SERVING throughout
 * @property {string[]} [cutOff] with healthShouldFlip postgres: the engines that lose it (default: all)
 * @property {Record<string, number>} [loadOutcomes] what a load of the scenario's own saw, besides OK
 * @property {Record<string, unknown>} [figures] the scenario's own measurements, for its report
 */
/**
 * @typedef {object} Prepared a scenario's own set-up, done before the writer starts
 * @property {any} [state] for its inject
 * @property {string[]} [notes]
 * @property {() => Promise<{ notes?: string[], figures?: Record<string, unknown> } | void>} restore undoes it once the
 *   writer stopped (before the checker reads), and says what it saw meanwhile
 */
/**
 * @typedef {object} Scenario
 * @property {string} id
 * @property {string} title
 * @property {(context: { cluster: FaultCluster, timing: Timing }) => Promise<Prepared>} [prepare]
 * @property {(context: { cluster: FaultCluster, writer: ReturnType<typeof startWriter>, timing: Timing, prepared: Prepared | null }) => Promise<Injected>} inject
 */

/** How long after a fault an engine may take to answer SERVING again before the run fails. */
const RECOVERY_TIMEOUT_MS = 30_000;
/** The longest an acknowledged update may stay invisible on the other engine before it counts as never seen. */
const STALENESS_TIMEOUT_MS = 5_000;
/** How much earlier than the harness an engine may see PostgreSQL's return (polled every 25 ms). */
const UP_SLACK_MS = 100;
/** How long to wait for a call to be in flight before a fault that needs one. */
const IN_FLIGHT_WAIT_MS = 3_000;

/** @type {Scenario[]} */
export const SCENARIOS = [
  {
    id: 'none',
    title: 'no fault (baseline)',
    async inject({ timing }) {
      await sleep(timing.holdMs);
      return { at: {}, targets: [], notes: [], healthShouldFlip: 'none' };
    },
  },
  {
    id: 'engine-kill',
    title: 'engine kill -9 mid-write',
    async inject({ cluster, writer, timing }) {
      const [target] = cluster.engines;
      const inFlight = await callsInFlight(writer, target);
      const killed = Date.now();
      target.signal('SIGKILL');
      await target.exited();
      await sleep(timing.holdMs);
      await target.start();
      return {
        at: { killed, restarted: Date.now() },
        targets: [target.name],
        notes: [`engine ${target.name} killed with ${inFlight} write(s) in flight, started again after ${timing.holdMs / 1000} s`],
        healthShouldFlip: 'none',
      };
    },
  },
  {
    id: 'engine-sigterm',
    title: 'engine SIGTERM with calls and a stream in flight',
    async inject({ cluster, writer, timing }) {
      const target = cluster.engines[cluster.engines.length - 1];
      const stream = watchStream(target);
      await sleep(200);
      const inFlight = await callsInFlight(writer, target);
      const terminated = Date.now();
      target.signal('SIGTERM');
      await target.exited();
      const exited = Date.now();
      const streamEnd = await stream.ended(2_000);
      const drained = writer.attempts.filter((a) => a.engine === target.name && a.start < terminated && a.end >= terminated);
      await sleep(timing.holdMs);
      await target.start();
      return {
        at: { terminated, exited, restarted: Date.now() },
        targets: [target.name],
        notes: [
          `engine ${target.name}: SIGTERM with ${inFlight} write(s) in flight, exited after ${exited - terminated} ms; ` +
            `the writes in flight answered ${tally(drained.map((a) => a.outcome)) || 'nothing'}; ` +
            `a WatchChanges stream ${streamEnd.endedAt ? `ended with ${streamEnd.outcome} ${streamEnd.endedAt - terminated} ms after the SIGTERM` : 'did not end'}`,
        ],
        healthShouldFlip: 'none',
      };
    },
  },
  {
    id: 'client-deadlines',
    title: 'client deadlines shorter than the writes',
    async inject({ writer, timing }) {
      // Just under the writes' median latency so far: some answer in time, some are cut off
      // before they commit, and some commit after the client gave up (its retry must be answered
      // with the stored response).
      const latencies = writer.attempts.filter((a) => a.outcome === 'ok' && !a.retry).map((a) => a.end - a.start);
      const deadlineMs = Math.max(2, Math.round(0.9 * (percentile(latencies, 0.5) ?? 10)));
      writer.setFirstAttemptTimeout(deadlineMs);
      const from = Date.now();
      await sleep(timing.holdMs);
      writer.setFirstAttemptTimeout(null);
      return {
        at: { from, to: Date.now() },
        targets: [],
        notes: [`first attempts with a ${deadlineMs} ms deadline for ${timing.holdMs / 1000} s (retries keep theirs)`],
        healthShouldFlip: 'none',
      };
    },
  },
  {
    id: 'postgres-stop',
    title: 'PostgreSQL immediate stop',
    async inject({ cluster, timing }) {
      const { stoppedAt } = await cluster.postgres.stopImmediately();
      await sleep(timing.holdMs);
      const { upAt } = await cluster.postgres.start();
      return {
        at: { stopped: stoppedAt, up: upAt },
        targets: [],
        notes: [`PostgreSQL down ${((upAt - stoppedAt) / 1000).toFixed(1)} s (pg_ctl stop -m immediate, then start)`],
        healthShouldFlip: 'postgres',
      };
    },
  },
  {
    id: 'redis-kill',
    title: 'Redis kill -9, restarted',
    async inject({ cluster, timing }) {
      const killed = Date.now();
      await cluster.redis.kill();
      await sleep(timing.holdMs);
      await cluster.redis.start();
      return {
        at: { killed, restarted: Date.now() },
        targets: [],
        notes: [`Redis SIGKILL, started again (empty) after ${timing.holdMs / 1000} s`],
        healthShouldFlip: 'none',
      };
    },
  },
  {
    id: 'redis-pause',
    title: 'Redis SIGSTOP, then SIGCONT',
    async inject({ cluster, timing }) {
      const paused = Date.now();
      cluster.redis.pause();
      await sleep(timing.holdMs);
      cluster.redis.resume();
      return {
        at: { paused, resumed: Date.now() },
        targets: [],
        notes: [`Redis stopped (SIGSTOP) for ${timing.holdMs / 1000} s: connections open, no answers`],
        healthShouldFlip: 'none',
      };
    },
  },
  overloadScenario,
  connectionLimitScenario,
  postgresNetworkScenario,
  redisNetworkScenario,
];

/** @param {string[]} ids */
export function scenariosById(ids) {
  return ids.map((id) => {
    const scenario = SCENARIOS.find((s) => s.id === id);
    if (!scenario) throw new Error(`no fault scenario "${id}"`);
    return scenario;
  });
}

/**
 * Runs one scenario on `cluster` and checks its ledger.
 *
 * @param {FaultCluster} cluster
 * @param {Scenario} scenario
 * @param {Timing & { lanes?: number, giveUpMs?: number }} timing
 */
export async function runScenario(cluster, scenario, timing) {
  const prepared = scenario.prepare ? await scenario.prepare({ cluster, timing }) : null;
  let restored = false;
  const restore = async () => {
    restored = true;
    return prepared?.restore();
  };
  try {
    return await runPrepared(cluster, scenario, timing, prepared, restore);
  } finally {
    // Undone already, unless the run failed before it got there.
    if (!restored) await restore().catch(() => {});
  }
}

/**
 * @param {FaultCluster} cluster
 * @param {Scenario} scenario
 * @param {Timing & { lanes?: number, giveUpMs?: number }} timing
 * @param {Prepared | null} prepared
 * @param {() => Promise<{ notes?: string[], figures?: Record<string, unknown> } | void>} restore
 */
async function runPrepared(cluster, scenario, timing, prepared, restore) {
  const { engines } = cluster;
  const slugPrefix = `${scenario.id}-${Date.now().toString(36)}`;
  const health = watchHealth(engines);
  /** @type {Promise<import('./observers.mjs').StalenessProbe>[]} */
  const probes = [];
  /** @type {Array<{ engine: string, outcome: string }>} */
  const reads = [];
  const writer = startWriter({
    engines,
    authorId: cluster.authorId,
    slugPrefix,
    lanes: timing.lanes,
    giveUpMs: timing.giveUpMs,
    onAcknowledgedUpdate: (ack) => {
      const other = engines.find((engine) => engine !== ack.engine) ?? ack.engine;
      probes.push(
        probeStaleness(other, ack, { timeoutMs: STALENESS_TIMEOUT_MS }).then((probe) => {
          for (const outcome of probe.outcomes) reads.push({ engine: other.name, outcome });
          return probe;
        }),
      );
    },
  });
  const began = Date.now();
  /** @type {Injected} */
  let injected;
  try {
    await sleep(timing.warmupMs);
    injected = await scenario.inject({ cluster, writer, timing, prepared });
    await sleep(timing.tailMs);
  } finally {
    await writer.stop();
    await Promise.all(probes);
    await health.stop();
  }
  const ended = Date.now();
  const undone = (await restore()) ?? {};
  injected = {
    ...injected,
    notes: [...(prepared?.notes ?? []), ...injected.notes, ...(undone.notes ?? [])],
    figures: { ...injected.figures, ...undone.figures },
  };
  await recovered(cluster);
  const check = await checkLedger(cluster.checker.clients, writer.ledger, slugPrefix);
  return summarise({ scenario, injected, writer, reads, probes: await Promise.all(probes), health: health.changes, check, began, ended });
}

/**
 * The figures of one run.
 *
 * @param {{ scenario: Scenario, injected: Injected, writer: ReturnType<typeof startWriter>, reads: Array<{ engine: string, outcome: string }>, probes: import('./observers.mjs').StalenessProbe[], health: HealthChange[], check: import('./checker.mjs').CheckResult, began: number, ended: number }} run
 */
function summarise({ scenario, injected, writer, reads, probes, health, check, began, ended }) {
  const windows = unavailabilityWindows(writer.attempts);
  const measured = probes.filter((p) => p.delayMs !== null && p.failedReads === 0).map((p) => /** @type {number} */ (p.delayMs));
  return {
    id: scenario.id,
    title: scenario.title,
    seconds: (ended - began) / 1000,
    ...check,
    attempts: writer.attempts.length,
    writeOutcomes: countBy(writer.attempts.filter((a) => a.outcome !== 'ok').map((a) => a.outcome)),
    readOutcomes: countBy(reads.map((r) => r.outcome)),
    loadOutcomes: injected.loadOutcomes ?? {},
    retriesAcknowledged: writer.attempts.filter((a) => a.retry && a.outcome === 'ok').length,
    unavailability: {
      windows: windows.length,
      longestMs: windows.length ? Math.max(...windows.map((w) => w.ms)) : 0,
      firstMs: windows[0]?.ms ?? 0,
    },
    staleness: {
      probes: probes.length,
      measured: measured.length,
      interrupted: probes.filter((p) => p.failedReads > 0).length,
      neverSeen: probes.filter((p) => p.delayMs === null).length,
      staleReads: probes.reduce((sum, p) => sum + p.staleReads, 0),
      p50Ms: percentile(measured, 0.5),
      p99Ms: percentile(measured, 0.99),
      maxMs: measured.length ? Math.max(...measured) : null,
      slowestReadMs: Math.max(0, ...probes.map((p) => p.slowestReadMs)),
    },
    /** One message per kind of failure the writer saw, to tell them apart. */
    failureSamples: Object.fromEntries(writer.attempts.filter((a) => a.message).map((a) => [a.outcome, a.message])),
    health: healthVerdict(health, injected),
    notes: injected.notes,
    figures: injected.figures ?? {},
  };
}

/**
 * Unavailability as clients saw it: a window opens at the start of a failed attempt and closes
 * when an attempt started after it succeeds (on either engine: the writer fails over).
 *
 * @param {import('./writer.mjs').Attempt[]} attempts
 */
export function unavailabilityWindows(attempts) {
  const byEnd = [...attempts].sort((a, b) => a.end - b.end);
  /** @type {Array<{ from: number, ms: number }>} */
  const windows = [];
  let openedAt = null;
  for (const attempt of byEnd) {
    if (attempt.outcome !== 'ok') {
      openedAt = openedAt === null ? attempt.start : Math.min(openedAt, attempt.start);
    } else if (openedAt !== null && attempt.start >= openedAt) {
      windows.push({ from: openedAt, ms: attempt.end - openedAt });
      openedAt = null;
    }
  }
  return windows;
}

/**
 * What health did during the run, against what it should have done: an engine that lost
 * PostgreSQL (every engine when it stopped, or those a network fault cut off) NOT_SERVING within
 * a second of the loss and SERVING within a second of its return, and SERVING before the loss;
 * every other engine the fault was not done to SERVING throughout.
 *
 * @param {HealthChange[]} changes
 * @param {Injected} injected
 */
function healthVerdict(changes, injected) {
  const engines = [...new Set(changes.map((c) => c.engine))].filter((name) => !injected.targets.includes(name));
  const origin = Math.min(...Object.values(injected.at));
  const cutOff = injected.healthShouldFlip === 'postgres' ? (injected.cutOff ?? engines) : [];
  /** @type {Record<string, { cutOff: boolean, notServingMs?: number | null, servingMs?: number | null, servingWhileDown?: boolean, notServingBefore?: boolean, flips: number, timeline: string }>} */
  const perEngine = {};
  for (const name of engines) {
    const own = changes.filter((c) => c.engine === name);
    const flips = own.slice(1).length + (own[0] && own[0].state !== 'serving' ? 1 : 0);
    // Each change relative to the fault's first step.
    const timeline = own.map((c) => `${c.state}@${Number.isFinite(origin) ? `${c.at - origin >= 0 ? '+' : ''}${c.at - origin}ms` : ''}`).join(' ');
    perEngine[name] = { cutOff: cutOff.includes(name), flips, timeline };
    if (cutOff.includes(name)) {
      const { stopped, up } = injected.at;
      const down = own.find((c) => c.at >= stopped && c.state === 'not_serving');
      // PostgreSQL's return is polled, so the engine's own probe may see it a little earlier.
      const back = down && own.find((c) => c.at > down.at && c.state === 'serving' && c.at >= up - UP_SLACK_MS);
      perEngine[name].notServingMs = down && down.at < up ? down.at - stopped : null;
      perEngine[name].servingMs = back ? Math.max(0, back.at - up) : null;
      perEngine[name].servingWhileDown = Boolean(down && own.some((c) => c.at > down.at && c.at < up - UP_SLACK_MS && c.state === 'serving'));
      perEngine[name].notServingBefore = own.some((c) => c.at < stopped && c.state !== 'serving');
    }
  }
  const correct = Object.values(perEngine).every((e) =>
    e.cutOff
      ? e.notServingMs != null && e.notServingMs <= 1_000 && e.servingMs != null && e.servingMs <= 1_000 && !e.servingWhileDown && !e.notServingBefore
      : e.flips === 0,
  );
  return { expected: injected.healthShouldFlip ?? 'none', perEngine, correct };
}

/** Waits until every engine runs and answers SERVING (restarting one the fault left stopped). */
async function recovered(cluster) {
  for (const engine of [...cluster.engines, cluster.checker]) {
    if (!engine.running()) await engine.start();
    const deadline = Date.now() + RECOVERY_TIMEOUT_MS;
    while ((await engine.clients.health()) !== 'serving') {
      if (Date.now() > deadline) throw new Error(`engine ${engine.name} did not answer SERVING within ${RECOVERY_TIMEOUT_MS / 1000}s after the fault`);
      await sleep(100);
    }
  }
}

/**
 * Waits (briefly) until `engine` has a write in flight, so that the fault hits one.
 *
 * @param {ReturnType<typeof startWriter>} writer
 * @param {Engine} engine
 */
async function callsInFlight(writer, engine) {
  const deadline = Date.now() + IN_FLIGHT_WAIT_MS;
  while (writer.inFlight(engine.name) === 0 && Date.now() < deadline) await sleep(1);
  return writer.inFlight(engine.name);
}

/**
 * A WatchChanges stream on `engine`, consumed until it ends.
 *
 * @param {Engine} engine
 */
function watchStream(engine) {
  const abort = new AbortController();
  let endedAt = 0;
  const consumed = (async () => {
    try {
      for await (const _ of engine.clients.changes.watchChanges({ afterSequence: 0n }, { signal: abort.signal, timeoutMs: 120_000 })) {
        // Only how it ends matters.
      }
      return 'ok';
    } catch (error) {
      return outcomeOf(error);
    } finally {
      endedAt = Date.now();
    }
  })();
  return {
    /**
     * How it ended (`ok` or a code), and when; endedAt 0 if it was still open `graceMs` later.
     *
     * @param {number} graceMs
     */
    async ended(graceMs) {
      const outcome = await Promise.race([consumed, sleep(graceMs).then(() => null)]);
      if (outcome === null) {
        abort.abort();
        return { outcome: 'still open', endedAt: 0 };
      }
      return { outcome, endedAt };
    },
  };
}

/** @param {string[]} values */
function countBy(values) {
  /** @type {Record<string, number>} */
  const counts = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** @param {string[]} values */
function tally(values) {
  return Object.entries(countBy(values))
    .map(([value, count]) => `${value} ×${count}`)
    .join(', ');
}

/**
 * @param {number[]} values
 * @param {number} q
 */
function percentile(values, q) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}
