//! SQL for posts, their tags, slug history and revisions.

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

use super::{StoreError, taken_if_unique};
use crate::render::TocItem;

/// Lifecycle numbers (quire.v1.PostStatus).
pub mod status {
    /// Not visible to readers.
    pub const DRAFT: i16 = 1;
    /// Waiting for its publish time.
    pub const SCHEDULED: i16 = 2;
    /// Visible to readers.
    pub const PUBLISHED: i16 = 3;
    /// Withdrawn and kept.
    pub const ARCHIVED: i16 = 4;
}

/// A post as read, with its author's public profile and its tags.
#[derive(Debug, Clone, Default, FromRow)]
pub struct PostRecord {
    pub id: Uuid,
    pub slug: String,
    pub kind: i16,
    pub status: i16,
    pub title: String,
    pub markdown: String,
    pub html: String,
    pub toc: Json<Vec<TocItem>>,
    pub excerpt: String,
    pub word_count: i32,
    pub reading_time_minutes: i32,
    pub author_id: Uuid,
    pub author_slug: String,
    pub author_display_name: String,
    pub author_bio: String,
    pub author_avatar_url: String,
    pub cover_image_url: String,
    pub cover_image_alt: String,
    /// The cover's `<picture>` when it is a library item, else empty.
    pub cover_html: String,
    pub meta_title: String,
    pub meta_description: String,
    pub canonical_url: String,
    pub publish_time: Option<DateTime<Utc>>,
    pub sort_time: DateTime<Utc>,
    pub revision: i64,
    pub version: i64,
    pub comment_count: i32,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    pub tag_slugs: Vec<String>,
    pub tag_names: Vec<String>,
    pub previous_slugs: Vec<String>,
}

/// How much of a post to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Without the body (Markdown, HTML, table of contents).
    Basic,
    /// Everything.
    Full,
}

macro_rules! post_columns {
    ($body:literal) => {
        concat!(
            "SELECT p.id, p.slug, p.kind, p.status, p.title, ",
            $body,
            ", p.excerpt, p.word_count, p.reading_time_minutes, p.author_id,
               a.slug AS author_slug, a.display_name AS author_display_name, a.bio AS author_bio,
               a.avatar_url AS author_avatar_url, p.cover_image_url, p.cover_image_alt, p.cover_html, p.meta_title,
               p.meta_description, p.canonical_url, p.publish_time, p.sort_time, p.revision, p.version,
               p.comment_count, p.create_time, p.update_time,
               ARRAY(SELECT t.slug FROM post_tags pt JOIN tags t ON t.slug = pt.tag_slug
                     WHERE pt.post_id = p.id ORDER BY pt.position) AS tag_slugs,
               ARRAY(SELECT t.name FROM post_tags pt JOIN tags t ON t.slug = pt.tag_slug
                     WHERE pt.post_id = p.id ORDER BY pt.position) AS tag_names,
               ARRAY(SELECT h.slug FROM post_slug_history h
                     WHERE h.post_id = p.id ORDER BY h.retire_time DESC, h.slug) AS previous_slugs "
        )
    };
}

macro_rules! from_posts {
    () => {
        " FROM posts p JOIN authors a ON a.id = p.author_id "
    };
}

const COLUMNS_BASIC: &str = post_columns!("'' AS markdown, '' AS html, '[]'::jsonb AS toc");
const SELECT_FULL: &str = concat!(post_columns!("p.markdown, p.html, p.toc"), from_posts!());
const SELECT_BASIC: &str = concat!(
    post_columns!("'' AS markdown, '' AS html, '[]'::jsonb AS toc"),
    from_posts!()
);

fn select(view: View) -> &'static str {
    match view {
        View::Basic => SELECT_BASIC,
        View::Full => SELECT_FULL,
    }
}

/// Reads a post by id.
#[tracing::instrument(name = "db.posts.get_by_id", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn get_by_id(
    conn: &mut PgConnection,
    id: Uuid,
    view: View,
) -> Result<PostRecord, StoreError> {
    let sql = format!("{} WHERE p.id = $1", select(view));
    Ok(sqlx::query_as::<_, PostRecord>(&sql)
        .bind(id)
        .fetch_one(conn)
        .await?)
}

