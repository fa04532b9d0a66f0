//! Prometheus metrics: the endpoint, and a layer that counts and times
//! every RPC by method and status.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use std::time::Instant;

use futures_util::future::BoxFuture;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
use tower::{Layer, Service};

/// Starts the Prometheus endpoint on `addr` (once per process).
pub fn serve(addr: SocketAddr) -> Result<(), String> {
    static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            PrometheusBuilder::new()
                .with_http_listener(addr)
                .set_buckets(&[
                    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                    0.5, 1.0,
                ])
                .map_err(|error| error.to_string())?
                // Seconds, not milliseconds: a 24 MP photo's variants take a while.
                .set_buckets_for_metric(
                    Matcher::Full(crate::media::VARIANTS_SECONDS.to_owned()),
                    &[0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 60.0],
                )
                .map_err(|error| error.to_string())?
                .install()
                .map_err(|error| error.to_string())
        })
        .clone()
}

/// Records `quire_rpc_requests_total` and `quire_rpc_duration_seconds` by method and gRPC status.
#[derive(Clone, Default)]
pub struct RpcMetricsLayer;

impl<S> Layer<S> for RpcMetricsLayer {
    type Service = RpcMetrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RpcMetrics { inner }
    }
}

/// See [`RpcMetricsLayer`].
#[derive(Clone)]
pub struct RpcMetrics<S> {
    inner: S,
}

impl<S, B, R> Service<http::Request<B>> for RpcMetrics<S>
where
    S: Service<http::Request<B>, Response = http::Response<R>> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let method = request.uri().path().trim_start_matches('/').to_owned();
        let started = Instant::now();
        let future = self.inner.call(request);
        Box::pin(async move {
            let response = future.await?;
            // Errors are sent as trailers-only responses, whose status is a header;
            // successful unary calls carry it in the trailers, after the body.
            let status = response
                .headers()
                .get("grpc-status")
                .and_then(|value| value.to_str().ok())
                .map_or_else(|| "0".to_owned(), str::to_owned);
            metrics::counter!("quire_rpc_requests_total", "method" => method.clone(), "status" => status.clone())
                .increment(1);
            metrics::histogram!("quire_rpc_duration_seconds", "method" => method, "status" => status)
                .record(started.elapsed().as_secs_f64());
            Ok(response)
        })
    }
}

/// Exports the PostgreSQL pool's size and idle connections every few seconds.
pub async fn watch_pool(store: crate::store::Store, shutdown: tokio_util::sync::CancellationToken) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => {
                let pool = store.pool();
                metrics::gauge!("quire_db_pool_connections").set(f64::from(pool.size()));
                metrics::gauge!("quire_db_pool_idle").set(pool.num_idle() as f64);
                // Calls cancelled by their deadline never see the pool time
                // out: a busy pool that is not full may be one that cannot grow.
                store.explain_if_pool_stuck();
            }
        }
    }
}
