import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { PostDetail } from '@/lib/engine/posts';
import { renderAtom } from './atom';
import { absoluteMediaUrls, feedFromPosts } from './feed';
import { renderJsonFeed } from './json-feed';
import { renderRss } from './rss';
import {
  parseSitemapFileName,
  renderSitemap,
  renderSitemapIndex,
  SITEMAP_FILE_URLS,
  sitemapFileName,
  sitemapFileOffset,
  sitemapFiles,
} from './sitemap';

const site = { name: 'Field Notes', description: 'Notes from the field.', url: 'https://blog.example.com' };

function detail(slug: string, fields: Partial<PostDetail> = {}): PostDetail {
  return {
    id: `0193-${slug}`,
    slug,
    kind: 1,
    title: `Title of ${slug}`,
    excerpt: 'An excerpt.',
    readingTimeMinutes: 2,
    coverImageUrl: '',
    coverImageAlt: '',
    coverImageHtml: '',
    publishTime: '2026-01-02T03:04:05.000Z',
    updateTime: '2026-01-05T00:00:00.000Z',
    author: { slug: 'ada', displayName: 'Ada Lovelace', bio: '', avatarUrl: '' },
    tags: [{ slug: 'rust', name: 'Rust' }],
    html: '<p>Body of <em>post</em> &amp; more</p>',
    wordCount: 5,
    commentCount: 0,
    toc: [],
    seo: { metaTitle: '', metaDescription: '', canonicalUrl: '' },
    ...fields,
  };
}

const posts = [
  detail('tricky', { title: 'Fish & chips <3 "quoted"', updateTime: '2026-02-01T00:00:00.000Z' }),
  detail('plain', { coverImageUrl: 'https://cdn.example.com/c.jpg' }),
];
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' });

describe('feedFromPosts', () => {
  it('links the site-wide feed to the home page and the newest change', () => {
    const feed = feedFromPosts(posts, site);

    expect(feed).toMatchObject({
      title: 'Field Notes',
      homeUrl: 'https://blog.example.com/',
      feedUrls: { rss: 'https://blog.example.com/feed/rss.xml' },
      updated: '2026-02-01T00:00:00.000Z',
    });
    expect(feed.entries[0]).toMatchObject({
      id: 'urn:uuid:0193-tricky',
      url: 'https://blog.example.com/tricky',
      author: { name: 'Ada Lovelace', url: 'https://blog.example.com/author/ada' },
      categories: ['Rust'],
    });
  });

  it('scopes a tag’s feed to the tag page', () => {
    const feed = feedFromPosts(posts, site, { tag: { slug: 'rust', name: 'Rust', description: '' } });

    expect(feed.title).toBe('Rust · Field Notes');
    expect(feed.homeUrl).toBe('https://blog.example.com/tag/rust');
    expect(feed.feedUrls.atom).toBe('https://blog.example.com/tag/rust/feed/atom.xml');
  });
});

describe('absoluteMediaUrls', () => {
  const hash = 'ab'.repeat(32);

  it('makes library paths in src and srcset absolute and leaves the rest', () => {
    const html =
      `<p>See /media/${hash}/original.jpg</p><picture><source type="image/avif" srcset="/media/${hash}/320.avif 320w, /media/${hash}/640.avif 640w" sizes="46rem">` +
      `<img src="/media/${hash}/640.jpg" alt="x" srcset="/media/${hash}/320.jpg 320w"></picture><img src="https://cdn.example.com/a.png" alt="y">`;
    expect(absoluteMediaUrls(html, 'https://blog.example.com')).toBe(
      `<p>See /media/${hash}/original.jpg</p><picture><source type="image/avif" srcset="https://blog.example.com/media/${hash}/320.avif 320w, https://blog.example.com/media/${hash}/640.avif 640w" sizes="46rem">` +
        `<img src="https://blog.example.com/media/${hash}/640.jpg" alt="x" srcset="https://blog.example.com/media/${hash}/320.jpg 320w"></picture><img src="https://cdn.example.com/a.png" alt="y">`,
    );
  });
});

describe('renderRss', () => {
  it('is RSS 2.0 that a parser reads back to the same text and full HTML', () => {
    const parsed = parser.parse(renderRss(feedFromPosts(posts, site)));
    const channel = parsed.rss.channel;

    expect(parsed.rss['@version']).toBe('2.0');
    expect(channel.title).toBe('Field Notes');
    expect(channel['atom:link']['@href']).toBe('https://blog.example.com/feed/rss.xml');
    expect(channel.item).toHaveLength(2);
    expect(channel.item[0].title).toBe('Fish & chips <3 "quoted"');
    expect(channel.item[0].guid['#text']).toBe('urn:uuid:0193-tricky');
    expect(channel.item[0].pubDate).toBe('Fri, 02 Jan 2026 03:04:05 GMT');
    expect(channel.item[0]['content:encoded']).toBe('<p>Body of <em>post</em> &amp; more</p>');
  });

  it('escapes plain-text descriptions as HTML, since readers render them as HTML', () => {
    const hostile = [detail('hostile', { excerpt: `<img src=x onerror=alert(1)> & "more"` })];
    const parsed = parser.parse(renderRss(feedFromPosts(hostile, { ...site, description: '<b>bold</b>' })));
    // After XML parsing, what a reader renders as HTML: escaped text, no element.
    expect(parsed.rss.channel.description).toBe('&lt;b&gt;bold&lt;/b&gt;');
    expect(parsed.rss.channel.item.description).toBe('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;more&quot;');
  });
});

