import { PostKind } from '@quire/gen/quire/v1/post_pb';
import { notFound } from 'next/navigation';
import { listPublishingAuthors } from '@/lib/engine/authors';
import { countPublished, listPublished } from '@/lib/engine/posts';
import { paramsToPrerender } from '@/lib/engine/prerender';
import { listUsedTags } from '@/lib/engine/tags';
import {
  parseSitemapFileName,
  renderSitemap,
  renderSitemapIndex,
  SITEMAP_FILE_URLS,
  type SitemapEntry,
  type SitemapFile,
  sitemapFileName,
  sitemapFileOffset,
  sitemapFiles,
} from '@/lib/feeds/sitemap';
import { routes } from '@/lib/routes';
import { absoluteUrl } from '@/lib/site';

/**
 * The sitemap: an index at /sitemap.xml (next.config.ts rewrites it to
 * `index.xml` here, so that it is a dynamic-param route and needs no engine at
 * build time) of files of at most SITEMAP_FILE_URLS URLs each (see
 * lib/feeds/sitemap.ts). Each file costs the same however many posts the blog
 * has. Cached like the pages.
 */
const INDEX_FILE = 'index.xml';
const XML = { 'content-type': 'application/xml; charset=utf-8' };

export async function generateStaticParams() {
  return paramsToPrerender('/sitemaps/[file]', async () => [], ['file']);
}

export async function GET(_request: Request, { params }: { params: Promise<{ file: string }> }) {
  const name = (await params).file;
  if (name === INDEX_FILE) return new Response(renderSitemapIndex(await indexEntries()), { headers: XML });
  const file = parseSitemapFileName(name);
  const entries = file && (await fileEntries(file));
  if (!entries) notFound();
  return new Response(renderSitemap(entries), { headers: XML });
}

async function indexEntries(): Promise<SitemapEntry[]> {
  const [posts, pages] = await Promise.all([countPublished(PostKind.POST), countPublished(PostKind.PAGE)]);
  return sitemapFiles({ posts, pages }).map((file) => ({ url: absoluteUrl(routes.sitemapFile(sitemapFileName(file))) }));
}

/** A file's URLs; undefined for a numbered file past the last one. */
async function fileEntries(file: SitemapFile): Promise<SitemapEntry[] | undefined> {
  if (file.kind === 'site') {
    const [newest, tags, authors] = await Promise.all([listPublished(PostKind.POST, 0, 1), listUsedTags(), listPublishingAuthors()]);
    return [
      { url: absoluteUrl(routes.home()), lastModified: newest[0]?.publishTime },
      ...tags.map((tag) => ({ url: absoluteUrl(routes.tag(tag.slug)) })),
      ...authors.map((author) => ({ url: absoluteUrl(routes.author(author.slug)) })),
    ];
  }
  const kind = file.kind === 'posts' ? PostKind.POST : PostKind.PAGE;
  const posts = await listPublished(kind, sitemapFileOffset(file.number), SITEMAP_FILE_URLS);
  // The first file of posts exists on an empty blog; any other only with posts in it.
  if (posts.length === 0 && !(file.kind === 'posts' && file.number === 1)) return undefined;
  return posts.map((post) => ({ url: absoluteUrl(routes.post(post.slug)), lastModified: post.updateTime ?? post.publishTime }));
}
