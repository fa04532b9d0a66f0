//! SQL for tags.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection};

use super::{StoreError, taken_if_unique};

/// A tag with its count of published posts.
#[derive(Debug, Clone, FromRow)]
pub struct TagRecord {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub post_count: i64,
    pub version: i64,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
}

const SELECT: &str =
    "SELECT t.slug, t.name, t.description, t.version, t.create_time, t.update_time,
        (SELECT count(*) FROM post_tags pt JOIN posts p ON p.id = pt.post_id
          WHERE pt.tag_slug = t.slug AND p.status = 3 AND p.kind = 1) AS post_count
    FROM tags t ";

/// Reads a tag.
#[tracing::instrument(name = "db.tags.get", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn get(conn: &mut PgConnection, slug: &str) -> Result<TagRecord, StoreError> {
    let sql = format!("{SELECT} WHERE t.slug = $1");
    Ok(sqlx::query_as::<_, TagRecord>(&sql)
        .bind(slug)
        .fetch_one(conn)
        .await?)
}

/// Lists tags by name after the keyset position `after` (lower-case name, slug).
#[tracing::instrument(name = "db.tags.list", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn list(
    conn: &mut PgConnection,
    only_used: bool,
    after: Option<(String, String)>,
    limit: i64,
) -> Result<Vec<TagRecord>, StoreError> {
    let sql = format!(
        "SELECT * FROM ({SELECT}) t
         WHERE (NOT $1 OR t.post_count > 0) AND ($2::text IS NULL OR (lower(t.name), t.slug) > ($2, $3))
         ORDER BY lower(t.name), t.slug LIMIT $4"
    );
    Ok(sqlx::query_as::<_, TagRecord>(&sql)
        .bind(only_used)
        .bind(after.as_ref().map(|(name, _)| name.as_str()))
        .bind(after.as_ref().map(|(_, slug)| slug.as_str()))
        .bind(limit)
        .fetch_all(conn)
        .await?)
}

/// Inserts a tag.
#[tracing::instrument(name = "db.tags.insert", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn insert(
    conn: &mut PgConnection,
    slug: &str,
    name: &str,
    description: &str,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO tags (slug, name, description) VALUES ($1, $2, $3)")
        .bind(slug)
        .bind(name)
        .bind(description)
        .execute(conn)
        .await
        .map_err(|error| taken_if_unique(error, "tags_pkey", "tag.name"))?;
    Ok(())
}

/// Locks a tag and reads it.
#[tracing::instrument(name = "db.tags.lock", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn lock(conn: &mut PgConnection, slug: &str) -> Result<TagRecord, StoreError> {
    sqlx::query("SELECT 1 FROM tags WHERE slug = $1 FOR UPDATE")
        .bind(slug)
        .fetch_one(&mut *conn)
        .await?;
    get(conn, slug).await
}

/// Writes a locked tag's name and description.
#[tracing::instrument(name = "db.tags.update", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn update(
    conn: &mut PgConnection,
    slug: &str,
    name: &str,
    description: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE tags SET name = $2, description = $3, version = version + 1, update_time = now() WHERE slug = $1",
    )
    .bind(slug)
    .bind(name)
    .bind(description)
    .execute(conn)
    .await?;
    Ok(())
}
