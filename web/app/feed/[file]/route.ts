import { notFound } from 'next/navigation';
import { listFeedPosts } from '@/lib/engine/posts';
import { paramsToPrerender } from '@/lib/engine/prerender';
import { feedFromPosts } from '@/lib/feeds/feed';
import { feedResponse } from '@/lib/feeds/response';
import { FEED_FILES, feedFormatOf } from '@/lib/routes';
import { site } from '@/lib/site';

/** The site-wide feeds: /feed/rss.xml, /feed/atom.xml, /feed/feed.json. Cached like the pages. */

export async function generateStaticParams() {
  return paramsToPrerender(
    '/feed/[file]',
    async () => {
      await listFeedPosts(undefined);
      return Object.values(FEED_FILES).map((file) => ({ file }));
    },
    ['file'],
  );
}

export async function GET(_request: Request, { params }: { params: Promise<{ file: string }> }) {
  const format = feedFormatOf((await params).file);
  if (!format) notFound();
  const posts = await listFeedPosts(undefined);
  return feedResponse(format, feedFromPosts(posts, site()));
}
