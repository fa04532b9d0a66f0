//! Where media work runs, and the durable job that makes variants.
//!
//! Media work runs on the render pool (lower CPU priority) in two lanes per
//! engine, one piece at a time in each: uploads' cleaning, which a writer
//! waits for and so never queues behind the background job, and the variant
//! job. A 24-megapixel photo decodes to 72 MB; each lane holds one decoded
//! image at a time (bench/media.mjs measures the engine's peak).
//!
//! The variant job's state is the item's row: PROCESSING until its variants
//! are stored. An engine claims the oldest waiting item with a short lease
//! that it renews while working; if it dies, the lease lapses and any engine
//! (the restarted one, another replica) takes the job over, from the start:
//! variants are stored in one transaction with the READY state, so a job
//! either left nothing or everything.

use std::future::Future;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;

use super::{Format, VARIANTS_SECONDS, variants};
use crate::render::pool::{self, RenderLost};
use crate::store::media::{self as media_store, FAILED, READY};
use crate::store::{Store, StoreError};

/// How long a claim holds without renewal.
const LEASE: Duration = Duration::from_secs(10);
/// How often a working engine renews its claim.
const RENEW_EVERY: Duration = Duration::from_secs(3);
/// How often waiting items are looked for without a wake-up (uploads on
/// other replicas, lapsed claims).
const POLL_INTERVAL: Duration = Duration::from_secs(2);
/// Claims of one item before it is given up as FAILED: an image that kills
/// the engine making its variants must not kill every engine forever.
const MAX_ATTEMPTS: i32 = 3;

/// Runs uploads' media work and the variant job.
pub struct Worker {
    /// The upload lane (the variant job is one task, so one at a time by itself).
    one_upload_at_a_time: Semaphore,
    wake: Notify,
}

impl Default for Worker {
    fn default() -> Self {
        Self {
            one_upload_at_a_time: Semaphore::new(1),
            wake: Notify::new(),
        }
    }
}

impl Worker {
    /// Runs an upload's `work` (CPU-heavy) on the render pool, after the
    /// uploads before it.
    pub async fn run_upload<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, RenderLost> {
        let _permit = self
            .one_upload_at_a_time
            .acquire()
            .await
            .expect("the semaphore is never closed");
        pool::run(work).await
    }

    /// Says an item is waiting (it was just uploaded here).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Makes the variants of waiting items until `shutdown` is cancelled.
    pub async fn make_variants(&self, store: Store, shutdown: CancellationToken) {
        loop {
            let more = tokio::select! {
                () = shutdown.cancelled() => return,
                done = self.one_job(&store) => done,
            };
            match more {
                Ok(true) => continue,
                Ok(false) => {}
                Err(error) => tracing::warn!(%error, "making media variants failed; retrying"),
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = self.wake.notified() => {}
                () = tokio::time::sleep(POLL_INTERVAL) => {}
            }
        }
    }

    /// Does one waiting item's job; `false` when none was waiting.
    async fn one_job(&self, store: &Store) -> Result<bool, StoreError> {
        let job = {
            let mut conn = store.acquire().await?;
            media_store::claim_job(&mut conn, LEASE.as_secs_f64()).await?
        };
        let Some(job) = job else {
            return Ok(false);
        };
        let id = job.id;
        if job.attempts > MAX_ATTEMPTS {
            tracing::error!(item = %id, "media variants given up: every attempt stopped midway");
            let mut conn = store.acquire().await?;
            let reason = format!("making the variants stopped midway {MAX_ATTEMPTS} times");
            media_store::finish_job(&mut conn, id, FAILED, &reason).await?;
            return Ok(true);
        }
        let Some(format) = Format::from_content_type(&job.content_type) else {
            let mut conn = store.acquire().await?;
            media_store::finish_job(&mut conn, id, FAILED, "not an image type").await?;
            return Ok(true);
        };
        let bytes = job.bytes;
        let made = renewing(
            store,
            id,
            pool::run(move || {
                let started = Instant::now();
                let made = variants::make(&bytes, format);
                metrics::histogram!(VARIANTS_SECONDS).record(started.elapsed().as_secs_f64());
                made
            }),
        )
        .await?;
        let mut tx = store.begin().await?;
        match made {
            Ok(Ok(made)) => {
                for variant in &made {
                    let sha256 = Sha256::digest(&variant.bytes);
                    let content_type = variant.format.content_type();
                    media_store::put_file(&mut tx, &sha256, content_type, &variant.bytes).await?;
                    let size = |pixels: u32| i32::try_from(pixels).unwrap_or(i32::MAX);
                    let (width, height) = (size(variant.width), size(variant.height));
                    media_store::add_variant(&mut tx, id, &variant.name, width, height, &sha256)
                        .await?;
                }
                media_store::finish_job(&mut tx, id, READY, "").await?;
                // Posts showing the item render again, as pictures of these.
                let path = super::path(&job.original_sha256, "");
                crate::store::posts::mark_render_stale(&mut tx, &path).await?;
                tracing::info!(item = %id, variants = made.len(), "media variants made");
            }
            Ok(Err(error)) => {
                tracing::warn!(item = %id, %error, "media variants failed");
                media_store::finish_job(&mut tx, id, FAILED, &error.to_string()).await?;
            }
            Err(lost) => {
                tracing::error!(item = %id, error = %lost, "media variants panicked");
                media_store::finish_job(&mut tx, id, FAILED, "making the variants panicked")
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }
}

/// Awaits `work` while renewing the claim on item `id`.
async fn renewing<T>(
    store: &Store,
    id: uuid::Uuid,
    work: impl Future<Output = T>,
) -> Result<T, StoreError> {
    tokio::pin!(work);
    let mut renew = tokio::time::interval(RENEW_EVERY);
    renew.tick().await;
    loop {
        tokio::select! {
            done = &mut work => return Ok(done),
            _ = renew.tick() => {
                let mut conn = store.acquire().await?;
                media_store::renew_claim(&mut conn, id, LEASE.as_secs_f64()).await?;
            }
        }
    }
}
