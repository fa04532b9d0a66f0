import { describe, expect, it } from 'vitest';
import { clientAddressFrom, clientKeyOf, requestClientKey } from './client-key';
import { PEER_ADDRESS_HEADER } from './peer-address';

describe('clientAddressFrom', () => {
  const PEER = '198.51.100.9';

  it('without trusted proxies is the TCP peer, whatever x-forwarded-for says', () => {
    // `next start` passes a client's own header through, so it is never read.
    expect(clientAddressFrom(PEER, '6.6.6.6', 0)).toBe(PEER);
    expect(clientAddressFrom(PEER, '6.6.6.6, 203.0.113.7', 0)).toBe(PEER);
    expect(clientAddressFrom(PEER, null, 0)).toBe(PEER);
  });

  it('without a known peer is the one unknown address, not one the client names', () => {
    expect(clientAddressFrom(null, '6.6.6.6', 0)).toBe('unknown');
    expect(clientAddressFrom('', '6.6.6.6', 0)).toBe('unknown');
  });

  it('behind proxies is the entry the outermost trusted proxy appended', () => {
    // nginx appends the reader to what the reader sent.
    expect(clientAddressFrom(PEER, '6.6.6.6, 203.0.113.7', 1)).toBe('203.0.113.7');
    expect(clientAddressFrom(PEER, '203.0.113.7', 1)).toBe('203.0.113.7');
    // A CDN, then nginx.
    expect(clientAddressFrom(PEER, ' 6.6.6.6 ,203.0.113.7 , 10.0.0.2', 2)).toBe('203.0.113.7');
  });

  it('never reads entries left of the trusted hops', () => {
    const forged = ['1.1.1.1', '2.2.2.2', '3.3.3.3'].map((prefix) => clientAddressFrom(PEER, `${prefix}, 203.0.113.7, 10.0.0.2`, 2));
    expect(new Set(forged)).toEqual(new Set(['203.0.113.7']));
  });

  it('with fewer entries than hops is the leftmost, and without any the peer', () => {
    expect(clientAddressFrom(PEER, '203.0.113.7', 3)).toBe('203.0.113.7');
    expect(clientAddressFrom(PEER, '', 1)).toBe(PEER);
    expect(clientAddressFrom(PEER, ' , ', 1)).toBe(PEER);
  });
});

describe('clientKeyOf', () => {
  it('never reveals the address and depends on the secret', () => {
    const hashed = clientKeyOf('203.0.113.7', 'secret');
    expect(hashed).not.toContain('203');
    expect(hashed).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(clientKeyOf('203.0.113.7', 'other')).not.toBe(hashed);
    expect(clientKeyOf('203.0.113.8', 'secret')).not.toBe(hashed);
  });
});

describe('requestClientKey', () => {
  // QUIRE_TRUSTED_PROXY_HOPS is unset here: the default, no proxy.
  const keyOf = (headers: Record<string, string>) => requestClientKey(new Headers(headers));

  it('is the key of the recorded peer, however x-forwarded-for varies', () => {
    const peer = { [PEER_ADDRESS_HEADER]: '203.0.113.7' };
    const keys = ['6.6.6.6', '7.7.7.7, 8.8.8.8', ''].map((forwardedFor) => keyOf({ ...peer, 'x-forwarded-for': forwardedFor }));
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toBe(keyOf(peer));
    expect(keyOf({ [PEER_ADDRESS_HEADER]: '203.0.113.8' })).not.toBe(keys[0]);
  });

  it('is one shared key for requests whose peer was not recorded', () => {
    expect(keyOf({ 'x-forwarded-for': '6.6.6.6' })).toBe(keyOf({ 'x-forwarded-for': '7.7.7.7' }));
  });
});
