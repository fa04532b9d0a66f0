/**
 * Request checks, with the engine's rules and wording (engine/src/domain/):
 * every problem of a request is collected against its field path, so one
 * INVALID_ARGUMENT names all of them.
 */

import { SLUG_MAX } from './limits';

export interface FieldViolation {
  field: string;
  description: string;
}

/** The violations found in one request. */
export class FieldViolations {
  readonly list: FieldViolation[] = [];

  add(field: string, description: string): void {
    this.list.push({ field, description });
  }

  /** Keeps the value of `result`, or records its problem against `field`. */
  check<T>(field: string, result: Checked<T>): T | undefined {
    if (result.ok) return result.value;
    this.add(field, result.problem);
    return undefined;
  }

  get isEmpty(): boolean {
    return this.list.length === 0;
  }
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const problem = <T>(text: string): Checked<T> => ({ ok: false, problem: text });

const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Accepts `value` only when it is already a valid slug. */
export function parseSlug(value: string): Checked<string> {
  if (value === '') return problem('is required');
  if (value.length > SLUG_MAX) return problem(`must be at most ${SLUG_MAX} characters`);
  if (!SLUG_PATTERN.test(value)) {
    return problem(
      'must be lower-case letters, digits and single hyphens, not starting or ending with a hyphen (e.g. my-first-post)',
    );
  }
  return ok(value);
}

/** Derives a slug from a display name ("Rust & WebAssembly!" → "rust-webassembly"); undefined when nothing is left. */
export function deriveSlug(name: string): string | undefined {
  const folded = name.toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '');
  const slug = folded
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, SLUG_MAX)
    .replace(/-+$/, '');
  return slug === '' ? undefined : slug;
}

// Control characters other than tab, newline and carriage return.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** Checks a text's length in characters; `required` also rejects blank text. */
export function checkText(value: string, required: boolean, max: number): Checked<string> {
  if (required && value.trim() === '') return problem('is required');
  // Length in Unicode scalar values, as the engine counts.
  let length = 0;
  for (const _ of value) if (++length > max) return problem(`must be at most ${max} characters`);
  if (CONTROL.test(value)) return problem('must not contain control characters');
  return ok(value);
}

/** Checks an optional absolute http(s) URL. */
export function checkOptionalUrl(value: string, max: number): Checked<string> {
  if (value === '') return ok(value);
  if (value.length > max) return problem(`must be at most ${max} characters`);
  const rest = value.startsWith('https://')
    ? value.slice(8)
    : value.startsWith('http://')
      ? value.slice(7)
      : undefined;
  const host = rest?.split(/[/?#]/, 1)[0] ?? '';
  if (host === '' || /[\s"<>\p{Cc}]/u.test(value)) return problem('must be an absolute http:// or https:// URL');
  return ok(value);
}

const UUID_PATTERN = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Parses a resource id (a UUID) into its canonical lower-case form. */
export function parseUuid(value: string): Checked<string> {
  if (value === '') return problem('is required');
  if (!UUID_PATTERN.test(value)) return problem('must be a UUID');
  const hex = value.replaceAll('-', '').toLowerCase();
  return ok(`${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`);
}

/** Resolves a requested page size: 0 means the default, more than the max is lowered to it. */
export function pageSize(requested: number, limits: { default: number; max: number }): Checked<number> {
  if (requested === 0) return ok(limits.default);
  if (requested < 0) return problem('must not be negative');
  return ok(Math.min(requested, limits.max));
}
