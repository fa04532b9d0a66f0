/**
 * Building the baseline from its configuration, separate from serving it:
 * both servers call `buildApp`, then put its handlers on their transport.
 */

import type { Config } from './config';
import { Authenticator } from './auth';
import { SHUTDOWN_GRACE_MS } from './limits';
import { RedisCache, noCache } from './cache';
import { PostHandlers } from './handlers';
import { render } from './render';
import { createPool } from './store/pool';

export interface App {
  handlers: PostHandlers;
  /** Closes the pool and the Redis connection. */
  close(): Promise<void>;
}

export async function buildApp(config: Config): Promise<App> {
  const pool = createPool(config);
  // Fail at start-up, with the reason, rather than on the first call.
  await pool.query('SELECT 1 FROM change_sequence');
  const cache = config.cache && config.redisUrl ? new RedisCache(config.redisUrl, config.redisPrefix) : noCache;
  const handlers = new PostHandlers({ pool, cache, auth: new Authenticator(pool) });
  // Load highlight.js's grammars and compile the sanitiser's rules now, not
  // on the first CreatePost.
  render('# Warm up\n\n```rust\nfn main() {}\n```\n\n```ts\nconst x = 1;\n```\n');
  return {
    handlers,
    async close() {
      await cache.close();
      await pool.end();
    },
  };
}

/**
 * Runs until SIGINT or SIGTERM, then stops the server (letting calls in
 * flight finish, for at most SHUTDOWN_GRACE_MS) and the app.
 */
export function stopOnSignal(stopServer: () => Promise<void>, app: App): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`${signal}: shutting down`);
    setTimeout(() => {
      console.error('calls still in flight after the grace period; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    stopServer()
      .then(() => app.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('shutdown failed:', error);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
