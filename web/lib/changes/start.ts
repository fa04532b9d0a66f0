import 'server-only';
import type { CacheConfig } from '@/lib/cache/config';
import { sharedRedis } from '@/lib/cache/redis';
import { tagStore } from '@/lib/cache/tag-store';
import { edgePurger, purgingEdges } from '@/lib/edge/purger';
import { engine } from '@/lib/engine/clients';
import { env } from '@/lib/env';
import { DEFAULT_TIMING, followChanges } from './follower';
import { memorySequenceStore, redisSequenceStore } from './sequence-store';

const STARTED = Symbol.for('quire.web.changes.follower');

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** How long a starting server waits for the follower to catch up before serving anyway. */
const CATCH_UP_TIMEOUT_MS = 3_000;

/**
 * Starts this replica's change follower (once per process), for the cache
 * the handlers use: the shared tags in Redis, or this process's own caches.
 * Runs until the process exits; failures are logged and retried, never thrown.
 *
 * Resolves once the changes made while this replica was down are applied (so
 * a restarted replica does not serve what they made stale), or after
 * CATCH_UP_TIMEOUT_MS when the engine or Redis is not answering.
 */
export function startChangeFollower(): Promise<void> {
  const holder = globalThis as { [STARTED]?: true };
  if (holder[STARTED]) return Promise.resolve();
  holder[STARTED] = true;

  const { REDIS_URL, QUIRE_WEB_CACHE_PREFIX, QUIRE_EDGE_PURGE_URLS, QUIRE_EDGE_PURGE_SECRET } = env();
  const config: CacheConfig = REDIS_URL
    ? { shared: true, redisUrl: REDIS_URL, prefix: QUIRE_WEB_CACHE_PREFIX }
    : { shared: false, prefix: QUIRE_WEB_CACHE_PREFIX };

  const log = { info: (message: string) => console.info(`[cache] ${message}`), warn: (message: string) => console.warn(`[cache] ${message}`) };
  const purger =
    QUIRE_EDGE_PURGE_URLS.length > 0 && QUIRE_EDGE_PURGE_SECRET
      ? edgePurger({ urls: QUIRE_EDGE_PURGE_URLS, secret: QUIRE_EDGE_PURGE_SECRET, log })
      : undefined;
  // A starting replica may be a new build, whose pages name assets the last
  // one's (still at the edge) do not: the edges start afresh.
  void purger?.purgeAll();
  const tags = purger ? purgingEdges(tagStore(config), purger) : tagStore(config);
  const controller = new AbortController();
  let caughtUp: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    caughtUp = resolve;
    setTimeout(resolve, CATCH_UP_TIMEOUT_MS).unref();
  });
  void followChanges(
    {
      watch: (afterSequence, signal, onConnected) =>
        engine().changes.watchChanges({ afterSequence }, { signal, timeoutMs: 0, onHeader: onConnected }),
      tags,
      sequence: config.shared ? redisSequenceStore(sharedRedis(config.redisUrl), config.prefix) : memorySequenceStore(),
      log,
      sleep,
      onCaughtUp: () => caughtUp(),
    },
    controller.signal,
    DEFAULT_TIMING,
  );
  return ready;
}
