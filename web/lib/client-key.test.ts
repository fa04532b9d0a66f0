import { describe, expect, it } from 'vitest';
import { clientKeyFrom } from './client-key';

describe('clientKeyFrom', () => {
  const key = (forwardedFor: string | null, hops = 0) => clientKeyFrom(forwardedFor, hops, 'secret');

  it('uses the address the nearest trusted hop saw, ignoring what the client prepended', () => {
    // `next start` appends the socket peer last; with no proxy that is the reader.
    expect(key('6.6.6.6, 203.0.113.7')).toBe(key('203.0.113.7'));
    expect(key('6.6.6.6, 203.0.113.7')).not.toBe(key('6.6.6.6'));
  });

  it('skips the entries appended by trusted proxies', () => {
    expect(key('6.6.6.6, 203.0.113.7, 10.0.0.2', 1)).toBe(key('203.0.113.7'));
    expect(key(' 203.0.113.7 ,10.0.0.2 , 10.0.0.3', 2)).toBe(key('203.0.113.7'));
  });

  it('falls back to the leftmost entry when there are fewer hops than proxies', () => {
    expect(key('203.0.113.7', 3)).toBe(key('203.0.113.7'));
  });

  it('never reveals the address and depends on the secret', () => {
    const hashed = key('203.0.113.7');
    expect(hashed).not.toContain('203');
    expect(hashed).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(clientKeyFrom('203.0.113.7', 0, 'other')).not.toBe(hashed);
  });

  it('gives requests without the header one shared key', () => {
    expect(key(null)).toBe(key(''));
  });
});
