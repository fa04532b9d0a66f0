// @ts-check
/**
 * Every Redis key the web tier uses, under its prefix, in one place.
 *
 * - `tags:expired`, `tags:stale`, `tags:expires` — hashes, tag → time in ms
 *   since the epoch: when the tag was expired (entries made before are
 *   dropped), went stale (entries made before are served once more while
 *   they refresh), or will expire (a profile's `expire` after a stale mark).
 *   The field `*` in `tags:expired` stands for every tag.
 * - `use-cache:<key>` — one `'use cache'` entry (entry-codec.js), TTL from its `expire`.
 * - `page:<key>` — one page/route entry of the incremental cache, TTL from its `expire`.
 * - `page-render:<key>` — a replica is rendering that page (incremental-cache-handler.js), short TTL.
 * - `changes:sequence` — the last engine change applied to the tags (lib/changes/).
 * - `changes:applied:<id>` — that change's tags were expired (by the first replica to apply it), short TTL.
 */

/** @param {string} prefix */
export function cacheKeys(prefix) {
  return {
    tagsExpired: `${prefix}tags:expired`,
    tagsStale: `${prefix}tags:stale`,
    tagsExpires: `${prefix}tags:expires`,
    /** @param {string} key */
    useCacheEntry: (key) => `${prefix}use-cache:${key}`,
    /** @param {string} key */
    pageEntry: (key) => `${prefix}page:${key}`,
    /** @param {string} key */
    pageRender: (key) => `${prefix}page-render:${key}`,
    changeSequence: `${prefix}changes:sequence`,
    /** @param {string} change */
    changeApplied: (change) => `${prefix}changes:applied:${change}`,
  };
}

/** The field of `tags:expired` that expires every tag at once. */
export const ALL_TAGS = '*';
