import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { Pagination } from '@/components/pagination';
import { PostList } from '@/components/post-list';
import { getAuthor, listPublishingAuthors } from '@/lib/engine/authors';
import { listPostsPage } from '@/lib/engine/posts';
import { formatCount } from '@/lib/format';
import { isSlug } from '@/lib/route-params';
import { routes } from '@/lib/routes';
import { listingMetadata } from '@/lib/seo';
import { site } from '@/lib/site';

/** An author's page n (the routes /author/[slug] and /author/[slug]/page/[page]). */

/** Every author with posts, for `generateStaticParams` at build time. */
export async function publishingAuthorSlugs(): Promise<string[]> {
  return (await listPublishingAuthors()).map((author) => author.slug);
}

export async function authorListingMetadata(slug: string, page: number | undefined): Promise<Metadata> {
  if (!page || !isSlug(slug)) return {};
  const author = await getAuthor(slug);
  if (!author) return {};
  return listingMetadata(site(), {
    title: page > 1 ? `${author.displayName}, page ${page}` : author.displayName,
    description: author.bio || `Posts by ${author.displayName} on ${site().name}.`,
    path: routes.author(slug, page),
  });
}

export async function AuthorListing({ slug, page }: { slug: string; page: number | undefined }) {
  if (!page || !isSlug(slug)) notFound();
  const [author, listing] = await Promise.all([getAuthor(slug), listPostsPage({ authorSlug: slug }, page)]);
  if (!author || !listing) notFound();

  return (
    <>
      <header className="mb-10 flex items-start gap-5">
        {author.avatarUrl && (
          <img
            src={author.avatarUrl}
            alt=""
            width={80}
            height={80}
            decoding="async"
            className="size-20 shrink-0 rounded-full bg-surface object-cover"
          />
        )}
        <div className="space-y-2">
          <p className="text-sm font-semibold uppercase tracking-wide text-muted">Author</p>
          <h1 className="font-serif text-4xl font-semibold tracking-tight">
            {author.displayName}
            {page > 1 && <span className="text-muted">, page {page}</span>}
          </h1>
          {author.bio && <p className="text-lg text-muted">{author.bio}</p>}
          <p className="text-sm text-muted">
            {formatCount(listing.totalSize, 'post')}
            {author.websiteUrl && (
              <>
                {' · '}
                <a href={author.websiteUrl} rel="me noopener" className="text-accent hover:underline underline-offset-4">
                  Website
                </a>
              </>
            )}
          </p>
        </div>
      </header>
      <PostList posts={listing.posts} />
      <Pagination page={listing.page} pageCount={listing.pageCount} pathOf={(n) => routes.author(slug, n)} />
    </>
  );
}