describe('renderAtom', () => {
  it('is Atom that a parser reads back', () => {
    const parsed = parser.parse(renderAtom(feedFromPosts(posts, site)));

    expect(parsed.feed['@xmlns']).toBe('http://www.w3.org/2005/Atom');
    expect(parsed.feed.updated).toBe('2026-02-01T00:00:00.000Z');
    expect(parsed.feed.entry).toHaveLength(2);
    expect(parsed.feed.entry[1].link['@href']).toBe('https://blog.example.com/plain');
    expect(parsed.feed.entry[1].content['@type']).toBe('html');
    expect(parsed.feed.entry[1].author.name).toBe('Ada Lovelace');
  });

  it('still has the required updated time without entries', () => {
    const parsed = parser.parse(renderAtom(feedFromPosts([], site)));

    expect(parsed.feed.updated).toBe('1970-01-01T00:00:00.000Z');
  });
});

describe('renderJsonFeed', () => {
  it('is JSON Feed 1.1', () => {
    const parsed = JSON.parse(renderJsonFeed(feedFromPosts(posts, site)));

    expect(parsed.version).toBe('https://jsonfeed.org/version/1.1');
    expect(parsed.feed_url).toBe('https://blog.example.com/feed/feed.json');
    expect(parsed.items[0]).toMatchObject({
      id: 'urn:uuid:0193-tricky',
      title: 'Fish & chips <3 "quoted"',
      content_html: '<p>Body of <em>post</em> &amp; more</p>',
      date_published: '2026-01-02T03:04:05.000Z',
      tags: ['Rust'],
    });
    expect(parsed.items[1].image).toBe('https://cdn.example.com/c.jpg');
  });
});

describe('renderSitemap', () => {
  it('lists absolute URLs with their last change', () => {
    const parsed = parser.parse(
      renderSitemap([
        { url: 'https://blog.example.com/', lastModified: '2026-01-02T03:04:05.000Z' },
        { url: 'https://blog.example.com/tag/a&b' },
      ]),
    );

    expect(parsed.urlset.url).toEqual([
      { loc: 'https://blog.example.com/', lastmod: '2026-01-02T03:04:05.000Z' },
      { loc: 'https://blog.example.com/tag/a&b' },
    ]);
  });
});

describe('the sitemap index', () => {
  it('splits posts and pages into files of at most SITEMAP_FILE_URLS', () => {
    expect(SITEMAP_FILE_URLS).toBeLessThanOrEqual(50_000);
    const names = (posts: number, pages: number) => sitemapFiles({ posts, pages }).map(sitemapFileName);
    expect(names(0, 0)).toEqual(['site.xml', 'posts-1.xml']);
    expect(names(SITEMAP_FILE_URLS, 1)).toEqual(['site.xml', 'posts-1.xml', 'pages-1.xml']);
    expect(names(2 * SITEMAP_FILE_URLS + 1, 0)).toEqual(['site.xml', 'posts-1.xml', 'posts-2.xml', 'posts-3.xml']);
    expect(sitemapFileOffset(1)).toBe(0);
    expect(sitemapFileOffset(3)).toBe(2 * SITEMAP_FILE_URLS);
  });

  it('reads back the names it makes, and nothing else', () => {
    for (const file of sitemapFiles({ posts: 3 * SITEMAP_FILE_URLS, pages: 5 })) {
      expect(parseSitemapFileName(sitemapFileName(file))).toEqual(file);
    }
    for (const name of ['posts-0.xml', 'posts-01.xml', 'posts-1', 'tags-1.xml', 'site', 'posts-9999999.xml', '../site.xml']) {
      expect(parseSitemapFileName(name)).toBeUndefined();
    }
  });

  it('renders an index of sitemap files', () => {
    const parsed = parser.parse(
      renderSitemapIndex([{ url: 'https://blog.example.com/sitemaps/site.xml' }, { url: 'https://blog.example.com/sitemaps/posts-1.xml' }]),
    );
    expect(parsed.sitemapindex.sitemap).toEqual([
      { loc: 'https://blog.example.com/sitemaps/site.xml' },
      { loc: 'https://blog.example.com/sitemaps/posts-1.xml' },
    ]);
  });
});
