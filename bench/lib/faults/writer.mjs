// The writer of the fault suite and its ledger: lanes that each create a published post
// (CreatePost with a request_id) and then update it a few times (UpdatePost with a request_id
// and the etag of its last acknowledged version), alternating between the engines. A failure
// whose outcome the client cannot know is retried with the same request, on the next engine,
// until it is acknowledged or the writer gives up; the engine must answer such a retry with the
// first call's response. Every attempt and every logical write is recorded for the checker.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PostStatus, isAmbiguous, outcomeOf } from './clients.mjs';

/** @typedef {import('./cluster.mjs').Engine} Engine */
/** @typedef {{ engine: string, kind: 'create' | 'update', start: number, end: number, outcome: string, retry: boolean, message?: string }} Attempt outcome: 'ok' or outcomeOf(); message: the error's */
/**
 * @typedef {object} Write one logical write and what became of it
 * @property {'create' | 'update'} kind
 * @property {string} requestId
 * @property {string} slug the post's
 * @property {string} title what it writes
 * @property {string} markdown what it writes (unique per write: the checker finds it among the revisions)
 * @property {'pending' | 'acked' | 'refused' | 'unknown'} outcome refused: a definite error; unknown: the writer gave up
 * @property {string} [refusal] the refusing code and message
 * @property {boolean} [refusedOnRetry] refused by a retry of an ambiguous attempt: the engine did not answer with the first call's result
 * @property {boolean} [wrongResponse] acknowledged with content other than what was written
 * @property {number} [ackedAt]
 * @property {bigint} [revision] the acknowledged revision
 * @property {boolean} [replayed] acknowledged by a retry with a post written before that retry began: the stored response of an earlier attempt
 */
/** @typedef {{ slug: string, id: string | null, writes: Write[] }} LedgerPost */
/** @typedef {{ postId: string, revision: bigint, title: string, ackedAt: number, engine: Engine }} Acknowledged */

/**
 * Starts writing; `stop()` stops starting new writes and waits for those under way (each ends
 * acknowledged, refused, or given up after `giveUpMs`).
 *
 * @param {{
 *   engines: Engine[],
 *   authorId: string,
 *   slugPrefix: string,
 *   lanes?: number,
 *   updatesPerPost?: number,
 *   attemptTimeoutMs?: number,
 *   giveUpMs?: number,
 *   onAcknowledgedUpdate?: (ack: Acknowledged) => void,
 * }} options
 */
