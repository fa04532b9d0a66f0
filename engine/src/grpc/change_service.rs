//! quire.v1.ChangeService.

use std::pin::Pin;
use std::time::Duration;

use quire_proto::v1;
use quire_proto::v1::change_service_server::ChangeService;
use tokio::sync::mpsc;
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use super::status::{ApiError, ApiResult};
use crate::auth::{Authenticator, policy};
use crate::changes::{ChangeFeed, is_public, to_wire};
use crate::store::{Store, changes};

/// A quiet stream sends an empty message this often, so that proxies keep
/// it open and subscribers know the engine is alive.
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(15);
/// Changes per stream message.
const BATCH: i64 = 500;

/// The change stream API.
pub struct ChangeApi {
    store: Store,
    auth: Authenticator,
    feed: ChangeFeed,
    shutdown: CancellationToken,
}

impl ChangeApi {
    /// A change API fed by `feed`, whose streams end with UNAVAILABLE when
    /// `shutdown` is cancelled.
    pub fn new(
        store: Store,
        auth: Authenticator,
        feed: ChangeFeed,
        shutdown: CancellationToken,
    ) -> Self {
        Self {
            store,
            auth,
            feed,
            shutdown,
        }
    }

    async fn start_position(&self, after_sequence: i64) -> ApiResult<i64> {
        let mut conn = self.store.acquire().await?;
        match after_sequence {
            -1 => Ok(changes::head(&mut conn).await?),
            n if n < -1 => Err(ApiError::invalid(
                "after_sequence",
                "must be -1, 0 or a sequence number",
            )),
            0 => Ok(0),
            n => match changes::oldest(&mut conn).await? {
                Some(oldest) if n < oldest - 1 => Err(ApiError::OutOfRange(format!(
                    "changes up to {} are no longer retained; treat everything as changed and resume from {}",
                    oldest - 1,
                    oldest - 1
                ))),
                _ => Ok(n),
            },
        }
    }
}

type ChangeStream = Pin<Box<dyn Stream<Item = Result<v1::WatchChangesResponse, Status>> + Send>>;

#[tonic::async_trait]
impl ChangeService for ChangeApi {
    type WatchChangesStream = ChangeStream;

    async fn watch_changes(
        &self,
        request: Request<v1::WatchChangesRequest>,
    ) -> Result<Response<Self::WatchChangesStream>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        policy::watch_changes(&caller)?;
        let all_changes = policy::watch_unpublished_changes(&caller);
        let after = self
            .start_position(request.into_inner().after_sequence)
            .await?;
        let (sender, receiver) = mpsc::channel(4);
        tokio::spawn(stream_changes(
            self.store.clone(),
            self.feed.clone(),
            after,
            all_changes,
            sender,
            self.shutdown.clone(),
        ));
        Ok(Response::new(Box::pin(ReceiverStream::new(receiver))))
    }
}

/// Sends every change after `after` (only the public ones unless
/// `all_changes`), then follows the feed, until the client goes away. When
/// the engine shuts down the stream ends with UNAVAILABLE, so that a
/// follower tells it from a normal end and resumes elsewhere.
async fn stream_changes(
    store: Store,
    feed: ChangeFeed,
    mut after: i64,
    all_changes: bool,
    sender: mpsc::Sender<Result<v1::WatchChangesResponse, Status>>,
    shutdown: CancellationToken,
) {
    let shutting_down =
        || Status::unavailable("the engine is shutting down; resume the stream on another replica");
    let mut head = feed.subscribe();
    loop {
        if shutdown.is_cancelled() {
            let _ = sender.send(Err(shutting_down())).await;
            return;
        }
        let batch = match store.acquire().await {
            Ok(mut conn) => changes::after(&mut conn, after, BATCH)
                .await
                .map_err(ApiError::from),
            Err(error) => Err(ApiError::from(error)),
        };
        let batch = match batch {
            Ok(batch) => batch,
            Err(error) => {
                let _ = sender.send(Err(error.into())).await;
                return;
            }
        };
        if let Some(last) = batch.last() {
            after = last.sequence;
            let changes: Vec<v1::Change> = batch
                .into_iter()
                .filter(|change| all_changes || is_public(change))
                .map(to_wire)
                .collect();
            if changes.is_empty() {
                continue;
            }
            let message = v1::WatchChangesResponse {
                head_sequence: (*head.borrow()).max(after),
                changes,
            };
            if sender.send(Ok(message)).await.is_err() {
                return;
            }
            continue;
        }
        tokio::select! {
            () = sender.closed() => return,
            () = shutdown.cancelled() => {
                let _ = sender.send(Err(shutting_down())).await;
                return;
            }
            changed = head.changed() => {
                if changed.is_err() {
                    let _ = sender.send(Err(shutting_down())).await;
                    return;
                }
            }
            () = tokio::time::sleep(KEEPALIVE_INTERVAL) => {
                let keepalive = v1::WatchChangesResponse { changes: Vec::new(), head_sequence: (*head.borrow()).max(after) };
                if sender.send(Ok(keepalive)).await.is_err() {
                    return;
                }
            }
        }
    }
}
