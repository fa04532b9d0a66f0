//! Idempotent mutations (AIP-155), the one home of the rule: a mutation with
//! a `request_id` runs in one transaction that also stores its response, so
//! a retry by the same caller (after a timeout, a reset connection, a
//! failover) answers that response again instead of writing twice or
//! failing on an etag its own first attempt moved.

use prost::Message;
use sha2::{Digest, Sha256};

use super::status::{ApiError, ApiResult, store_error};
use crate::auth::Caller;
use crate::domain::parse_uuid;
use crate::store::idempotency::{self, Claim, Key};
use crate::store::{Store, Tx};

/// The change a write recorded (its sequence and cache tags), for the
/// writing replica's own cache; `None` when it recorded none or was replayed.
pub(super) type OwnWrite = Option<(i64, Vec<String>)>;

/// The idempotency key of `request`, whose `request_id` the caller has taken
/// out (an empty one means the call is not idempotent).
pub(super) fn key_of<M: Message>(
    method: &'static str,
    caller: &Caller,
    request_id: String,
    request: &M,
) -> ApiResult<Option<Key>> {
    if request_id.is_empty() {
        return Ok(None);
    }
    let request_id =
        parse_uuid(&request_id).map_err(|problem| ApiError::invalid("request_id", problem))?;
    let caller = match caller {
        Caller::Author { id, .. } => format!("author:{id}"),
        Caller::Service { key_id, .. } => format!("key:{key_id}"),
    };
    Ok(Some(Key {
        caller,
        method,
        request_id,
        fingerprint: Sha256::digest(request.encode_to_vec()).to_vec(),
    }))
}

/// Where mutations begin: the store, and the largest response a client
/// accepts (a write whose answer would be larger is refused before it
/// commits, rather than committed and then lost on the wire).
#[derive(Clone)]
pub struct Writes {
    store: Store,
    max_response_bytes: usize,
}

/// A mutation's start: the stored response of an earlier call with its key,
/// or a fresh transaction to do the work in.
pub(super) enum Begun<R> {
    Replayed(R),
    Fresh(Once),
}

/// A mutation's transaction, holding its idempotency key (if any) until it
/// commits with its response. Dropped without [`Once::commit`], it rolls
/// back, key and all, so a retry runs again.
pub(super) struct Once {
    tx: Tx,
    key: Option<Key>,
    max_response_bytes: usize,
}

impl Writes {
    pub fn new(store: Store, max_response_bytes: usize) -> Self {
        Self {
            store,
            max_response_bytes,
        }
    }

    /// The largest response a client accepts (listings fill pages up to it).
    pub fn max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }

    /// The store the writes go to (the services read from it too).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Begins the mutation keyed by `key`: the first call claims the key; a
    /// later one gets the stored response; a concurrent one waits for the
    /// first to commit (or roll back).
    pub(super) async fn begin<R: Message + Default>(
        &self,
        key: Option<Key>,
    ) -> ApiResult<Begun<R>> {
        let mut tx = self.store.begin().await?;
        if let Some(key) = &key {
            match idempotency::claim(&mut tx, key).await? {
                Claim::New => {}
                Claim::Answered(response) => {
                    let response = R::decode(response.as_slice()).map_err(ApiError::internal)?;
                    return Ok(Begun::Replayed(response));
                }
                Claim::OtherRequest => {
                    return Err(ApiError::invalid(
                        "request_id",
                        "was already used for a different request; use a new request_id for a new request",
                    ));
                }
            }
        }
        Ok(Begun::Fresh(Once {
            tx,
            key,
            max_response_bytes: self.max_response_bytes,
        }))
    }
}

impl Once {
    /// The transaction to do the work in.
    pub(super) fn tx(&mut self) -> &mut Tx {
        &mut self.tx
    }

    /// Stores `response` with the key and commits, unless the response is
    /// too large to deliver (then nothing is written).
    pub(super) async fn commit<R: Message>(mut self, response: &R) -> ApiResult<()> {
        let size = response.encoded_len();
        if size > self.max_response_bytes {
            // The request itself must change (be smaller), so: INVALID_ARGUMENT.
            return Err(ApiError::invalid(
                "request",
                format!(
                    "its response would be {size} bytes, over the limit of {} bytes; nothing was written",
                    self.max_response_bytes
                ),
            ));
        }
        if let Some(key) = &self.key {
            idempotency::answer(&mut self.tx, key, &response.encode_to_vec()).await?;
        }
        self.tx.commit().await.map_err(store_error)?;
        Ok(())
    }
}
