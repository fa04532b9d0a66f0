import type { Metadata } from 'next';
import { paramsToPrerender } from '@/lib/engine/prerender';
import { parsePageNumber } from '@/lib/route-params';
import { TagListing, tagListingMetadata } from '../../tag-listing';

/** A tag's older pages of posts (page 1 redirects to /tag/[slug]). Static, like a post's page. */
export const ensureStatic = 'navigation';

type Props = { params: Promise<{ slug: string; page: string }> };

export async function generateStaticParams() {
  return paramsToPrerender('/tag/[slug]/page/[page]', async () => [], ['slug', 'page']);
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { slug, page } = await params;
  return tagListingMetadata(slug, parsePageNumber(page));
}

export default async function TagPageN({ params }: Props) {
  const { slug, page } = await params;
  return <TagListing slug={slug} page={parsePageNumber(page)} />;
}
