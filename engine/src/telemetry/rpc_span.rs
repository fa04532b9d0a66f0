//! The span of every gRPC call, per the OpenTelemetry RPC conventions: named
//! `package.Service/Method`, kind server, `rpc.system`, `rpc.service`,
//! `rpc.method` and, once answered, `rpc.grpc.status_code`. It continues the
//! caller's trace when the request carries a W3C `traceparent`.

use std::time::Duration;

use http::{HeaderMap, Request, Response};
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TraceContextExt;
use opentelemetry_http::HeaderExtractor;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tower_http::trace::{DefaultOnEos, DefaultOnResponse, MakeSpan, OnEos, OnResponse};
use tracing::{Level, Span, field};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::log_format::{self, TraceIds};

/// Makes the call's span and records its outcome (for `TraceLayer`).
#[derive(Debug, Clone, Copy, Default)]
pub struct RpcSpan;

impl<B> MakeSpan<B> for RpcSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        let name = request.uri().path().trim_start_matches('/');
        let (service, method) = name.split_once('/').unwrap_or((name, ""));
        let span = tracing::info_span!(
            "grpc.request",
            otel.name = name,
            otel.kind = "server",
            rpc.system = "grpc",
            rpc.service = service,
            rpc.method = method,
            rpc.grpc.status_code = field::Empty,
            otel.status_code = field::Empty,
        );
        continue_trace(&span, request.headers());
        span
    }
}

impl<B> OnResponse<B> for RpcSpan {
    fn on_response(self, response: &Response<B>, latency: Duration, span: &Span) {
        // Errors are trailers-only responses: their status is a header.
        record_status(span, response.headers());
        DefaultOnResponse::new()
            .level(Level::DEBUG)
            .on_response(response, latency, span);
    }
}

impl OnEos for RpcSpan {
    fn on_eos(self, trailers: Option<&HeaderMap>, stream_duration: Duration, span: &Span) {
        if let Some(trailers) = trailers {
            record_status(span, trailers);
        }
        DefaultOnEos::new()
            .level(Level::DEBUG)
            .on_eos(trailers, stream_duration, span);
    }
}

/// Makes `span` a child of the caller's span (when OpenTelemetry is on) and
/// remembers the trace ids for the log lines written inside it.
fn continue_trace(span: &Span, headers: &HeaderMap) {
    let caller = headers.contains_key("traceparent").then(|| {
        let context = TraceContextPropagator::new().extract(&HeaderExtractor(headers));
        let caller = context.span().span_context().clone();
        // Fails only when no OpenTelemetry layer is installed.
        let _ = span.set_parent(context);
        caller
    });
    let own = span.context().span().span_context().clone();
    let ids = if own.is_valid() {
        Some(TraceIds {
            trace_id: own.trace_id(),
            span_id: Some(own.span_id()),
        })
    } else {
        caller
            .filter(|caller| caller.is_valid())
            .map(|caller| TraceIds {
                trace_id: caller.trace_id(),
                span_id: None,
            })
    };
    if let Some(ids) = ids {
        log_format::attach(span, ids);
    }
}

/// Records `grpc-status` from `headers`, if present; the server's own
/// failures (not the caller's mistakes) mark the span as an error.
fn record_status(span: &Span, headers: &HeaderMap) {
    let Some(code) = headers
        .get("grpc-status")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<i64>().ok())
    else {
        return;
    };
    span.record("rpc.grpc.status_code", code);
    // UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS.
    if matches!(code, 2 | 4 | 12 | 13 | 14 | 15) {
        span.record("otel.status_code", "ERROR");
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use opentelemetry::trace::TracerProvider as _;
    use tracing_subscriber::fmt::MakeWriter;

    use super::*;
    use crate::config::{LogFormat, LogSettings};
    use crate::telemetry::{subscriber, tracer_provider_builder};

    const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().expect("buffer").extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Self;

        fn make_writer(&'a self) -> Self {
            self.clone()
        }
    }

    /// The JSON line logged inside the span of a call to GetPost.
    fn line_logged_inside_a_call(
        traceparent: Option<&str>,
        opentelemetry: bool,
    ) -> serde_json::Value {
        let captured = Captured::default();
        let log = LogSettings {
            format: LogFormat::Json,
            filter: "info".to_owned(),
        };
        let tracer = opentelemetry.then(|| tracer_provider_builder("test").build().tracer("test"));
        tracing::subscriber::with_default(subscriber(&log, tracer, captured.clone()), || {
            let mut request = Request::builder().uri("http://engine/quire.v1.PostService/GetPost");
            if let Some(traceparent) = traceparent {
                request = request.header("traceparent", traceparent);
            }
            let span = RpcSpan.make_span(&request.body(()).expect("request"));
            span.in_scope(|| tracing::info!(answer = 42, "inside the call"));
        });
        let bytes = captured.0.lock().expect("buffer").clone();
        serde_json::from_slice(&bytes).expect("one JSON line")
    }

    #[test]
    fn without_opentelemetry_log_lines_carry_the_callers_trace_id() {
        let line = line_logged_inside_a_call(Some(TRACEPARENT), false);
        assert_eq!(line["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(line.get("span_id"), None);
        assert_eq!(line["answer"], 42);
        assert_eq!(line["span"]["rpc.method"], "GetPost");
    }

    #[test]
    fn with_opentelemetry_log_lines_carry_the_engines_own_span_id() {
        let line = line_logged_inside_a_call(Some(TRACEPARENT), true);
        assert_eq!(line["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
        let span_id = line["span_id"].as_str().expect("a span id");
        assert_eq!(span_id.len(), 16);
        assert_ne!(
            span_id, "00f067aa0ba902b7",
            "the engine's span, not the caller's"
        );
    }

    #[test]
    fn a_call_without_a_traceparent_starts_a_trace_only_with_opentelemetry() {
        let line = line_logged_inside_a_call(None, false);
        assert_eq!(line.get("trace_id"), None);
        assert_eq!(line["message"], "inside the call");
        let line = line_logged_inside_a_call(None, true);
        assert_eq!(line["trace_id"].as_str().map(str::len), Some(32));
    }

    #[test]
    fn a_malformed_traceparent_is_ignored() {
        let line = line_logged_inside_a_call(Some("00-not-a-trace-01"), false);
        assert_eq!(line.get("trace_id"), None);
    }
}
