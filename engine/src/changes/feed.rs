//! One LISTEN connection per replica announces the newest committed change
//! sequence to every local subscriber through a `watch` channel.

use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::store::Store;
use crate::store::changes::{self, NOTIFY_CHANNEL};

/// How often the head is re-read even without notifications: bounds the
/// delay if a notification is lost while the listener reconnects.
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// The newest committed change sequence, as this replica knows it.
#[derive(Clone)]
pub struct ChangeFeed {
    head: watch::Receiver<i64>,
}

impl ChangeFeed {
    /// Starts following the log; stops when `shutdown` is cancelled.
    pub fn start(store: Store, shutdown: CancellationToken) -> Self {
        let (sender, head) = watch::channel(0);
        tokio::spawn(follow(store, sender, shutdown));
        Self { head }
    }

    /// A receiver that wakes when the head moves.
    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.head.clone()
    }
}

async fn follow(store: Store, sender: watch::Sender<i64>, shutdown: CancellationToken) {
    let mut listener: Option<PgListener> = None;
    loop {
        if listener.is_none() {
            listener = match PgListener::connect_with(store.pool()).await {
                Ok(mut new) => match new.listen(NOTIFY_CHANNEL).await {
                    Ok(()) => Some(new),
                    Err(error) => {
                        tracing::warn!(%error, "cannot LISTEN for changes; polling");
                        None
                    }
                },
                Err(error) => {
                    tracing::warn!(%error, "cannot open a LISTEN connection; polling");
                    None
                }
            };
        }
        // Re-read the head after (re)connecting and on every wake-up, so a
        // notification missed in between cannot leave subscribers waiting.
        if let Ok(mut conn) = store.acquire().await
            && let Ok(head) = changes::head(&mut conn).await
        {
            sender.send_if_modified(|current| {
                let moved = head > *current;
                if moved {
                    *current = head;
                }
                moved
            });
        }
        let notified = async {
            match listener.as_mut() {
                Some(active) => active
                    .try_recv()
                    .await
                    .map(|_| ())
                    .map_err(|error| error.to_string()),
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = shutdown.cancelled() => return,
            result = notified => {
                if let Err(error) = result {
                    tracing::warn!(%error, "change listener failed; reconnecting");
                    listener = None;
                }
            }
            () = tokio::time::sleep(POLL_INTERVAL) => {}
        }
    }
}
