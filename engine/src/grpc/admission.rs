//! Admission control: at most so many unary calls run at once; more wait
//! for a slot, briefly; the rest answer RESOURCE_EXHAUSTED (with RetryInfo).
//! A burst is absorbed by the queue (`max_queue_wait`). Overload shows as a
//! call refused, having waited its whole turn without a slot: from then on
//! calls that find no free slot wait only `overload_queue_wait` (a few
//! milliseconds) until a second passes without a refusal. As CoDel keeps a
//! queue from standing, this keeps refusals quick and the calls the engine
//! accepts at their usual latency under sustained overload, instead of every
//! call queueing until deadlines shed them all.
//!
//! Streams (WatchChanges), health and reflection are not counted: a stream
//! lives for hours, and health must answer however busy the engine is.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};
use tower::{Layer, Service};

use crate::config::AdmissionSettings;

/// How long after the latest refusal calls without a free slot still wait
/// only `overload_queue_wait`.
const OVERLOAD_WINDOW: Duration = Duration::from_secs(1);

/// When a shed call should try again.
const RETRY_SHED_AFTER: Duration = Duration::from_millis(100);

/// Paths that are never shed.
const EXEMPT_PREFIXES: [&str; 3] = [
    "/quire.v1.ChangeService/",
    "/grpc.health.v1.Health/",
    "/grpc.reflection.",
];

/// See the module documentation.
#[derive(Clone)]
pub struct AdmissionLayer {
    admission: Arc<Admission>,
}

struct Admission {
    running: Arc<Semaphore>,
    queued: AtomicUsize,
    /// Until when calls that find no free slot wait only `overload_queue_wait`.
    overloaded_until: Mutex<Option<Instant>>,
    settings: AdmissionSettings,
}

impl AdmissionLayer {
    pub fn new(settings: AdmissionSettings) -> Self {
        Self {
            admission: Arc::new(Admission {
                running: Arc::new(Semaphore::new(settings.max_running)),
                queued: AtomicUsize::new(0),
                overloaded_until: Mutex::new(None),
                settings,
            }),
        }
    }
}

impl<S> Layer<S> for AdmissionLayer {
    type Service = Admitted<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Admitted {
            inner,
            admission: self.admission.clone(),
        }
    }
}

/// See [`AdmissionLayer`].
#[derive(Clone)]
pub struct Admitted<S> {
    inner: S,
    admission: Arc<Admission>,
}

impl<S, B> Service<http::Request<B>> for Admitted<S>
where
    S: Service<http::Request<B>, Response = http::Response<tonic::body::Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let path = request.uri().path();
        if EXEMPT_PREFIXES
            .iter()
            .any(|prefix| path.starts_with(prefix))
        {
            return Box::pin(self.inner.call(request));
        }
        // The clone that was polled ready serves this call (tower's rule).
        let ready = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready);
        let admission = self.admission.clone();
        Box::pin(async move {
            let Some(_slot) = admission.admit().await else {
                metrics::counter!("quire_rpc_shed_total").increment(1);
                return Ok(shed(&admission.settings).into_http());
            };
            inner.call(request).await
        })
    }
}

impl Admission {
    /// A running slot, at once or after a short wait; `None` when the engine
    /// is at capacity.
    async fn admit(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        if let Ok(slot) = self.running.clone().try_acquire_owned() {
            return Some(slot);
        }
        let wait = if self.is_overloaded() {
            self.settings.overload_queue_wait
        } else {
            self.settings.max_queue_wait
        };
        let slot = if self.queued.fetch_add(1, Ordering::AcqRel) < self.settings.max_queued {
            let waited = tokio::time::timeout(wait, self.running.clone().acquire_owned()).await;
            waited.ok().and_then(Result::ok)
        } else {
            None
        };
        self.queued.fetch_sub(1, Ordering::AcqRel);
        if slot.is_none() {
            // Entering overload, or still in it. A call served in time ends
            // nothing: under sustained overload the short waits serve some.
            *self.overloaded_until.lock().expect("not poisoned") =
                Some(Instant::now() + OVERLOAD_WINDOW);
        }
        slot
    }

