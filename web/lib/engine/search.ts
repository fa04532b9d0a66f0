import 'server-only';
import type { SearchResult } from '@quire/gen/quire/v1/post_service_pb';
import { engine } from './clients';
import { type Outcome, outcomeOf } from './errors';
import { type PostSummary, toSummary } from './posts';

/** Full-text search: per request, never cached (every query is different). */

export const SEARCH_PAGE_SIZE = 10;
/** The engine's limit on a query's length. */
export const SEARCH_QUERY_MAX = 200;

export type SearchHit = Pick<SearchResult, 'snippetHtml'> & { post: PostSummary };

export type SearchResults = { hits: SearchHit[]; nextPageToken: string; totalSize: number };

/**
 * The posts matching `query`, most relevant first; `pageToken` continues a
 * previous answer. `snippetHtml` is escaped text with `<mark>`ed matches.
 * `clientKey` names the reader, whom the engine rate-limits.
 */
export async function searchPosts(query: string, pageToken: string, clientKey: string): Promise<Outcome<SearchResults>> {
  const outcome = await outcomeOf(engine().posts.searchPosts({ query, pageToken, pageSize: SEARCH_PAGE_SIZE, clientKey }));
  if (outcome.kind !== 'ok') return outcome;
  const { results, nextPageToken, totalSize } = outcome.value;
  return {
    kind: 'ok',
    value: {
      hits: results.flatMap((result) =>
        result.post ? [{ post: toSummary(result.post), snippetHtml: result.snippetHtml }] : [],
      ),
      nextPageToken,
      totalSize,
    },
  };
}
