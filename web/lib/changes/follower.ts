import 'server-only';
import { Code, ConnectError } from '@connectrpc/connect';
import type { Change } from '@quire/gen/quire/v1/change_pb';
import type { WatchChangesResponse } from '@quire/gen/quire/v1/change_service_pb';
import type { TagStore } from '@/lib/cache/tag-store';
import { tags as cacheTags } from '@/lib/engine/cache-tags';

/**
 * Follows the engine's change stream and expires, in the shared tag store,
 * exactly the cache tags each change lists (`Change.cache_tags`, computed by
 * the engine), so every replica drops the pages and data that show it,
 * whoever made the change (a Server Action here, another replica, a service
 * calling the engine). A change that lists `all` expires everything.
 *
 * Resuming: the stream restarts after the last change applied, after a
 * disconnect (with backoff) and, through the sequence stored in Redis, after
 * a restart. With no stored sequence it replays the engine's retained log
 * (sequence 0). When the engine no longer has the changes after that point
 * (OUT_OF_RANGE), everything is expired and the log replayed.
 *
 * A change is applied only when its tags are written: if the tag store fails,
 * the stream is dropped and resumed from the last change applied.
 */

/** The follower's dependencies; the real ones are wired in start.ts. */
export type FollowerPorts = {
  /** WatchChanges after `afterSequence`; calls `onConnected` when the engine answers. */
  watch(afterSequence: bigint, signal: AbortSignal, onConnected: () => void): AsyncIterable<WatchChangesResponse>;
  tags: Pick<TagStore, 'expireOnce' | 'expireAll'>;
  sequence: SequenceStore;
  log: { info(message: string): void; warn(message: string): void };
  /** Waits `ms`, or less when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /**
   * Called once, when the first connection has applied what it replayed (its
   * first batch), or `caughtUpAfterMs` after connecting without one: the
   * changes made while this replica was down are then in the tags.
   */
  onCaughtUp?: () => void;
};

/** Where the last applied sequence survives a restart. */
export type SequenceStore = {
  load(): Promise<bigint | undefined>;
  save(sequence: bigint): Promise<void>;
};

export type FollowerTiming = {
  /**
   * When to expire a change's tags a second time. An engine replica behind a
   * load balancer may apply a change to its own read cache a little after the
   * stream delivered it (its caches are fresh within 1 s). A page re-rendered
   * in that window could read the old content and be cached under a time
   * after the first expiration; the second one, once the engine is certainly
   * fresh, drops it.
   */
  recheckDelayMs: number;
  /** No message (not even a keep-alive, every 15 s) for this long: reconnect. */
  idleTimeoutMs: number;
  /** A replay arrives right after connecting; none by then means there was none. */
  caughtUpAfterMs: number;
};

export const DEFAULT_TIMING: FollowerTiming = { recheckDelayMs: 1_000, idleTimeoutMs: 45_000, caughtUpAfterMs: 250 };

const RECHECK_ATTEMPTS = 10;
const MAX_RECONNECT_DELAY_MS = 1_000;

/** Where to resume: after the last change applied here, else the stored one, else from the log's start. */
export function resumeSequence(applied: bigint | undefined, stored: bigint | undefined): bigint {
  return applied ?? stored ?? 0n;
}

/** The wait before reconnect attempt `failures` (0 for the first): 100 ms doubling, at most 1 s. */
export function reconnectDelayMs(failures: number): number {
  return Math.min(100 * 2 ** failures, MAX_RECONNECT_DELAY_MS);
}

/**
 * The tags that a batch of changes expires: every tag any of them lists,
 * once. A change listing none comes from an engine older than cache tags
 * (during a rolling upgrade) and counts as `all`.
 */
export function tagsForChanges(changes: readonly Change[]): string[] {
  return [...new Set(changes.flatMap((change) => (change.cacheTags.length > 0 ? change.cacheTags : [cacheTags.all])))];
}

/**
 * Expires `tags` in the tag store (everything when they include `all`) for
 * `change`, once for every replica sharing the store: they all receive it.
 */
