/** Types of tag-store.js. */
import type { Redis } from 'ioredis';
import type { CacheConfig } from './config';

/** Times in ms since the epoch, 0 for never. */
export type TagState = { expired: number; stale: number; expires: number };
export type Verdict = 'fresh' | 'stale' | 'expired';
/** `durations` as Next.js passes it to `updateTags`: absent means expire now. */
export type TagDurations = { expire?: number } | undefined;

export interface TagStore {
  /** Whether an entry made at `timestamp` with `tags` may be served. */
  verdict(tags: readonly string[], timestamp: number): Promise<Verdict>;
  /** Expires `tags` now, or (with `durations`) marks them stale, expiring after `durations.expire` seconds. */
  update(tags: readonly string[], durations?: TagDurations): Promise<void>;
  /** Expires every entry made until now. */
  expireAll(): Promise<void>;
  /**
   * Expires `tags` (or everything) now for the change named `change`, unless a
   * replica sharing this store did so already; says whether this call did.
   */
  expireOnce(change: string, tags: readonly string[] | 'everything'): Promise<boolean>;
}

export type LocalInvalidation = {
  allExpiredAt: number;
  update: (tags: readonly string[], durations?: TagDurations) => Promise<void>;
};

export declare function tagVerdict(
  states: readonly TagState[],
  allExpiredAt: number,
  timestamp: number,
  now: number,
): Verdict;
export declare function redisTagStore(redis: Redis, prefix: string): TagStore;
export declare function localInvalidation(): LocalInvalidation;
export declare function tagStore(config: CacheConfig): TagStore;
