//! The Redis level, shared by all replicas. Redis makes reads faster, never
//! more correct: any failure is logged, counted and answered as a miss, and
//! after a failure Redis is left alone for a moment so that a dead Redis
//! costs no latency.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tracing::Instrument;

use super::envelope::Cached;
use super::keys::CacheKey;
use crate::config::CacheSettings;

/// How long Redis is skipped after a failure.
const BACKOFF: Duration = Duration::from_secs(1);
/// Longest wait for any Redis command.
pub const COMMAND_TIMEOUT: Duration = Duration::from_millis(250);
/// Consecutive failed commands before Redis counts as down (and is skipped
/// for [`BACKOFF`]): one slow answer under CPU contention is not an outage,
/// and sending a healthy Redis's reads to PostgreSQL would overload it.
const FAILURES_TO_DOWN: u32 = 3;
/// How often a Redis counted as down is probed, so that it counts as up
/// again (and `quire_redis_up` says so) without waiting for traffic.
const PROBE_INTERVAL: Duration = Duration::from_millis(500);
/// Lifetime of a cached "not found".
const NOT_FOUND_TTL: Duration = Duration::from_secs(10);

/// A child span of the current call for one Redis command (no keys or
/// values recorded).
macro_rules! command_span {
    ($name:literal, $operation:literal) => {
        tracing::debug_span!(
            $name,
            otel.kind = "client",
            db.system = "redis",
            db.operation.name = $operation
        )
    };
}

/// The Redis level (or nothing, when no Redis is configured).
#[derive(Clone)]
pub struct SharedCache {
    inner: Option<Arc<Shared>>,
}

struct Shared {
    url: String,
    manager: ConnectionManager,
    prefix: String,
    ttl: Duration,
    started: Instant,
    /// Milliseconds since `started` until which Redis is skipped.
    skip_until_ms: AtomicU64,
    /// Failed commands since the last one that worked.
    failures: AtomicU32,
    up: AtomicBool,
}

impl SharedCache {
    /// Connects lazily to the configured Redis; `None` when there is none.
    pub fn connect(settings: &CacheSettings) -> Result<Self, redis::RedisError> {
        let Some(url) = &settings.redis_url else {
            return Ok(Self { inner: None });
        };
        let client = redis::Client::open(url.as_str())?;
        let manager = ConnectionManager::new_lazy_with_config(client, manager_config())?;
        metrics::gauge!("quire_redis_up").set(1.0);
        Ok(Self {
            inner: Some(Arc::new(Shared {
                url: url.clone(),
                manager,
                prefix: settings.redis_prefix.clone(),
                ttl: settings.shared_ttl,
                started: Instant::now(),
                skip_until_ms: AtomicU64::new(0),
                failures: AtomicU32::new(0),
                up: AtomicBool::new(true),
            })),
        })
    }

    /// No Redis level.
    pub fn none() -> Self {
        Self { inner: None }
    }

    /// Whether a Redis is configured.
    pub fn is_configured(&self) -> bool {
        self.inner.is_some()
    }

    /// The Redis URL, for connections of their own (the subscriber's).
    pub fn url(&self) -> Option<String> {
        self.inner.as_ref().map(|shared| shared.url.clone())
    }

    /// The pub/sub channel that carries changes.
    pub fn channel(&self) -> Option<String> {
        self.inner
            .as_ref()
            .map(|shared| format!("{}:changes", shared.prefix))
    }

    /// The key of the relay's published-up-to sequence.
    pub fn relay_cursor_key(&self) -> Option<String> {
        self.inner
            .as_ref()
            .map(|shared| format!("{}:relay:cursor", shared.prefix))
    }

    /// A connection for other commands (the relay's), if Redis is configured and not backing off.
    pub fn connection(&self) -> Option<ConnectionManager> {
        self.inner
            .as_ref()
            .filter(|shared| shared.available())
            .map(|shared| shared.manager.clone())
    }