async function expire(store: FollowerPorts['tags'], change: string, tags: readonly string[]): Promise<void> {
  await store.expireOnce(change, tags.includes(cacheTags.all) ? 'everything' : tags);
}

function isOutOfRange(error: unknown): boolean {
  return error instanceof ConnectError && error.code === Code.OutOfRange;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Follows changes until `signal` aborts; never throws. */
export async function followChanges(
  ports: FollowerPorts,
  signal: AbortSignal,
  timing: FollowerTiming = DEFAULT_TIMING,
): Promise<void> {
  const { log } = ports;
  let applied: bigint | undefined;
  let failures = 0;
  // Logged once per outage, not once per attempt.
  let reportedDown = false;
  const down = (message: string) => {
    if (!reportedDown) log.warn(message);
    reportedDown = true;
  };

  let caughtUp = ports.onCaughtUp;
  const reportCaughtUp = () => {
    caughtUp?.();
    caughtUp = undefined;
  };

  const recheck = (tags: string[], sequence: bigint) => {
    const run = async () => {
      for (let attempt = 0; attempt < RECHECK_ATTEMPTS && !signal.aborted; attempt += 1) {
        try {
          await expire(ports.tags, `${sequence}:again`, tags);
          // Stored only now, so that a replica resuming from it also gets the second expiration.
          await ports.sequence.save(sequence);
          return;
        } catch {
          await ports.sleep(timing.recheckDelayMs, signal);
        }
      }
      if (!signal.aborted) log.warn(`change follower: could not expire again after change ${sequence}`);
    };
    const timer = setTimeout(() => void run(), timing.recheckDelayMs);
    timer.unref?.();
  };

  while (!signal.aborted) {
    let after: bigint;
    try {
      after = resumeSequence(applied, applied === undefined ? await ports.sequence.load() : undefined);
    } catch (error) {
      down(`change follower: cannot read the last applied sequence: ${describe(error)}`);
      await ports.sleep(reconnectDelayMs(failures++), signal);
      continue;
    }

    // One attempt: aborted when the follower stops, or when the stream goes quiet.
    const attempt = new AbortController();
    const stop = () => attempt.abort();
    signal.addEventListener('abort', stop, { once: true });
    let idle: ReturnType<typeof setTimeout> | undefined;
    const resetIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(() => attempt.abort(new Error('no message from the engine, not even a keep-alive')), timing.idleTimeoutMs);
      idle.unref?.();
    };
    try {
      resetIdle();
      const connected = () => {
        failures = 0;
        reportedDown = false;
        log.info(`change follower: following engine changes after sequence ${after}`);
        if (caughtUp) setTimeout(reportCaughtUp, timing.caughtUpAfterMs).unref?.();
      };
      for await (const response of ports.watch(after, attempt.signal, connected)) {
        resetIdle();
        const last = response.changes.at(-1);
        if (!last) continue;
        const tags = tagsForChanges(response.changes);
        // A batch is named by its last change: a replica that applied it has applied every one before.
        await expire(ports.tags, `${last.sequence}`, tags);
        applied = last.sequence;
        recheck(tags, last.sequence);
        reportCaughtUp();
      }
      if (!signal.aborted) down('change follower: the engine ended the change stream; reconnecting');
    } catch (error) {
      if (signal.aborted) break;
      if (isOutOfRange(error)) {
        log.warn('change follower: missed changes the engine no longer keeps; expiring every cached entry');
        try {
          await ports.tags.expireAll();
          applied = 0n;
          continue;
        } catch (expireError) {
          down(`change follower: cannot expire the cache: ${describe(expireError)}`);
        }
      } else {
        const reason = attempt.signal.aborted ? describe(attempt.signal.reason) : describe(error);
        down(`change follower: disconnected (${reason}); resuming after sequence ${applied ?? after}`);
      }
    } finally {
      clearTimeout(idle);
      signal.removeEventListener('abort', stop);
      attempt.abort();
    }
    await ports.sleep(reconnectDelayMs(failures++), signal);
  }
}
