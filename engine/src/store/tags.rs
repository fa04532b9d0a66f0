//! SQL for tags.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection};

use super::{StoreError, taken_if_unique};
use crate::domain::{Slug, name_key};

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
    "SELECT t.slug, t.name, t.name_key, t.description, t.version, t.create_time, t.update_time,
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

/// Lists tags by name after the keyset position `after` (`name_key`, slug).
#[tracing::instrument(name = "db.tags.list", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn list(
    conn: &mut PgConnection,
    only_used: bool,
    after: Option<(String, String)>,
    limit: i64,
) -> Result<Vec<TagRecord>, StoreError> {
    let sql = format!(
        "SELECT * FROM ({SELECT}) t
         WHERE (NOT $1 OR t.post_count > 0) AND ($2::text IS NULL OR (t.name_key, t.slug) > ($2, $3))
         ORDER BY t.name_key, t.slug LIMIT $4"
    );
    Ok(sqlx::query_as::<_, TagRecord>(&sql)
        .bind(only_used)
        .bind(after.as_ref().map(|(name, _)| name.as_str()))
        .bind(after.as_ref().map(|(_, slug)| slug.as_str()))
        .bind(limit)
        .fetch_all(conn)
        .await?)
}

/// How many numbered slugs ([`Slug::numbered`]) a new tag tries before its
/// name is refused: far more names than this deriving one slug is an attack.
const NUMBERED_SLUGS_MAX: u32 = 100;

/// Creates a tag named `name` at the first of `base`, `base-2`, `base-3`, …
/// that no tag holds, and returns its slug. A tag of that name (in any case)
/// answers [`StoreError::Taken`].
#[tracing::instrument(name = "db.tags.insert", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn insert(
    conn: &mut PgConnection,
    base: &Slug,
    name: &str,
    description: &str,
) -> Result<String, StoreError> {
    let candidates: Vec<String> = (1..=NUMBERED_SLUGS_MAX)
        .map(|n| base.numbered(n).into_string())
        .collect();
    // Rarely more than one pass: only a concurrent insert takes a free slug.
    for _ in 0..3 {
        let held: Vec<String> = sqlx::query_scalar("SELECT slug FROM tags WHERE slug = ANY($1)")
            .bind(&candidates)
            .fetch_all(&mut *conn)
            .await?;
        let Some(free) = candidates.iter().find(|slug| !held.contains(slug)) else {
            break;
        };
        let inserted: Option<String> = sqlx::query_scalar(
            "INSERT INTO tags (slug, name, name_key, description) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING RETURNING slug",
        )
        .bind(free)
        .bind(name)
        .bind(name_key(name))
        .bind(description)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(slug) = inserted {
            return Ok(slug);
        }
        if slug_named(conn, name).await?.is_some() {
            return Err(StoreError::Taken { field: "tag.name" });
        }
    }
    Err(StoreError::Taken { field: "tag.name" })
}

/// The slugs of the tags named `tags` (in any case), in order, creating the
/// tags that do not exist yet: `tags` are (derived slug, name) pairs with
/// distinct names. Answers the (slug, name) pairs as stored.
#[tracing::instrument(name = "db.tags.ensure", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn ensure(
    conn: &mut PgConnection,
    tags: &[(String, String)],
) -> Result<Vec<(String, String)>, StoreError> {
    if tags.is_empty() {
        return Ok(Vec::new());
    }
    let (slugs, names): (Vec<&str>, Vec<&str>) =
        tags.iter().map(|(s, n)| (s.as_str(), n.as_str())).unzip();
    let keys: Vec<String> = names.iter().map(|name| name_key(name)).collect();
    // New names whose first-choice slug is free, all at once; the rest below.
    sqlx::query(
        "INSERT INTO tags (slug, name, name_key)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING",
    )
    .bind(&slugs)
    .bind(&names)
    .bind(&keys)
    .execute(&mut *conn)
    .await?;
    // (key, slug, name stored).
    let stored: Vec<(String, String, String)> =
        sqlx::query_as("SELECT name_key, slug, name FROM tags WHERE name_key = ANY($1)")
            .bind(&keys)
            .fetch_all(&mut *conn)
            .await?;
    let mut resolved: Vec<(String, String)> = Vec::with_capacity(tags.len());
    for (slug, name) in tags {
        let key = name_key(name);
        let found = stored
            .iter()
            .find(|(stored_key, _, _)| *stored_key == key)
            .map(|(_, slug, name)| (slug.clone(), name.clone()));
        let tag = match found {
            Some(tag) => tag,
            None => create_or_find(conn, slug, name).await?,
        };
        // Names the database folds to one tag are one tag.
        if !resolved.iter().any(|(known, _)| *known == tag.0) {
            resolved.push(tag);
        }
    }
    Ok(resolved)
}

/// A tag named `name` whose first-choice slug another name holds: created
/// at a numbered slug, or found when a concurrent write just created it.
async fn create_or_find(
    conn: &mut PgConnection,
    slug: &str,
    name: &str,
) -> Result<(String, String), StoreError> {
    let base =
        Slug::parse(slug).map_err(|_| StoreError::Inconsistent("a derived tag slug is invalid"))?;
    match insert(conn, &base, name, "").await {
        Ok(slug) => Ok((slug, name.to_owned())),
        Err(StoreError::Taken { .. }) => {
            // None: every numbered slug is held by other names.
            sqlx::query_as("SELECT slug, name FROM tags WHERE name_key = $1")
                .bind(name_key(name))
                .fetch_optional(conn)
                .await?
                .ok_or(StoreError::Taken { field: "tag.name" })
        }
        Err(error) => Err(error),
    }
}

/// The slug of the tag named `name` (in any case), if there is one.
async fn slug_named(conn: &mut PgConnection, name: &str) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT slug FROM tags WHERE name_key = $1")
            .bind(name_key(name))
            .fetch_optional(conn)
            .await?,
    )
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
        "UPDATE tags SET name = $2, name_key = $4, description = $3, version = version + 1, update_time = now()
         WHERE slug = $1",
    )
    .bind(slug)
    .bind(name)
    .bind(description)
    .bind(name_key(name))
    .execute(conn)
    .await
    .map_err(|error| taken_if_unique(error, "tags_name_key", "tag.name"))?;
    Ok(())
}
