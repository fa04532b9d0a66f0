import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { Pagination } from '@/components/pagination';
import { PostList } from '@/components/post-list';
import { listPostsPage } from '@/lib/engine/posts';
import { getTag, listUsedTags } from '@/lib/engine/tags';
import { formatCount } from '@/lib/format';
import { isSlug } from '@/lib/route-params';
import { routes } from '@/lib/routes';
import { listingMetadata } from '@/lib/seo';
import { site } from '@/lib/site';

/** A tag's page n (the routes /tag/[slug] and /tag/[slug]/page/[page]). */

/** The most used tags, for `generateStaticParams` at build time. */
export async function popularTagSlugs(): Promise<string[]> {
  const used = await listUsedTags();
  return used
    .toSorted((a, b) => b.postCount - a.postCount)
    .slice(0, 10)
    .map((tag) => tag.slug);
}

export async function tagListingMetadata(slug: string, page: number | undefined): Promise<Metadata> {
  if (!page || !isSlug(slug)) return {};
  const tag = await getTag(slug);
  if (!tag) return {};
  return listingMetadata(site(), {
    title: page > 1 ? `${tag.name}, page ${page}` : tag.name,
    description: tag.description || `Posts tagged “${tag.name}” on ${site().name}.`,
    path: routes.tag(slug, page),
    tag,
  });
}

export async function TagListing({ slug, page }: { slug: string; page: number | undefined }) {
  if (!page || !isSlug(slug)) notFound();
  const [tag, listing] = await Promise.all([getTag(slug), listPostsPage({ tagSlug: slug }, page)]);
  if (!tag || !listing) notFound();

  return (
    <>
      <header className="mb-10 space-y-2">
        <p className="text-sm font-semibold uppercase tracking-wide text-muted">Tag</p>
        <h1 className="font-serif text-4xl font-semibold tracking-tight">
          {tag.name}
          {page > 1 && <span className="text-muted">, page {page}</span>}
        </h1>
        {tag.description && <p className="text-lg text-muted">{tag.description}</p>}
        <p className="text-sm text-muted">
          {formatCount(listing.totalSize, 'post')} ·{' '}
          <a href={routes.feed('rss', slug)} className="text-accent hover:underline underline-offset-4">
            RSS feed<span className="sr-only"> of {tag.name}</span>
          </a>
        </p>
      </header>
      <PostList posts={listing.posts} />
      <Pagination page={listing.page} pageCount={listing.pageCount} pathOf={(n) => routes.tag(slug, n)} />
    </>
  );
}
