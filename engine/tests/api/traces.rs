//! Traces: a call that carries a W3C `traceparent` is continued by the
//! engine, down to its PostgreSQL work, and its log lines name the trace.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry::trace::{SpanKind, TracerProvider as _};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SpanData};
use quire_engine::config::{LogFormat, LogSettings};
use quire_engine::telemetry;
use quire_proto::v1;
use tracing_subscriber::fmt::MakeWriter;

use crate::harness::{TestEngine, authed};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN_ID: &str = "00f067aa0ba902b7";

/// Log output kept in memory.
#[derive(Clone, Default)]
struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl CapturedLogs {
    fn lines(&self) -> Vec<serde_json::Value> {
        let bytes = self.0.lock().expect("log buffer").clone();
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(|line| serde_json::from_str(line).expect("every log line is JSON"))
            .collect()
    }
}

impl io::Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for CapturedLogs {
    type Writer = Self;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn attribute<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|KeyValue { key: k, .. }| k.as_str() == key)
        .map(|KeyValue { value, .. }| value)
}

/// The finished spans of the test trace, once the call's span has ended (it
/// ends after the response body, so shortly after the client has it).
async fn finished_spans(exporter: &InMemorySpanExporter, rpc_name: &str) -> Vec<SpanData> {
    for _ in 0..100 {
        let spans: Vec<SpanData> = exporter
            .get_finished_spans()
            .expect("in-memory exporter")
            .into_iter()
            .filter(|span| span.span_context.trace_id().to_string() == TRACE_ID)
            .collect();
        if spans.iter().any(|span| span.name == rpc_name) {
            return spans;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the span of {rpc_name} never ended");
}

#[tokio::test]
async fn a_call_with_a_traceparent_continues_the_callers_trace_down_to_postgresql() {
    let exporter = InMemorySpanExporter::default();
    let provider = telemetry::tracer_provider_builder("quire-engine-test")
        .with_simple_exporter(exporter.clone())
        .build();
    let logs = CapturedLogs::default();
    let log = LogSettings {
        format: LogFormat::Json,
        // The "finished processing request" line is written inside the call.
        filter: "info,tower_http=debug".to_owned(),
    };
    // Installed globally, as `main` does: the subscriber caches which
    // callsites it wants only then (the only test here that does; assertions
    // look at this test's trace alone, should other tests share the process).
    tracing::subscriber::set_global_default(telemetry::subscriber(
        &log,
        Some(provider.tracer("test")),
        logs.clone(),
    ))
    .expect("no other global subscriber");
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    engine
        .published(&ada, "traced", "Traced", "Followed *closely*.")
        .await;

    let mut request = authed(
        v1::GetPostRequest {
            key: Some(v1::get_post_request::Key::Slug("traced".to_owned())),
            view: 0,
        },
        &engine.admin_key,
    );
    request.metadata_mut().insert(
        "traceparent",
        format!("00-{TRACE_ID}-{CALLER_SPAN_ID}-01")
            .parse()
            .expect("ascii"),
    );
    engine.posts().get_post(request).await.expect("get post");

    let spans = finished_spans(&exporter, "quire.v1.PostService/GetPost").await;
    let rpc = spans
        .iter()
        .find(|span| span.name == "quire.v1.PostService/GetPost")
        .expect("the call's span");
    assert_eq!(rpc.parent_span_id.to_string(), CALLER_SPAN_ID);
    assert!(rpc.parent_span_is_remote);
    assert_eq!(rpc.span_kind, SpanKind::Server);
    assert_eq!(attribute(rpc, "rpc.system"), Some(&Value::from("grpc")));
    assert_eq!(
        attribute(rpc, "rpc.service"),
        Some(&Value::from("quire.v1.PostService"))
    );
    assert_eq!(attribute(rpc, "rpc.method"), Some(&Value::from("GetPost")));
    assert_eq!(attribute(rpc, "rpc.grpc.status_code"), Some(&Value::I64(0)));

    let rpc_span_id = rpc.span_context.span_id();
    let database: Vec<&SpanData> = spans
        .iter()
        .filter(|span| span.name.starts_with("db."))
        .collect();
    assert!(
        !database.is_empty(),
        "no PostgreSQL span in {:?}",
        spans.iter().map(|span| &span.name).collect::<Vec<_>>()
    );
    for span in database {
        assert_eq!(span.parent_span_id, rpc_span_id, "{} is a child", span.name);
        assert_eq!(span.span_kind, SpanKind::Client);
        assert_eq!(
            attribute(span, "db.system"),
            Some(&Value::from("postgresql"))
        );
    }

    let inside_the_call: Vec<serde_json::Value> = logs
        .lines()
        .into_iter()
        .filter(|line| line["trace_id"] == TRACE_ID)
        .collect();
    assert!(
        !inside_the_call.is_empty(),
        "no log line names the trace: {:?}",
        logs.lines()
    );
    for line in inside_the_call {
        assert_eq!(line["span_id"], rpc_span_id.to_string());
    }
}

#[tokio::test]
async fn background_work_and_calls_without_a_traceparent_start_their_own_traces() {
    let exporter = InMemorySpanExporter::default();
    let provider = telemetry::tracer_provider_builder("quire-engine-test")
        .with_simple_exporter(exporter.clone())
        .build();
    let log = LogSettings {
        format: LogFormat::Json,
        filter: "warn".to_owned(),
    };
    // This test's runtime runs the engine on this thread: a thread-local
    // subscriber sees all of it.
    let _subscriber = tracing::subscriber::set_default(telemetry::subscriber(
        &log,
        Some(provider.tracer("test")),
        io::sink,
    ));
    let engine = TestEngine::start().await;
    engine.author("ada", v1::AuthorRole::Author).await;

    let spans = exporter.get_finished_spans().expect("in-memory exporter");
    // Every exported span belongs to a call: each trace has a server root,
    // and health checks (the harness waits for SERVING) are not traced.
    let roots: Vec<&SpanData> = spans
        .iter()
        .filter(|span| span.parent_span_id == opentelemetry::trace::SpanId::INVALID)
        .collect();
    assert!(!roots.is_empty());
    for root in &roots {
        assert_eq!(root.span_kind, SpanKind::Server, "{} is a root", root.name);
        assert!(!root.name.starts_with("grpc.health"), "{}", root.name);
    }
    for span in &spans {
        assert!(
            roots
                .iter()
                .any(|root| root.span_context.trace_id() == span.span_context.trace_id()),
            "{} belongs to a call's trace",
            span.name
        );
    }
}
