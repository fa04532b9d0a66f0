import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { PostSchema } from '@quire/gen/quire/v1/post_pb';
import { describe, expect, it } from 'vitest';
import {
  EDITOR_UPDATE_MASK,
  EMPTY_POST_VALUES,
  parsePostForm,
  placeFieldErrors,
  postOf,
  tagNames,
  valuesOfPost,
} from './post-form';

describe('parsePostForm', () => {
  it('reads every field and the intent', () => {
    const form = new FormData();
    form.set('id', 'p1');
    form.set('etag', 'e1');
    form.set('title', 'Hello');
    form.set('markdown', '# Hi');
    form.set('intent', 'publish');

    const { values, intent } = parsePostForm(form);

    expect(values).toEqual({ ...EMPTY_POST_VALUES, id: 'p1', etag: 'e1', title: 'Hello', markdown: '# Hi' });
    expect(intent).toBe('publish');
  });

  it('treats an unknown intent as a plain save', () => {
    const form = new FormData();
    form.set('intent', 'launch-missiles');

    expect(parsePostForm(form).intent).toBe('save');
  });
});

describe('valuesOfPost', () => {
  it('fills the editor from a stored post', () => {
    const publishTime = new Date('2026-03-01T09:30:00Z');
    const post = create(PostSchema, {
      id: 'p1',
      etag: 'e7',
      title: 'Hello',
      slug: 'hello',
      markdown: 'Body',
      tags: [
        { slug: 'rust', name: 'Rust' },
        { slug: 'web-dev', name: 'Web dev' },
      ],
      coverImageUrl: 'https://example.com/c.jpg',
      coverImageAlt: 'A cover',
      seo: { metaTitle: 'Meta', metaDescription: 'Desc', canonicalUrl: 'https://example.com/hello' },
      publishTime: timestampFromDate(publishTime),
    });

    expect(valuesOfPost(post)).toEqual({
      id: 'p1',
      etag: 'e7',
      title: 'Hello',
      slug: 'hello',
      markdown: 'Body',
      tags: 'Rust, Web dev',
      coverImageUrl: 'https://example.com/c.jpg',
      coverImageAlt: 'A cover',
      metaTitle: 'Meta',
      metaDescription: 'Desc',
      canonicalUrl: 'https://example.com/hello',
      publishAt: publishTime.toISOString(),
    });
  });
});

describe('postOf', () => {
  it('writes every field but the publish time into the Post message of a save', () => {
    const values = {
      ...EMPTY_POST_VALUES,
      id: 'p1',
      etag: 'e7',
      title: 'Hello',
      slug: 'hello',
      markdown: 'Body',
      tags: ' Rust, Web dev ,Rust',
      coverImageUrl: ' https://example.com/c.jpg ',
      coverImageAlt: 'A cover',
      metaTitle: 'Meta',
      metaDescription: 'Desc',
      canonicalUrl: ' https://example.com/hello ',
      publishAt: '2031-05-04T10:30:00.000Z',
    };

    expect(postOf(values)).toEqual({
      id: 'p1',
      etag: 'e7',
      title: 'Hello',
      slug: 'hello',
      markdown: 'Body',
      tags: [{ name: 'Rust' }, { name: 'Web dev' }],
      coverImageUrl: 'https://example.com/c.jpg',
      coverImageAlt: 'A cover',
      seo: { metaTitle: 'Meta', metaDescription: 'Desc', canonicalUrl: 'https://example.com/hello' },
    });
  });

  it('reads back what valuesOfPost read', () => {
    const post = create(PostSchema, { id: 'p1', etag: 'e1', title: 'Hi', tags: [{ slug: 'rust', name: 'Rust' }] });

    expect(valuesOfPost(create(PostSchema, postOf(valuesOfPost(post))))).toEqual(valuesOfPost(post));
  });
});

describe('EDITOR_UPDATE_MASK', () => {
  it('names exactly the content fields the editor shows', () => {
    expect([...EDITOR_UPDATE_MASK].sort()).toEqual(
      [
        'slug',
        'title',
        'markdown',
        'tags',
        'cover_image_url',
        'cover_image_alt',
        'seo.meta_title',
        'seo.meta_description',
        'seo.canonical_url',
      ].sort(),
    );
  });
});

describe('tagNames', () => {
  it('splits on commas, trims, and drops blanks and repeats', () => {
    expect(tagNames(' Rust,  Web dev ,,Rust, ')).toEqual(['Rust', 'Web dev']);
    expect(tagNames('')).toEqual([]);
  });
});

describe('placeFieldErrors', () => {
  it('puts the engine’s messages beside the fields they name', () => {
    const placed = placeFieldErrors({
      'post.slug': 'must be lower-case letters, digits and single hyphens',
      'post.seo.meta_title': 'must be at most 200 characters',
      'post.tags[3].name': 'must be at most 60 characters',
      publish_time: 'must be in the future',
    });

    expect(placed).toEqual({
      fieldErrors: {
        slug: 'must be lower-case letters, digits and single hyphens',
        metaTitle: 'must be at most 200 characters',
        tags: 'must be at most 60 characters',
        publishAt: 'must be in the future',
      },
      formErrors: [],
    });
  });

  it('keeps violations of fields the editor does not show as form errors', () => {
    expect(placeFieldErrors({ update_mask: 'is required' })).toEqual({
      fieldErrors: {},
      formErrors: ['update_mask: is required'],
    });
  });
});
