//! The change log (transactional outbox): every mutation records what it
//! changed in the same transaction as the data, so no committed change can be
//! missed by caches or subscribers.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

use super::StoreError;

/// The PostgreSQL notification channel that announces new changes.
pub const NOTIFY_CHANNEL: &str = "quire_changes";

/// Change kinds (quire.v1.ChangeKind numbers).
pub mod kind {
    /// A post was created.
    pub const POST_CREATED: i16 = 1;
    /// A post was updated or restored.
    pub const POST_UPDATED: i16 = 2;
    /// A post became visible.
    pub const POST_PUBLISHED: i16 = 3;
    /// A post was scheduled.
    pub const POST_SCHEDULED: i16 = 4;
    /// A post was withdrawn.
    pub const POST_UNPUBLISHED: i16 = 5;
    /// A post was deleted.
    pub const POST_DELETED: i16 = 6;
    /// A post's visible comments changed.
    pub const COMMENTS_CHANGED: i16 = 7;
    /// A tag changed.
    pub const TAG_UPDATED: i16 = 8;
    /// An author's profile changed.
    pub const AUTHOR_UPDATED: i16 = 9;
}

/// A change to record.
#[derive(Debug, Clone, Default)]
pub struct NewChange {
    pub kind: i16,
    pub post_id: Option<Uuid>,
    pub slug: String,
    pub previous_slug: String,
    pub post_kind: i16,
    pub status: i16,
    pub was_published: bool,
    pub tag_slugs: Vec<String>,
    pub removed_tag_slugs: Vec<String>,
    pub author_slug: String,
    pub previous_author_slug: String,
    pub tag_slug: String,
    /// The cache tags the change invalidates (see `changes::cache_tags`).
    pub cache_tags: Vec<String>,
}

/// A recorded change.
#[derive(Debug, Clone, FromRow)]
pub struct ChangeRecord {
    pub sequence: i64,
    pub kind: i16,
    pub change_time: DateTime<Utc>,
    pub post_id: Option<Uuid>,
    pub slug: String,
    pub previous_slug: String,
    pub post_kind: i16,
    pub status: i16,
    pub was_published: bool,
    pub tag_slugs: Vec<String>,
    pub removed_tag_slugs: Vec<String>,
    pub author_slug: String,
    pub previous_author_slug: String,
    pub tag_slug: String,
    pub cache_tags: Vec<String>,
}

/// Records `change` in the caller's transaction and returns its sequence.
///
/// Taking the next number locks the single `change_sequence` row until the
/// transaction ends, so numbers are handed out in commit order: a subscriber
/// that has read up to N never finds a smaller number committing later. Call
/// it last in the transaction, to hold that lock as briefly as possible.
#[tracing::instrument(name = "db.changes.record", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn record(conn: &mut PgConnection, change: &NewChange) -> Result<i64, StoreError> {
    let sequence: i64 =
        sqlx::query_scalar("UPDATE change_sequence SET last = last + 1 RETURNING last")
            .fetch_one(&mut *conn)
            .await?;
    sqlx::query(
        "INSERT INTO changes (sequence, kind, post_id, slug, previous_slug, post_kind, status, was_published,
             tag_slugs, removed_tag_slugs, author_slug, previous_author_slug, tag_slug, cache_tags)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(sequence)
    .bind(change.kind)
    .bind(change.post_id)
    .bind(&change.slug)
    .bind(&change.previous_slug)
    .bind(change.post_kind)
    .bind(change.status)
    .bind(change.was_published)
    .bind(&change.tag_slugs)
    .bind(&change.removed_tag_slugs)
    .bind(&change.author_slug)
    .bind(&change.previous_author_slug)
    .bind(&change.tag_slug)
    .bind(&change.cache_tags)
    .execute(&mut *conn)
    .await?;
    // Delivered by PostgreSQL on commit only, and not at all on rollback.
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(NOTIFY_CHANNEL)
        .bind(sequence.to_string())
        .execute(conn)
        .await?;
    Ok(sequence)
}

/// Changes after `after`, oldest first.
#[tracing::instrument(name = "db.changes.after", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn after(
    conn: &mut PgConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<ChangeRecord>, StoreError> {
    Ok(sqlx::query_as::<_, ChangeRecord>(
        "SELECT * FROM changes WHERE sequence > $1 ORDER BY sequence LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// The newest committed sequence.
#[tracing::instrument(name = "db.changes.head", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn head(conn: &mut PgConnection) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT COALESCE(max(sequence), 0) FROM changes")
            .fetch_one(conn)
            .await?,
    )
}

/// The oldest retained sequence, if any change is retained.
#[tracing::instrument(name = "db.changes.oldest", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn oldest(conn: &mut PgConnection) -> Result<Option<i64>, StoreError> {
    Ok(sqlx::query_scalar("SELECT min(sequence) FROM changes")
        .fetch_one(conn)
        .await?)
}

/// Forgets changes older than the retention period (30 days), keeping the newest.
#[tracing::instrument(name = "db.changes.prune", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn prune(conn: &mut PgConnection) -> Result<u64, StoreError> {
    let result = sqlx::query(
        "DELETE FROM changes WHERE change_time < now() - interval '30 days'
           AND sequence < (SELECT max(sequence) FROM changes)",
    )
    .execute(conn)
    .await?;
    Ok(result.rows_affected())
}

/// Changes committed within the last `seconds`, oldest first.
#[tracing::instrument(name = "db.changes.within", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn within(
    conn: &mut PgConnection,
    seconds: f64,
) -> Result<Vec<ChangeRecord>, StoreError> {
    Ok(sqlx::query_as::<_, ChangeRecord>(
        "SELECT * FROM changes WHERE change_time > now() - make_interval(secs => $1) ORDER BY sequence",
    )
    .bind(seconds)
    .fetch_all(conn)
    .await?)
}
