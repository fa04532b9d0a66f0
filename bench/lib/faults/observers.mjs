// What the fault suite watches while it writes: each engine's health (grpc.health.v1, polled),
// and after each acknowledged update, how long the other engine keeps serving the older version.
import { setTimeout as sleep } from 'node:timers/promises';
import { PostView, outcomeOf } from './clients.mjs';

/** @typedef {import('./cluster.mjs').Engine} Engine */
/** @typedef {import('./writer.mjs').Acknowledged} Acknowledged */
/** @typedef {{ engine: string, at: number, state: 'serving' | 'not_serving' | 'unreachable' }} HealthChange */
/**
 * @typedef {object} StalenessProbe
 * @property {number | null} delayMs from the acknowledgement to the first read showing it; null if none did in time
 * @property {number} staleReads reads that answered the older version
 * @property {number} failedReads reads that failed (the delay then measures an outage, not staleness)
 * @property {string[]} outcomes of the failed reads
 * @property {number} slowestReadMs the longest a read took (a slow read delays the fresh answer too)
 */

const HEALTH_INTERVAL_MS = 50;
const PROBE_INTERVAL_MS = 10;
/** After a failed read (the engine is down, say), the next waits longer: many probes may be open. */
const PROBE_RETRY_MS = 100;
const PROBE_READ_TIMEOUT_MS = 1_000;

/**
 * Polls every engine's health until `stop()`; records each change of state (the first answer
 * included), with its time.
 *
 * @param {Engine[]} engines
 */
export function watchHealth(engines) {
  /** @type {HealthChange[]} */
  const changes = [];
  let stopping = false;
  const watchOne = async (/** @type {Engine} */ engine) => {
    let last = null;
    while (!stopping) {
      const state = await engine.clients.health();
      if (state !== last) changes.push({ engine: engine.name, at: Date.now(), state });
      last = state;
      await sleep(HEALTH_INTERVAL_MS);
    }
  };
  const watching = engines.map(watchOne);
  return {
    changes,
    async stop() {
      stopping = true;
      await Promise.all(watching);
    },
  };
}

/**
 * Reads the post on `engine` until it shows the acknowledged revision (or a later one).
 *
 * @param {Engine} engine
 * @param {Acknowledged} ack
 * @param {{ timeoutMs: number }} options
 * @returns {Promise<StalenessProbe>}
 */
export async function probeStaleness(engine, ack, { timeoutMs }) {
  /** @type {StalenessProbe} */
  const probe = { delayMs: null, staleReads: 0, failedReads: 0, outcomes: [], slowestReadMs: 0 };
  const deadline = ack.ackedAt + timeoutMs;
  while (Date.now() < deadline) {
    const started = Date.now();
    try {
      const { post } = await engine.clients.posts.getPost({ key: { case: 'id', value: ack.postId }, view: PostView.BASIC }, { timeoutMs: PROBE_READ_TIMEOUT_MS });
      probe.slowestReadMs = Math.max(probe.slowestReadMs, Date.now() - started);
      if (post && post.revision >= ack.revision) {
        probe.delayMs = Date.now() - ack.ackedAt;
        return probe;
      }
      probe.staleReads += 1;
    } catch (error) {
      probe.failedReads += 1;
      probe.outcomes.push(outcomeOf(error));
      await sleep(PROBE_RETRY_MS);
    }
    await sleep(PROBE_INTERVAL_MS);
  }
  return probe;
}
