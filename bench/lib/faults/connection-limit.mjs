// A connection limit below the pools' sum: PostgreSQL restarted with a low max_connections, the
// two engines started fresh against it with pools of 16 each, and, while the writer writes, a
// load of uncached reads on both engines that makes each pool want every connection it may
// open. Nothing acknowledged may be lost or written twice; the engines should say why calls
// wait or fail (PostgreSQL's "too many clients", with the connection budget), which the
// scenario looks for in their logs and counts in PostgreSQL's. The checker engine, a third
// replica with a pool of its own, is asked meanwhile for its health and one listing: what a
// replica that finds every slot taken answers.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { PostView, outcomeOf } from './clients.mjs';
import { offerLoad, seedPosts } from './load.mjs';

/** @typedef {import('./scenarios.mjs').Scenario} Scenario */

/** PostgreSQL's limit for the scenario; 3 of them are reserved for superusers, so 17 for the engines' role. */
const MAX_CONNECTIONS = 20;
const POOL_SIZE = 16;
/** Uncached reads in flight per engine, enough for its whole pool. */
const READERS_PER_ENGINE = POOL_SIZE;
const SERVING_TIMEOUT_MS = 30_000;
/** The third replica's call may wait out the pool's acquire timeout (5 s) and a little more. */
const THIRD_CALL_TIMEOUT_MS = 8_000;
/** The third replica is asked once the load has had time to take every slot (sooner in a short hold). */
const THIRD_ASKED_AFTER_MS = 1_500;

/** What the engines' logs (and PostgreSQL's) are searched for. */
const ENGINE_PATTERNS = {
  tooManyClients: /refuses new connections: too many clients/,
  budgetWarning: /expect \\?"too many clients/,
  poolTimedOut: /pool timed out/,
  notReady: /not ready/,
  /** The liveness probe could not reach PostgreSQL twice in a row (health NOT_SERVING, calls fail at once). */
  probeDown: /PostgreSQL does not answer/,
};
/**
 * PostgreSQL's two refusals with SQLSTATE 53300 (too_many_connections): max_connections reached,
 * or only the superusers' reserved slots left, which is what an ordinary role meets first.
 */
const POSTGRES_PATTERNS = {
  tooManyClients: /sorry, too many clients already/,
  reservedSlots: /remaining connection slots are reserved/,
};

