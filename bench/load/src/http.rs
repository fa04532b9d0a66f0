//! HTTP/1.1 GETs of one URL over keep-alive connections, for the web
//! benchmarks: the same loops and histograms as the gRPC scenarios, so
//! the figures compare.
//!
//! hyper-util's pooling client opens a connection per request in flight
//! and keeps it for the next one, so a closed loop of `concurrency`
//! workers settles on `concurrency` connections, as wrk would.

use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::header::{HeaderName, HeaderValue};
use hyper::{HeaderMap, Request, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// Answers slower than this count as errors rather than hanging a worker.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A GET of one URL with fixed headers.
pub struct HttpGet {
    client: Client<HttpConnector, Empty<Bytes>>,
    uri: Uri,
    headers: HeaderMap,
}

impl HttpGet {
    /// `headers` are `name: value` strings, e.g. `cookie: a=b`.
    pub fn new(url: &str, headers: &[String]) -> anyhow::Result<Self> {
        let uri: Uri = url
            .parse()
            .with_context(|| format!("parsing --target-url {url}"))?;
        anyhow::ensure!(
            uri.scheme_str() == Some("http"),
            "--target-url must be an http:// URL"
        );
        let mut map = HeaderMap::new();
        for header in headers {
            let (name, value) = header
                .split_once(':')
                .with_context(|| format!("--header {header:?} is not `name: value`"))?;
            map.append(
                HeaderName::from_bytes(name.trim().as_bytes())
                    .with_context(|| format!("header name in {header:?}"))?,
                HeaderValue::from_str(value.trim())
                    .with_context(|| format!("header value in {header:?}"))?,
            );
        }
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .build(connector);
        Ok(Self {
            client,
            uri,
            headers: map,
        })
    }

    /// Sends the GET and reads the whole body; whether the answer was 2xx.
    pub async fn call(&self) -> bool {
        let mut request = Request::new(Empty::<Bytes>::new());
        *request.uri_mut() = self.uri.clone();
        *request.headers_mut() = self.headers.clone();
        let exchange = async {
            let response = self.client.request(request).await.ok()?;
            let ok = response.status().is_success();
            // Reading to the end both times the full answer and returns the
            // connection to the pool.
            response.into_body().collect().await.ok()?;
            Some(ok)
        };
        matches!(
            tokio::time::timeout(REQUEST_TIMEOUT, exchange).await,
            Ok(Some(true))
        )
    }
}