/// Reads a post by its current slug, or by an earlier one (then `true`).
#[tracing::instrument(name = "db.posts.get_by_slug", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn get_by_slug(
    conn: &mut PgConnection,
    slug: &str,
    view: View,
) -> Result<(PostRecord, bool), StoreError> {
    let sql = format!("{} WHERE p.slug = $1", select(view));
    if let Some(post) = sqlx::query_as::<_, PostRecord>(&sql)
        .bind(slug)
        .fetch_optional(&mut *conn)
        .await?
    {
        return Ok((post, false));
    }
    let sql = format!(
        "{} WHERE p.id = (SELECT post_id FROM post_slug_history WHERE slug = $1)",
        select(view)
    );
    let post = sqlx::query_as::<_, PostRecord>(&sql)
        .bind(slug)
        .fetch_one(conn)
        .await?;
    Ok((post, true))
}

/// Filters of a listing.
#[derive(Debug, Clone)]
pub struct ListFilter {
    pub statuses: Vec<i16>,
    pub kind: i16,
    pub tag_slug: Option<String>,
    pub author_slug: Option<String>,
    /// Restricts unpublished posts to this author's (contributors see only their own).
    pub unpublished_owner: Option<Uuid>,
}

const LIST_WHERE: &str = " WHERE p.status = ANY($1) AND p.kind = $2
    AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM post_tags pt WHERE pt.post_id = p.id AND pt.tag_slug = $3))
    AND ($4::text IS NULL OR a.slug = $4)
    AND ($5::uuid IS NULL OR p.status = 3 OR p.author_id = $5) ";

/// Lists posts newest first, after the keyset position `after` (sort time,
/// id), skipping `skip` posts first.
#[tracing::instrument(name = "db.posts.list", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn list(
    conn: &mut PgConnection,
    filter: &ListFilter,
    view: View,
    after: Option<(DateTime<Utc>, Uuid)>,
    skip: i64,
    limit: i64,
) -> Result<Vec<PostRecord>, StoreError> {
    let sql = format!(
        "{}{LIST_WHERE} AND ($6::timestamptz IS NULL OR (p.sort_time, p.id) < ($6, $7))
         ORDER BY p.sort_time DESC, p.id DESC OFFSET $9 LIMIT $8",
        select(view)
    );
    Ok(sqlx::query_as::<_, PostRecord>(&sql)
        .bind(&filter.statuses)
        .bind(filter.kind)
        .bind(&filter.tag_slug)
        .bind(&filter.author_slug)
        .bind(filter.unpublished_owner)
        .bind(after.map(|(time, _)| time))
        .bind(after.map(|(_, id)| id))
        .bind(limit)
        .bind(skip)
        .fetch_all(conn)
        .await?)
}

/// A published post's neighbours in the listing (see [`adjacent`]).
#[derive(Debug)]
pub struct Adjacent {
    pub newer: Option<PostRecord>,
    pub older: Option<PostRecord>,
}

/// The published posts just newer and just older (in the listing's order)
/// than the published post with the current slug `slug`, of its kind; `None`
/// when no published post has that slug. Both are keyset lookups on
/// `posts_listing_idx`.
#[tracing::instrument(name = "db.posts.adjacent", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn adjacent(
    conn: &mut PgConnection,
    slug: &str,
    view: View,
) -> Result<Option<Adjacent>, StoreError> {
    let target: Option<(i16, DateTime<Utc>, Uuid)> =
        sqlx::query_as("SELECT kind, sort_time, id FROM posts WHERE slug = $1 AND status = $2")
            .bind(slug)
            .bind(status::PUBLISHED)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((kind, sort_time, id)) = target else {
        return Ok(None);
    };
    let neighbour = |newer: bool| {
        let (comparison, order) = if newer { (">", "ASC") } else { ("<", "DESC") };
        format!(
            "{} WHERE p.status = $1 AND p.kind = $2 AND (p.sort_time, p.id) {comparison} ($3::timestamptz, $4::uuid)
             ORDER BY p.sort_time {order}, p.id {order} LIMIT 1",
            select(view)
        )
    };
    let mut found = Vec::with_capacity(2);
    for newer in [true, false] {
        found.push(
            sqlx::query_as::<_, PostRecord>(&neighbour(newer))
                .bind(status::PUBLISHED)
                .bind(kind)
                .bind(sort_time)
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?,
        );
    }
    let older = found.pop().flatten();
    let newer = found.pop().flatten();
    Ok(Some(Adjacent { newer, older }))
}

