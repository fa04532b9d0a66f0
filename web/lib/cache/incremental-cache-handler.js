// @ts-check
import fileSystemCacheModule from 'next/dist/server/lib/incremental-cache/file-system-cache.js';
import { MEMORY_CACHE_BYTES, cacheConfig } from './config.js';
import { decodePageEntry, encodePageEntry } from './entry-codec.js';
import { cacheKeys } from './keys.js';
import { warnCacheFailure } from './log.js';
import { sharedRedis } from './redis.js';
import { localInvalidation, redisTagStore } from './tag-store.js';

/**
 * The page/route cache handler (`cacheHandler` in next.config.ts, with
 * `cacheMaxMemorySize: 0` so that Next keeps no copy of its own in front).
 *
 * Shared mode (REDIS_URL): rendered pages (APP_PAGE), route responses
 * (APP_ROUTE) and the rest live in Redis under the prefix, with a TTL from
 * their `expire`. Next checks a page's tags only against its in-process tag
 * manifest, which knows nothing of other replicas, so `get` does it: the page
 * records every tag it was rendered with (its 'use cache' reads' tags and its
 * implicit path tags, in the `x-next-cache-tags` header), and an entry with
 * any tag invalidated since it was made is a miss, so the page renders
 * afresh. A stale tag counts as expired here: a page re-renders in the
 * foreground rather than serving old content once more. A Redis failure is a
 * miss too.
 *
 * An entry's time is when its render started, not when it was stored: a tag
 * invalidated while the page rendered (from data read before) must still
 * drop it. Next passes no start time to `set`, so the handler remembers when
 * it answered the miss that led to the render.
 *
 * Memory mode: Next's own handler (FileSystemCache: in memory, as
 * `isrFlushToDisk: false` keeps it off disk) with Next's default memory size,
 * plus the follower's "expire everything" (see tag-store.js).
 */

// A CommonJS module: Node's import gives its exports object (the class is its
// `default`), while a bundler that honours `__esModule` (Turbopack bundles this
// file into Server Action chunks) gives the class itself.
/** @type {typeof import('next/dist/server/lib/incremental-cache/file-system-cache').default} */
const FileSystemCache = /** @type {any} */ (fileSystemCacheModule).default ?? fileSystemCacheModule;

const TAGS_HEADER = 'x-next-cache-tags';
/** The edge's surrogate keys (Varnish xkey, deploy/varnish/quire.vcl). */
const SURROGATE_KEYS_HEADER = 'xkey';
/** Next's implicit tags (one per path segment), which no change expires. */
const IMPLICIT_TAG_PREFIX = '_N_T_';
/** The tag of everything (quire.v1.Change.cache_tags; lib/engine/cache-tags.ts has it for TypeScript). */
const ALL_TAG = 'all';
/** Kinds of entries that Next answers with their stored headers. */
const RESPONSE_KINDS = new Set(['APP_PAGE', 'APP_ROUTE']);
/** An entry without an `expire` (static routes) is kept this long. */
const DEFAULT_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** A remembered render start older than this is not the current render's. */
const RENDER_START_MAX_AGE_MS = 60_000;

/**
 * Replicas that miss the same page at once render it once: the first claims
 * the render in Redis, the others wait for its page. A change makes every
 * replica miss its pages together; without this each would render them (N
 * replicas, N renders, all competing for CPU while readers wait).
 * @typedef {{ claimMs: number, waitMs: number, pollMs: number }} RenderCoalescing
 *   claimMs: how long a claim holds when its renderer stores nothing (failed, or died);
 *   waitMs: the longest a replica waits for another's render before rendering itself;
 *   pollMs: how often a waiting replica checks whether the claim is over.
 */
/** @type {RenderCoalescing} */
export const RENDER_COALESCING = { claimMs: 1_000, waitMs: 1_000, pollMs: 5 };
/** Entries rendered by a request (others, e.g. fetch data, are not coalesced). */
const RENDERED_KINDS = new Set(['APP_PAGE', 'APP_ROUTE', 'PAGES']);

/**
 * The tags a stored page/route value was made with.
 * @param {any} value
 * @param {{ tags?: string[], softTags?: string[] }} [ctx]
 * @returns {string[]}
 */
export function tagsOfValue(value, ctx = {}) {
  if (value?.kind === 'FETCH') return [...(value.tags ?? []), ...(ctx.tags ?? []), ...(ctx.softTags ?? [])];
  const header = value?.headers?.[TAGS_HEADER];
  return typeof header === 'string' && header ? header.split(',') : [];
}

/**
 * `entry` with its cache tags as the edge's surrogate keys (`xkey`, space
 * separated), which Next sends with the cached response: the edge keeps a
 * page under the tags it was rendered with, and the change follower purges
 * it by the tags a change expires (lib/edge/purger.ts). Only a hit has them:
 * a page answered from a fresh render carries none, and the edge does not
 * keep a response without keys. An entry with no tag but Next's implicit
 * ones gets `all`, which only a full purge drops.
 * @template T
 * @param {T & { value?: any }} entry
 * @returns {T}
 */
export function withSurrogateKeys(entry) {
  const value = entry?.value;
  if (!value?.headers || !RESPONSE_KINDS.has(value.kind)) return entry;
  const tags = tagsOfValue(value).filter((tag) => !tag.startsWith(IMPLICIT_TAG_PREFIX));
  const keys = tags.length > 0 ? tags.join(' ') : ALL_TAG;
  return { ...entry, value: { ...value, headers: { ...value.headers, [SURROGATE_KEYS_HEADER]: keys } } };
}

