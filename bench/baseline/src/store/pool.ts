/** The PostgreSQL pool, and transactions on it. */

import pg from 'pg';
import type { Config } from '../config';
import { POOL_ACQUIRE_TIMEOUT_MS, STATEMENT_TIMEOUT_MS } from '../limits';
import { poolTypes } from '../pg-types';

/** A pool or a client in a transaction: what the SQL functions run on. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

export function createPool(config: Config): pg.Pool {
  const pool = new pg.Pool({
    connectionString: config.databaseUrl,
    max: config.poolSize,
    connectionTimeoutMillis: POOL_ACQUIRE_TIMEOUT_MS,
    // Set once per connection, enforced by PostgreSQL.
    statement_timeout: STATEMENT_TIMEOUT_MS,
    application_name: 'quire-baseline',
    types: poolTypes,
  });
  // An idle connection that dies (a PostgreSQL restart) is dropped from the
  // pool; without a listener the error would crash the process.
  pool.on('error', (error) => console.warn(`idle database connection failed: ${error.message}`));
  return pool;
}

/** Runs `work` in a transaction: committed when it returns, rolled back when it throws. */
export async function transaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A connection whose ROLLBACK failed is in an unknown state: destroy it.
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
