import type { TagStore } from '@/lib/cache/tag-store';

/**
 * Purges the HTTP edge caches in front of the web (Varnish with xkey, see
 * deploy/varnish/) by the cache tags a change expires, the same tags the
 * pages carry in their `xkey` header. The change follower calls it after the
 * tags are expired in the web cache, so a page the edge fetches again after
 * the purge can only be a fresh one (and the follower's second expiration,
 * a second later, purges again what an edge fetched in between).
 *
 * Every edge listed is purged: several Varnish nodes are normal. A purge is
 * retried briefly; an edge that still does not answer owes a full ban, which
 * is retried every second until it answers, so no edge keeps a page that a
 * missed purge should have removed. Nothing here throws: an edge's failure
 * must not stop the follower.
 *
 * The protocol (deploy/varnish/quire.vcl): `PURGE` with `xkey-purge: <tags>`
 * purges the objects with any of those tags, `BAN` drops everything; both
 * need the shared secret in `x-quire-purge-secret`.
 */
export type EdgePurger = {
  /** Purges the objects tagged with any of `tags` on every edge. */
  purge(tags: readonly string[]): Promise<void>;
  /** Drops everything every edge holds. */
  purgeAll(): Promise<void>;
};

export type EdgePurgerOptions = {
  urls: readonly string[];
  secret: string;
  log: { info(message: string): void; warn(message: string): void };
  timing?: Partial<EdgeTiming>;
};

export type EdgeTiming = {
  /** How long one purge request may take. */
  requestTimeoutMs: number;
  /** Waits before the second, third… attempt of a purge. */
  retryDelaysMs: readonly number[];
  /** How often an edge that owes a full ban is asked again. */
  banRetryMs: number;
};

export const DEFAULT_EDGE_TIMING: EdgeTiming = { requestTimeoutMs: 1_000, retryDelaysMs: [50, 200], banRetryMs: 1_000 };

export const PURGE_SECRET_HEADER = 'x-quire-purge-secret';
const PURGE_TAGS_HEADER = 'xkey-purge';
/** Tags per purge request, kept well under Varnish's request header limit (8 KiB). */
const MAX_TAGS_HEADER_CHARS = 4_000;

/** `tags` in space-separated groups of at most MAX_TAGS_HEADER_CHARS characters. */
export function tagHeaders(tags: readonly string[]): string[] {
  const headers: string[] = [];
  let current = '';
  for (const tag of tags) {
    if (current && current.length + 1 + tag.length > MAX_TAGS_HEADER_CHARS) {
      headers.push(current);
      current = '';
    }
    current = current ? `${current} ${tag}` : tag;
  }
  if (current) headers.push(current);
  return headers;
}

type Edge = { url: string; owesBan: boolean };

export function edgePurger({ urls, secret, log, timing: overrides }: EdgePurgerOptions): EdgePurger {
  const timing = { ...DEFAULT_EDGE_TIMING, ...overrides };
  const edges: Edge[] = urls.map((url) => ({ url: url.replace(/\/+$/, ''), owesBan: false }));

  const send = async (edge: Edge, method: 'PURGE' | 'BAN', tags?: string): Promise<void> => {
    const headers: Record<string, string> = { [PURGE_SECRET_HEADER]: secret };
    if (tags) headers[PURGE_TAGS_HEADER] = tags;
    const response = await fetch(`${edge.url}/`, { method, headers, signal: AbortSignal.timeout(timing.requestTimeoutMs) });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${method} answered ${response.status}`);
  };

  const withRetries = async (attempt: () => Promise<void>): Promise<unknown> => {
    let failure: unknown;
    for (let i = 0; i <= timing.retryDelaysMs.length; i += 1) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, timing.retryDelaysMs[i - 1]));
      try {
        await attempt();
        return undefined;
      } catch (error) {
        failure = error;
      }
    }
    return failure ?? new Error('failed');
  };

  /** Bans everything on `edge` until it answers (one loop per edge). */
  const oweBan = (edge: Edge, failure: unknown) => {
    if (edge.owesBan) return;
    edge.owesBan = true;
    log.warn(`edge ${edge.url}: purge failed (${describe(failure)}); banning everything there once it answers`);
    const retry = async () => {
      try {
        await send(edge, 'BAN');
        edge.owesBan = false;
        log.info(`edge ${edge.url}: answers again, everything banned`);
      } catch {
        setTimeout(() => void retry(), timing.banRetryMs).unref?.();
      }
    };
    void retry();
  };

  const onEvery = (request: (edge: Edge) => Promise<void>) =>
    Promise.all(
      edges.map(async (edge) => {
        // The ban it owes drops this too, and it comes later.
        if (edge.owesBan) return;
        const failure = await withRetries(() => request(edge));
        if (failure) oweBan(edge, failure);
      }),
    ).then(() => undefined);

  return {
    purge: (tags) => {
      const groups = tagHeaders(tags);
      if (groups.length === 0) return Promise.resolve();
      return onEvery(async (edge) => {
        for (const group of groups) await send(edge, 'PURGE', group);
      });
    },
    purgeAll: () => onEvery((edge) => send(edge, 'BAN')),
  };
}

/** A tag store that purges the edges after each expiration (web cache first, edge second). */
export function purgingEdges<T extends Pick<TagStore, 'expireOnce' | 'expireAll'>>(
  store: T,
  purger: EdgePurger,
): Pick<TagStore, 'expireOnce' | 'expireAll'> {
  return {
    // The edges are purged even when another replica expired the change first: purges are
    // idempotent, and this replica may reach an edge that one could not.
    async expireOnce(change, tags) {
      const applied = await store.expireOnce(change, tags);
      if (tags === 'everything') await purger.purgeAll();
      else await purger.purge(tags);
      return applied;
    },
    async expireAll() {
      await store.expireAll();
      await purger.purgeAll();
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message) : String(error);
}
