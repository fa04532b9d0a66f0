//! Idempotency keys (AIP-155): the response a mutation answered, stored in
//! the transaction of its effect, so a retry answers it again.

use sqlx::PgConnection;
use uuid::Uuid;

use super::StoreError;

/// One caller's key for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// Who called (`author:<id>`, `key:<id>`): a key never answers another caller.
    pub caller: String,
    /// The RPC (`UpdatePost`).
    pub method: &'static str,
    pub request_id: Uuid,
    /// A digest of the request without its key: the same key with other
    /// values is the client's mistake, not a retry.
    pub fingerprint: Vec<u8>,
}

/// What claiming a key found.
#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// The key is new and now held by this transaction until it commits.
    New,
    /// An earlier call with this key committed this response.
    Answered(Vec<u8>),
    /// An earlier call used this key for a different request.
    OtherRequest,
}

/// Claims `key` in the caller's transaction. A concurrent call with the same
/// key waits on the primary key until the first one commits (then finds its
/// answer) or rolls back (then claims it).
#[tracing::instrument(name = "db.idempotency.claim", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn claim(conn: &mut PgConnection, key: &Key) -> Result<Claim, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (caller, method, request_id, fingerprint)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (caller, method, request_id) DO NOTHING",
    )
    .bind(&key.caller)
    .bind(key.method)
    .bind(key.request_id)
    .bind(&key.fingerprint)
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(Claim::New);
    }
    let (fingerprint, response): (Vec<u8>, Option<Vec<u8>>) = sqlx::query_as(
        "SELECT fingerprint, response FROM idempotency_keys
         WHERE caller = $1 AND method = $2 AND request_id = $3",
    )
    .bind(&key.caller)
    .bind(key.method)
    .bind(key.request_id)
    .fetch_one(&mut *conn)
    .await?;
    match response {
        _ if fingerprint != key.fingerprint => Ok(Claim::OtherRequest),
        Some(response) => Ok(Claim::Answered(response)),
        // Claim and answer commit together, so a committed key has its answer.
        None => Err(StoreError::Inconsistent(
            "idempotency key without a response",
        )),
    }
}

/// Stores the response of the call that claimed `key`, before it commits.
#[tracing::instrument(name = "db.idempotency.answer", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
pub async fn answer(conn: &mut PgConnection, key: &Key, response: &[u8]) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE idempotency_keys SET response = $4
         WHERE caller = $1 AND method = $2 AND request_id = $3",
    )
    .bind(&key.caller)
    .bind(key.method)
    .bind(key.request_id)
    .bind(response)
    .execute(conn)
    .await?;
    Ok(())
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
