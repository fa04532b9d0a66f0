import 'server-only';
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/**
 * The TCP peer of each request, where request handlers can read it and no
 * client can forge it. Next.js gives handlers only the headers, and its one
 * trace of the socket is `x-forwarded-for`, which `next start` sets to the
 * peer only when the request has none (base-server.js: `??=`), so a client
 * that sends one chooses it. No other header carries the peer (NextRequest
 * has no `ip` since Next.js 15), and the proxy (proxy.ts) sees the same headers.
 *
 * Node.js announces every request on the `http.server.request.start`
 * diagnostics channel, with its socket, synchronously before the server's
 * request listener (Next.js) sees it. Setting this header there overwrites
 * whatever a client sent under the same name.
 */
export const PEER_ADDRESS_HEADER = 'x-quire-peer-address';

type RequestStart = { request: IncomingMessage; socket: Socket };

function recordPeer(message: unknown): void {
  const { request, socket } = message as RequestStart;
  const peer = socket.remoteAddress;
  if (peer) request.headers[PEER_ADDRESS_HEADER] = peer;
  else delete request.headers[PEER_ADDRESS_HEADER];
}

const SUBSCRIBED = Symbol.for('quire.web.peer-address');

/**
 * Starts recording peers (once per process), from instrumentation.ts. The
 * server listens before instrumentation runs, so requests it accepted before
 * then have no peer header: they get the shared unknown client key, never a
 * key of their own choosing.
 */
export function recordPeerAddresses(): void {
  const state = globalThis as { [SUBSCRIBED]?: true };
  if (state[SUBSCRIBED]) return;
  state[SUBSCRIBED] = true;
  subscribe('http.server.request.start', recordPeer);
}