/** When this process started rendering each key, from the miss that led to the render. */
export class RenderStarts {
  /** @type {Map<string, number>} */
  #starts = new Map();

  /** @param {string} key @param {number} now */
  noteMiss(key, now) {
    const start = this.#starts.get(key);
    if (start === undefined || now - start > RENDER_START_MAX_AGE_MS) this.#starts.set(key, now);
  }

  /** The entry time for `key` stored at `now`. @param {string} key @param {number} now */
  take(key, now) {
    const start = this.#starts.get(key);
    this.#starts.delete(key);
    return start !== undefined && now - start <= RENDER_START_MAX_AGE_MS ? start : now;
  }
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The shared handler's behaviour, on one connection.
 * @param {import('ioredis').Redis} redis
 * @param {string} prefix
 * @param {RenderCoalescing} [coalescing]
 */
export function createRedisPageStore(redis, prefix, coalescing = RENDER_COALESCING) {
  const keys = cacheKeys(prefix);
  const tags = redisTagStore(redis, prefix);
  const renderStarts = new RenderStarts();

  /**
   * The stored page for `key` if none of its tags changed since it was made.
   * @param {string} key
   * @param {any} ctx
   */
  async function freshPage(key, ctx) {
    const stored = await redis.get(keys.pageEntry(key));
    if (!stored) return null;
    const page = decodePageEntry(stored);
    return (await tags.verdict(tagsOfValue(page.value, ctx), page.lastModified)) === 'fresh' ? page : null;
  }

  /**
   * After a miss: null when this replica is to render `key` (it claimed the
   * render, or waited for another's in vain), else the page another replica
   * rendered meanwhile.
   * @param {string} key
   * @param {any} ctx
   */
  async function renderedElsewhere(key, ctx) {
    const claim = keys.pageRender(key);
    if (await redis.set(claim, '1', 'PX', coalescing.claimMs, 'NX')) return null;
    const deadline = Date.now() + coalescing.waitMs;
    while (Date.now() < deadline && (await redis.exists(claim))) await sleep(coalescing.pollMs);
    return freshPage(key, ctx);
  }

  return {
    /**
     * @param {string} key
     * @param {any} ctx
     */
    async get(key, ctx) {
      try {
        const page = (await freshPage(key, ctx)) ?? (RENDERED_KINDS.has(ctx?.kind) ? await renderedElsewhere(key, ctx) : null);
        if (page) return page;
      } catch (error) {
        warnCacheFailure('page read', error);
      }
      renderStarts.noteMiss(key, Date.now());
      return null;
    },

    /**
     * @param {string} key
     * @param {any} data
     * @param {any} ctx
     */
    async set(key, data, ctx) {
      const now = Date.now();
      const lastModified = renderStarts.take(key, now);
      if (!data) return;
      const cacheControl = ctx?.cacheControl;
      const expire = cacheControl?.expire;
      const ttlMs =
        typeof expire === 'number' && Number.isFinite(expire) ? Math.min(expire * 1000, DEFAULT_TTL_MS * 4) : DEFAULT_TTL_MS;
      try {
        await redis.set(keys.pageEntry(key), encodePageEntry({ lastModified, value: data, cacheControl }), 'PX', Math.ceil(ttlMs));
        // Replicas waiting for this render read the page now.
        await redis.del(keys.pageRender(key));
      } catch (error) {
        warnCacheFailure('page write', error);
      }
    },

    /**
     * @param {string | string[]} updated
     * @param {{ expire?: number }} [durations]
     */
    async revalidateTag(updated, durations) {
      try {
        await tags.update(typeof updated === 'string' ? [updated] : updated, durations);
      } catch (error) {
        warnCacheFailure('tag invalidation', error);
      }
    },
  };
}

/** @type {ReturnType<typeof createRedisPageStore> | undefined} */
let shared;
let announced = false;

export default class IncrementalCacheHandler {
  /** @type {InstanceType<typeof FileSystemCache> | undefined} */
  #memory;

  /** @param {any} ctx */
  constructor(ctx) {
    // Next makes one handler per request; the configuration and connection are per process.
    const config = cacheConfig();
    if (!announced) {
      announced = true;
      console.info(
        config.shared
          ? `[cache] pages shared in Redis under "${config.prefix}"`
          : `[cache] pages in this process's memory (no REDIS_URL, or next build)`,
      );
    }
    if (config.shared) {
      shared ??= createRedisPageStore(sharedRedis(config.redisUrl), config.prefix);
    } else {
      this.#memory = new FileSystemCache({ ...ctx, maxMemoryCacheSize: MEMORY_CACHE_BYTES });
    }
  }

  /**
   * @param {string} key
   * @param {any} ctx
   */
  async get(key, ctx) {
    const entry = shared ? await shared.get(key, ctx) : await this.#memory?.get(key, ctx);
    if (!entry || (!shared && entry.lastModified <= localInvalidation().allExpiredAt)) return null;
    return withSurrogateKeys(entry);
  }

  /**
   * @param {string} key
   * @param {any} data
   * @param {any} ctx
   */
  async set(key, data, ctx) {
    if (shared) return shared.set(key, data, ctx);
    return this.#memory?.set(key, data, ctx);
  }

  /**
   * @param {string | string[]} tags
   * @param {{ expire?: number }} [durations]
   */
  async revalidateTag(tags, durations) {
    if (shared) return shared.revalidateTag(tags, durations);
    return this.#memory?.revalidateTag(tags, durations);
  }

  resetRequestCache() {
    this.#memory?.resetRequestCache();
  }
}
