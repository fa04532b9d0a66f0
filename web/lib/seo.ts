import type { Metadata } from 'next';
import type { PostDetail } from '@/lib/engine/posts';
import { type FeedFormat, routes } from '@/lib/routes';
import type { Site } from '@/lib/site';

/**
 * Search engine and social sharing metadata, built from the data layer's
 * projections. Pure: the site (name, origin) is passed in.
 */

/** The size Open Graph and Twitter cards are drawn at (and that the generated images have). */
export const OG_IMAGE_SIZE = { width: 1200, height: 630 } as const;

const absolute = (site: Site, path: string) => new URL(path, site.url).toString();

const FEED_TYPES: Record<FeedFormat, { type: string; label: string }> = {
  rss: { type: 'application/rss+xml', label: 'RSS' },
  atom: { type: 'application/atom+xml', label: 'Atom' },
  json: { type: 'application/feed+json', label: 'JSON Feed' },
};

/**
 * `<link rel="alternate">` to the site's feeds (and a tag's), so that feed
 * readers find them from any page. Every page's metadata carries them: a
 * page's `alternates` replaces the layout's rather than merging with it.
 */
export function feedAlternates(site: Site, tag?: { slug: string; name: string }) {
  const types: Record<string, { url: string; title: string }[]> = {};
  for (const format of Object.keys(FEED_TYPES) as FeedFormat[]) {
    const { type, label } = FEED_TYPES[format];
    types[type] = [
      { url: absolute(site, routes.feed(format)), title: `${site.name} (${label})` },
      ...(tag ? [{ url: absolute(site, routes.feed(format, tag.slug)), title: `${tag.name} · ${site.name} (${label})` }] : []),
    ];
  }
  return types;
}

/** The URL search engines should index for `post`: its own, unless it was first published elsewhere. */
export function canonicalUrlOf(post: Pick<PostDetail, 'slug' | 'seo'>, site: Site): string {
  return post.seo.canonicalUrl || absolute(site, routes.post(post.slug));
}

/**
 * A cover's absolute URL: a media library path (`/media/…`) under the site;
 * any other cover is an absolute URL already, passed on as the engine took it.
 */
export function coverImageUrlOf(coverImageUrl: string, site: Site): string {
  return coverImageUrl.startsWith('/') ? absolute(site, coverImageUrl) : coverImageUrl;
}

/** The post's cover image, or the image generated for it (app/og/[slug]). */
export function socialImageOf(post: Pick<PostDetail, 'slug' | 'title' | 'coverImageUrl' | 'coverImageAlt'>, site: Site) {
  return post.coverImageUrl
    ? { url: coverImageUrlOf(post.coverImageUrl, site), alt: post.coverImageAlt || post.title }
    : { url: absolute(site, routes.ogImage(post.slug)), alt: post.title, ...OG_IMAGE_SIZE };
}

export function postMetadata(post: PostDetail, site: Site): Metadata {
  const title = post.seo.metaTitle || post.title;
  const description = post.seo.metaDescription || post.excerpt;
  const url = canonicalUrlOf(post, site);
  const image = socialImageOf(post, site);
  return {
    title,
    description,
    alternates: { canonical: url, types: feedAlternates(site) },
    authors: post.author ? [{ name: post.author.displayName, url: absolute(site, routes.author(post.author.slug)) }] : [],
    openGraph: {
      type: 'article',
      url,
      title,
      description,
      siteName: site.name,
      publishedTime: post.publishTime,
      modifiedTime: post.updateTime,
      authors: post.author ? [absolute(site, routes.author(post.author.slug))] : [],
      tags: post.tags.map((tag) => tag.name),
      images: [image],
    },
    twitter: { card: 'summary_large_image', title, description, images: [image] },
  };
}

/** Metadata of a listing page (home, tag, author): its own canonical URL, and a website card. */
export function listingMetadata(
  site: Site,
  {
    title,
    description,
    path,
    tag,
  }: { title?: string; description: string; path: string; tag?: { slug: string; name: string } },
): Metadata {
  const url = absolute(site, path);
  return {
    ...(title ? { title } : {}),
    description,
    alternates: { canonical: url, types: feedAlternates(site, tag) },
    openGraph: { type: 'website', url, title: title ?? site.name, description, siteName: site.name },
    twitter: { card: 'summary', title: title ?? site.name, description },
  };
}

/** schema.org BlogPosting for a post (JSON-LD). */
export function blogPostingJsonLd(post: PostDetail, site: Site): Record<string, unknown> {
  const url = canonicalUrlOf(post, site);
  return {
    '@context': 'https://schema.org',
    '@type': 'BlogPosting',
    headline: post.title,
    description: post.seo.metaDescription || post.excerpt,
    url,
    mainEntityOfPage: { '@type': 'WebPage', '@id': url },
    image: [socialImageOf(post, site).url],
    datePublished: post.publishTime,
    dateModified: post.updateTime ?? post.publishTime,
    wordCount: post.wordCount,
    keywords: post.tags.map((tag) => tag.name),
    ...(post.author
      ? {
          author: {
            '@type': 'Person',
            name: post.author.displayName,
            url: absolute(site, routes.author(post.author.slug)),
          },
        }
      : {}),
    publisher: { '@type': 'Organization', name: site.name, url: site.url },
  };
}

/**
 * JSON for an inline `<script type="application/ld+json">`. `<` is escaped so
 * that text from a post (`</script>`) cannot end the script element.
 */
export function jsonLdText(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}
