//! Applying every committed change to this replica's invalidation log, in
//! sequence order, exactly once, within a second of its commit.
//!
//! Changes arrive two ways: on Redis pub/sub from the relay (the fast path
//! that spans replicas), and from PostgreSQL itself (LISTEN/NOTIFY and
//! polling, see [`ChangeFeed`]). A message that arrives in order is applied
//! as it is; a gap — missed messages after a Redis restart or a network blip
//! — is filled from the outbox by sequence. With Redis down, PostgreSQL
//! alone keeps the replica current.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use prost::Message;
use quire_proto::v1;
use redis::aio::ConnectionManager;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::invalidations::InvalidationLog;
use super::shared::{SharedCache, manager_config};
use crate::changes::cache_tags::ALL;
use crate::changes::{ChangeFeed, to_wire};
use crate::store::{Store, StoreError, changes};

/// Changes read from the outbox per query while catching up.
const CATCH_UP_BATCH: i64 = 500;

/// The sequence up to which this replica has applied changes.
#[derive(Clone)]
pub struct ChangeFollower {
    applied: Arc<AtomicI64>,
}

impl ChangeFollower {
    /// Starts following. Once the database answers, changes from the last
    /// `remember` are loaded into `log` first, so values stored in Redis
    /// before this replica started are judged with full knowledge; then the
    /// replica follows from the head.
    pub fn start(
        store: Store,
        feed: ChangeFeed,
        shared: SharedCache,
        log: InvalidationLog,
        remember: Duration,
        shutdown: CancellationToken,
    ) -> Self {
        let applied = Arc::new(AtomicI64::new(0));
        let (messages, inbox) = mpsc::unbounded_channel();
        if let Some(channel) = shared.channel() {
            tokio::spawn(subscribe(shared, channel, messages, shutdown.clone()));
        }
        let follower = Self {
            applied: applied.clone(),
        };
        tokio::spawn(async move {
            loop {
                match load_recent(&store, &log, remember).await {
                    Ok(head) => {
                        applied.fetch_max(head, Ordering::AcqRel);
                        break;
                    }
                    Err(error) => tracing::debug!(%error, "change follower waits for the database"),
                }
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(Duration::from_millis(500)) => {}
                }
            }
            follow(store, feed, log, applied, inbox, shutdown).await;
        });
        follower
    }

    /// The sequence applied so far.
    pub fn applied(&self) -> i64 {
        self.applied.load(Ordering::Acquire)
    }
}

/// Records the recent changes; returns the head sequence.
async fn load_recent(
    store: &Store,
    log: &InvalidationLog,
    remember: Duration,
) -> Result<i64, StoreError> {
    let mut conn = store.acquire().await?;
    let head = changes::head(&mut conn).await?;
    for change in changes::within(&mut conn, remember.as_secs_f64()).await? {
        apply(log, &to_wire(change));
    }
    Ok(head)
}

/// Records the tags `change` lists. A change without tags comes from an
/// engine older than tags (during a rolling upgrade): it invalidates
/// everything.
fn apply(log: &InvalidationLog, change: &v1::Change) {
    if change.cache_tags.is_empty() {
        log.record(ALL, change.sequence);
    }
    for tag in &change.cache_tags {
        log.record(tag, change.sequence);
    }
}

/// What the pub/sub connection reports.
enum Inbound {
    Change(Box<v1::Change>),
    /// The connection dropped: messages may have been missed.
    Gap,
}

