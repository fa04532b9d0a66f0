import { create } from '@bufbuild/protobuf';
import { ChangeKind, ChangeSchema } from '@quire/gen/quire/v1/change_pb';
import { PostKind, PostStatus } from '@quire/gen/quire/v1/post_pb';
import { describe, expect, it } from 'vitest';
import { type PostTagFacts, tags, tagsForChange, tagsForPostMutation, tagsOfPosts } from './cache-tags';

const change = (fields: Parameters<typeof create<typeof ChangeSchema>>[1]) => create(ChangeSchema, fields);

describe('tagsForChange', () => {
  it('drops a published post, its listings, its tags and its author', () => {
    const published = change({
      kind: ChangeKind.POST_PUBLISHED,
      slug: 'hello',
      postKind: PostKind.POST,
      status: PostStatus.PUBLISHED,
      tagSlugs: ['rust', 'meta'],
      authorSlug: 'ada',
    });

    expect(tagsForChange(published).sort()).toEqual(
      ['post:hello', 'posts', 'tag:rust', 'tag:meta', 'author:ada'].sort(),
    );
  });

  it('drops the previous slug, removed tags and previous author of an edit', () => {
    const renamed = change({
      kind: ChangeKind.POST_UPDATED,
      slug: 'new-name',
      previousSlug: 'old-name',
      status: PostStatus.PUBLISHED,
      wasPublished: true,
      tagSlugs: ['rust'],
      removedTagSlugs: ['go'],
      authorSlug: 'grace',
      previousAuthorSlug: 'ada',
    });

    expect(tagsForChange(renamed).sort()).toEqual(
      ['post:new-name', 'post:old-name', 'posts', 'tag:rust', 'tag:go', 'author:grace', 'author:ada'].sort(),
    );
  });

  it('drops what an unpublished or deleted post was shown on', () => {
    const unpublished = change({
      kind: ChangeKind.POST_UNPUBLISHED,
      slug: 'gone',
      status: PostStatus.DRAFT,
      wasPublished: true,
      tagSlugs: ['rust'],
      authorSlug: 'ada',
    });

    expect(tagsForChange(unpublished).sort()).toEqual(['author:ada', 'post:gone', 'posts', 'tag:rust']);
  });

  it('drops nothing for a draft that readers never saw', () => {
    const draftEdit = change({ kind: ChangeKind.POST_UPDATED, slug: 'wip', status: PostStatus.DRAFT, tagSlugs: ['rust'] });
    const created = change({ kind: ChangeKind.POST_CREATED, slug: 'wip', status: PostStatus.DRAFT });

    expect(tagsForChange(draftEdit)).toEqual([]);
    expect(tagsForChange(created)).toEqual([]);
  });

  it('drops only the post page when its comments change', () => {
    const comments = change({ kind: ChangeKind.COMMENTS_CHANGED, slug: 'hello', status: PostStatus.PUBLISHED });

    expect(tagsForChange(comments)).toEqual(['post:hello']);
  });

  it('drops a tag or an author that was edited', () => {
    expect(tagsForChange(change({ kind: ChangeKind.TAG_UPDATED, tagSlug: 'rust' }))).toEqual(['tag:rust']);
    expect(tagsForChange(change({ kind: ChangeKind.AUTHOR_UPDATED, authorSlug: 'ada' }))).toEqual(['author:ada']);
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

describe('tagsForPostMutation', () => {
  const post = (fields: Partial<PostTagFacts> = {}): PostTagFacts => ({
    slug: 'hello',
    status: PostStatus.PUBLISHED,
    tags: [{ slug: 'rust' }],
    author: { slug: 'ada' },
    ...fields,
  });

  it('drops the old and new slug, tags and author of an edit to a published post', () => {
    const before = post({ slug: 'old-name', tags: [{ slug: 'go' }], author: { slug: 'grace' } });
    const after = post({ slug: 'new-name', tags: [{ slug: 'rust' }] });

    expect(tagsForPostMutation(before, after).sort()).toEqual(
      ['post:new-name', 'post:old-name', 'posts', 'tag:rust', 'tag:go', 'author:grace', 'author:ada'].sort(),
    );
  });

  it('drops the listings when a draft is published, and again when it is withdrawn', () => {
    const draft = post({ status: PostStatus.DRAFT });

    expect(tagsForPostMutation(draft, post()).sort()).toEqual(['author:ada', 'post:hello', 'posts', 'tag:rust']);
    expect(tagsForPostMutation(post(), post({ status: PostStatus.ARCHIVED })).sort()).toEqual([
      'author:ada',
      'post:hello',
      'posts',
      'tag:rust',
    ]);
  });

  it('drops what a deleted published post was shown on', () => {
    expect(tagsForPostMutation(post(), undefined).sort()).toEqual(['author:ada', 'post:hello', 'posts', 'tag:rust']);
  });

  it('drops nothing for drafts and scheduled posts that readers never saw', () => {
    expect(tagsForPostMutation(undefined, post({ status: PostStatus.DRAFT }))).toEqual([]);
    expect(tagsForPostMutation(post({ status: PostStatus.DRAFT }), post({ status: PostStatus.SCHEDULED }))).toEqual([]);
    expect(tagsForPostMutation(post({ status: PostStatus.DRAFT }), undefined)).toEqual([]);
  });

  it('agrees with tagsForChange on the same edit', () => {
    const fromChange = tagsForChange(
      change({
        kind: ChangeKind.POST_UPDATED,
        slug: 'hello',
        previousSlug: 'hi',
        status: PostStatus.PUBLISHED,
        wasPublished: true,
        tagSlugs: ['rust'],
        authorSlug: 'ada',
      }),
    );

    expect(tagsForPostMutation(post({ slug: 'hi' }), post()).sort()).toEqual(fromChange.sort());
  });
});
