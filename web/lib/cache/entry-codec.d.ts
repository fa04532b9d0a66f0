/** Types of entry-codec.js. */
import type { CacheEntry } from 'next/cache';

/** A 'use cache' entry without its value stream. */
export type UseCacheMeta = Omit<CacheEntry, 'value'>;
/** A page/route entry as the incremental cache handler stores it. */
export type StoredPage = {
  lastModified: number;
  value: unknown;
  cacheControl?: { revalidate: number | false; expire: number | undefined } | undefined;
};

export declare function encodeUseCacheEntry(meta: UseCacheMeta, bytes: Uint8Array): Buffer;
export declare function decodeUseCacheEntry(stored: Buffer): { meta: UseCacheMeta; bytes: Buffer };
export declare function encodePageEntry(page: StoredPage): string;
export declare function decodePageEntry(stored: string): StoredPage;
