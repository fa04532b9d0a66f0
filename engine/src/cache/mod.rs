//! The two-level read cache: an in-process cache per replica ([`local`]) in
//! front of Redis shared by all replicas ([`shared`]), in front of
//! PostgreSQL.
//!
//! Entries are *versioned*, never trusted blindly: each records the change
//! sequence this replica had applied when its value was read from
//! PostgreSQL (`fill_seq`) and the cache tags it depends on (`post:<id>`,
//! `posts`, …, the grammar of `changes::cache_tags`). The [`invalidations`]
//! log remembers, per tag, the newest change that listed it; an entry is
//! served only while no change to any of its tags is newer than its
//! `fill_seq`. So a read that raced a
//! write can put an old value into either level, but never have it served
//! once the write's change is applied — and every replica applies every
//! change within a second (see [`follower`]).

mod envelope;
pub mod follower;
pub mod invalidations;
mod keys;
mod local;
pub mod relay;
pub mod shared;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use prost::Message;
use tonic::Status;

pub use envelope::Cached;
pub use follower::ChangeFollower;
pub use invalidations::InvalidationLog;
pub use keys::CacheKey;
pub use local::LocalCache;
pub use shared::SharedCache;

/// What a loader found in PostgreSQL.
pub struct Loaded<T> {
    /// The value, or `None` for NOT_FOUND (cached briefly).
    pub value: Option<T>,
    /// Cache tags of what the value shows, besides the key's own.
    pub tags: Vec<String>,
}

/// The read cache of one replica.
#[derive(Clone)]
pub struct ReadCache {
    inner: Option<Arc<Levels>>,
}

struct Levels {
    /// How many times a value was loaded from PostgreSQL.
    loads: AtomicU64,
    local: LocalCache,
    shared: SharedCache,
    log: InvalidationLog,
    follower: ChangeFollower,
    /// Loads from PostgreSQL running at once (misses of one key are already
    /// coalesced; this bounds misses of many keys, as after a mass
    /// invalidation or with Redis down), so fills never take the whole pool.
    fills: tokio::sync::Semaphore,
}

impl ReadCache {
    /// A cache over the given levels, loading at most `max_fills` values
    /// from PostgreSQL at once.
    pub fn new(
        local: LocalCache,
        shared: SharedCache,
        log: InvalidationLog,
        follower: ChangeFollower,
        max_fills: usize,
    ) -> Self {
        Self {
            inner: Some(Arc::new(Levels {
                loads: AtomicU64::new(0),
                local,
                shared,
                log,
                follower,
                fills: tokio::sync::Semaphore::new(max_fills.max(1)),
            })),
        }
    }

    /// No caching at all: every read loads from PostgreSQL.
    pub fn disabled() -> Self {
        Self { inner: None }
    }

    /// How many values this replica has loaded from PostgreSQL.
    pub fn loads(&self) -> u64 {
        self.inner
            .as_ref()
            .map_or(0, |levels| levels.loads.load(Ordering::Relaxed))
    }

    /// The change sequence this replica has applied.
    pub fn applied_sequence(&self) -> Option<i64> {
        self.inner.as_ref().map(|levels| levels.follower.applied())
    }

    /// Records a change this replica just committed, before its follower
    /// applies it, so that the replica never serves what its own write made
    /// stale (entries filled meanwhile are judged stale until the follower
    /// catches up, which costs a load, never freshness).
    pub fn note_own_write(&self, sequence: i64, cache_tags: &[String]) {
        if let Some(levels) = &self.inner {
            for tag in cache_tags {
                levels.log.record(tag, sequence);
            }
        }
    }

    /// The value for `key`: from this replica's memory, else from Redis,
    /// else from `load` (called once however many callers ask at the same
    /// time).
    pub async fn get_or_load<T, F, Fut>(&self, key: CacheKey, load: F) -> Result<Option<T>, Status>
    where
        T: Message + Default,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Loaded<T>, Status>>,
    {
        let Some(levels) = &self.inner else {
            return load().await.map(|loaded| loaded.value);
        };
        let cached = levels
            .local
            .get_or_fill(&key, &levels.log, levels.fill(&key, load))
            .await?;
        decode(&cached)
    }
}

impl Levels {
    /// Fills the in-process level from Redis, or from PostgreSQL (writing
    /// the result back to Redis).
    async fn fill<T, F, Fut>(&self, key: &CacheKey, load: F) -> Result<Arc<Cached>, Status>
    where
        T: Message + Default,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Loaded<T>, Status>>,
    {
        if let Some(found) = self.shared.get(key).await {
            if self.log.is_fresh(&found) {
                metrics::counter!("quire_cache_hits_total", "level" => "redis").increment(1);
                return Ok(Arc::new(found));
            }
            metrics::counter!("quire_cache_stale_total", "level" => "redis").increment(1);
        }
        metrics::counter!("quire_cache_misses_total", "level" => "redis").increment(1);
        // Read the applied sequence *before* loading: the loaded value is at
        // least as new as every change up to it.
        let _fill = self
            .fills
            .acquire()
            .await
            .map_err(|_| Status::unavailable("the engine is shutting down"))?;
        let fill_seq = self.follower.applied();
        self.loads.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("quire_cache_loads_total").increment(1);
        let loaded = load().await?;
        let mut tags = loaded.tags;
        tags.extend(key.tags.iter().cloned());
        let cached = Cached {
            fill_seq,
            tags,
            payload: loaded.value.map(|value| Bytes::from(value.encode_to_vec())),
        };
        self.shared.put(key, &cached).await;
        Ok(Arc::new(cached))
    }
}

fn decode<T: Message + Default>(cached: &Cached) -> Result<Option<T>, Status> {
    cached
        .payload
        .as_ref()
        .map(|bytes| T::decode(bytes.clone()))
        .transpose()
        .map_err(|error| {
            tracing::error!(%error, "undecodable cache entry");
            Status::internal("internal error")
        })
}
