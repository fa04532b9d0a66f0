import { PostStatus } from '@quire/gen/quire/v1/post_pb';
import { describe, expect, it } from 'vitest';
import { parseStatusFilter, statusesOf } from './post-status';
import { adminRoutes } from './routes';

describe('the post list filter', () => {
  it('reads the status from the URL, defaulting to all', () => {
    expect(parseStatusFilter('draft')).toBe('draft');
    expect(parseStatusFilter('nonsense')).toBe('all');
    expect(parseStatusFilter(['draft', 'published'])).toBe('all');
    expect(parseStatusFilter(undefined)).toBe('all');
  });

  it('asks ListPosts for every state when showing all', () => {
    expect(statusesOf('all').sort()).toEqual(
      [PostStatus.DRAFT, PostStatus.SCHEDULED, PostStatus.PUBLISHED, PostStatus.ARCHIVED].sort(),
    );
    expect(statusesOf('scheduled')).toEqual([PostStatus.SCHEDULED]);
  });

  it('round-trips through the list URL', () => {
    expect(adminRoutes.posts()).toBe('/admin');
    expect(adminRoutes.posts({ status: 'all' })).toBe('/admin');
    expect(adminRoutes.posts({ status: 'draft', after: 'tok/en+=' })).toBe('/admin?status=draft&after=tok%2Fen%2B%3D');
  });

  it('keeps ids from the form inside their path segment', () => {
    expect(adminRoutes.preview('../../x?y')).toBe('/admin/preview/..%2F..%2Fx%3Fy');
    expect(adminRoutes.editPost('0b7c6f1e-8a4d', 'saved')).toBe('/admin/posts/0b7c6f1e-8a4d?notice=saved');
  });
});
