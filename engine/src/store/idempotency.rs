//! Idempotency keys of creates: a retried create returns the first result.

use sqlx::PgConnection;
use uuid::Uuid;

use super::StoreError;

/// Claims `request_id` for `method`, or returns the resource that an earlier
/// call with the same key created. A concurrent call with the same key waits
/// on the unique index until the first one commits (or rolls back).
#[tracing::instrument(name = "db.idempotency.claim", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn claim(
    conn: &mut PgConnection,
    method: &str,
    request_id: Uuid,
    new_resource: Uuid,
) -> Result<Option<Uuid>, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (method, request_id, resource_id) VALUES ($1, $2, $3)
         ON CONFLICT (method, request_id) DO NOTHING",
    )
    .bind(method)
    .bind(request_id)
    .bind(new_resource)
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(None);
    }
    let existing: Uuid = sqlx::query_scalar(
        "SELECT resource_id FROM idempotency_keys WHERE method = $1 AND request_id = $2",
    )
    .bind(method)
    .bind(request_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Some(existing))
}

/// Forgets keys older than a day.
#[tracing::instrument(name = "db.idempotency.prune", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn prune(conn: &mut PgConnection) -> Result<u64, StoreError> {
    let result =
        sqlx::query("DELETE FROM idempotency_keys WHERE create_time < now() - interval '1 day'")
            .execute(conn)
            .await?;
    Ok(result.rows_affected())
}
