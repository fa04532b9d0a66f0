/**
 * SQL for posts: the engine's statements (engine/src/store/posts.rs) on the
 * engine's schema, as named prepared statements so each connection parses
 * and plans them once, as sqlx's statement cache does for the engine.
 */

import type { Instant } from '../pg-types';
import { formatMicros } from '../pg-types';
import type { TocItem } from '../render';
import type { Queryable } from './pool';

/** quire.v1.PostStatus numbers, as stored. */
export const PostStatusNumber = { Draft: 1, Scheduled: 2, Published: 3, Archived: 4 } as const;

/** A post as read, with its author's public profile and its tags. */
export interface PostRow {
  id: string;
  slug: string;
  kind: number;
  status: number;
  title: string;
  markdown: string;
  html: string;
  toc: TocItem[];
  excerpt: string;
  word_count: number;
  reading_time_minutes: number;
  author_id: string;
  author_slug: string;
  author_display_name: string;
  author_bio: string;
  author_avatar_url: string;
  cover_image_url: string;
  cover_image_alt: string;
  meta_title: string;
  meta_description: string;
  canonical_url: string;
  publish_time: Instant | null;
  sort_time: Instant;
  revision: bigint;
  version: bigint;
  comment_count: number;
  create_time: Instant;
  update_time: Instant;
  tag_slugs: string[];
  tag_names: string[];
  previous_slugs: string[];
}

/** How much of a post to read: BASIC leaves out the body (Markdown, HTML, table of contents). */
export type View = 'basic' | 'full';

const columns = (body: string) => `SELECT p.id, p.slug, p.kind, p.status, p.title, ${body},
    p.excerpt, p.word_count, p.reading_time_minutes, p.author_id,
    a.slug AS author_slug, a.display_name AS author_display_name, a.bio AS author_bio,
    a.avatar_url AS author_avatar_url, p.cover_image_url, p.cover_image_alt, p.meta_title,
    p.meta_description, p.canonical_url, p.publish_time, p.sort_time, p.revision, p.version,
    p.comment_count, p.create_time, p.update_time,
    ARRAY(SELECT t.slug FROM post_tags pt JOIN tags t ON t.slug = pt.tag_slug
          WHERE pt.post_id = p.id ORDER BY pt.position) AS tag_slugs,
    ARRAY(SELECT t.name FROM post_tags pt JOIN tags t ON t.slug = pt.tag_slug
          WHERE pt.post_id = p.id ORDER BY pt.position) AS tag_names,
    ARRAY(SELECT h.slug FROM post_slug_history h
          WHERE h.post_id = p.id ORDER BY h.retire_time DESC, h.slug) AS previous_slugs`;

const COLUMNS = {
  basic: columns(`'' AS markdown, '' AS html, '[]'::jsonb AS toc`),
  full: columns('p.markdown, p.html, p.toc'),
};
const FROM = ' FROM posts p JOIN authors a ON a.id = p.author_id ';
const SELECT = { basic: COLUMNS.basic + FROM, full: COLUMNS.full + FROM };

export async function getById(db: Queryable, id: string, view: View): Promise<PostRow | undefined> {
  const result = await db.query<PostRow>({
    name: `post-by-id-${view}`,
    text: `${SELECT[view]} WHERE p.id = $1`,
    values: [id],
  });
  return result.rows[0];
}

/** A post by its current slug, or by an earlier one (then `slugMoved`). */
export async function getBySlug(
  db: Queryable,
  slug: string,
  view: View,
): Promise<{ post: PostRow; slugMoved: boolean } | undefined> {
  const current = await db.query<PostRow>({
    name: `post-by-slug-${view}`,
    text: `${SELECT[view]} WHERE p.slug = $1`,
    values: [slug],
  });
  if (current.rows[0]) return { post: current.rows[0], slugMoved: false };
  const earlier = await db.query<PostRow>({
    name: `post-by-old-slug-${view}`,
    text: `${SELECT[view]} WHERE p.id = (SELECT post_id FROM post_slug_history WHERE slug = $1)`,
    values: [slug],
  });
  return earlier.rows[0] && { post: earlier.rows[0], slugMoved: true };
}

/** Filters of a listing. */
export interface ListFilter {
  statuses: number[];
  kind: number;
  tagSlug: string | null;
  authorSlug: string | null;
  /** Restricts unpublished posts to this author's. */
  unpublishedOwner: string | null;
}

const LIST_WHERE = ` WHERE p.status = ANY($1) AND p.kind = $2
    AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM post_tags pt WHERE pt.post_id = p.id AND pt.tag_slug = $3))
    AND ($4::text IS NULL OR a.slug = $4)
    AND ($5::uuid IS NULL OR p.status = 3 OR p.author_id = $5) `;

const filterValues = (f: ListFilter) => [f.statuses, f.kind, f.tagSlug, f.authorSlug, f.unpublishedOwner];

/** Posts newest first, after the keyset position `after` (sort time in microseconds, id). */
export async function list(
  db: Queryable,
  filter: ListFilter,
  view: View,
  after: { micros: bigint; id: string } | null,
  limit: number,
): Promise<PostRow[]> {
  const result = await db.query<PostRow>({
    name: `list-posts-${view}`,
    text: `${SELECT[view]}${LIST_WHERE} AND ($6::timestamptz IS NULL OR (p.sort_time, p.id) < ($6, $7))
      ORDER BY p.sort_time DESC, p.id DESC LIMIT $8`,
    values: [...filterValues(filter), after && formatMicros(after.micros), after?.id ?? null, limit],
  });
  return result.rows;
}