/// Counts the posts a listing matches.
#[tracing::instrument(name = "db.posts.count", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn count(conn: &mut PgConnection, filter: &ListFilter) -> Result<i64, StoreError> {
    let sql =
        format!("SELECT count(*) FROM posts p JOIN authors a ON a.id = p.author_id {LIST_WHERE}");
    Ok(sqlx::query_scalar(&sql)
        .bind(&filter.statuses)
        .bind(filter.kind)
        .bind(&filter.tag_slug)
        .bind(&filter.author_slug)
        .bind(filter.unpublished_owner)
        .fetch_one(conn)
        .await?)
}

/// The editable content of a post, as written.
#[derive(Debug, Clone, Default)]
pub struct PostContent {
    pub slug: String,
    pub kind: i16,
    pub title: String,
    pub markdown: String,
    pub html: String,
    pub toc: Vec<TocItem>,
    pub excerpt: String,
    pub plain_text: String,
    pub word_count: i32,
    pub reading_time_minutes: i32,
    /// The [`crate::render::VERSION`] that made the derived fields.
    pub render_version: i32,
    pub author_id: Uuid,
    pub cover_image_url: String,
    pub cover_image_alt: String,
    /// Derived: the cover's `<picture>` when it is a library item, else empty.
    pub cover_html: String,
    pub meta_title: String,
    pub meta_description: String,
    pub canonical_url: String,
    /// (slug, name) pairs in the author's order.
    pub tags: Vec<(String, String)>,
}

/// Inserts a new draft. A slug in use answers [`StoreError::Taken`].
#[tracing::instrument(name = "db.posts.insert", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn insert(
    conn: &mut PgConnection,
    id: Uuid,
    content: &PostContent,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM post_slug_history WHERE slug = $1")
        .bind(&content.slug)
        .execute(&mut *conn)
        .await?;
    let query = sqlx::query(
        "INSERT INTO posts (id, slug, kind, status, title, markdown, html, toc, excerpt, plain_text, word_count,
             reading_time_minutes, author_id, cover_image_url, cover_image_alt, meta_title, meta_description,
             canonical_url, render_version, cover_html, sort_time)
         VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, now())",
    )
    .bind(id);
    bind_content(query, content)
        .execute(&mut *conn)
        .await
        .map_err(|error| taken_if_unique(error, "posts_slug_key", "post.slug"))?;
    let tags = replace_tags(conn, id, &content.tags).await?;
    insert_revision(conn, id, 1, content, &tags, None).await
}

/// Locks a post for the rest of the transaction and reads it in full.
#[tracing::instrument(name = "db.posts.lock", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn lock(conn: &mut PgConnection, id: Uuid) -> Result<PostRecord, StoreError> {
    sqlx::query("SELECT 1 FROM posts WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    get_by_id(conn, id, View::Full).await
}

/// Reads the stored content of a locked post, for applying an update mask.
#[tracing::instrument(name = "db.posts.content_of", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn content_of(
    conn: &mut PgConnection,
    post: &PostRecord,
) -> Result<PostContent, StoreError> {
    let (plain_text, render_version): (String, i32) =
        sqlx::query_as("SELECT plain_text, render_version FROM posts WHERE id = $1")
            .bind(post.id)
            .fetch_one(conn)
            .await?;
    Ok(PostContent {
        slug: post.slug.clone(),
        kind: post.kind,
        title: post.title.clone(),
        markdown: post.markdown.clone(),
        html: post.html.clone(),
        toc: post.toc.0.clone(),
        excerpt: post.excerpt.clone(),
        plain_text,
        word_count: post.word_count,
        reading_time_minutes: post.reading_time_minutes,
        render_version,
        author_id: post.author_id,
        cover_image_url: post.cover_image_url.clone(),
        cover_image_alt: post.cover_image_alt.clone(),
        cover_html: post.cover_html.clone(),
        meta_title: post.meta_title.clone(),
        meta_description: post.meta_description.clone(),
        canonical_url: post.canonical_url.clone(),
        tags: post
            .tag_slugs
            .iter()
            .cloned()
            .zip(post.tag_names.iter().cloned())
            .collect(),
    })
}

