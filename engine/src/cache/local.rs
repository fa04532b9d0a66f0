//! The in-process level: bounded in bytes, short-lived, and coalescing
//! concurrent misses of one key into one fill.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tonic::Status;

use super::envelope::Cached;
use super::invalidations::InvalidationLog;
use super::keys::CacheKey;

/// The in-process cache of one replica.
#[derive(Clone)]
pub struct LocalCache {
    entries: moka::future::Cache<CacheKey, Arc<Cached>>,
}

impl LocalCache {
    /// At most `max_bytes` of entries, each for at most `ttl`.
    pub fn new(max_bytes: u64, ttl: Duration) -> Self {
        let entries = moka::future::Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|_key: &CacheKey, value: &Arc<Cached>| value.weight())
            .time_to_live(ttl)
            .build();
        Self { entries }
    }

    /// The fresh entry for `key`, or the result of `fill` — which runs once
    /// for all callers waiting on the same key.
    pub async fn get_or_fill<F>(
        &self,
        key: &CacheKey,
        log: &InvalidationLog,
        fill: F,
    ) -> Result<Arc<Cached>, Status>
    where
        F: Future<Output = Result<Arc<Cached>, Status>>,
    {
        if let Some(found) = self.entries.get(key).await {
            if log.is_fresh(&found) {
                metrics::counter!("quire_cache_hits_total", "level" => "local").increment(1);
                return Ok(found);
            }
            metrics::counter!("quire_cache_stale_total", "level" => "local").increment(1);
            self.entries.invalidate(key).await;
        }
        metrics::counter!("quire_cache_misses_total", "level" => "local").increment(1);
        self.entries
            .try_get_with(key.clone(), fill)
            .await
            .map_err(|error: Arc<Status>| (*error).clone())
    }
}
