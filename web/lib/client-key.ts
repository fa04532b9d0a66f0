import 'server-only';
import { createHmac } from 'node:crypto';
import { env } from '@/lib/env';
import { PEER_ADDRESS_HEADER } from '@/lib/peer-address';

/**
 * The `client_key` the engine rate-limits comments and throttles sign-in failures by: an HMAC of the
 * reader's IP address, so the engine never stores addresses, and without the
 * web's secret the keys cannot be reversed by hashing all IPv4 addresses.
 */

/** The key of requests whose address is not known (all of them share it). */
const UNKNOWN_ADDRESS = 'unknown';

/**
 * The reader's address. With no trusted proxy (`trustedProxyHops` 0) it is
 * the TCP peer (`peerAddress`), and `x-forwarded-for` is ignored: `next start`
 * passes a client's own header through untouched, and only fills it in with
 * the peer when the client sent none, so any entry of it may be forged.
 *
 * Behind proxies, each of the `trustedProxyHops` appends the address it
 * received the request from, so the reader is the entry that many places from
 * the right; entries further left are whatever the client chose to send and
 * are never read. With fewer entries than hops (a proxy that sent none),
 * the leftmost is what the first proxy saw.
 */
export function clientAddressFrom(peerAddress: string | null, forwardedFor: string | null, trustedProxyHops: number): string {
  if (trustedProxyHops === 0) return peerAddress || UNKNOWN_ADDRESS;
  const hops = (forwardedFor ?? '')
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean);
  return hops.at(-trustedProxyHops) ?? hops[0] ?? (peerAddress || UNKNOWN_ADDRESS);
}

/** The client key of `address`, keyed by `secret`. */
export function clientKeyOf(address: string, secret: string): string {
  return createHmac('sha256', secret).update(address).digest('base64url');
}

/** The client key of the request being handled (from its headers). */
export function requestClientKey(headers: Headers): string {
  const { QUIRE_TRUSTED_PROXY_HOPS, QUIRE_ENGINE_API_KEY } = env();
  const address = clientAddressFrom(headers.get(PEER_ADDRESS_HEADER), headers.get('x-forwarded-for'), QUIRE_TRUSTED_PROXY_HOPS);
  // The web's API key is its one secret; any stable secret would do.
  return clientKeyOf(address, QUIRE_ENGINE_API_KEY ?? 'quire');
}
