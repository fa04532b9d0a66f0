import 'server-only';
import { createHmac } from 'node:crypto';
import { env } from '@/lib/env';

/**
 * The `client_key` the engine rate-limits comments and throttles sign-in failures by: an HMAC of the
 * reader's IP address, so the engine never stores addresses, and without the
 * web's secret the keys cannot be reversed by hashing all IPv4 addresses.
 *
 * The address is the one in `x-forwarded-for` that the nearest trusted proxy
 * saw: `next start` appends the socket's peer itself, and each of the
 * QUIRE_TRUSTED_PROXY_HOPS proxies in front of the web appends one more.
 * Entries further left are whatever the client chose to send.
 */
export function clientKeyFrom(forwardedFor: string | null, trustedProxyHops: number, secret: string): string {
  const hops = (forwardedFor ?? '')
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean);
  const address = hops.at(-1 - trustedProxyHops) ?? hops[0] ?? 'unknown';
  return createHmac('sha256', secret).update(address).digest('base64url');
}

/** The client key of the request being handled (from its headers). */
export function requestClientKey(headers: Headers): string {
  const { QUIRE_TRUSTED_PROXY_HOPS, QUIRE_ENGINE_API_KEY } = env();
  // The web's API key is its one secret; any stable secret would do.
  return clientKeyFrom(headers.get('x-forwarded-for'), QUIRE_TRUSTED_PROXY_HOPS, QUIRE_ENGINE_API_KEY ?? 'quire');
}