/// Writes new content over a locked post as revision `revision`; a renamed
/// slug is kept in the history so that it still finds the post.
#[tracing::instrument(name = "db.posts.update", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn update(
    conn: &mut PgConnection,
    current: &PostRecord,
    content: &PostContent,
    revision: i64,
    editor: Option<Uuid>,
) -> Result<(), StoreError> {
    if content.slug != current.slug {
        sqlx::query("DELETE FROM post_slug_history WHERE slug = $1")
            .bind(&content.slug)
            .execute(&mut *conn)
            .await?;
        sqlx::query("INSERT INTO post_slug_history (slug, post_id) VALUES ($1, $2)")
            .bind(&current.slug)
            .bind(current.id)
            .execute(&mut *conn)
            .await?;
    }
    let query = sqlx::query(
        "UPDATE posts SET slug = $2, kind = $3, title = $4, markdown = $5, html = $6, toc = $7, excerpt = $8,
             plain_text = $9, word_count = $10, reading_time_minutes = $11, author_id = $12, cover_image_url = $13,
             cover_image_alt = $14, meta_title = $15, meta_description = $16, canonical_url = $17,
             render_version = $18, cover_html = $19, revision = $20, version = version + 1, update_time = now()
         WHERE id = $1",
    )
    .bind(current.id);
    bind_content(query, content)
        .bind(revision)
        .execute(&mut *conn)
        .await
        .map_err(|error| taken_if_unique(error, "posts_slug_key", "post.slug"))?;
    let tags = replace_tags(conn, current.id, &content.tags).await?;
    insert_revision(conn, current.id, revision, content, &tags, editor).await
}

/// Changes a locked post's lifecycle state.
#[tracing::instrument(name = "db.posts.set_status", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn set_status(
    conn: &mut PgConnection,
    id: Uuid,
    status: i16,
    publish_time: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE posts SET status = $2, publish_time = $3, sort_time = COALESCE($3, create_time),
             version = version + 1, update_time = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(publish_time)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes a post with its tags, revisions, slug history and comments.
#[tracing::instrument(name = "db.posts.delete", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn delete(conn: &mut PgConnection, id: Uuid) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM posts WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Binds the content columns in the order both INSERT and UPDATE list them
/// (after the id: slug, kind, title, … canonical_url, render_version, cover_html).
fn bind_content<'q>(query: PgQuery<'q>, content: &'q PostContent) -> PgQuery<'q> {
    query
        .bind(&content.slug)
        .bind(content.kind)
        .bind(&content.title)
        .bind(&content.markdown)
        .bind(&content.html)
        .bind(Json(&content.toc))
        .bind(&content.excerpt)
        .bind(&content.plain_text)
        .bind(content.word_count)
        .bind(content.reading_time_minutes)
        .bind(content.author_id)
        .bind(&content.cover_image_url)
        .bind(&content.cover_image_alt)
        .bind(&content.meta_title)
        .bind(&content.meta_description)
        .bind(&content.canonical_url)
        .bind(content.render_version)
        .bind(&content.cover_html)
}

type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// Links the post to its tags (created when new) and answers them as stored.
async fn replace_tags(
    conn: &mut PgConnection,
    post_id: Uuid,
    tags: &[(String, String)],
) -> Result<Vec<(String, String)>, StoreError> {
    let tags = super::tags::ensure(conn, tags).await?;
    let slugs: Vec<&str> = tags.iter().map(|(slug, _)| slug.as_str()).collect();
    sqlx::query("DELETE FROM post_tags WHERE post_id = $1")
        .bind(post_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO post_tags (post_id, tag_slug, position)
         SELECT $1, slug, ordinality::smallint FROM unnest($2::text[]) WITH ORDINALITY AS t(slug, ordinality)",
    )
    .bind(post_id)
    .bind(&slugs)
    .execute(conn)
    .await?;
    Ok(tags)
}

/// A stored revision.
#[derive(Debug, Clone, FromRow)]
pub struct RevisionRecord {
    pub post_id: Uuid,
    pub revision: i64,
    pub slug: String,
    pub title: String,
    pub markdown: String,
    pub tags: Json<Vec<(String, String)>>,
    pub cover_image_url: String,
    pub cover_image_alt: String,
    pub meta_title: String,
    pub meta_description: String,
    pub canonical_url: String,
    pub editor_id: Option<Uuid>,
    pub create_time: DateTime<Utc>,
}

