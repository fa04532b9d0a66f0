import { describe, expect, it } from 'vitest';
import { tags, tagsOfPosts } from './cache-tags';

describe('tags', () => {
  it('spells the contract’s grammar (Change.cache_tags)', () => {
    expect([tags.posts, tags.slug('hello'), tags.tag('rust'), tags.author('ada')]).toEqual([
      'posts',
      'slug:hello',
      'tag:rust',
      'author:ada',
    ]);
    expect([tags.tagList, tags.authorList, tags.all]).toEqual(['tags', 'authors', 'all']);
  });
});

describe('tagsOfPosts', () => {
  it('collects each author and tag once', () => {
    const posts = [
      { author: { slug: 'ada' }, tags: [{ slug: 'rust' }, { slug: 'meta' }] },
      { author: { slug: 'ada' }, tags: [{ slug: 'rust' }] },
      { author: undefined, tags: [] },
    ];

    expect(tagsOfPosts(posts).sort()).toEqual([tags.author('ada'), tags.tag('meta'), tags.tag('rust')].sort());
  });
});
