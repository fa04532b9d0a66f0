/**
 * The change log (transactional outbox) the engine's caches and subscribers
 * follow (engine/src/store/changes.rs): a write made here is seen by them as
 * if the engine had made it.
 */

import type { Queryable } from './pool';

/** quire.v1.ChangeKind numbers. */
export const ChangeKind = { PostCreated: 1 } as const;

/** The PostgreSQL channel that announces new changes to the engine. */
const NOTIFY_CHANNEL = 'quire_changes';

export interface NewChange {
  kind: number;
  postId: string;
  slug: string;
  postKind: number;
  status: number;
  tagSlugs: string[];
  authorSlug: string;
}

/**
 * Records `change` in the caller's transaction. Taking the next sequence
 * number locks the single change_sequence row until the transaction ends,
 * so numbers are handed out in commit order; call it last.
 */
export async function record(db: Queryable, change: NewChange): Promise<bigint> {
  const next = await db.query<{ last: bigint }>({
    name: 'next-change-sequence',
    text: 'UPDATE change_sequence SET last = last + 1 RETURNING last',
  });
  const sequence = next.rows[0]!.last;
  await db.query({
    name: 'insert-change',
    // The baseline only creates drafts: their change invalidates the post by id and slug
    // (engine/src/changes/cache_tags.rs).
    text: `INSERT INTO changes (sequence, kind, post_id, slug, previous_slug, post_kind, status, was_published,
        tag_slugs, removed_tag_slugs, author_slug, previous_author_slug, tag_slug, cache_tags)
      VALUES ($1, $2, $3, $4, '', $5, $6, false, $7, '{}', $8, '', '', ARRAY['post:' || $3::uuid::text, 'slug:' || $4::text])`,
    values: [
      sequence,
      change.kind,
      change.postId,
      change.slug,
      change.postKind,
      change.status,
      change.tagSlugs,
      change.authorSlug,
    ],
  });
  // Delivered by PostgreSQL on commit only.
  await db.query({
    name: 'notify-change',
    text: 'SELECT pg_notify($1, $2)',
    values: [NOTIFY_CHANNEL, sequence.toString()],
  });
  return sequence;
}
