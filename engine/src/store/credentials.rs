//! SQL for API keys, sessions and sign-in throttling.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::StoreError;

/// Stores a new API key's digest and scopes.
#[tracing::instrument(name = "db.credentials.insert_api_key", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn insert_api_key(
    conn: &mut PgConnection,
    id: Uuid,
    name: &str,
    digest: &[u8],
    scopes: &[String],
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO api_keys (id, name, key_digest, scopes) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(name)
        .bind(digest)
        .bind(scopes)
        .execute(conn)
        .await?;
    Ok(())
}

/// The id and scopes of the unrevoked key with `digest`.
#[tracing::instrument(name = "db.credentials.api_key_by_digest", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn api_key_by_digest(
    conn: &mut PgConnection,
    digest: &[u8],
) -> Result<Option<(Uuid, Vec<String>)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, scopes FROM api_keys WHERE key_digest = $1 AND revoke_time IS NULL",
    )
    .bind(digest)
    .fetch_optional(conn)
    .await?)
}

/// Revokes a key by id; returns whether it existed.
#[tracing::instrument(name = "db.credentials.revoke_api_key", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn revoke_api_key(conn: &mut PgConnection, id: Uuid) -> Result<bool, StoreError> {
    let result = sqlx::query(
        "UPDATE api_keys SET revoke_time = now() WHERE id = $1 AND revoke_time IS NULL",
    )
    .bind(id)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Stores a session.
#[tracing::instrument(name = "db.credentials.insert_session", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn insert_session(
    conn: &mut PgConnection,
    digest: &[u8],
    author_id: Uuid,
    expire_time: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO sessions (token_digest, author_id, expire_time) VALUES ($1, $2, $3)")
        .bind(digest)
        .bind(author_id)
        .bind(expire_time)
        .execute(conn)
        .await?;
    Ok(())
}

/// The author id and role of the live session with `digest`.
#[tracing::instrument(name = "db.credentials.session_by_digest", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn session_by_digest(
    conn: &mut PgConnection,
    digest: &[u8],
) -> Result<Option<(Uuid, i16)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT a.id, a.role FROM sessions s JOIN authors a ON a.id = s.author_id
         WHERE s.token_digest = $1 AND s.expire_time > now()",
    )
    .bind(digest)
    .fetch_optional(conn)
    .await?)
}

/// Ends one session.
#[tracing::instrument(name = "db.credentials.delete_session", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn delete_session(conn: &mut PgConnection, digest: &[u8]) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE token_digest = $1")
        .bind(digest)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends every session of an author except `keep`.
#[tracing::instrument(name = "db.credentials.delete_other_sessions", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn delete_other_sessions(
    conn: &mut PgConnection,
    author_id: Uuid,
    keep: &[u8],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE author_id = $1 AND token_digest <> $2")
        .bind(author_id)
        .bind(keep)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records a failed sign-in for `email`.
#[tracing::instrument(name = "db.credentials.record_sign_in_failure", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn record_sign_in_failure(
    conn: &mut PgConnection,
    email: &str,
    client_key: &str,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO sign_in_failures (email, client_key) VALUES (lower($1), $2)")
        .bind(email)
        .bind(client_key)
        .execute(conn)
        .await?;
    Ok(())
}

/// Failed sign-ins for `email` in the last `minutes`: from `client_key`, and from anyone.
#[tracing::instrument(name = "db.credentials.recent_sign_in_failures", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn recent_sign_in_failures(
    conn: &mut PgConnection,
    email: &str,
    client_key: &str,
    minutes: i32,
) -> Result<(i64, i64), StoreError> {
    Ok(sqlx::query_as(
        "SELECT count(*) FILTER (WHERE client_key = $2), count(*) FROM sign_in_failures
         WHERE lower(email) = lower($1) AND fail_time > now() - make_interval(mins => $3)",
    )
    .bind(email)
    .bind(client_key)
    .bind(minutes)
    .fetch_one(conn)
    .await?)
}

/// Forgets the failed sign-ins for `email`: from `client_key` only, or from everyone.
#[tracing::instrument(name = "db.credentials.clear_sign_in_failures", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn clear_sign_in_failures(
    conn: &mut PgConnection,
    email: &str,
    client_key: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM sign_in_failures WHERE lower(email) = lower($1) AND ($2::text IS NULL OR client_key = $2)",
    )
    .bind(email)
    .bind(client_key)
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets expired sessions and old sign-in failures.
#[tracing::instrument(name = "db.credentials.prune", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn prune(conn: &mut PgConnection) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE expire_time < now()")
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM sign_in_failures WHERE fail_time < now() - interval '1 day'")
        .execute(conn)
        .await?;
    Ok(())
}
