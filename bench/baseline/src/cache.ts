/**
 * Cache-aside on Redis for reads every reader shares (published posts, the
 * first page of a listing), stored as the encoded response message.
 *
 * Redis makes reads faster, never more correct: any Redis failure is logged
 * (at most once per burst) and the call goes to PostgreSQL. Concurrent
 * lookups of one key in this process share one Redis GET, one decode and,
 * on a miss, one load (single flight): a popular post costs one round trip
 * per burst of readers, and falling out of the cache costs one query, not
 * one per caller.
 */

import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { Redis } from 'ioredis';
import { CACHE_TTL_MS, REDIS_COMMAND_TIMEOUT_MS } from './limits';

/** Every cache key, in one place. */
export const cacheKeys = {
  /** A published post by slug, in one view. */
  postBySlug: (slug: string, view: string) => `post:slug:${slug}:${view}`,
  /** Every view of a post by slug: what a write of that slug invalidates. */
  postBySlugAllViews: (slug: string) => ['basic', 'full'].map((view) => cacheKeys.postBySlug(slug, view)),
  /** The first page of published posts with these filters. */
  firstPage: (filter: string) => `list:first:${filter}`,
};

export interface ReadCache {
  /** The cached message for `key`, or `load()`'s; `load` returning undefined means "do not cache". */
  getOrLoad<Desc extends DescMessage>(
    key: string,
    schema: Desc,
    load: () => Promise<MessageShape<Desc> | undefined>,
  ): Promise<MessageShape<Desc> | undefined>;
  /** Forgets `keys`; failures only leave an entry to expire. */
  invalidate(keys: string[]): Promise<void>;
  close(): Promise<void>;
}

/** No cache: every read loads from PostgreSQL (BASELINE_CACHE=off). */
export const noCache: ReadCache = {
  getOrLoad: (_key, _schema, load) => load(),
  invalidate: async () => {},
  close: async () => {},
};

const ERROR_LOG_INTERVAL_MS = 10_000;

export class RedisCache implements ReadCache {
  private readonly redis: Redis;
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private lastErrorLog = 0;

  constructor(url: string, private readonly prefix: string) {
    this.redis = new Redis(url, {
      // Fail fast rather than queue: a slow or absent Redis must not slow
      // down reads that PostgreSQL can answer.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      // Commands issued in the same tick share one write to the socket.
      enableAutoPipelining: true,
    });
    this.redis.on('error', (error: Error) => this.logFailure(error));
  }

  async getOrLoad<Desc extends DescMessage>(
    key: string,
    schema: Desc,
    load: () => Promise<MessageShape<Desc> | undefined>,
  ): Promise<MessageShape<Desc> | undefined> {
    const fullKey = `${this.prefix}:${key}`;
    const pending = this.inFlight.get(fullKey) as Promise<MessageShape<Desc> | undefined> | undefined;
    if (pending) return pending;
    const lookup = this.lookup(fullKey, schema, load).finally(() => this.inFlight.delete(fullKey));
    this.inFlight.set(fullKey, lookup);
    return lookup;
  }

  private async lookup<Desc extends DescMessage>(
    fullKey: string,
    schema: Desc,
    load: () => Promise<MessageShape<Desc> | undefined>,
  ): Promise<MessageShape<Desc> | undefined> {
    const cached = await this.redis.getBuffer(fullKey).catch((error: Error) => this.logFailure(error));
    if (cached) {
      try {
        return fromBinary(schema, cached);
      } catch {
        // An entry this code cannot read (written by another version): reload it.
      }
    }
    const value = await load();
    if (value !== undefined) {
      // Readers need not wait for the write-back.
      this.redis
        .set(fullKey, Buffer.from(toBinary(schema, value)), 'PX', CACHE_TTL_MS)
        .catch((error: Error) => this.logFailure(error));
    }
    return value;
  }

  async invalidate(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.redis
      .del(...keys.map((key) => `${this.prefix}:${key}`))
      .catch((error: Error) => this.logFailure(error));
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private logFailure(error: Error): undefined {
    const now = Date.now();
    if (now - this.lastErrorLog >= ERROR_LOG_INTERVAL_MS) {
      this.lastErrorLog = now;
      console.warn(`Redis unavailable, reading from PostgreSQL: ${error.message}`);
    }
    return undefined;
  }
}
