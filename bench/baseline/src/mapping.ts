/** Stored rows to API messages, field for field as the engine maps them (engine/src/grpc/mapping.rs). */

import { create } from '@bufbuild/protobuf';
import type { Timestamp } from '@bufbuild/protobuf/wkt';
import { TimestampSchema } from '@bufbuild/protobuf/wkt';
import type { Post } from '@quire/gen/quire/v1/post_pb';
import { PostSchema } from '@quire/gen/quire/v1/post_pb';
import type { Instant } from './pg-types';
import type { PostRow } from './store/posts';

function timestamp(instant: Instant): Timestamp {
  return create(TimestampSchema, { seconds: instant.seconds, nanos: instant.nanos });
}

/** The etag of a stored version: the number, quoted so clients treat it as opaque. */
export const etagOf = (version: bigint) => `"${version}"`;

export function postMessage(row: PostRow): Post {
  return create(PostSchema, {
    id: row.id,
    slug: row.slug,
    kind: row.kind,
    title: row.title,
    markdown: row.markdown,
    html: row.html,
    toc: row.toc,
    excerpt: row.excerpt,
    wordCount: row.word_count,
    readingTimeMinutes: row.reading_time_minutes,
    tags: row.tag_slugs.map((slug, i) => ({ slug, name: row.tag_names[i] ?? '' })),
    authorId: row.author_id,
    author: {
      id: row.author_id,
      slug: row.author_slug,
      displayName: row.author_display_name,
      bio: row.author_bio,
      avatarUrl: row.author_avatar_url,
    },
    status: row.status,
    publishTime: row.publish_time ? timestamp(row.publish_time) : undefined,
    createTime: timestamp(row.create_time),
    updateTime: timestamp(row.update_time),
    etag: etagOf(row.version),
    coverImageUrl: row.cover_image_url,
    coverImageAlt: row.cover_image_alt,
    seo: {
      metaTitle: row.meta_title,
      metaDescription: row.meta_description,
      canonicalUrl: row.canonical_url,
    },
    revision: row.revision,
    previousSlugs: row.previous_slugs,
    commentCount: row.comment_count,
  });
}
