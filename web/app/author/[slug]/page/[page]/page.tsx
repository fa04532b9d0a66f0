import type { Metadata } from 'next';
import { paramsToPrerender } from '@/lib/engine/prerender';
import { parsePageNumber } from '@/lib/route-params';
import { AuthorListing, authorListingMetadata } from '../../author-listing';

/** An author's older pages of posts (page 1 redirects to /author/[slug]). Static, like a post's page. */
export const ensureStatic = 'navigation';

type Props = { params: Promise<{ slug: string; page: string }> };

export async function generateStaticParams() {
  return paramsToPrerender('/author/[slug]/page/[page]', async () => [], ['slug', 'page']);
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { slug, page } = await params;
  return authorListingMetadata(slug, parsePageNumber(page));
}

export default async function AuthorPageN({ params }: Props) {
  const { slug, page } = await params;
  return <AuthorListing slug={slug} page={parsePageNumber(page)} />;
}
