// Scratch state of one benchmark run on shared servers: a fresh PostgreSQL
// database and Redis keys under a prefix of its own, both removed afterwards.
import pg from 'pg';
import { Redis } from 'ioredis';

/** Databases created and not yet dropped: [admin URL, name]. */
const created = new Map();

/** Creates database `name` and returns its URL (the admin URL with another path). */
export async function createDatabase(adminUrl, name) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
    created.set(name, adminUrl);
  } finally {
    await admin.end();
  }
  return Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();
}

export async function dropDatabase(adminUrl, name) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    created.delete(name);
  } finally {
    await admin.end();
  }
}

/**
 * Vacuums, analyses and checkpoints the database at `url` after a bulk seed, so
 * that PostgreSQL's own catch-up (autovacuum, the checkpointer) does not run
 * during the measurements that follow.
 */
export async function settleDatabase(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('VACUUM (ANALYZE)');
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
}

/** Deletes every key starting with `prefix` (SCAN, never KEYS, on a shared Redis). */
export async function deleteRedisKeys(redisUrl, prefix) {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Drops the databases a failed run left behind. */
export async function dropRemainingDatabases() {
  for (const [name, adminUrl] of [...created]) await dropDatabase(adminUrl, name).catch(() => {});
}