async fn follow(
    store: Store,
    feed: ChangeFeed,
    log: InvalidationLog,
    applied: Arc<AtomicI64>,
    mut inbox: mpsc::UnboundedReceiver<Inbound>,
    shutdown: CancellationToken,
) {
    let mut head = feed.subscribe();
    loop {
        let must_catch_up = tokio::select! {
            () = shutdown.cancelled() => return,
            changed = head.changed() => {
                if changed.is_err() {
                    return;
                }
                *head.borrow_and_update() > applied.load(Ordering::Acquire)
            }
            message = inbox.recv() => match message {
                Some(Inbound::Change(change)) => {
                    let current = applied.load(Ordering::Acquire);
                    if change.sequence == current + 1 {
                        apply(&log, &change);
                        applied.store(change.sequence, Ordering::Release);
                        false
                    } else {
                        change.sequence > current
                    }
                }
                Some(Inbound::Gap) => true,
                None => false,
            },
        };
        if must_catch_up && let Err(error) = catch_up(&store, &log, &applied).await {
            tracing::warn!(%error, "catching up with the change log failed; retrying on the next change");
        }
        let lag = (*head.borrow()).saturating_sub(applied.load(Ordering::Acquire));
        metrics::gauge!("quire_outbox_lag").set(lag.max(0) as f64);
    }
}

/// Applies every change after the applied sequence from the outbox.
async fn catch_up(
    store: &Store,
    log: &InvalidationLog,
    applied: &AtomicI64,
) -> Result<(), StoreError> {
    let mut conn = store.acquire().await?;
    loop {
        let batch =
            changes::after(&mut conn, applied.load(Ordering::Acquire), CATCH_UP_BATCH).await?;
        let Some(last) = batch.last().map(|change| change.sequence) else {
            return Ok(());
        };
        for change in batch {
            apply(log, &to_wire(change));
        }
        applied.store(last, Ordering::Release);
    }
}

/// Keeps a subscription to the change channel open, forwarding messages and
/// reporting disconnections as gaps.
async fn subscribe(
    shared: SharedCache,
    channel: String,
    inbox: mpsc::UnboundedSender<Inbound>,
    shutdown: CancellationToken,
) {
    let (pushes, mut pushed) = mpsc::unbounded_channel::<redis::PushInfo>();
    let mut manager: Option<ConnectionManager> = None;
    loop {
        if manager.is_none() {
            manager = connect_subscriber(&shared, &channel, pushes.clone()).await;
            if manager.is_none() {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                }
            }
            // Anything published while unsubscribed is found by sequence.
            let _ = inbox.send(Inbound::Gap);
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            push = pushed.recv() => match push {
                None => return,
                Some(push) => match push.kind {
                    redis::PushKind::Message => {
                        if let Some(change) = decode_message(&push.data) {
                            let _ = inbox.send(Inbound::Change(Box::new(change)));
                        }
                    }
                    redis::PushKind::Disconnection => {
                        let _ = inbox.send(Inbound::Gap);
                    }
                    redis::PushKind::Subscribe => {
                        // Resubscribed after a reconnect.
                        let _ = inbox.send(Inbound::Gap);
                    }
                    _ => {}
                },
            },
        }
    }
}

async fn connect_subscriber(
    shared: &SharedCache,
    channel: &str,
    pushes: mpsc::UnboundedSender<redis::PushInfo>,
) -> Option<ConnectionManager> {
    let url = shared.url()?;
    let info = redis::IntoConnectionInfo::into_connection_info(url.as_str()).ok()?;
    let redis_settings = info
        .redis_settings()
        .clone()
        .set_protocol(redis::ProtocolVersion::RESP3);
    let client = redis::Client::open(info.set_redis_settings(redis_settings)).ok()?;
    let config = manager_config()
        .set_push_sender(pushes)
        .set_automatic_resubscription();
    let mut manager = match ConnectionManager::new_with_config(client, config).await {
        Ok(manager) => manager,
        Err(error) => {
            tracing::debug!(%error, "cannot subscribe to changes yet");
            return None;
        }
    };
    match manager.subscribe(channel).await {
        Ok(()) => Some(manager),
        Err(error) => {
            tracing::debug!(%error, "cannot subscribe to changes yet");
            None
        }
    }
}

fn decode_message(data: &[redis::Value]) -> Option<v1::Change> {
    match data.get(1)? {
        redis::Value::BulkString(bytes) => v1::Change::decode(bytes.as_slice()).ok(),
        _ => None,
    }
}
