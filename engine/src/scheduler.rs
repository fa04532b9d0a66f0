//! Background duties of every replica: publishing scheduled posts when their
//! time comes (each exactly once, whichever replica claims it) and pruning
//! expired sessions, idempotency keys and old change records.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::content;
use crate::store::{Store, StoreError, changes, credentials, idempotency};

/// How often due posts are looked for: the worst-case publication delay.
const PUBLISH_INTERVAL: Duration = Duration::from_secs(1);
/// How often old records are pruned.
const PRUNE_INTERVAL: Duration = Duration::from_secs(3600);
/// Most posts published in one transaction.
const PUBLISH_BATCH: i64 = 100;

/// Runs until `shutdown` is cancelled.
pub async fn run(store: Store, shutdown: CancellationToken) {
    let mut publish = tokio::time::interval(PUBLISH_INTERVAL);
    let mut prune = tokio::time::interval(PRUNE_INTERVAL);
    publish.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = publish.tick() => {
                if let Err(error) = publish_due(&store).await {
                    tracing::warn!(error = %error, "publishing scheduled posts failed; retrying");
                }
            }
            _ = prune.tick() => {
                if let Err(error) = prune_old(&store).await {
                    tracing::warn!(error = %error, "pruning failed; retrying later");
                }
            }
        }
    }
}

/// Publishes every post whose scheduled time has passed; returns how many.
pub async fn publish_due(store: &Store) -> Result<usize, StoreError> {
    let published = content::posts::publish_due(store, PUBLISH_BATCH).await?;
    for post in &published {
        tracing::info!(post_id = %post.id, slug = %post.slug, "scheduled post published");
    }
    Ok(published.len())
}

async fn prune_old(store: &Store) -> Result<(), StoreError> {
    let mut conn = store.acquire().await?;
    credentials::prune(&mut conn).await?;
    idempotency::prune(&mut conn).await?;
    changes::prune(&mut conn).await?;
    Ok(())
}
