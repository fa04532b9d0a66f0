// TCP ports for the processes that scripts, tests and benchmarks start.
//
// Only Node built-ins: the services module uses these before `npm install` has finished.
import net from 'node:net';

/** How long a connection attempt may take before the port counts as not answering. */
const CONNECT_TIMEOUT_MS = 1_000;

/** A port on 127.0.0.1 that nothing listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * Whether something accepts a TCP connection on `host:port`.
 *
 * @param {string} host
 * @param {number} port
 * @param {number} [timeoutMs]
 * @returns {Promise<boolean>}
 */
export function tcpAnswers(host, port, timeoutMs = CONNECT_TIMEOUT_MS) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (/** @type {boolean} */ answered) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.on('connect', () => finish(true));
    socket.on('error', () => finish(false));
  });
}

/**
 * Free: nothing answers on it and it can be bound on `host`.
 *
 * @param {number} port
 * @param {{ host?: string, timeoutMs?: number }} [options]
 * @returns {Promise<boolean>}
 */
export async function portIsFree(port, { host = '127.0.0.1', timeoutMs = CONNECT_TIMEOUT_MS } = {}) {
  if (await tcpAnswers(host, port, timeoutMs)) return false;
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