async fn insert_revision(
    conn: &mut PgConnection,
    post_id: Uuid,
    revision: i64,
    content: &PostContent,
    tags: &[(String, String)],
    editor: Option<Uuid>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO post_revisions (post_id, revision, slug, title, markdown, tags, cover_image_url,
             cover_image_alt, meta_title, meta_description, canonical_url, editor_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(post_id)
    .bind(revision)
    .bind(&content.slug)
    .bind(&content.title)
    .bind(&content.markdown)
    .bind(Json(tags))
    .bind(&content.cover_image_url)
    .bind(&content.cover_image_alt)
    .bind(&content.meta_title)
    .bind(&content.meta_description)
    .bind(&content.canonical_url)
    .bind(editor)
    .execute(conn)
    .await?;
    Ok(())
}

/// Lists a post's revisions newest first, before revision `before`.
#[tracing::instrument(name = "db.posts.list_revisions", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn list_revisions(
    conn: &mut PgConnection,
    post_id: Uuid,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<RevisionRecord>, StoreError> {
    Ok(sqlx::query_as::<_, RevisionRecord>(
        "SELECT * FROM post_revisions WHERE post_id = $1 AND ($2::bigint IS NULL OR revision < $2)
         ORDER BY revision DESC LIMIT $3",
    )
    .bind(post_id)
    .bind(before)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Reads one revision.
#[tracing::instrument(name = "db.posts.get_revision", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn get_revision(
    conn: &mut PgConnection,
    post_id: Uuid,
    revision: i64,
) -> Result<RevisionRecord, StoreError> {
    Ok(sqlx::query_as::<_, RevisionRecord>(
        "SELECT * FROM post_revisions WHERE post_id = $1 AND revision = $2",
    )
    .bind(post_id)
    .bind(revision)
    .fetch_one(conn)
    .await?)
}

/// A search hit.
#[derive(Debug, Clone, FromRow)]
pub struct SearchHit {
    #[sqlx(flatten)]
    pub post: PostRecord,
    pub snippet_html: String,
    pub score: f32,
}

const SEARCH_WHERE: &str = " WHERE p.status = 3 AND p.kind = 1 AND p.search @@ websearch_to_tsquery('english', $1)
    AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM post_tags pt WHERE pt.post_id = p.id AND pt.tag_slug = $2)) ";

/// Full-text search over published posts, most relevant first. Snippets are
/// made by PostgreSQL from the plain text, which is escaped first so that the
/// only markup in them is the `<mark>` we ask for.
#[tracing::instrument(name = "db.posts.search", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn search(
    conn: &mut PgConnection,
    query: &str,
    tag_slug: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<Vec<SearchHit>, StoreError> {
    let sql = format!(
        "WITH hits AS (
            SELECT p.id, ts_rank_cd(p.search, websearch_to_tsquery('english', $1), 32) AS score
            FROM posts p {SEARCH_WHERE}
            ORDER BY score DESC, p.sort_time DESC, p.id DESC OFFSET $3 LIMIT $4
         )
         {COLUMNS_BASIC}, hits.score,
            ts_headline('english',
                replace(replace(replace(p.plain_text, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
                websearch_to_tsquery('english', $1),
                'StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=\" … \"'
            ) AS snippet_html
         FROM hits JOIN posts p ON p.id = hits.id JOIN authors a ON a.id = p.author_id
         ORDER BY hits.score DESC, p.sort_time DESC, p.id DESC"
    );
    Ok(sqlx::query_as::<_, SearchHit>(&sql)
        .bind(query)
        .bind(tag_slug)
        .bind(offset)
        .bind(limit)
        .fetch_all(conn)
        .await?)
}

/// Counts search matches.
#[tracing::instrument(name = "db.posts.search_count", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn search_count(
    conn: &mut PgConnection,
    query: &str,
    tag_slug: Option<&str>,
) -> Result<i64, StoreError> {
    let sql = format!("SELECT count(*) FROM posts p {SEARCH_WHERE}");
    Ok(sqlx::query_scalar(&sql)
        .bind(query)
        .bind(tag_slug)
        .fetch_one(conn)
        .await?)
}

/// A published post as the search index holds it: its basic view and the
/// plain text of its body.
#[derive(Debug, Clone, FromRow)]
pub struct IndexedPost {
    #[sqlx(flatten)]
    pub post: PostRecord,
    pub plain_text: String,
}

macro_rules! select_indexed {
    () => {
        concat!(
            post_columns!("'' AS markdown, '' AS html, '[]'::jsonb AS toc, p.plain_text"),
            from_posts!(),
            " WHERE p.status = 3 AND p.kind = 1 "
        )
    };
}

/// Every published post, streamed in id order (the search index's build).
pub fn stream_indexed(
    conn: &mut PgConnection,
) -> impl futures_util::Stream<Item = Result<IndexedPost, StoreError>> + '_ {
    use futures_util::TryStreamExt;
    sqlx::query_as::<_, IndexedPost>(concat!(select_indexed!(), "ORDER BY p.id"))
        .fetch(conn)
        .map_err(StoreError::from)
}

