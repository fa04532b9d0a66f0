/** SQL for API keys. */

import type { Queryable } from './pool';

/** The id and scopes of the unrevoked key with this SHA-256 digest. */
export async function apiKeyByDigest(
  db: Queryable,
  digest: Buffer,
): Promise<{ id: string; scopes: string[] } | undefined> {
  const result = await db.query<{ id: string; scopes: string[] }>({
    name: 'api-key-by-digest',
    text: 'SELECT id, scopes FROM api_keys WHERE key_digest = $1 AND revoke_time IS NULL',
    values: [digest],
  });
  return result.rows[0];
}
