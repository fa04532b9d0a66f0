import { PostKind } from '@quire/gen/quire/v1/post_pb';
import { notFound } from 'next/navigation';
import { listPublishingAuthors } from '@/lib/engine/authors';
import { listAllPosts } from '@/lib/engine/posts';
import { paramsToPrerender } from '@/lib/engine/prerender';
import { listUsedTags } from '@/lib/engine/tags';
import { renderSitemap, type SitemapEntry } from '@/lib/feeds/sitemap';
import { routes } from '@/lib/routes';
import { absoluteUrl } from '@/lib/site';

/**
 * The sitemap, served at /sitemap.xml (next.config.ts rewrites it here, so
 * that it is a dynamic-param route and needs no engine at build time).
 * Cached like the pages.
 */
const SITEMAP_FILE = 'all.xml';

export async function generateStaticParams() {
  return paramsToPrerender('/sitemaps/[file]', async () => [], ['file']);
}

export async function GET(_request: Request, { params }: { params: Promise<{ file: string }> }) {
  if ((await params).file !== SITEMAP_FILE) notFound();
  const [posts, pages, tags, authors] = await Promise.all([
    listAllPosts(PostKind.POST),
    listAllPosts(PostKind.PAGE),
    listUsedTags(),
    listPublishingAuthors(),
  ]);
  const entries: SitemapEntry[] = [
    { url: absoluteUrl(routes.home()), lastModified: posts[0]?.publishTime },
    ...[...posts, ...pages].map((post) => ({
      url: absoluteUrl(routes.post(post.slug)),
      lastModified: post.updateTime ?? post.publishTime,
    })),
    ...tags.map((tag) => ({ url: absoluteUrl(routes.tag(tag.slug)) })),
    ...authors.map((author) => ({ url: absoluteUrl(routes.author(author.slug)) })),
  ];
  return new Response(renderSitemap(entries), { headers: { 'content-type': 'application/xml; charset=utf-8' } });
}