/// Those of `ids` that are published posts, as the search index holds them.
#[tracing::instrument(name = "db.posts.indexed", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn indexed(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> Result<Vec<IndexedPost>, StoreError> {
    Ok(
        sqlx::query_as::<_, IndexedPost>(concat!(select_indexed!(), "AND p.id = ANY($1)"))
            .bind(ids)
            .fetch_all(conn)
            .await?,
    )
}

/// The posts (any status) that carry one of `tag_slugs` or are written by
/// one of `author_slugs`: those whose index entry shows a tag or author that
/// changed.
#[tracing::instrument(name = "db.posts.showing", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn showing(
    conn: &mut PgConnection,
    tag_slugs: &[String],
    author_slugs: &[String],
) -> Result<Vec<Uuid>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT p.id FROM posts p JOIN authors a ON a.id = p.author_id
         WHERE a.slug = ANY($2)
            OR EXISTS (SELECT 1 FROM post_tags pt WHERE pt.post_id = p.id AND pt.tag_slug = ANY($1))",
    )
    .bind(tag_slugs)
    .bind(author_slugs)
    .fetch_all(conn)
    .await?)
}

/// Locks up to `limit` posts rendered by a renderer older than `version`,
/// skipping those another transaction holds (so several replicas share the
/// work, each post rendered by one of them).
#[tracing::instrument(name = "db.posts.lock_stale_renders", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn lock_stale_renders(
    conn: &mut PgConnection,
    version: i32,
    limit: i64,
) -> Result<Vec<Uuid>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM posts WHERE render_version < $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED",
    )
    .bind(version)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Marks every post whose Markdown or cover names `path` (a prefix: a media item's
/// files) as rendered by no renderer, so that the background render takes
/// it up: what the renderer knows of the item (its variants, alt text)
/// changed.
#[tracing::instrument(name = "db.posts.mark_render_stale", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn mark_render_stale(conn: &mut PgConnection, path: &str) -> Result<u64, StoreError> {
    Ok(sqlx::query(
        "UPDATE posts SET render_version = 0
         WHERE (strpos(markdown, $1) > 0 OR starts_with(cover_image_url, $1)) AND render_version > 0",
    )
    .bind(path)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Writes a locked post's derived fields, rendered again from its unchanged
/// Markdown: not an edit, so neither its revision, its version (the etag a
/// writer holds stays good) nor its update time changes.
#[tracing::instrument(name = "db.posts.set_rendered", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn set_rendered(
    conn: &mut PgConnection,
    id: Uuid,
    content: &PostContent,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE posts SET html = $2, toc = $3, excerpt = $4, plain_text = $5, word_count = $6,
             reading_time_minutes = $7, render_version = $8, cover_html = $9
         WHERE id = $1",
    )
    .bind(id)
    .bind(&content.html)
    .bind(Json(&content.toc))
    .bind(&content.excerpt)
    .bind(&content.plain_text)
    .bind(content.word_count)
    .bind(content.reading_time_minutes)
    .bind(content.render_version)
    .bind(&content.cover_html)
    .execute(conn)
    .await?;
    Ok(())
}

/// Publishes every scheduled post whose time has come, returning them.
/// `SKIP LOCKED` lets several engine replicas run this at once: each post is
/// claimed by exactly one of them.
#[tracing::instrument(name = "db.posts.publish_due", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn publish_due(conn: &mut PgConnection, limit: i64) -> Result<Vec<Uuid>, StoreError> {
    Ok(sqlx::query_scalar(
        "UPDATE posts SET status = 3, version = version + 1, update_time = now()
         WHERE id IN (
             SELECT id FROM posts WHERE status = 2 AND publish_time <= now()
             ORDER BY publish_time LIMIT $1 FOR UPDATE SKIP LOCKED
         )
         RETURNING id",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?)
}
