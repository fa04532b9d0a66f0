/** What an API key may do, by the engine's rules (engine/src/auth/policy.rs). */

import type { Caller } from './auth';
import { hasScope } from './auth';
import { ApiError } from './errors';

/** Reading published content. */
export function requireRead(caller: Caller): void {
  const readers = ['content:read', 'content:write', 'comments:create', 'comments:moderate'] as const;
  if (!readers.some((scope) => hasScope(caller, scope))) {
    throw ApiError.permissionDenied('this credential may not read content (needs the content:read scope)');
  }
}

/** Seeing posts that are not published (drafts, scheduled, archived). */
export const maySeeUnpublished = (caller: Caller) => hasScope(caller, 'content:write');

/** Creating posts for any author. */
export function requireWrite(caller: Caller): void {
  if (!hasScope(caller, 'content:write')) {
    throw ApiError.permissionDenied('writing content needs the content:write scope');
  }
}
