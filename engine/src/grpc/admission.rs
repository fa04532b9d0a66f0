//! Admission control: at most so many unary calls run at once; more wait
//! for a slot, briefly; the rest answer RESOURCE_EXHAUSTED (with RetryInfo).
//! A burst is absorbed by the queue. Overload shows as a call that waited
//! its whole turn without a slot: for the next second, calls that find no
//! free slot are refused at once instead of queueing (as CoDel drops when a
//! queue stands), so under overload refusals take no time and
//! the calls the engine accepts keep their latency, instead of every call
//! slowing down until deadlines shed them all.
//!
//! Streams (WatchChanges), health and reflection are not counted: a stream
//! lives for hours, and health must answer however busy the engine is.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use tokio::sync::Semaphore;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};
use tower::{Layer, Service};

use crate::config::AdmissionSettings;

/// How long, after a call waited in vain, calls without a free slot are
/// refused without queueing.
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
    /// Until when calls that find no free slot are refused at once.
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
        if self.is_overloaded() {
            return None;
        }
        if self.queued.fetch_add(1, Ordering::AcqRel) >= self.settings.max_queued {
            self.queued.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        let waited = tokio::time::timeout(
            self.settings.max_queue_wait,
            self.running.clone().acquire_owned(),
        )
        .await;
        self.queued.fetch_sub(1, Ordering::AcqRel);
        let slot = waited.ok().and_then(Result::ok);
        let mut overloaded_until = self.overloaded_until.lock().expect("not poisoned");
        *overloaded_until = match slot {
            // A queued call served in time ends the overload early.
            Some(_) => None,
            None => Some(Instant::now() + OVERLOAD_WINDOW),
        };
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

    fn admission(max_running: usize, max_queued: usize, wait_ms: u64) -> Arc<Admission> {
        AdmissionLayer::new(AdmissionSettings {
            max_running,
            max_queued,
            max_queue_wait: Duration::from_millis(wait_ms),
        })
        .admission
    }

    #[tokio::test]
    async fn calls_beyond_the_running_and_queued_slots_are_refused_at_once() {
        let admission = admission(2, 1, 1_000);
        let first = admission.admit().await.expect("a free slot");
        let _second = admission.admit().await.expect("a free slot");
        // The third waits for a slot; the fourth finds the queue full.
        let waiting = {
            let admission = admission.clone();
            tokio::spawn(async move { admission.admit().await.is_some() })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        let started = std::time::Instant::now();
        assert!(admission.admit().await.is_none());
        assert!(started.elapsed() < Duration::from_millis(10));
        drop(first);
        assert!(waiting.await.unwrap(), "the queued call got the freed slot");
    }

    #[tokio::test]
    async fn after_a_call_waited_in_vain_the_next_ones_are_refused_without_waiting() {
        let admission = admission(1, 8, 30);
        let only = admission.admit().await.expect("a free slot");
        assert!(admission.admit().await.is_none(), "waited 30 ms in vain");
        let started = std::time::Instant::now();
        assert!(admission.admit().await.is_none());
        assert!(
            started.elapsed() < Duration::from_millis(10),
            "refused at once"
        );
        drop(only);
        assert!(
            admission.admit().await.is_some(),
            "a free slot is always taken"
        );
    }

    #[tokio::test]
    async fn a_call_waits_no_longer_than_the_queue_wait() {
        let admission = admission(1, 8, 30);
        let _only = admission.admit().await.expect("a free slot");
        let started = std::time::Instant::now();
        assert!(admission.admit().await.is_none());
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(30) && waited < Duration::from_millis(500));
        assert_eq!(admission.queued.load(Ordering::Acquire), 0);
    }
}
