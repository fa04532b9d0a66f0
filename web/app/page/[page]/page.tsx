import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { Pagination } from '@/components/pagination';
import { PostList } from '@/components/post-list';
import { listPostsPage } from '@/lib/engine/posts';
import { paramsToPrerender } from '@/lib/engine/prerender';
import { parsePageNumber } from '@/lib/route-params';
import { routes } from '@/lib/routes';
import { listingMetadata } from '@/lib/seo';
import { site } from '@/lib/site';

/**
 * The home page (`/`, rewritten here by next.config.ts) and the older pages
 * of the newest published posts. Static, like a post's page.
 */
export const ensureStatic = 'navigation';

type Props = { params: Promise<{ page: string }> };

export async function generateStaticParams() {
  return paramsToPrerender(
    '/page/[page]',
    async () => {
      const first = await listPostsPage({}, 1);
      return first ? [{ page: '1' }] : [];
    },
    ['page'],
  );
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const page = parsePageNumber((await params).page);
  if (!page) return {};
  const { description } = site();
  return listingMetadata(site(), { title: page > 1 ? `Posts, page ${page}` : undefined, description, path: routes.home(page) });
}

export default async function HomePage({ params }: Props) {
  const page = parsePageNumber((await params).page);
  if (!page) notFound();
  const listing = await listPostsPage({}, page);
  if (!listing) notFound();
  const { name, description } = site();

  return (
    <>
      {page === 1 ? (
        <header className="mb-12 space-y-2">
          <h1 className="font-serif text-4xl font-semibold tracking-tight">{name}</h1>
          <p className="text-lg text-muted">{description}</p>
        </header>
      ) : (
        <h1 className="mb-10 font-serif text-3xl font-semibold tracking-tight">Posts, page {page}</h1>
      )}
      <section aria-labelledby={page === 1 ? 'latest-heading' : undefined} aria-label={page === 1 ? undefined : 'Posts'}>
        {page === 1 && (
          <h2 id="latest-heading" className="mb-6 text-sm font-semibold uppercase tracking-wide text-muted">
            Latest posts
          </h2>
        )}
        {listing.posts.length > 0 ? (
          <PostList posts={listing.posts} headingLevel={page === 1 ? 3 : 2} />
        ) : (
          <p className="text-muted">Nothing has been published yet.</p>
        )}
      </section>
      <Pagination page={listing.page} pageCount={listing.pageCount} pathOf={routes.home} />
    </>
  );
}
