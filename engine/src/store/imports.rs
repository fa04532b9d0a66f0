//! SQL for imports: which source items were imported as what.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::StoreError;

/// The entity `source_id` of `source` was imported as, if it was.
#[tracing::instrument(name = "db.imports.find", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn find(
    conn: &mut PgConnection,
    source: &str,
    source_id: &str,
) -> Result<Option<Uuid>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT entity_id FROM import_sources WHERE source = $1 AND source_id = $2",
    )
    .bind(source)
    .bind(source_id)
    .fetch_optional(conn)
    .await?)
}

/// Records that `source_id` of `source` (at `source_url`) is `entity_id`.
#[tracing::instrument(name = "db.imports.record", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn record(
    conn: &mut PgConnection,
    source: &str,
    source_id: &str,
    entity_id: Uuid,
    source_url: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO import_sources (source, source_id, entity_id, source_url) VALUES ($1, $2, $3, $4)",
    )
    .bind(source)
    .bind(source_id)
    .bind(entity_id)
    .bind(source_url)
    .execute(conn)
    .await?;
    Ok(())
}

/// Dates an imported post as it was dated where it came from: created
/// and last changed then, and listed by that date while a draft.
#[tracing::instrument(name = "db.imports.date_post", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn date_post(
    conn: &mut PgConnection,
    id: Uuid,
    create_time: DateTime<Utc>,
    update_time: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE posts SET create_time = $2, update_time = $3, sort_time = COALESCE(publish_time, $2)
         WHERE id = $1",
    )
    .bind(id)
    .bind(create_time)
    .bind(update_time)
    .execute(conn)
    .await?;
    Ok(())
}

/// Dates an imported comment as it was written.
#[tracing::instrument(name = "db.imports.date_comment", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn date_comment(
    conn: &mut PgConnection,
    id: Uuid,
    create_time: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE comments SET create_time = $2, update_time = $2 WHERE id = $1")
        .bind(id)
        .bind(create_time)
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether a post or page holds `slug`, now or as a former slug.
pub async fn post_slug_taken(conn: &mut PgConnection, slug: &str) -> Result<bool, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM posts WHERE slug = $1)
             OR EXISTS (SELECT 1 FROM post_slug_history WHERE slug = $1)",
    )
    .bind(slug)
    .fetch_one(conn)
    .await?)
}

/// Whether an author holds `slug`.
pub async fn author_slug_taken(conn: &mut PgConnection, slug: &str) -> Result<bool, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM authors WHERE slug = $1)")
            .bind(slug)
            .fetch_one(conn)
            .await?,
    )
}

/// The author whose email is `email` (in any case), if there is one.
pub async fn author_by_email(
    conn: &mut PgConnection,
    email: &str,
) -> Result<Option<Uuid>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM authors WHERE lower(email) = lower($1)")
            .bind(email)
            .fetch_optional(conn)
            .await?,
    )
}
