//! Whether this engine can use PostgreSQL right now, as a probe of its own
//! sees it.
//!
//! The probe keeps one connection outside the pool and runs `SELECT 1`
//! several times a second, so a busy pool is never mistaken for a dead
//! database. A PostgreSQL that refuses the probe's connection as "too many
//! clients" is up for an engine whose pool holds working connections, and
//! down for one that holds none (a replica started after the others took
//! every slot, or whose connections were cut), since that one cannot answer
//! a single call. Health reports it, and while PostgreSQL is known down the store
//! fails at once ([`StoreError::Down`](super::StoreError::Down)) instead of
//! letting every call wait out the pool's acquire timeout.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection, PgPool};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// How often the probe asks.
const PROBE_INTERVAL: Duration = Duration::from_millis(200);
/// How long one probe (connecting included) may take before it counts as a failure.
const PROBE_TIMEOUT: Duration = Duration::from_millis(300);
/// Consecutive failures before PostgreSQL counts as down: one lost packet is
/// not an outage, and two still detect one within a second.
const FAILURES_TO_DOWN: u32 = 2;

/// PostgreSQL's liveness, shared by every user of the store.
#[derive(Clone)]
pub struct Liveness {
    up: Arc<AtomicBool>,
    changes: watch::Sender<bool>,
    /// Whether the pool handed out a connection since the latest probe.
    pool_served: Arc<AtomicBool>,
}

impl Liveness {
    /// Assumed up until a probe says otherwise: the pool's own errors cover
    /// the moments before the first probe.
    pub fn new() -> Self {
        Self {
            up: Arc::new(AtomicBool::new(true)),
            changes: watch::Sender::new(true),
            pool_served: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Records that the pool handed out a connection (the store calls it).
    pub(super) fn pool_served(&self) {
        self.pool_served.store(true, Ordering::Relaxed);
    }

    /// Whether PostgreSQL answered the latest probes.
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }

    /// Notified on every change of [`Liveness::is_up`].
    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.changes.subscribe()
    }

    /// Completes once PostgreSQL is known down (at once if it is now).
    pub async fn down(&self) {
        let mut changes = self.changes.subscribe();
        // An error means the sender is gone, which it never is while `self` lives.
        let _ = changes.wait_for(|up| !up).await;
    }

    fn set(&self, up: bool) {
        if self.up.swap(up, Ordering::AcqRel) != up {
            if up {
                tracing::info!("PostgreSQL answers again");
            } else {
                tracing::warn!(
                    "PostgreSQL does not answer: reporting NOT_SERVING and failing calls at once"
                );
            }
            self.changes.send_replace(up);
        }
    }

    /// Probes PostgreSQL at `options`, on behalf of `pool`, until `shutdown`
    /// is cancelled.
    pub async fn probe(self, options: PgConnectOptions, pool: PgPool, shutdown: CancellationToken) {
        let mut connection: Option<PgConnection> = None;
        let mut failures = 0;
        let mut ticks = tokio::time::interval(PROBE_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = ticks.tick() => {}
            }
            let pool_served = self.pool_served.swap(false, Ordering::Relaxed);
            let answered = match tokio::time::timeout(
                PROBE_TIMEOUT,
                ask(&options, &mut connection, &pool, pool_served),
            )
            .await
            {
                Ok(Ok(())) => true,
                Ok(Err(error)) => {
                    if failures + 1 == FAILURES_TO_DOWN {
                        super::log_connect_failure(&error);
                    }
                    false
                }
                Err(_) => false,
            };
            if answered {
                failures = 0;
                self.set(true);
            } else {
                failures += 1;
                // A connection that failed or hung is not reused once
                // PostgreSQL counts as down; a single slow answer (a busy
                // machine) keeps it, rather than give up a slot that a full
                // PostgreSQL might not give back.
                if failures >= FAILURES_TO_DOWN {
                    connection = None;
                    self.set(false);
                }
            }
        }
    }
}

/// Whether this engine can use PostgreSQL: the probe's connection
/// answers (or PostgreSQL refuses it for lack of slots while the pool
/// still works), and a pool that holds no connection can open one.
async fn ask(
    options: &PgConnectOptions,
    connection: &mut Option<PgConnection>,
    pool: &PgPool,
    pool_served: bool,
) -> Result<(), sqlx::Error> {
    match ping(options, connection).await {
        Ok(()) if pool.size() == 0 => {
            // sqlx retries "too many clients" until its timeout: when the
            // pool cannot open a connection in time, PostgreSQL is asked
            // directly why.
            if !matches!(
                tokio::time::timeout(PROBE_TIMEOUT / 2, pool.acquire()).await,
                Ok(Ok(_))
            ) {
                options.connect().await?;
            }
            Ok(())
        }
        Ok(()) => Ok(()),
        Err(error) if super::error::is_too_many_connections(&error) => {
            if pool_works(pool, pool_served).await {
                Ok(())
            } else {
                Err(error)
            }
        }
        Err(error) => Err(error),
    }
}

/// Whether the pool works: it handed out a connection since the latest
/// probe, or an idle one answers (one that does not is closed). Its size
/// alone says nothing: it counts connections being opened.
async fn pool_works(pool: &PgPool, served: bool) -> bool {
    if served {
        return true;
    }
    let Some(mut idle) = pool.try_acquire() else {
        return false;
    };
    if idle.ping().await.is_ok() {
        true
    } else {
        idle.close().await.ok();
        false
    }
}

async fn ping(
    options: &PgConnectOptions,
    connection: &mut Option<PgConnection>,
) -> Result<(), sqlx::Error> {
    let conn = match connection {
        Some(conn) => conn,
        None => connection.insert(options.connect().await?),
    };
    conn.ping().await
}

impl Default for Liveness {
    fn default() -> Self {
        Self::new()
    }
}
