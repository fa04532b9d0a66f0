import { ImageResponse } from 'next/og';
import { cacheLife } from 'next/cache';
import { notFound } from 'next/navigation';
import { getPost } from '@/lib/engine/posts';
import { paramsToPrerender } from '@/lib/engine/prerender';
import { formatDate } from '@/lib/format';
import { PostCardImage, postCardFonts } from '@/lib/og/post-card';
import { isSlug } from '@/lib/route-params';
import { OG_IMAGE_SIZE } from '@/lib/seo';
import { site } from '@/lib/site';

/**
 * The Open Graph image of a post without a cover image (lib/seo.ts links it):
 * its title, author and date on the site's colours (lib/og/post-card.tsx), in
 * fonts that cover the scripts titles are written in. Cached like the pages.
 */

export async function generateStaticParams() {
  return paramsToPrerender('/og/[slug]', async () => [], ['slug']);
}

export async function GET(_request: Request, { params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  if (!isSlug(slug)) notFound();
  const png = await cardImage(slug);
  if (!png) notFound();
  return new Response(png, { headers: { 'content-type': 'image/png' } });
}

/**
 * The card of a published post as PNG bytes, or undefined. Cached (with the
 * post's tags, from getPost) because reading the fonts is I/O that would
 * otherwise make the route render on every request.
 */
async function cardImage(slug: string): Promise<Uint8Array<ArrayBuffer> | undefined> {
  'use cache';
  cacheLife('hours');

  const lookup = await getPost(slug);
  if (lookup.kind !== 'found') return undefined;
  const { post } = lookup;
  const byline = [post.author?.displayName, post.publishTime && formatDate(post.publishTime)].filter(Boolean).join(' · ');
  const card = { siteName: site().name, title: post.title, byline };
  const image = new ImageResponse(<PostCardImage {...card} />, { ...OG_IMAGE_SIZE, fonts: await postCardFonts(card) });
  return new Uint8Array(await image.arrayBuffer());
}
