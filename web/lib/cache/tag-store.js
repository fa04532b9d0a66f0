// @ts-check
import { ALL_TAGS, cacheKeys } from './keys.js';
import { sharedRedis } from './redis.js';

/**
 * When each cache tag was last invalidated, and whether an entry made at a
 * given time is still good. `revalidateTag`/`updateTag` (through the
 * handlers' `updateTags`/`revalidateTag`) and the change follower write it;
 * both handlers read it for every entry they return, with the entry's own
 * tags and its implicit (path) tags.
 *
 * Shared (Redis) mode keeps the times in three hashes (keys.js), so an
 * invalidation by any replica holds for all of them from the moment it is
 * written. Times only move forward (a Lua max), so a late, older write never
 * revives entries that a newer one dropped.
 *
 * A change's tags are expired once for all replicas (`expireOnce`): every
 * replica's follower receives it, and a second expiration at a later time
 * would drop the pages rendered, fresh, in between.
 *
 * Memory mode (no REDIS_URL) has nothing shared: the follower's
 * invalidations go to this process's own handlers (`localInvalidation`).
 */

/** @typedef {import('./tag-store').TagState} TagState */
/** @typedef {import('./tag-store').Verdict} Verdict */

/**
 * Whether an entry made at `timestamp` (ms) may be served, given the states
 * of its tags: `expired` (never serve it), `stale` (serve it once while a
 * fresh one renders) or `fresh`. An invalidation at the same millisecond as
 * the entry counts against it.
 * @param {readonly TagState[]} states
 * @param {number} allExpiredAt when every tag was last expired (0: never)
 * @param {number} timestamp
 * @param {number} now
 * @returns {Verdict}
 */
export function tagVerdict(states, allExpiredAt, timestamp, now) {
  if (allExpiredAt >= timestamp) return 'expired';
  /** @type {Verdict} */
  let verdict = 'fresh';
  for (const state of states) {
    if (state.expired >= timestamp) return 'expired';
    if (state.expires >= timestamp && state.expires <= now) return 'expired';
    if (state.stale >= timestamp) verdict = 'stale';
  }
  return verdict;
}

/**
 * Lua: HSET KEYS[1]'s fields ARGV[first..] to ARGV[1] (a time), each unless it is already later.
 * @param {number} first
 */
const hsetMaxFrom = (first) => `
local at = tonumber(ARGV[1])
for i = ${first}, #ARGV do
  local current = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '0')
  if current < at then redis.call('HSET', KEYS[1], ARGV[i], ARGV[1]) end
end`;

// The fields ARGV[2..] of KEYS[1] to ARGV[1], unless later.
const HSET_MAX = `${hsetMaxFrom(2)}
return 0`;

// Once per change across replicas: when KEYS[2] (the change's mark) is new, set it and
// HSET KEYS[1]'s fields ARGV[3..] to ARGV[1] unless later; ARGV[2] is the mark's lifetime.
const EXPIRE_ONCE = `
if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end${hsetMaxFrom(3)}
return 1`;
/** How long a change's mark outlives it: longer than any follower takes to deliver it. */
const CHANGE_MARK_MS = 10 * 60 * 1000;

/** @param {(string | null)[]} values */
const times = (values) => values.map((value) => (value ? Number(value) : 0));

/**
 * The tag store in Redis under `prefix`.
 * @param {import('ioredis').Redis} redis
 * @param {string} prefix
 * @returns {import('./tag-store').TagStore}
 */
export function redisTagStore(redis, prefix) {
  const keys = cacheKeys(prefix);
  if (!('quireHsetMax' in redis)) redis.defineCommand('quireHsetMax', { numberOfKeys: 1, lua: HSET_MAX });
  if (!('quireExpireOnce' in redis)) redis.defineCommand('quireExpireOnce', { numberOfKeys: 2, lua: EXPIRE_ONCE });
  /** @type {(key: string, at: number, fields: readonly string[]) => Promise<unknown>} */
  const hsetMax = (key, at, fields) =>
    /** @type {any} */ (redis).quireHsetMax(key, String(Math.ceil(at)), ...fields);

  return {
    async verdict(tags, timestamp) {
      const fields = [...new Set(tags)];
      const results = await redis
        .pipeline()
        .hmget(keys.tagsExpired, ALL_TAGS, ...fields)
        .hmget(keys.tagsStale, ALL_TAGS, ...fields)
        .hmget(keys.tagsExpires, ALL_TAGS, ...fields)
        .exec();
      if (!results) throw new Error('Redis pipeline returned nothing');
      const [expired, stale, expires] = results.map(([error, value]) => {
        if (error) throw error;
        return times(/** @type {(string | null)[]} */ (value));
      });
      if (!expired || !stale || !expires) throw new Error('Redis pipeline returned too little');
      /** @type {TagState[]} */
      const states = fields.map((_, index) => ({
        expired: expired[index + 1] ?? 0,
        stale: stale[index + 1] ?? 0,
        expires: expires[index + 1] ?? 0,
      }));
      return tagVerdict(states, expired[0] ?? 0, timestamp, Date.now());
    },

    async update(tags, durations) {
      if (tags.length === 0) return;
      const now = Date.now();
      if (!durations) {
        await hsetMax(keys.tagsExpired, now, tags);
        return;
      }
      await hsetMax(keys.tagsStale, now, tags);
      if (durations.expire !== undefined) await hsetMax(keys.tagsExpires, now + durations.expire * 1000, tags);
    },

    async expireAll() {
      await hsetMax(keys.tagsExpired, Date.now(), [ALL_TAGS]);
    },

    async expireOnce(change, tags) {
      const fields = tags === 'everything' ? [ALL_TAGS] : tags;
      if (fields.length === 0) return false;
      const applied = await /** @type {any} */ (redis).quireExpireOnce(
        keys.tagsExpired,
        keys.changeApplied(change),
        String(Date.now()),
        String(CHANGE_MARK_MS),
        ...fields,
      );
      return applied === 1;
    },
  };
}

const LOCAL = Symbol.for('quire.web.cache.local');

/**
 * Memory mode's link between the follower and this process's handlers: the
 * 'use cache' handler installs `update` (Next's own tag manifest, which the
 * page cache reads too); both handlers honour `allExpiredAt`. Before a
 * handler is loaded nothing is cached here, so there is nothing to drop.
 * @returns {import('./tag-store').LocalInvalidation}
 */
export function localInvalidation() {
  const holder = /** @type {Record<symbol, import('./tag-store').LocalInvalidation | undefined>} */ (
    /** @type {unknown} */ (globalThis)
  );
  return (holder[LOCAL] ??= { allExpiredAt: 0, update: async () => {} });
}

/** @returns {import('./tag-store').TagStore} */
function localTagStore() {
  return {
    async verdict(_tags, timestamp) {
      return localInvalidation().allExpiredAt >= timestamp ? 'expired' : 'fresh';
    },
    async update(tags, durations) {
      await localInvalidation().update(tags, durations);
    },
    async expireAll() {
      localInvalidation().allExpiredAt = Date.now();
    },
    // Nothing is shared: every change is this process's to apply.
    async expireOnce(_change, tags) {
      if (tags === 'everything') localInvalidation().allExpiredAt = Date.now();
      else if (tags.length > 0) await localInvalidation().update(tags);
      return true;
    },
  };
}

/**
 * The tag store for `config`: Redis when shared, this process otherwise.
 * @param {import('./config').CacheConfig} config
 */
export function tagStore(config) {
  return config.shared ? redisTagStore(sharedRedis(config.redisUrl), config.prefix) : localTagStore();
}
