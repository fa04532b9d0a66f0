/**
 * Turning the `authorization` metadata of a call into a Caller: an API key
 * (`qk_…`) checked against api_keys.key_digest (its SHA-256), with verified
 * keys kept in memory for a few seconds as the engine does, because a
 * database round trip per call would cost more than serving a cached post.
 *
 * Author session tokens (`qs_…`) are not part of the benchmark and are
 * answered UNAUTHENTICATED.
 */

import { createHash } from 'node:crypto';
import { ApiError } from './errors';
import { API_KEY_CACHE_MAX, API_KEY_CACHE_TTL_MS } from './limits';
import type { Queryable } from './store/pool';
import { apiKeyByDigest } from './store/credentials';

export type Scope = 'content:read' | 'content:write' | 'comments:create' | 'comments:moderate' | 'admin';

/** A service calling with an API key. */
export interface Caller {
  keyId: string;
  scopes: ReadonlySet<string>;
}

/** Whether the key carries `scope` (admin carries all). */
export const hasScope = (caller: Caller, scope: Scope) => caller.scopes.has(scope) || caller.scopes.has('admin');

interface CachedKey {
  expires: number;
  caller: Promise<Caller | undefined>;
}

export class Authenticator {
  // Insertion-ordered: the oldest entry is evicted first when full.
  private readonly keys = new Map<string, CachedKey>();

  constructor(private readonly db: Queryable) {}

  /** Who sent a call with this `authorization` value; any failure is UNAUTHENTICATED. */
  async caller(authorization: string | undefined): Promise<Caller> {
    if (authorization === undefined) {
      throw ApiError.unauthenticated(
        'missing credentials: send `authorization: Bearer <API key or session token>`',
      );
    }
    const credential = /^[Bb]earer (.+)$/.exec(authorization)?.[1]?.trim();
    if (!credential) {
      throw ApiError.unauthenticated("malformed authorization metadata; expected `Bearer <credential>`");
    }
    if (!credential.startsWith('qk_')) throw ApiError.unauthenticated('invalid credentials');
    const digest = createHash('sha256').update(credential).digest();
    const cacheKey = digest.toString('base64');
    const now = Date.now();
    let entry = this.keys.get(cacheKey);
    if (!entry || entry.expires <= now) {
      // Concurrent calls with the same new key share one lookup.
      entry = { expires: now + API_KEY_CACHE_TTL_MS, caller: this.load(digest) };
      this.remember(cacheKey, entry);
      // Only valid keys are remembered: an unknown key or a failed lookup is asked again.
      const remembered = entry;
      const forget = () => {
        if (this.keys.get(cacheKey) === remembered) this.keys.delete(cacheKey);
      };
      entry.caller.then((caller) => caller ?? forget(), forget);
    }
    const caller = await entry.caller;
    if (!caller) throw ApiError.unauthenticated('invalid credentials');
    return caller;
  }

  private async load(digest: Buffer): Promise<Caller | undefined> {
    const key = await apiKeyByDigest(this.db, digest);
    return key && { keyId: key.id, scopes: new Set(key.scopes) };
  }

  private remember(cacheKey: string, entry: CachedKey): void {
    this.keys.delete(cacheKey);
    if (this.keys.size >= API_KEY_CACHE_MAX) {
      const oldest = this.keys.keys().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
    this.keys.set(cacheKey, entry);
  }
}
