//! Background duties of every replica: publishing scheduled posts when their
//! time comes (each exactly once, whichever replica claims it), rendering
//! again the posts an older renderer made (after an upgrade) or that show a
//! media item that changed, and pruning
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
/// Most posts rendered again in one transaction (which holds their rows).
const RERENDER_BATCH: i64 = 20;
/// The pause between batches of posts rendered again, until none are left:
/// short, but it leaves the scheduler's other duties and the render pool
/// room between batches.
const RERENDER_INTERVAL: Duration = Duration::from_millis(50);

/// Runs until `shutdown` is cancelled.
pub async fn run(store: Store, shutdown: CancellationToken) {
    let mut publish = tokio::time::interval(PUBLISH_INTERVAL);
    let mut prune = tokio::time::interval(PRUNE_INTERVAL);
    let mut rerender = tokio::time::interval(RERENDER_INTERVAL);
    let mut rendered_all = false;
    publish.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    rerender.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            // Batch after batch while stale posts are left (after an upgrade),
            // then once per publish tick: a post also goes stale when a media
            // item it shows changes (variants made, alt text edited).
            _ = rerender.tick(), if !rendered_all => {
                match rerender_stale(&store).await {
                    Ok(more) => rendered_all = !more,
                    Err(error) => tracing::warn!(error = %error, "rendering posts again failed; retrying"),
                }
            }
            _ = publish.tick() => {
                if let Err(error) = publish_due(&store).await {
                    tracing::warn!(error = %error, "publishing scheduled posts failed; retrying");
                }
                rendered_all = false;
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

/// Renders again one batch of the posts an older renderer made; returns
/// whether any may be left (the batch was full).
pub async fn rerender_stale(store: &Store) -> Result<bool, content::ContentError> {
    let claimed = content::posts::rerender_stale(store, RERENDER_BATCH).await?;
    if claimed > 0 {
        tracing::info!(
            posts = claimed,
            "posts rendered again by the current renderer"
        );
    }
    Ok(claimed == RERENDER_BATCH as usize)
}

async fn prune_old(store: &Store) -> Result<(), StoreError> {
    let mut conn = store.acquire().await?;
    credentials::prune(&mut conn).await?;
    idempotency::prune(&mut conn).await?;
    changes::prune(&mut conn).await?;
    Ok(())
}