/** @type {Scenario} */
export const connectionLimitScenario = {
  id: 'connection-limit',
  title: `max_connections=${MAX_CONNECTIONS} below the pools' sum (2 × ${POOL_SIZE})`,
  async prepare({ cluster }) {
    // Before the limit: under it, the checker may find no connection at all.
    const seeded = await seedPosts(cluster.checker, { authorId: cluster.authorId, prefix: `seed-limit-${Date.now().toString(36)}`, published: 1, drafts: 20 });
    const replicas = [...cluster.engines, cluster.checker];
    /** Where each log stood once the restart itself was over (which every probe notices). */
    const offsets = new Map([[cluster.postgres.logFile, sizeOf(cluster.postgres.logFile)]]);
    await cluster.postgres.restartWith({ max_connections: MAX_CONNECTIONS });
    for (const engine of cluster.engines) {
      offsets.set(engine.logFile, sizeOf(engine.logFile));
      engine.configure({ QUIRE_DB_POOL_SIZE: String(POOL_SIZE) });
      await engine.stop();
      await engine.start();
    }
    await serving(cluster.checker);
    offsets.set(cluster.checker.logFile, sizeOf(cluster.checker.logFile));
    return {
      state: { seeded },
      notes: [
        `PostgreSQL restarted with max_connections=${MAX_CONNECTIONS} (${MAX_CONNECTIONS - 3} for ordinary roles); ` +
          `engines ${cluster.engines.map((e) => e.name).join(' and ')} started against it with QUIRE_DB_POOL_SIZE=${POOL_SIZE} ` +
          '(and the checker engine, 16, idle until the end)',
      ],
      async restore() {
        const engineLogs = Object.fromEntries(
          replicas.map((engine) => [engine.name, countMatches(readFrom(engine.logFile, offsets.get(engine.logFile) ?? 0), ENGINE_PATTERNS)]),
        );
        const postgresLog = countMatches(readFrom(cluster.postgres.logFile, offsets.get(cluster.postgres.logFile) ?? 0), POSTGRES_PATTERNS);
        await cluster.postgres.restartWith({});
        for (const engine of cluster.engines) engine.configure({});
        const named = cluster.engines.filter((engine) => engineLogs[engine.name].tooManyClients > 0);
        return {
          notes: [
            `PostgreSQL refused ${postgresLog.tooManyClients + postgresLog.reservedSlots} connections with SQLSTATE 53300 ` +
              `("remaining connection slots are reserved…" ×${postgresLog.reservedSlots}, "sorry, too many clients already" ×${postgresLog.tooManyClients}); ` +
              Object.entries(engineLogs)
                .map(
                  ([name, counts]) =>
                    `engine ${name} logged "refuses new connections: too many clients" ×${counts.tooManyClients}, ` +
                    `the start-up budget warning ×${counts.budgetWarning}, "pool timed out" ×${counts.poolTimedOut}, "not ready" ×${counts.notReady}, ` +
                    `"PostgreSQL does not answer" (its probe) ×${counts.probeDown}`,
                )
                .join('; ') +
              (named.length === cluster.engines.length ? '' : ' — not every engine under load named "too many clients"'),
          ],
          figures: { connectionLimit: { maxConnections: MAX_CONNECTIONS, poolSize: POOL_SIZE, engineLogs, postgresLog } },
        };
      },
    };
  },
  async inject({ cluster, timing, prepared }) {
    const { seeded } = prepared?.state;
    const from = Date.now();
    const loads = Promise.all(
      cluster.engines.map((engine) =>
        offerLoad({ engine, seeded, concurrency: READERS_PER_ENGINE, durationMs: timing.holdMs, kinds: { list_drafts: 1 } }),
      ),
    );
    const third = await sleep(Math.min(THIRD_ASKED_AFTER_MS, timing.holdMs / 3)).then(() => askThird(cluster.checker));
    const runs = await loads;
    /** @type {Record<string, number>} */
    const loadOutcomes = {};
    for (const call of runs.flatMap((run) => run.calls)) {
      if (call.outcome !== 'ok') loadOutcomes[call.outcome] = (loadOutcomes[call.outcome] ?? 0) + 1;
    }
    const answered = runs.map((run, i) => `${cluster.engines[i].name} ${run.calls.filter((c) => c.outcome === 'ok').length}/${run.calls.length}`);
    return {
      at: { from, to: Date.now() },
      targets: [],
      notes: [
        `${READERS_PER_ENGINE} uncached ListPosts of drafts in flight on each engine for ${timing.holdMs / 1000} s ` +
          `(answered/offered: ${answered.join(', ')})`,
        `meanwhile the third replica (the checker engine): health ${third.health}, a ListPosts answered ${third.outcome} after ${third.ms} ms, health then ${third.healthAfter}`,
      ],
      healthShouldFlip: 'none',
      loadOutcomes,
      figures: { thirdReplica: third },
    };
  },
};

/**
 * What a replica that finds the slots taken says: its health, and how a listing ends.
 *
 * @param {import('./cluster.mjs').Engine} engine
 */
async function askThird(engine) {
  const health = await engine.clients.health();
  const started = Date.now();
  let outcome = 'ok';
  try {
    await engine.clients.posts.listPosts({ pageSize: 5, view: PostView.BASIC }, { timeoutMs: THIRD_CALL_TIMEOUT_MS });
  } catch (error) {
    outcome = outcomeOf(error);
  }
  return { health, outcome, ms: Date.now() - started, healthAfter: await engine.clients.health() };
}

/** @param {import('./cluster.mjs').Engine} engine */
async function serving(engine) {
  const deadline = Date.now() + SERVING_TIMEOUT_MS;
  while ((await engine.clients.health()) !== 'serving') {
    if (Date.now() > deadline) throw new Error(`engine ${engine.name} did not answer SERVING within ${SERVING_TIMEOUT_MS / 1000}s`);
    await sleep(100);
  }
}

/** @param {string} file */
function sizeOf(file) {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * What was appended to `file` after `offset`.
 *
 * @param {string} file
 * @param {number} offset
 */
function readFrom(file, offset) {
  const length = Math.max(0, sizeOf(file) - offset);
  if (!length) return '';
  const buffer = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, length, offset);
  } finally {
    closeSync(fd);
  }
  return buffer.toString('utf8');
}

/**
 * @template {string} K
 * @param {string} text
 * @param {Record<K, RegExp>} patterns
 * @returns {Record<K, number>}
 */
function countMatches(text, patterns) {
  const lines = text.split('\n');
  return /** @type {Record<K, number>} */ (
    Object.fromEntries(Object.entries(patterns).map(([name, pattern]) => [name, lines.filter((line) => /** @type {RegExp} */ (pattern).test(line)).length]))
  );
}
