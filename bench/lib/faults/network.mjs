// A network fault between one engine and a dependency: that engine reaches PostgreSQL (its pool
// and its liveness probe alike) or Redis through a fault proxy of the suite's own (proxy.mjs),
// which adds latency for a while, then drops every byte (a black hole: nothing arrives, nothing
// fails), then resets every connection, then passes again. The other engine and the checker keep
// their direct connections. Health: cut off from PostgreSQL, the engine is NOT_SERVING within a
// second of the black hole and SERVING within a second of the path's return; cut off from Redis,
// it stays SERVING (Redis loss costs speed only), and so does the other engine throughout.
import { setTimeout as sleep } from 'node:timers/promises';
import { startFaultProxy } from './proxy.mjs';

/** @typedef {import('./scenarios.mjs').Scenario} Scenario */

/** Added to every chunk, each way, in the latency phase: a slow path, under the probe's timeout. */
const LATENCY_MS = 25;
/** How long the black hole lasts, at least and at most (the hold, within these bounds). */
const BLACKHOLE_MIN_MS = 2_000;
const BLACKHOLE_MAX_MS = 3_000;
/** How long every connection (open or new) is reset before the path passes again. */
const RESET_MS = 500;

/** @type {Scenario} */
export const postgresNetworkScenario = networkScenario({
  dependency: 'PostgreSQL',
  id: 'postgres-network',
  urlVariable: 'DATABASE_URL',
  address: (cluster) => ({ url: cluster.database.url, host: cluster.database.host, port: cluster.database.port }),
  healthShouldFlip: 'postgres',
});

/** @type {Scenario} */
export const redisNetworkScenario = networkScenario({
  dependency: 'Redis',
  id: 'redis-network',
  urlVariable: 'REDIS_URL',
  address: (cluster) => ({ url: `redis://${cluster.redis.host}:${cluster.redis.port}`, host: cluster.redis.host, port: cluster.redis.port }),
  healthShouldFlip: 'none',
});

/**
 * @param {{ dependency: string, id: string, urlVariable: string, healthShouldFlip: 'postgres' | 'none',
 *   address: (cluster: import('./scenarios.mjs').FaultCluster) => { url: string, host: string, port: number } }} options
 * @returns {Scenario}
 */
function networkScenario({ dependency, id, urlVariable, address, healthShouldFlip }) {
  return {
    id,
    title: `network fault engine ↔ ${dependency} (latency, black hole, reset)`,
    async prepare({ cluster }) {
      const [target] = cluster.engines;
      const upstream = address(cluster);
      const proxy = await startFaultProxy({ host: upstream.host, port: upstream.port });
      const url = new URL(upstream.url);
      url.port = String(proxy.port);
      target.configure({ [urlVariable]: url.toString() });
      await target.stop();
      await target.start();
      return {
        state: { target, proxy },
        notes: [`engine ${target.name} reaches ${dependency} through a fault proxy on ${proxy.host}:${proxy.port}`],
        async restore() {
          target.configure({});
          await target.stop();
          await proxy.close();
          await target.start();
        },
      };
    },
    async inject({ timing, prepared }) {
      const { target, proxy } = /** @type {{ target: import('./cluster.mjs').Engine, proxy: Awaited<ReturnType<typeof startFaultProxy>> }} */ (
        prepared?.state
      );
      const latencyMs = Math.min(1_000, Math.round(timing.holdMs / 3));
      const blackholeMs = Math.min(BLACKHOLE_MAX_MS, Math.max(BLACKHOLE_MIN_MS, timing.holdMs));
      const slowed = Date.now();
      proxy.setMode({ kind: 'latency', ms: LATENCY_MS });
      await sleep(latencyMs);
      proxy.setMode({ kind: 'pass' });
      await sleep(200);
      const droppedBefore = proxy.stats.droppedBytes;
      const stopped = Date.now();
      proxy.setMode({ kind: 'blackhole' });
      await sleep(blackholeMs);
      const dropped = proxy.stats.droppedBytes - droppedBefore;
      const resetFrom = Date.now();
      const resetBefore = proxy.stats.reset;
      proxy.setMode({ kind: 'reset' });
      await sleep(RESET_MS);
      proxy.setMode({ kind: 'pass' });
      const up = Date.now();
      return {
        at: { slowed, stopped, reset: resetFrom, up },
        targets: [],
        cutOff: [target.name],
        healthShouldFlip,
        notes: [
          `engine ${target.name} ↔ ${dependency}: +${LATENCY_MS} ms each way for ${latencyMs} ms, then a black hole for ` +
            `${blackholeMs / 1000} s (${dropped} bytes dropped), then every connection reset for ${RESET_MS} ms ` +
            `(${proxy.stats.reset - resetBefore} sockets reset), then passing again; ${proxy.stats.connections} connections through the proxy in all`,
        ],
      };
    },
  };
}
