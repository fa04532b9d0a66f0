import type { Metadata } from 'next';
import { paramsToPrerender } from '@/lib/engine/prerender';
import { AuthorListing, authorListingMetadata, publishingAuthorSlugs } from './author-listing';

/** An author's profile and first page of posts. Static, like a post's page. */
export const ensureStatic = 'navigation';

type Props = { params: Promise<{ slug: string }> };

export async function generateStaticParams() {
  return paramsToPrerender(
    '/author/[slug]',
    async () => (await publishingAuthorSlugs()).map((slug) => ({ slug })),
    ['slug'],
  );
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return authorListingMetadata((await params).slug, 1);
}

export default async function AuthorPage({ params }: Props) {
  return <AuthorListing slug={(await params).slug} page={1} />;
}