/** How many posts a listing matches. */
export async function count(db: Queryable, filter: ListFilter): Promise<number> {
  const result = await db.query<{ count: bigint }>({
    name: 'count-posts',
    text: `SELECT count(*) FROM posts p JOIN authors a ON a.id = p.author_id ${LIST_WHERE}`,
    values: filterValues(filter),
  });
  return Number(result.rows[0]?.count ?? 0n);
}

export interface SearchHit extends PostRow {
  score: number;
  snippet_html: string;
}

const SEARCH_WHERE = ` WHERE p.status = 3 AND p.kind = 1 AND p.search @@ websearch_to_tsquery('english', $1)
    AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM post_tags pt WHERE pt.post_id = p.id AND pt.tag_slug = $2)) `;

/**
 * Full-text search over published posts, most relevant first. Snippets come
 * from PostgreSQL's ts_headline over the plain text, escaped first so that
 * the only markup in them is the `<mark>` asked for.
 */
export async function search(
  db: Queryable,
  query: string,
  tagSlug: string | null,
  offset: number,
  limit: number,
): Promise<SearchHit[]> {
  const result = await db.query<SearchHit>({
    name: 'search-posts',
    text: `WITH hits AS (
        SELECT p.id, ts_rank_cd(p.search, websearch_to_tsquery('english', $1), 32) AS score
        FROM posts p ${SEARCH_WHERE}
        ORDER BY score DESC, p.sort_time DESC, p.id DESC OFFSET $3 LIMIT $4
      )
      ${COLUMNS.basic}, hits.score,
        ts_headline('english',
          replace(replace(replace(p.plain_text, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
          websearch_to_tsquery('english', $1),
          'StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=" … "'
        ) AS snippet_html
      FROM hits JOIN posts p ON p.id = hits.id JOIN authors a ON a.id = p.author_id
      ORDER BY hits.score DESC, p.sort_time DESC, p.id DESC`,
    values: [query, tagSlug, offset, limit],
  });
  return result.rows;
}

export async function searchCount(db: Queryable, query: string, tagSlug: string | null): Promise<number> {
  const result = await db.query<{ count: bigint }>({
    name: 'count-search',
    text: `SELECT count(*) FROM posts p ${SEARCH_WHERE}`,
    values: [query, tagSlug],
  });
  return Number(result.rows[0]?.count ?? 0n);
}

/** The content of a new post, rendered. */
export interface NewPost {
  id: string;
  slug: string;
  kind: number;
  title: string;
  markdown: string;
  html: string;
  toc: TocItem[];
  excerpt: string;
  plainText: string;
  wordCount: number;
  readingTimeMinutes: number;
  authorId: string;
  coverImageUrl: string;
  coverImageAlt: string;
  metaTitle: string;
  metaDescription: string;
  canonicalUrl: string;
  /** [slug, name] pairs in the author's order. */
  tags: [string, string][];
}

/** The unique index whose violation means "this slug is taken". */
export const SLUG_CONSTRAINT = 'posts_slug_key';

/**
 * Inserts a new draft with its tags and its first revision, in the caller's
 * transaction. A slug in use fails with a unique violation on SLUG_CONSTRAINT.
 */
export async function insert(db: Queryable, post: NewPost): Promise<void> {
  // The slug may be an earlier slug of another post: it now finds this one.
  await db.query({
    name: 'forget-old-slug',
    text: 'DELETE FROM post_slug_history WHERE slug = $1',
    values: [post.slug],
  });
  await db.query({
    name: 'insert-post',
    text: `INSERT INTO posts (id, slug, kind, status, title, markdown, html, toc, excerpt, plain_text, word_count,
        reading_time_minutes, author_id, cover_image_url, cover_image_alt, meta_title, meta_description,
        canonical_url, sort_time)
      VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, now())`,
    values: [
      post.id,
      post.slug,
      post.kind,
      post.title,
      post.markdown,
      post.html,
      JSON.stringify(post.toc),
      post.excerpt,
      post.plainText,
      post.wordCount,
      post.readingTimeMinutes,
      post.authorId,
      post.coverImageUrl,
      post.coverImageAlt,
      post.metaTitle,
      post.metaDescription,
      post.canonicalUrl,
    ],
  });
  if (post.tags.length > 0) {
    const slugs = post.tags.map(([slug]) => slug);
    const names = post.tags.map(([, name]) => name);
    // name_key: the engine's domain::name_key (Unicode lower case).
    const keys = names.map((name) => name.trim().toLowerCase());
    await db.query({
      name: 'upsert-tags',
      text: 'INSERT INTO tags (slug, name, name_key) SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING',
      values: [slugs, names, keys],
    });
    await db.query({
      name: 'insert-post-tags',
      text: `INSERT INTO post_tags (post_id, tag_slug, position)
        SELECT $1, slug, ordinality::smallint FROM unnest($2::text[]) WITH ORDINALITY AS t(slug, ordinality)`,
      values: [post.id, slugs],
    });
  }
  await db.query({
    name: 'insert-first-revision',
    text: `INSERT INTO post_revisions (post_id, revision, slug, title, markdown, tags, cover_image_url,
        cover_image_alt, meta_title, meta_description, canonical_url, editor_id)
      VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL)`,
    values: [
      post.id,
      post.slug,
      post.title,
      post.markdown,
      JSON.stringify(post.tags),
      post.coverImageUrl,
      post.coverImageAlt,
      post.metaTitle,
      post.metaDescription,
      post.canonicalUrl,
    ],
  });
}

export async function authorExists(db: Queryable, id: string): Promise<boolean> {
  const result = await db.query({ name: 'author-exists', text: 'SELECT 1 FROM authors WHERE id = $1', values: [id] });
  return result.rowCount === 1;
}
