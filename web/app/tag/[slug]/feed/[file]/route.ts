import { notFound } from 'next/navigation';
import { listFeedPosts } from '@/lib/engine/posts';
import { paramsToPrerender } from '@/lib/engine/prerender';
import { getTag } from '@/lib/engine/tags';
import { feedFromPosts } from '@/lib/feeds/feed';
import { feedResponse } from '@/lib/feeds/response';
import { isSlug } from '@/lib/route-params';
import { feedFormatOf } from '@/lib/routes';
import { site } from '@/lib/site';

/** One tag's feeds: /tag/<slug>/feed/rss.xml, atom.xml, feed.json. Cached like the pages. */

export async function generateStaticParams() {
  return paramsToPrerender('/tag/[slug]/feed/[file]', async () => [], ['slug', 'file']);
}

export async function GET(_request: Request, { params }: { params: Promise<{ slug: string; file: string }> }) {
  const { slug, file } = await params;
  const format = feedFormatOf(file);
  if (!format || !isSlug(slug)) notFound();
  const [tag, posts] = await Promise.all([getTag(slug), listFeedPosts(slug)]);
  if (!tag) notFound();
  return feedResponse(format, feedFromPosts(posts, site(), { tag }));
}
