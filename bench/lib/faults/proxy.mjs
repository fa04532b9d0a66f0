// A TCP fault proxy on loopback, for a network fault between an engine and PostgreSQL: the
// engine connects to the proxy, the proxy to PostgreSQL, and the proxy's mode decides what
// the bytes do on the way, in both directions, for open connections and new ones alike:
//
//   pass        forwarded as they come
//   latency     forwarded `ms` later (in order)
//   blackhole   connections are accepted, bytes and closes are dropped: nothing arrives, nothing fails
//   reset       every open connection is reset (RST), and so is each new one while the mode holds
import net from 'node:net';
import { LOCAL_HOST } from '../../../scripts/services/settings.mjs';

/** @typedef {{ kind: 'pass' } | { kind: 'latency', ms: number } | { kind: 'blackhole' } | { kind: 'reset' }} ProxyMode */
/** @typedef {{ client: net.Socket, upstream: net.Socket }} Pair */

/**
 * Listens on a free loopback port and forwards to `upstream`, starting in `pass`.
 *
 * @param {{ host: string, port: number }} upstream
 */
export async function startFaultProxy(upstream) {
  /** @type {ProxyMode} */
  let mode = { kind: 'pass' };
  /** @type {Set<Pair>} */
  const pairs = new Set();
  const stats = { connections: 0, reset: 0, droppedBytes: 0 };

  const resetPair = (/** @type {Pair} */ pair) => {
    pairs.delete(pair);
    for (const socket of [pair.client, pair.upstream]) {
      if (socket.destroyed) continue;
      // A socket whose side was shut down (a forwarded FIN) cannot be reset (libuv refuses, and
      // Node then leaks its handle, which spins the process's exit forever): closed instead.
      if (socket.writableEnded) {
        socket.destroy();
      } else {
        socket.resetAndDestroy();
        stats.reset += 1;
      }
    }
  };

  /**
   * Forwards `from`'s bytes to `to` as the mode says, keeping their order across modes.
   *
   * @param {net.Socket} from
   * @param {net.Socket} to
   * @param {Pair} pair
   */
  const forward = (from, to, pair) => {
    /** @type {Array<{ chunk: Buffer, due: number }>} */
    const delayed = [];
    /** @type {NodeJS.Timeout | null} */
    let timer = null;
    const drain = () => {
      timer = null;
      const now = Date.now();
      while (delayed.length && delayed[0].due <= now) {
        const { chunk } = /** @type {{ chunk: Buffer }} */ (delayed.shift());
        if (!to.destroyed) to.write(chunk);
      }
      if (delayed.length) timer = setTimeout(drain, delayed[0].due - now);
    };
    from.on('data', (chunk) => {
      if (mode.kind === 'blackhole' || mode.kind === 'reset') {
        stats.droppedBytes += chunk.length;
        return;
      }
      const delayMs = mode.kind === 'latency' ? mode.ms : 0;
      if (delayMs === 0 && delayed.length === 0) {
        to.write(chunk);
        return;
      }
      delayed.push({ chunk, due: Date.now() + delayMs });
      timer ??= setTimeout(drain, Math.max(0, delayed[0].due - Date.now()));
    });
    from.on('end', () => {
      if (mode.kind !== 'blackhole') to.end();
    });
    // A close that a black hole swallows leaves the other side waiting, as a lost FIN would.
    from.on('close', () => {
      if (timer) clearTimeout(timer);
      if (mode.kind !== 'blackhole') {
        to.destroy();
        pairs.delete(pair);
      }
    });
    from.on('error', () => {});
  };

  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    stats.connections += 1;
    if (mode.kind === 'reset') {
      client.on('error', () => {});
      client.resetAndDestroy();
      stats.reset += 1;
      return;
    }
    const upstreamSocket = net.connect({ host: upstream.host, port: upstream.port, allowHalfOpen: true });
    /** @type {Pair} */
    const pair = { client, upstream: upstreamSocket };
    pairs.add(pair);
    forward(client, upstreamSocket, pair);
    forward(upstreamSocket, client, pair);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOCAL_HOST, () => resolve(undefined));
  });
  const address = /** @type {net.AddressInfo} */ (server.address());

  return {
    host: LOCAL_HOST,
    port: address.port,
    stats,
    /** @returns {ProxyMode} */
    mode: () => mode,
    /** @param {ProxyMode} next */
    setMode(next) {
      mode = next;
      if (next.kind === 'reset') for (const pair of [...pairs]) resetPair(pair);
    },
    async close() {
      for (const pair of [...pairs]) resetPair(pair);
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}
