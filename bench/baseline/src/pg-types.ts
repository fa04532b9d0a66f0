/**
 * How the pool decodes PostgreSQL's text values. Two differ from pg's
 * defaults, because the API needs what they would lose:
 *
 * - `timestamptz` keeps microseconds (a JS Date keeps milliseconds): the
 *   wire timestamps match the engine's, and a page token's keyset position
 *   is exact, so no row at a sub-millisecond boundary is skipped or repeated;
 * - `int8` becomes a bigint (revision and version are 64-bit in the API).
 */

import pg from 'pg';

/** A point in time at PostgreSQL's precision. */
export interface Instant {
  seconds: bigint;
  nanos: number;
  /** Microseconds since the epoch: the keyset position of a page token. */
  micros: bigint;
}

const TIMESTAMPTZ_OID = 1184;
const INT8_OID = 20;

// `2026-11-25 10:17:22.526123+00`, `…+05:30`, `…-03:30:15` (historic offsets).
const TIMESTAMPTZ = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?$/;

export function parseTimestamptz(text: string): Instant {
  const m = TIMESTAMPTZ.exec(text);
  if (!m) throw new Error(`unexpected timestamptz ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s, fraction = '', sign, oh, om = '0', os = '0'] = m;
  const offset = (Number(oh) * 3600 + Number(om) * 60 + Number(os)) * (sign === '-' ? -1 : 1);
  const utcMillis = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const seconds = BigInt(utcMillis / 1000 - offset);
  const micro = Number(fraction.padEnd(6, '0'));
  return { seconds, nanos: micro * 1000, micros: seconds * 1_000_000n + BigInt(micro) };
}

/** An instant as a timestamptz literal PostgreSQL reads back exactly. */
export function formatMicros(micros: bigint): string {
  const seconds = micros / 1_000_000n;
  let micro = micros % 1_000_000n;
  let whole = seconds;
  if (micro < 0n) {
    micro += 1_000_000n;
    whole -= 1n;
  }
  const iso = new Date(Number(whole) * 1000).toISOString().slice(0, 19);
  return `${iso}.${micro.toString().padStart(6, '0')}Z`;
}

/** The type parsers of the pool: pg's, with the two above. */
export const poolTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format !== 'binary') {
      if (oid === TIMESTAMPTZ_OID) return parseTimestamptz;
      if (oid === INT8_OID) return (text: string) => BigInt(text);
    }
    return pg.types.getTypeParser(oid, format as 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};
