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
      const stored = await redis.get(key);
      return stored && /^\d+$/.test(stored) ? BigInt(stored) : undefined;
    },
    async save(sequence) {
      await redis.set(key, sequence.toString());
    },
  };
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
