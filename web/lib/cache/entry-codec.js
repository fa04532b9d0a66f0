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
 * `value` with its byte arrays as base64 and its Maps as entry lists, ready for
 * JSON.stringify. Done before stringifying, not in a replacer: JSON.stringify
 * calls Buffer#toJSON first, which makes an array of every byte (tens of
 * milliseconds for a page's RSC payload, on every cache write).
 * @param {unknown} value
 * @returns {unknown}
 */
function storable(value) {
  if (value === null || typeof value !== 'object') return value;
  if (ArrayBuffer.isView(value)) {
    return { [BYTES]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  }
  if (value instanceof Map) return { [MAP]: [...value.entries()].map(([key, entry]) => [storable(key), storable(entry)]) };
  if (Array.isArray(value)) return value.map(storable);
  // Dates and the like serialise themselves.
  if (typeof (/** @type {any} */ (value).toJSON) === 'function') return value;
  /** @type {Record<string, unknown>} */
  const plain = {};
  for (const [key, entry] of Object.entries(value)) plain[key] = storable(entry);
  return plain;
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
  return JSON.stringify(storable(page));
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
