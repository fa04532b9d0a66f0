import 'server-only';
import type { Interceptor, Transport } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { env } from '@/lib/env';
import { retryIdempotentReads } from './retry';
import { traceEngineCalls } from './tracing';

/**
 * The one gRPC transport to the engine, shared by every client so that all
 * calls multiplex over a single HTTP/2 session instead of dialing per call.
 */

// tonic's default limit for messages it decodes; larger requests would be refused.
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
// Generous for a page of full posts, but bounded: a runaway response fails
// the call instead of exhausting the server's memory.
const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/**
 * The web's own API key, unless the call already carries credentials: calls
 * made for a signed-in author send that author's session token instead (see
 * `asSession`), so that the engine applies the author's role.
 */
function bearerToken(apiKey: string): Interceptor {
  return (next) => (req) => {
    if (!req.header.has('authorization')) req.header.set('authorization', `Bearer ${apiKey}`);
    return next(req);
  };
}

/** Call options that make one engine call as the author whose session token this is. */
export function asSession(sessionToken: string): { headers: Record<string, string> } {
  return { headers: { authorization: `Bearer ${sessionToken}` } };
}

let transport: Transport | undefined;

/**
 * Created on first use, not at import, so that `next build` neither reads the
 * environment nor opens a connection. Reads that fail with UNAVAILABLE or
 * DEADLINE_EXCEEDED are retried within their deadline (see retry.ts). No
 * `pingIntervalMs`: connect-node 2.1 can throw on a destroyed session when
 * pinging; the engine's HTTP/2 keepalive detects dead peers instead.
 */
export function engineTransport(): Transport {
  if (transport) return transport;
  const { QUIRE_ENGINE_URL, QUIRE_ENGINE_API_KEY, QUIRE_ENGINE_TIMEOUT_MS } = env();
  transport = createGrpcTransport({
    baseUrl: QUIRE_ENGINE_URL,
    defaultTimeoutMs: QUIRE_ENGINE_TIMEOUT_MS,
    writeMaxBytes: MAX_REQUEST_BYTES,
    readMaxBytes: MAX_RESPONSE_BYTES,
    // One span per call around its retries; retries run outside the credentials, so each attempt carries them.
    interceptors: [traceEngineCalls(), retryIdempotentReads(), ...(QUIRE_ENGINE_API_KEY ? [bearerToken(QUIRE_ENGINE_API_KEY)] : [])],
  });
  return transport;
}
