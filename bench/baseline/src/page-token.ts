/**
 * Opaque page tokens (AIP-158), in the engine's format: where the previous
 * page ended, bound to a fingerprint of the request's filters so that a
 * token replayed with other filters is rejected instead of returning a
 * wrong page.
 */

import { createHash } from 'node:crypto';
import type { Checked } from './validation';

const VERSION = '1';
const SEPARATOR = '\u001f';

function fingerprint(filters: readonly string[]): string {
  const hash = createHash('sha256');
  for (const filter of filters) hash.update(filter).update('\u0000');
  return hash.digest().subarray(0, 9).toString('base64url');
}

export function encodePageToken(filters: readonly string[], cursor: readonly string[]): string {
  return Buffer.from([VERSION, fingerprint(filters), ...cursor].join(SEPARATOR)).toString('base64url');
}

/** The cursor in `token`; undefined for the first page (an empty token). */
export function decodePageToken(
  token: string,
  filters: readonly string[],
  parts: number,
): Checked<string[] | undefined> {
  if (token === '') return { ok: true, value: undefined };
  const invalid = { ok: false, problem: 'is not a page token from a previous response to this request' } as const;
  const fields = Buffer.from(token, 'base64url').toString('utf8').split(SEPARATOR);
  if (fields[0] !== VERSION) return invalid;
  if (fields[1] !== fingerprint(filters)) return { ok: false, problem: 'was issued for a request with other filters' };
  const cursor = fields.slice(2);
  return cursor.length === parts ? { ok: true, value: cursor } : invalid;
}
