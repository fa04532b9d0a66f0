//! SQL for comments.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection};
use uuid::Uuid;

use super::StoreError;

/// Moderation states (quire.v1.CommentStatus numbers).
pub mod status {
    /// Waiting for a moderator.
    pub const PENDING: i16 = 1;
    /// Shown to readers.
    pub const APPROVED: i16 = 2;
    /// Rejected as spam.
    pub const SPAM: i16 = 3;
}

/// A stored comment.
#[derive(Debug, Clone, FromRow)]
pub struct CommentRecord {
    pub id: Uuid,
    pub post_id: Uuid,
    pub author_name: String,
    pub author_email: String,
    pub body: String,
    pub status: i16,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
}

/// A comment to store.
#[derive(Debug, Clone)]
pub struct NewComment {
    pub post_id: Uuid,
    pub author_name: String,
    pub author_email: String,
    pub body: String,
    pub status: i16,
    pub client_key: String,
}

/// Stores a comment (and counts it on the post when approved).
#[tracing::instrument(name = "db.comments.insert", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn insert(
    conn: &mut PgConnection,
    id: Uuid,
    comment: &NewComment,
) -> Result<CommentRecord, StoreError> {
    let record = sqlx::query_as::<_, CommentRecord>(
        "INSERT INTO comments (id, post_id, author_name, author_email, body, status, client_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         RETURNING id, post_id, author_name, author_email, body, status, create_time, update_time",
    )
    .bind(id)
    .bind(comment.post_id)
    .bind(&comment.author_name)
    .bind(&comment.author_email)
    .bind(&comment.body)
    .bind(comment.status)
    .bind(&comment.client_key)
    .fetch_one(&mut *conn)
    .await?;
    if record.status == status::APPROVED {
        recount(conn, record.post_id).await?;
    }
    Ok(record)
}

/// Reads a comment.
#[tracing::instrument(name = "db.comments.get", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<CommentRecord, StoreError> {
    Ok(sqlx::query_as::<_, CommentRecord>(
        "SELECT id, post_id, author_name, author_email, body, status, create_time, update_time
         FROM comments WHERE id = $1",
    )
    .bind(id)
    .fetch_one(conn)
    .await?)
}

/// Locks and reads a comment.
#[tracing::instrument(name = "db.comments.lock", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn lock(conn: &mut PgConnection, id: Uuid) -> Result<CommentRecord, StoreError> {
    sqlx::query("SELECT 1 FROM comments WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    get(conn, id).await
}

/// Lists a post's approved comments oldest first, after (create time, id).
#[tracing::instrument(name = "db.comments.list_approved", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn list_approved(
    conn: &mut PgConnection,
    post_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<CommentRecord>, StoreError> {
    Ok(sqlx::query_as::<_, CommentRecord>(
        "SELECT id, post_id, author_name, author_email, body, status, create_time, update_time
         FROM comments WHERE post_id = $1 AND status = 2
           AND ($2::timestamptz IS NULL OR (create_time, id) > ($2, $3))
         ORDER BY create_time, id LIMIT $4",
    )
    .bind(post_id)
    .bind(after.map(|(time, _)| time))
    .bind(after.map(|(_, id)| id))
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Lists comments in `status` newest first (optionally of one post), before (create time, id).
#[tracing::instrument(name = "db.comments.list_by_status", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn list_by_status(
    conn: &mut PgConnection,
    status: i16,
    post_id: Option<Uuid>,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<CommentRecord>, StoreError> {
    Ok(sqlx::query_as::<_, CommentRecord>(
        "SELECT id, post_id, author_name, author_email, body, status, create_time, update_time
         FROM comments WHERE status = $1 AND ($2::uuid IS NULL OR post_id = $2)
           AND ($3::timestamptz IS NULL OR (create_time, id) < ($3, $4))
         ORDER BY create_time DESC, id DESC LIMIT $5",
    )
    .bind(status)
    .bind(post_id)
    .bind(before.map(|(time, _)| time))
    .bind(before.map(|(_, id)| id))
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Sets a locked comment's status and recounts its post's approved comments.
#[tracing::instrument(name = "db.comments.set_status", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn set_status(
    conn: &mut PgConnection,
    comment: &CommentRecord,
    status: i16,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE comments SET status = $2, update_time = now() WHERE id = $1")
        .bind(comment.id)
        .bind(status)
        .execute(&mut *conn)
        .await?;
    recount(conn, comment.post_id).await
}

/// Deletes a locked comment and recounts its post's approved comments.
#[tracing::instrument(name = "db.comments.delete", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn delete(conn: &mut PgConnection, comment: &CommentRecord) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM comments WHERE id = $1")
        .bind(comment.id)
        .execute(&mut *conn)
        .await?;
    recount(conn, comment.post_id).await
}

async fn recount(conn: &mut PgConnection, post_id: Uuid) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE posts SET comment_count = (SELECT count(*) FROM comments WHERE post_id = $1 AND status = 2)
         WHERE id = $1",
    )
    .bind(post_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether an earlier comment with this email from this client was approved
/// (a trusted commenter). Emails are unverified: the client key, which the
/// commenter cannot choose, keeps a stranger from borrowing one.
#[tracing::instrument(name = "db.comments.commenter_is_trusted", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn commenter_is_trusted(
    conn: &mut PgConnection,
    email: &str,
    client_key: &str,
) -> Result<bool, StoreError> {
    if email.is_empty() || client_key.is_empty() {
        return Ok(false);
    }
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM comments WHERE lower(btrim(author_email)) = lower($1)
           AND author_email <> '' AND client_key = $2 AND status = 2)",
    )
    .bind(email)
    .bind(client_key)
    .fetch_one(conn)
    .await?)
}

/// Comments submitted by `client_key` in the last `minutes`.
#[tracing::instrument(name = "db.comments.recent_by_client", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn recent_by_client(
    conn: &mut PgConnection,
    client_key: &str,
    minutes: i32,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM comments WHERE client_key = $1 AND create_time > now() - make_interval(mins => $2)",
    )
    .bind(client_key)
    .bind(minutes)
    .fetch_one(conn)
    .await?)
}