export function startWriter({
  engines,
  authorId,
  slugPrefix,
  lanes = 2,
  updatesPerPost = 4,
  attemptTimeoutMs = 2_000,
  giveUpMs = 20_000,
  onAcknowledgedUpdate = () => {},
}) {
  /** @type {Map<string, LedgerPost>} by slug */
  const ledger = new Map();
  /** @type {Attempt[]} */
  const attempts = [];
  /** Calls each engine has in flight right now. */
  const inFlight = new Map(engines.map((engine) => [engine.name, 0]));
  let turn = 0;
  let stopping = false;
  /** @type {number | null} a shorter deadline for first attempts (retries keep `attemptTimeoutMs`) */
  let firstAttemptTimeoutMs = null;

  /**
   * Runs one logical write to its end.
   *
   * @template R
   * @param {Write} write
   * @param {(engine: Engine, timeoutMs: number) => Promise<R>} call
   * @returns {Promise<{ response: R, engine: Engine, start: number, retry: boolean } | null>}
   */
  const perform = async (write, call) => {
    const began = Date.now();
    for (let attempt = 0; ; attempt += 1) {
      const engine = engines[turn++ % engines.length];
      const start = Date.now();
      inFlight.set(engine.name, (inFlight.get(engine.name) ?? 0) + 1);
      try {
        const response = await call(engine, attempt === 0 && firstAttemptTimeoutMs !== null ? firstAttemptTimeoutMs : attemptTimeoutMs);
        attempts.push({ engine: engine.name, kind: write.kind, start, end: Date.now(), outcome: 'ok', retry: attempt > 0 });
        write.outcome = 'acked';
        write.ackedAt = Date.now();
        return { response, engine, start, retry: attempt > 0 };
      } catch (error) {
        const outcome = outcomeOf(error);
        const message = error instanceof Error ? error.message : String(error);
        attempts.push({ engine: engine.name, kind: write.kind, start, end: Date.now(), outcome, retry: attempt > 0, message });
        if (!isAmbiguous(outcome)) {
          write.outcome = 'refused';
          write.refusal = `${outcome}: ${message}`;
          write.refusedOnRetry = attempt > 0;
          return null;
        }
        if (Date.now() - began > giveUpMs) {
          write.outcome = 'unknown';
          return null;
        }
      } finally {
        inFlight.set(engine.name, (inFlight.get(engine.name) ?? 1) - 1);
      }
      await sleep(Math.min(50 * 2 ** attempt, 500));
    }
  };

  /** @param {number} lane */
  const runLane = async (lane) => {
    /** @type {{ entry: LedgerPost, id: string, etag: string, updates: number } | null} */
    let post = null;
    for (let created = 0; !stopping; ) {
      if (!post || post.updates >= updatesPerPost) {
        const slug = `${slugPrefix}-${lane}-${created++}`;
        const requestId = randomUUID();
        /** @type {Write} */
        const write = { kind: 'create', requestId, slug, title: `Created ${slug}`, markdown: `created by ${requestId}`, outcome: 'pending' };
        /** @type {LedgerPost} */
        const entry = { slug, id: null, writes: [write] };
        ledger.set(slug, entry);
        const request = { post: { slug, title: write.title, markdown: write.markdown, authorId }, requestId, status: PostStatus.PUBLISHED };
        const done = await perform(write, (engine, timeoutMs) => engine.clients.posts.createPost(request, { timeoutMs }));
        const answer = done?.response.post;
        post = null;
        if (answer) {
          write.wrongResponse = answer.slug !== slug || answer.title !== write.title || answer.markdown !== write.markdown;
          write.revision = answer.revision;
          write.replayed = done.retry && timestampMs(answer.updateTime) < done.start;
          entry.id = answer.id;
          post = { entry, id: answer.id, etag: answer.etag, updates: 0 };
        }
      } else {
        const requestId = randomUUID();
        const { entry } = post;
        post.updates += 1;
        /** @type {Write} */
        const write = {
          kind: 'update',
          requestId,
          slug: entry.slug,
          title: `Update ${post.updates} of ${entry.slug}`,
          markdown: `updated by ${requestId}`,
          outcome: 'pending',
        };
        entry.writes.push(write);
        const request = {
          post: { id: post.id, title: write.title, markdown: write.markdown, etag: post.etag },
          updateMask: { paths: ['title', 'markdown'] },
          requestId,
        };
        const done = await perform(write, (engine, timeoutMs) => engine.clients.posts.updatePost(request, { timeoutMs }));
        const answer = done?.response.post;
        if (!done || !answer) {
          // Its state is unknown now: the checker accepts either version; the lane moves on.
          post = null;
          continue;
        }
        write.wrongResponse = answer.id !== post.id || answer.title !== write.title || answer.markdown !== write.markdown;
        write.revision = answer.revision;
        write.replayed = done.retry && timestampMs(answer.updateTime) < done.start;
        post.etag = answer.etag;
        onAcknowledgedUpdate({ postId: post.id, revision: answer.revision, title: write.title, ackedAt: write.ackedAt ?? Date.now(), engine: done.engine });
      }
    }
  };

  const running = Array.from({ length: lanes }, (_, lane) => runLane(lane));
  return {
    ledger,
    attempts,
    /** @param {string} name */
    inFlight: (name) => inFlight.get(name) ?? 0,
    /**
     * Gives first attempts a deadline of their own (null: the usual one), so that clients give up
     * on writes the engine may still commit.
     *
     * @param {number | null} ms
     */
    setFirstAttemptTimeout(ms) {
      firstAttemptTimeoutMs = ms;
    },
    async stop() {
      stopping = true;
      await Promise.all(running);
    },
  };
}

/**
 * A protobuf Timestamp in milliseconds (the engine writes `update_time` when its transaction
 * begins, on this machine's clock).
 *
 * @param {{ seconds: bigint, nanos: number } | undefined} timestamp
 */
function timestampMs(timestamp) {
  return timestamp ? Number(timestamp.seconds) * 1_000 + timestamp.nanos / 1e6 : Number.POSITIVE_INFINITY;
}
