/**
 * The only reader of the environment: typed, validated, and passed
 * explicitly to whatever needs it.
 */

import { DEFAULT_POOL_SIZE } from './limits';

export interface Config {
  /** `DATABASE_URL`: the PostgreSQL database the engine migrated and seeded. */
  databaseUrl: string;
  /** `REDIS_URL`: required when the cache is on. */
  redisUrl: string | undefined;
  /** `BASELINE_REDIS_PREFIX`: prefix of every Redis key (default `quire-baseline`). */
  redisPrefix: string;
  /** `BASELINE_CACHE`: `on` (default) or `off` (every read goes to PostgreSQL). */
  cache: boolean;
  /** `PORT`: the server listens on 127.0.0.1:PORT. */
  port: number;
  /** `BASELINE_DB_POOL_SIZE`: most database connections (default 16, as the engine). */
  poolSize: number;
}

/** Thrown for a missing or malformed variable, naming it. */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number | undefined, min: number, max: number): number {
  const text = env[name] ?? fallback?.toString();
  if (text === undefined) throw new ConfigError(`${name} is required`);
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(text)}`);
  }
  return value;
}

export function loadConfig(env: Env = process.env): Config {
  const databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) throw new ConfigError('DATABASE_URL is required');
  const cacheText = env.BASELINE_CACHE ?? 'on';
  if (cacheText !== 'on' && cacheText !== 'off') {
    throw new ConfigError(`BASELINE_CACHE must be on or off, not ${JSON.stringify(cacheText)}`);
  }
  const cache = cacheText === 'on';
  const redisUrl = env.REDIS_URL || undefined;
  if (cache && !redisUrl) throw new ConfigError('REDIS_URL is required when BASELINE_CACHE=on');
  const redisPrefix = env.BASELINE_REDIS_PREFIX || 'quire-baseline';
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(redisPrefix)) {
    throw new ConfigError('BASELINE_REDIS_PREFIX must be 1 to 64 letters, digits, or _ . : -');
  }
  return {
    databaseUrl,
    redisUrl,
    redisPrefix,
    cache,
    port: integer(env, 'PORT', undefined, 1, 65535),
    poolSize: integer(env, 'BASELINE_DB_POOL_SIZE', DEFAULT_POOL_SIZE, 1, 1000),
  };
}
