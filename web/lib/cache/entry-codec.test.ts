import { describe, expect, it, vi } from 'vitest';
import { decodePageEntry, decodeUseCacheEntry, encodePageEntry, encodeUseCacheEntry } from './entry-codec';

describe('use-cache entries', () => {
  it('round-trip their metadata and bytes', () => {
    const meta = { tags: ['post:a', 'posts'], stale: 300, timestamp: 1_700_000_000_123.5, expire: 86_400, revalidate: 3_600 };
    const bytes = new Uint8Array([0, 1, 2, 255, 10, 13]);
    const decoded = decodeUseCacheEntry(encodeUseCacheEntry(meta, bytes));
    expect(decoded.meta).toEqual(meta);
    expect([...decoded.bytes]).toEqual([...bytes]);
  });

  it('refuse truncated or foreign data', () => {
    const stored = encodeUseCacheEntry({ tags: [], stale: 0, timestamp: 1, expire: 1, revalidate: 1 }, new Uint8Array([1]));
    expect(() => decodeUseCacheEntry(stored.subarray(0, 6))).toThrow();
    expect(() => decodeUseCacheEntry(Buffer.from('xy'))).toThrow();
    expect(() => decodeUseCacheEntry(Buffer.from('\u0000\u0000\u0000\u0002{}'))).toThrow(/metadata/);
  });
});

describe('page entries', () => {
  it('round-trip Buffers, Maps of Buffers and plain values', () => {
    const page = {
      lastModified: 1_700_000_000_000,
      cacheControl: { revalidate: 3_600, expire: 86_400 },
      value: {
        kind: 'APP_PAGE',
        html: '<h1>Hi</h1>',
        rscData: Buffer.from('rsc payload'),
        headers: { 'x-next-cache-tags': 'post:a,_N_T_/layout' },
        postponed: undefined,
        status: 200,
        segmentData: new Map([['/_tree', Buffer.from([1, 2, 3])]]),
      },
    };
    const decoded = decodePageEntry(encodePageEntry(page));
    const value = decoded.value as typeof page.value;
    expect(decoded.lastModified).toBe(page.lastModified);
    expect(decoded.cacheControl).toEqual(page.cacheControl);
    expect(Buffer.isBuffer(value.rscData)).toBe(true);
    expect(value.rscData.toString()).toBe('rsc payload');
    expect(value.segmentData).toBeInstanceOf(Map);
    expect([...(value.segmentData.get('/_tree') ?? [])]).toEqual([1, 2, 3]);
    expect(value.headers).toEqual(page.value.headers);
    expect(value.html).toBe(page.value.html);
  });

  it('store bytes without Buffer#toJSON (an array of every byte), and keep what serialises itself', () => {
    const toJSON = vi.spyOn(Buffer.prototype, 'toJSON');
    const page = { lastModified: 1, value: { rscData: Buffer.alloc(64 * 1024, 7), list: [Buffer.from('a')], at: new Date(5) } };
    const decoded = decodePageEntry(encodePageEntry(page)).value as { rscData: Buffer; list: Buffer[]; at: string };
    expect(toJSON).not.toHaveBeenCalled();
    toJSON.mockRestore();
    expect(decoded.rscData.equals(page.value.rscData)).toBe(true);
    expect(decoded.list[0]?.toString()).toBe('a');
    expect(decoded.at).toBe(new Date(5).toISOString());
  });

  it('refuse data that is not a page entry', () => {
    expect(() => decodePageEntry('{"value":1}')).toThrow();
    expect(() => decodePageEntry('nope')).toThrow();
  });
});