    /// Reports the outcome of a command run on [`SharedCache::connection`].
    pub fn observe<T>(&self, result: &Result<T, redis::RedisError>) {
        if let Some(shared) = &self.inner {
            match result {
                Ok(_) => shared.mark_up(),
                Err(error) => shared.mark_down(error),
            }
        }
    }

    /// While Redis counts as down, pings it every [`PROBE_INTERVAL`] so that
    /// its recovery is noticed without traffic; runs until `shutdown`.
    pub async fn probe(self, shutdown: tokio_util::sync::CancellationToken) {
        let Some(shared) = self.inner else {
            return;
        };
        let mut ticks = tokio::time::interval(PROBE_INTERVAL);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = ticks.tick() => {}
            }
            if shared.up.load(Ordering::Acquire) {
                continue;
            }
            let mut connection = shared.manager.clone();
            let answer: Result<String, _> = redis::cmd("PING").query_async(&mut connection).await;
            match answer {
                Ok(_) => shared.mark_up(),
                Err(error) => shared.mark_down(&error),
            }
        }
    }

    /// The entry for `key`, if Redis has one and answers.
    pub async fn get(&self, key: &CacheKey) -> Option<Cached> {
        let shared = self.inner.as_ref().filter(|shared| shared.available())?;
        let mut connection = shared.manager.clone();
        let result: Result<Option<Vec<u8>>, _> = connection
            .get(shared.key(key))
            .instrument(command_span!("redis.get", "GET"))
            .await;
        self.observe(&result);
        result
            .ok()
            .flatten()
            .and_then(|bytes| Cached::decode(Bytes::from(bytes)))
    }

    /// Stores an entry; failures only cost the next reader a miss.
    pub async fn put(&self, key: &CacheKey, cached: &Cached) {
        let Some(shared) = self.inner.as_ref().filter(|shared| shared.available()) else {
            return;
        };
        let ttl = if cached.payload.is_some() {
            shared.ttl
        } else {
            NOT_FOUND_TTL
        };
        let mut connection = shared.manager.clone();
        let result: Result<(), _> = connection
            .pset_ex(
                shared.key(key),
                cached.encode().to_vec(),
                ttl.as_millis() as u64,
            )
            .instrument(command_span!("redis.set", "PSETEX"))
            .await;
        self.observe(&result);
    }
}

impl Shared {
    fn key(&self, key: &CacheKey) -> String {
        format!("{}:c:{}", self.prefix, key.text())
    }

    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    fn available(&self) -> bool {
        self.now_ms() >= self.skip_until_ms.load(Ordering::Relaxed)
    }

    fn mark_down(&self, error: &redis::RedisError) {
        metrics::counter!("quire_redis_errors_total").increment(1);
        if self.failures.fetch_add(1, Ordering::AcqRel) + 1 < FAILURES_TO_DOWN {
            return;
        }
        self.skip_until_ms.store(
            self.now_ms() + BACKOFF.as_millis() as u64,
            Ordering::Relaxed,
        );
        if self.up.swap(false, Ordering::AcqRel) {
            metrics::gauge!("quire_redis_up").set(0.0);
            tracing::warn!(%error, "Redis unavailable: degraded, serving from this replica's memory and PostgreSQL");
        }
    }

    fn mark_up(&self) {
        self.failures.store(0, Ordering::Release);
        self.skip_until_ms.store(0, Ordering::Relaxed);
        if !self.up.swap(true, Ordering::AcqRel) {
            metrics::gauge!("quire_redis_up").set(1.0);
            tracing::info!("Redis is back: shared cache and change fan-out resumed");
        }
    }
}

/// Fail fast and reconnect in the background: a slow Redis must not slow
/// down reads that PostgreSQL can answer.
pub fn manager_config() -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(COMMAND_TIMEOUT))
        .set_response_timeout(Some(COMMAND_TIMEOUT))
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_secs(1))
}
