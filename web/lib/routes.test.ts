import { describe, expect, it } from 'vitest';
import { feedFormatOf, routes } from './routes';

describe('routes', () => {
  it('gives the first page of a listing no page number', () => {
    expect(routes.home()).toBe('/');
    expect(routes.home(1)).toBe('/');
    expect(routes.home(2)).toBe('/page/2');
    expect(routes.tag('rust')).toBe('/tag/rust');
    expect(routes.tag('rust', 3)).toBe('/tag/rust/page/3');
    expect(routes.author('ada', 2)).toBe('/author/ada/page/2');
  });

  it('builds post, feed, image and search URLs', () => {
    expect(routes.post('hello')).toBe('/hello');
    expect(routes.feed('rss')).toBe('/feed/rss.xml');
    expect(routes.feed('json', 'rust')).toBe('/tag/rust/feed/feed.json');
    expect(routes.ogImage('hello')).toBe('/og/hello');
    expect(routes.search()).toBe('/search');
    expect(routes.search('borrow checker', 'tok en')).toBe('/search?q=borrow+checker&after=tok+en');
  });

  it('maps a feed file name back to its format', () => {
    expect(feedFormatOf('rss.xml')).toBe('rss');
    expect(feedFormatOf('atom.xml')).toBe('atom');
    expect(feedFormatOf('feed.json')).toBe('json');
    expect(feedFormatOf('feed.xml')).toBeUndefined();
  });
});
