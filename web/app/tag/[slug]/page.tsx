import type { Metadata } from 'next';
import { paramsToPrerender } from '@/lib/engine/prerender';
import { popularTagSlugs, TagListing, tagListingMetadata } from './tag-listing';

/** A tag's first page of posts. Static, like a post's page. */
export const ensureStatic = 'navigation';

type Props = { params: Promise<{ slug: string }> };

export async function generateStaticParams() {
  return paramsToPrerender('/tag/[slug]', async () => (await popularTagSlugs()).map((slug) => ({ slug })), ['slug']);
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return tagListingMetadata((await params).slug, 1);
}

export default async function TagPage({ params }: Props) {
  return <TagListing slug={(await params).slug} page={1} />;
}
