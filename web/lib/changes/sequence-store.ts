import 'server-only';
import type { Redis } from 'ioredis';
import { cacheKeys } from '@/lib/cache/keys';
import type { SequenceStore } from './follower';

/**
 * The last change applied to the shared tags, in Redis beside them, so a
 * restarted replica resumes where the site's replicas left off. Replicas
 * write it in turn; one that writes a slightly older value only makes the
 * next resume replay a few changes again, which is harmless.
 */
export function redisSequenceStore(redis: Redis, prefix: string): SequenceStore {
  const key = cacheKeys(prefix).changeSequence;
  return {
    async load() {
      // At start-up the shared connection is still connecting, and commands
      // fail fast without an offline queue: wait for it (briefly), or the
      // follower would replay the engine's whole change log.
      await connected(redis, CONNECT_WAIT_MS);
      const stored = await redis.get(key);
      return stored && /^\d+$/.test(stored) ? BigInt(stored) : undefined;
    },
    async save(sequence) {
      await redis.set(key, sequence.toString());
    },
  };
}

const CONNECT_WAIT_MS = 2_000;

function connected(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    redis.once('ready', done);
  });
}

/** Memory mode: this process's own caches start empty, so nothing needs to survive it. */
export function memorySequenceStore(): SequenceStore {
  let saved: bigint | undefined;
  return {
    async load() {
      return saved;
    },
    async save(sequence) {
      saved = sequence;
    },
  };
}
