//! Whether PostgreSQL answers right now, as a probe of its own sees it.
//!
//! The probe keeps one connection outside the pool and runs `SELECT 1`
//! several times a second, so a busy pool is never mistaken for a dead
//! database. Health reports it, and while PostgreSQL is known down the store
//! fails at once ([`StoreError::Down`](super::StoreError::Down)) instead of
//! letting every call wait out the pool's acquire timeout.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};
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
}

impl Liveness {
    /// Assumed up until a probe says otherwise: the pool's own errors cover
    /// the moments before the first probe.
    pub fn new() -> Self {
        Self {
            up: Arc::new(AtomicBool::new(true)),
            changes: watch::Sender::new(true),
        }
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

    /// Probes PostgreSQL at `options` until `shutdown` is cancelled.
    pub async fn probe(self, options: PgConnectOptions, shutdown: CancellationToken) {
        let mut connection: Option<PgConnection> = None;
        let mut failures = 0;
        let mut ticks = tokio::time::interval(PROBE_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = ticks.tick() => {}
            }
            let answered =
                match tokio::time::timeout(PROBE_TIMEOUT, ask(&options, &mut connection)).await {
                    Ok(Ok(())) => true,
                    // Refusing a connection because all slots are taken is
                    // an answer: PostgreSQL is up (and full), the pool's
                    // connections still work, and "too many clients" is
                    // logged where the pool cannot grow.
                    Ok(Err(error)) if super::error::is_too_many_connections(&error) => true,
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
                }
                if failures >= FAILURES_TO_DOWN {
                    self.set(false);
                }
            }
        }
    }
}

impl Default for Liveness {
    fn default() -> Self {
        Self::new()
    }
}

async fn ask(
    options: &PgConnectOptions,
    connection: &mut Option<PgConnection>,
) -> Result<(), sqlx::Error> {
    let conn = match connection {
        Some(conn) => conn,
        None => connection.insert(options.connect().await?),
    };
    conn.ping().await
}
