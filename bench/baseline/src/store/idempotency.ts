/** Idempotency keys of creates: a retried create returns the first result. */

import type { Queryable } from './pool';

/**
 * Claims `requestId` for `method`, or returns the id of the resource an
 * earlier call with the same key created. A concurrent call with the same
 * key waits on the unique index until the first commits or rolls back.
 */
export async function claim(
  db: Queryable,
  method: string,
  requestId: string,
  newResource: string,
): Promise<string | undefined> {
  const inserted = await db.query({
    name: 'claim-request-id',
    text: `INSERT INTO idempotency_keys (method, request_id, resource_id) VALUES ($1, $2, $3)
      ON CONFLICT (method, request_id) DO NOTHING`,
    values: [method, requestId, newResource],
  });
  if (inserted.rowCount === 1) return undefined;
  const existing = await db.query<{ resource_id: string }>({
    name: 'claimed-request-id',
    text: 'SELECT resource_id FROM idempotency_keys WHERE method = $1 AND request_id = $2',
    values: [method, requestId],
  });
  return existing.rows[0]?.resource_id;
}
