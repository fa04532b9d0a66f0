//! The relay: publishes every committed change, in order, on the Redis
//! change channel, so that all replicas hear of it within milliseconds.
//!
//! Exactly one replica relays at a time (the holder of a PostgreSQL advisory
//! lock; when it dies, its session ends, the lock frees and another replica
//! takes over). Its position is kept in Redis and advanced only after a
//! publish succeeded, so a Redis outage delays messages but loses none;
//! subscribers fill any gap from the outbox anyway.

use std::time::Duration;

use prost::Message;
use redis::AsyncCommands;
use sqlx::Postgres;
use sqlx::pool::PoolConnection;
use tokio_util::sync::CancellationToken;

use super::shared::SharedCache;
use crate::changes::{ChangeFeed, to_wire};
use crate::store::{Store, StoreError, changes};

/// The advisory lock key of the relay role ("QUIRE" in ASCII).
const RELAY_LOCK: i64 = 0x51_55_49_52_45;
/// How often a non-leader tries to become the relay, and a failed publish is retried.
const RETRY: Duration = Duration::from_secs(1);
/// Changes published per round.
const BATCH: i64 = 500;

/// Runs the relay role for this replica until `shutdown`.
pub async fn run(store: Store, feed: ChangeFeed, shared: SharedCache, shutdown: CancellationToken) {
    let (Some(channel), Some(cursor_key)) = (shared.channel(), shared.relay_cursor_key()) else {
        return;
    };
    let mut head = feed.subscribe();
    let mut leadership: Option<PoolConnection<Postgres>> = None;
    loop {
        if leadership.is_none() {
            leadership = try_lead(&store).await;
        }
        if leadership.is_some() {
            match publish_pending(&store, &shared, &channel, &cursor_key).await {
                Ok(()) => {}
                Err(RelayError::Store(error)) => {
                    tracing::warn!(%error, "relay lost its database session; re-electing");
                    leadership = None;
                }
                Err(RelayError::Redis) => {}
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = head.changed() => {}
            () = tokio::time::sleep(RETRY) => {}
        }
    }
}

async fn try_lead(store: &Store) -> Option<PoolConnection<Postgres>> {
    let mut conn = store.acquire().await.ok()?;
    let acquired: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(RELAY_LOCK)
        .fetch_one(&mut *conn)
        .await
        .ok()?;
    if acquired {
        tracing::info!("this replica relays changes to Redis");
        // Keep the session (and its lock) out of the pool for as long as we lead.
        Some(conn)
    } else {
        None
    }
}

enum RelayError {
    Store(StoreError),
    Redis,
}

async fn publish_pending(
    store: &Store,
    shared: &SharedCache,
    channel: &str,
    cursor_key: &str,
) -> Result<(), RelayError> {
    let mut conn = store.acquire().await.map_err(RelayError::Store)?;
    let Some(mut redis) = shared.connection() else {
        return Err(RelayError::Redis);
    };
    let stored: Result<Option<i64>, _> = redis.get(cursor_key).await;
    shared.observe(&stored);
    let mut cursor = match stored.map_err(|_| RelayError::Redis)? {
        Some(cursor) => cursor,
        // First relay ever (or Redis lost its data): subscribers catch up
        // from the outbox by themselves, so start from the head.
        None => changes::head(&mut conn).await.map_err(RelayError::Store)?,
    };
    loop {
        let batch = changes::after(&mut conn, cursor, BATCH)
            .await
            .map_err(RelayError::Store)?;
        if batch.is_empty() {
            let saved: Result<(), _> = redis.set(cursor_key, cursor).await;
            shared.observe(&saved);
            return saved.map_err(|_| RelayError::Redis);
        }
        for change in batch {
            let sequence = change.sequence;
            let payload = to_wire(change).encode_to_vec();
            let published: Result<i64, _> = redis.publish(channel, payload).await;
            shared.observe(&published);
            published.map_err(|_| RelayError::Redis)?;
            cursor = sequence;
        }
        let saved: Result<(), _> = redis.set(cursor_key, cursor).await;
        shared.observe(&saved);
        saved.map_err(|_| RelayError::Redis)?;
        metrics::gauge!("quire_relay_cursor").set(cursor as f64);
    }
}
