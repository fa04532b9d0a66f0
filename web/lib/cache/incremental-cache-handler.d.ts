/** Types of incremental-cache-handler.js. */
import type { Redis } from 'ioredis';
import type { StoredPage } from './entry-codec';

export declare function tagsOfValue(value: unknown, ctx?: { tags?: string[]; softTags?: string[] }): string[];
/** `entry` with its tags as the edge's surrogate keys (`xkey` header) when it is a page or route response. */
export declare function withSurrogateKeys<T extends { value?: unknown }>(entry: T): T;
export declare class RenderStarts {
  noteMiss(key: string, now: number): void;
  take(key: string, now: number): number;
}
export type RenderCoalescing = { claimMs: number; waitMs: number; pollMs: number };
export declare const RENDER_COALESCING: RenderCoalescing;
export declare function createRedisPageStore(
  redis: Redis,
  prefix: string,
  coalescing?: RenderCoalescing,
): {
  get(key: string, ctx: unknown): Promise<StoredPage | null>;
  set(key: string, data: unknown, ctx: unknown): Promise<void>;
  revalidateTag(tags: string | string[], durations?: { expire?: number }): Promise<void>;
};
export default class IncrementalCacheHandler {
  constructor(ctx: unknown);
  get(key: string, ctx: unknown): Promise<StoredPage | null>;
  set(key: string, data: unknown, ctx: unknown): Promise<void>;
  revalidateTag(tags: string | string[], durations?: { expire?: number }): Promise<void>;
  resetRequestCache(): void;
}
