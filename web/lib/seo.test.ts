import { describe, expect, it } from 'vitest';
import type { PostDetail } from '@/lib/engine/posts';
import { blogPostingJsonLd, coverImageUrlOf, jsonLdText, listingMetadata, postMetadata } from './seo';

const site = { name: 'Field Notes', description: 'Notes from the field.', url: 'https://blog.example.com' };

const post: PostDetail = {
  id: 'p1',
  slug: 'hello',
  kind: 1,
  title: 'Hello',
  excerpt: 'The excerpt.',
  readingTimeMinutes: 1,
  coverImageUrl: '',
  coverImageAlt: '',
  coverImageHtml: '',
  publishTime: '2026-01-02T03:04:05.000Z',
  updateTime: '2026-01-03T00:00:00.000Z',
  author: { slug: 'ada', displayName: 'Ada Lovelace', bio: '', avatarUrl: '' },
  tags: [{ slug: 'rust', name: 'Rust' }],
  html: '<p>Hi</p>',
  wordCount: 1,
  commentCount: 0,
  toc: [],
  seo: { metaTitle: '', metaDescription: '', canonicalUrl: '' },
};

describe('postMetadata', () => {
  it('falls back to the title, excerpt, own URL and generated image', () => {
    const metadata = postMetadata(post, site);

    expect(metadata.title).toBe('Hello');
    expect(metadata.description).toBe('The excerpt.');
    expect(metadata.alternates?.canonical).toBe('https://blog.example.com/hello');
    expect(metadata.openGraph).toMatchObject({
      type: 'article',
      url: 'https://blog.example.com/hello',
      publishedTime: '2026-01-02T03:04:05.000Z',
      tags: ['Rust'],
      images: [{ url: 'https://blog.example.com/og/hello', width: 1200, height: 630, alt: 'Hello' }],
    });
    expect(metadata.twitter).toMatchObject({ card: 'summary_large_image' });
  });

  it('prefers the post’s SEO fields and cover image', () => {
    const metadata = postMetadata(
      {
        ...post,
        coverImageUrl: 'https://cdn.example.com/cover.jpg',
        coverImageAlt: 'A cover',
        seo: { metaTitle: 'SEO title', metaDescription: 'SEO text', canonicalUrl: 'https://elsewhere.example/hello' },
      },
      site,
    );

    expect(metadata.title).toBe('SEO title');
    expect(metadata.description).toBe('SEO text');
    expect(metadata.alternates?.canonical).toBe('https://elsewhere.example/hello');
    expect(metadata.openGraph?.images).toEqual([{ url: 'https://cdn.example.com/cover.jpg', alt: 'A cover' }]);
  });

  it('passes other covers on as the engine took them, even ones a URL parser refuses', () => {
    expect(coverImageUrlOf('https://%zz/cover.jpg', site)).toBe('https://%zz/cover.jpg');
  });

  it('makes a media library cover absolute', () => {
    const path = `/media/${'ab'.repeat(32)}/original.jpg`;
    const metadata = postMetadata({ ...post, coverImageUrl: path, coverImageAlt: 'A cover' }, site);
    expect(metadata.openGraph?.images).toEqual([{ url: `https://blog.example.com${path}`, alt: 'A cover' }]);
  });
});

describe('listingMetadata', () => {
  it('gives a listing its canonical URL', () => {
    const metadata = listingMetadata(site, { title: 'Rust', description: 'Posts about Rust.', path: '/tag/rust/page/2' });

    expect(metadata.alternates?.canonical).toBe('https://blog.example.com/tag/rust/page/2');
    expect(metadata.openGraph).toMatchObject({ type: 'website', title: 'Rust', siteName: 'Field Notes' });
  });
});

describe('blogPostingJsonLd', () => {
  it('describes the post as a schema.org BlogPosting', () => {
    expect(blogPostingJsonLd(post, site)).toMatchObject({
      '@context': 'https://schema.org',
      '@type': 'BlogPosting',
      headline: 'Hello',
      url: 'https://blog.example.com/hello',
      datePublished: '2026-01-02T03:04:05.000Z',
      dateModified: '2026-01-03T00:00:00.000Z',
      author: { '@type': 'Person', name: 'Ada Lovelace', url: 'https://blog.example.com/author/ada' },
      image: ['https://blog.example.com/og/hello'],
    });
  });

  it('cannot close its script element', () => {
    const text = jsonLdText({ headline: '</script><script>alert(1)</script>' });

    expect(text).not.toContain('</script>');
    expect(JSON.parse(text)).toEqual({ headline: '</script><script>alert(1)</script>' });
  });
});