    fn is_overloaded(&self) -> bool {
        let overloaded_until = self.overloaded_until.lock().expect("not poisoned");
        overloaded_until.is_some_and(|until| Instant::now() < until)
    }
}

fn shed(settings: &AdmissionSettings) -> Status {
    Status::with_error_details(
        Code::ResourceExhausted,
        format!(
            "the engine is at capacity (at most {} calls at once); retry shortly",
            settings.max_running
        ),
        ErrorDetails::with_retry_info(Some(RETRY_SHED_AFTER)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const BURST_WAIT: Duration = Duration::from_millis(100);
    const OVERLOAD_WAIT: Duration = Duration::from_millis(5);

    fn admission(max_running: usize, max_queued: usize) -> Arc<Admission> {
        AdmissionLayer::new(AdmissionSettings {
            max_running,
            max_queued,
            max_queue_wait: BURST_WAIT,
            overload_queue_wait: OVERLOAD_WAIT,
        })
        .admission
    }

    /// Tries to admit a call; whether it got a slot, and how long it took.
    async fn try_admit(admission: &Admission) -> (bool, Duration) {
        let started = Instant::now();
        let slot = admission.admit().await;
        (slot.is_some(), started.elapsed())
    }

    #[tokio::test(start_paused = true)]
    async fn calls_beyond_the_running_and_queued_slots_are_refused_at_once() {
        let admission = admission(2, 1);
        let first = admission.admit().await.expect("a free slot");
        let _second = admission.admit().await.expect("a free slot");
        // The third waits for a slot; the fourth finds the queue full.
        let waiting = {
            let admission = admission.clone();
            tokio::spawn(async move { admission.admit().await.is_some() })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(try_admit(&admission).await, (false, Duration::ZERO));
        drop(first);
        assert!(waiting.await.unwrap(), "the queued call got the freed slot");
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_waits_for_a_slot_up_to_the_queue_wait() {
        let admission = admission(1, 8);
        let only = admission.admit().await.expect("a free slot");
        let released = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(60)).await;
            drop(only);
        });
        assert_eq!(
            try_admit(&admission).await,
            (true, Duration::from_millis(60))
        );
        released.await.unwrap();
        assert_eq!(admission.queued.load(Ordering::Acquire), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn once_a_call_is_refused_the_next_ones_wait_only_the_overload_wait() {
        let admission = admission(1, 8);
        let only = admission.admit().await.expect("a free slot");
        assert_eq!(try_admit(&admission).await, (false, BURST_WAIT));
        assert_eq!(try_admit(&admission).await, (false, OVERLOAD_WAIT));
        // A call served within the short wait does not end the overload.
        let released = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(2)).await;
            drop(only);
        });
        let (served, waited) = try_admit(&admission).await;
        assert!(served && waited <= OVERLOAD_WAIT);
        released.await.unwrap();
        let _held = {
            let admission = admission.clone();
            tokio::spawn(async move {
                let slot = admission.admit().await;
                tokio::time::sleep(Duration::from_secs(60)).await;
                drop(slot);
            })
        };
        tokio::task::yield_now().await;
        assert_eq!(try_admit(&admission).await, (false, OVERLOAD_WAIT));
        // A second after the latest refusal, bursts may queue again.
        tokio::time::sleep(OVERLOAD_WINDOW).await;
        assert_eq!(try_admit(&admission).await, (false, BURST_WAIT));
        assert_eq!(admission.queued.load(Ordering::Acquire), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_free_slot_is_always_taken() {
        let admission = admission(1, 0);
        let only = admission.admit().await.expect("a free slot");
        assert_eq!(try_admit(&admission).await, (false, Duration::ZERO));
        drop(only);
        assert_eq!(try_admit(&admission).await, (true, Duration::ZERO));
    }
}
