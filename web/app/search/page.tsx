import type { Metadata } from 'next';
import Link from 'next/link';
import { headers } from 'next/headers';
import { connection } from 'next/server';
import { Suspense } from 'react';
import { PostMeta } from '@/components/post-meta';
import { requestClientKey } from '@/lib/client-key';
import type { EngineFailure } from '@/lib/engine/errors';
import { searchPosts, SEARCH_QUERY_MAX } from '@/lib/engine/search';
import { formatCount } from '@/lib/format';
import { routes } from '@/lib/routes';

/**
 * Full-text search. The query lives in the URL (`/search?q=…&after=…`); the
 * page's shell is static and the results are rendered per request, never
 * cached, from the engine's search (snippets are safe HTML from the engine).
 */
export const metadata: Metadata = {
  title: 'Search',
  description: 'Search the posts.',
  robots: { index: false, follow: true },
};

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default function SearchPage({ searchParams }: { searchParams: SearchParams }) {
  return (
    <>
      <h1 className="mb-6 font-serif text-4xl font-semibold tracking-tight">Search</h1>
      {/* The form reads the query from the URL, so it streams in with the results; until then a
          placeholder of its size keeps the layout still and takes no typing that would be lost. */}
      <Suspense fallback={<SearchFormPlaceholder />}>
        <SearchResults searchParams={searchParams} />
      </Suspense>
    </>
  );
}

function first(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

async function SearchResults({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const query = first(params.q).trim().slice(0, SEARCH_QUERY_MAX);
  const after = first(params.after);
  if (!query) return <SearchForm query="" />;

  // Every search asks the engine afresh (the transport reads the clock, which a prerender forbids).
  await connection();
  const outcome = await searchPosts(query, after, requestClientKey(await headers()));
  if (outcome.kind === 'unavailable') console.error(`search: engine unavailable: ${outcome.message}`);
  return (
    <>
      <SearchForm query={query} />
      <section aria-labelledby="results-heading" className="mt-10">
        {outcome.kind === 'ok' ? (
          <>
            <h2 id="results-heading" role="status" className="mb-6 text-sm font-semibold text-muted">
              {outcome.value.totalSize === 0
                ? `No posts match “${query}”.`
                : `${formatCount(outcome.value.totalSize, 'post')} ${outcome.value.totalSize === 1 ? 'matches' : 'match'} “${query}”.`}
            </h2>
            <ol className="divide-y divide-rule">
              {outcome.value.hits.map(({ post, snippetHtml }) => (
                <li key={post.id} className="space-y-2 py-6 first:pt-0">
                  <h3 className="font-serif text-xl font-semibold">
                    <Link href={routes.post(post.slug)} className="hover:text-accent">
                      {post.title}
                    </Link>
                  </h3>
                  <PostMeta author={post.author} publishTime={post.publishTime} readingTimeMinutes={post.readingTimeMinutes} />
                  {/* Escaped text with <mark>ed matches, from the engine. */}
                  <p className="leading-relaxed" dangerouslySetInnerHTML={{ __html: snippetHtml }} />
                </li>
              ))}
            </ol>
            {outcome.value.nextPageToken && (
              <p className="mt-8">
                <Link
                  href={routes.search(query, outcome.value.nextPageToken)}
                  className="rounded border border-rule px-4 py-2 text-sm font-medium hover:border-accent hover:text-accent"
                >
                  More results →
                </Link>
              </p>
            )}
          </>
        ) : (
          <h2 id="results-heading" role="status" className="text-muted">
            {failureMessage(outcome)}
          </h2>
        )}
      </section>
    </>
  );
}

/** What a reader is told when a search fails. */
function failureMessage(failure: EngineFailure): string {
  switch (failure.kind) {
    case 'invalid': {
      const problem = failure.fieldErrors.query;
      return problem ? `The search ${problem}.` : 'That search could not be understood. Try other words.';
    }
    case 'rate-limited':
      return 'That is a lot of searching. Please wait a few seconds and try again.';
    default:
      return 'Search is not available right now. Please try again in a moment.';
  }
}

function SearchFormPlaceholder() {
  return <div aria-hidden="true" className="h-[42px] animate-pulse rounded border border-rule bg-surface" />;
}

function SearchForm({ query }: { query: string }) {
  return (
    <form action={routes.search()} method="get" role="search" className="flex gap-2">
      <label htmlFor="search-query" className="sr-only">
        Search posts
      </label>
      <input
        id="search-query"
        type="search"
        name="q"
        defaultValue={query}
        maxLength={SEARCH_QUERY_MAX}
        placeholder="Search posts"
        required
        className="min-w-0 flex-1 rounded border border-rule bg-canvas px-3 py-2 text-ink placeholder:text-muted focus:border-accent"
      />
      <button type="submit" className="rounded bg-accent px-5 py-2 font-medium text-canvas hover:opacity-90">
        Search
      </button>
    </form>
  );
}
