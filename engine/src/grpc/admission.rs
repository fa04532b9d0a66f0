//! Admission control: at most so many unary calls run at once; more wait
//! for a slot, briefly; the rest answer RESOURCE_EXHAUSTED (with RetryInfo).
//! A burst is absorbed by the queue: a call may wait `max_queue_wait` for a
//! slot. A queue that stands is overload, as CoDel tells it: during an
//! interval of `max_queue_wait` every call that got a slot waited more than
//! `overload_queue_wait` (the target), or a call was refused. From then on,
//! until a second passes without either, calls that find no free slot wait
//! only the target (a few milliseconds). So under sustained overload refusals
//! stay quick and the calls the engine accepts keep their usual latency,
//! instead of every call queueing until deadlines shed them all.
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
    load: Mutex<Load>,
    settings: AdmissionSettings,
}

/// What the queue did lately (see the module documentation).
struct Load {
    /// Until when calls that find no free slot wait only `overload_queue_wait`.
    overloaded_until: Option<Instant>,
    interval_started: Instant,
    /// The shortest wait for a slot in the current interval.
    shortest_wait: Duration,
}

impl Load {
    fn new(now: Instant) -> Self {
        Self {
            overloaded_until: None,
            interval_started: now,
            shortest_wait: Duration::MAX,
        }
    }

    fn is_overloaded(&self, now: Instant) -> bool {
        self.overloaded_until.is_some_and(|until| now < until)
    }

    fn overloaded(&mut self, now: Instant) {
        self.overloaded_until = Some(now + OVERLOAD_WINDOW);
    }

    /// A call got a slot after waiting `waited`.
    fn served(&mut self, waited: Duration, now: Instant, settings: &AdmissionSettings) {
        self.shortest_wait = self.shortest_wait.min(waited);
        if now.duration_since(self.interval_started) >= settings.max_queue_wait {
            if self.shortest_wait > settings.overload_queue_wait {
                self.overloaded(now);
            }
            self.interval_started = now;
            self.shortest_wait = Duration::MAX;
        }
    }
}

impl AdmissionLayer {
    pub fn new(settings: AdmissionSettings) -> Self {
        Self {
            admission: Arc::new(Admission {
                running: Arc::new(Semaphore::new(settings.max_running)),
                queued: AtomicUsize::new(0),
                load: Mutex::new(Load::new(Instant::now())),
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
        let started = Instant::now();
        if let Ok(slot) = self.running.clone().try_acquire_owned() {
            self.load().served(Duration::ZERO, started, &self.settings);
            return Some(slot);
        }
        let wait = if self.load().is_overloaded(started) {
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
        let now = Instant::now();
        match slot {
            Some(_) => self
                .load()
                .served(now.duration_since(started), now, &self.settings),
            None => self.load().overloaded(now),
        }
        slot
    }

    fn load(&self) -> std::sync::MutexGuard<'_, Load> {
        self.load.lock().expect("not poisoned")
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
    async fn a_queue_that_stands_for_an_interval_is_overload_and_a_burst_is_not() {
        let settings = admission(1, 8).settings;
        let ms = Duration::from_millis;
        let t0 = Instant::now();
        let mut load = Load::new(t0);
        // A burst: some calls waited, one did not.
        load.served(ms(40), t0 + ms(10), &settings);
        load.served(Duration::ZERO, t0 + ms(20), &settings);
        load.served(ms(30), t0 + ms(100), &settings);
        assert!(!load.is_overloaded(t0 + ms(100)));
        // Every call of the next interval waited longer than the target.
        load.served(ms(30), t0 + ms(150), &settings);
        load.served(ms(20), t0 + ms(200), &settings);
        assert!(load.is_overloaded(t0 + ms(200)));
        assert!(!load.is_overloaded(t0 + ms(200) + OVERLOAD_WINDOW));
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
