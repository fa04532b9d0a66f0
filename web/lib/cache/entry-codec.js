// @ts-check
/**
 * How entries are stored in Redis.
 *
 * A `'use cache'` entry is its metadata as JSON and its value's bytes, in one
 * binary string: a 4-byte big-endian length, the JSON, the bytes. One GET
 * returns all of it, and the value is never re-encoded.
 *
 * A page/route entry (the incremental cache) is JSON, with Node Buffers and
 * typed arrays (the RSC payload, route bodies) as base64 and Maps (segment
 * data) as entry lists, so it comes back with the same types.
 */

const LENGTH_BYTES = 4;

/**
 * @param {import('./entry-codec').UseCacheMeta} meta
 * @param {Uint8Array} bytes
 * @returns {Buffer}
 */
export function encodeUseCacheEntry(meta, bytes) {
  const json = Buffer.from(JSON.stringify(meta));
  const header = Buffer.alloc(LENGTH_BYTES);
  header.writeUInt32BE(json.length);
  return Buffer.concat([header, json, bytes]);
}

/**
 * @param {Buffer} stored
 * @returns {{ meta: import('./entry-codec').UseCacheMeta, bytes: Buffer }}
 */
export function decodeUseCacheEntry(stored) {
  if (stored.length < LENGTH_BYTES) throw new Error('cache entry too short');
  const length = stored.readUInt32BE(0);
  if (LENGTH_BYTES + length > stored.length) throw new Error('cache entry truncated');
  const meta = JSON.parse(stored.subarray(LENGTH_BYTES, LENGTH_BYTES + length).toString('utf8'));
  if (!Array.isArray(meta?.tags) || typeof meta.timestamp !== 'number') throw new Error('cache entry metadata invalid');
  return { meta, bytes: stored.subarray(LENGTH_BYTES + length) };
}

const BYTES = '$bytes';
const MAP = '$map';

/**
 * @this {any}
 * @param {string} key
 * @param {unknown} value
 */
function replacer(key, value) {
  // `value` has been through Buffer#toJSON already; the holder has the original.
  const original = this[key];
  if (ArrayBuffer.isView(original)) {
    return { [BYTES]: Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('base64') };
  }
  if (original instanceof Map) return { [MAP]: [...original.entries()] };
  return value;
}

/**
 * @param {string} _key
 * @param {any} value
 */
function reviver(_key, value) {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === BYTES && typeof value[BYTES] === 'string') return Buffer.from(value[BYTES], 'base64');
    if (keys.length === 1 && keys[0] === MAP && Array.isArray(value[MAP])) return new Map(value[MAP]);
  }
  return value;
}

/**
 * @param {import('./entry-codec').StoredPage} page
 * @returns {string}
 */
export function encodePageEntry(page) {
  return JSON.stringify(page, replacer);
}

/**
 * @param {string} stored
 * @returns {import('./entry-codec').StoredPage}
 */
export function decodePageEntry(stored) {
  const page = JSON.parse(stored, reviver);
  if (typeof page?.lastModified !== 'number' || !('value' in page)) throw new Error('page entry invalid');
  return page;
}
