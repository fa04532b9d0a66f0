//! Telemetry: structured logs with `tracing`, and OpenTelemetry traces.
//!
//! Every gRPC call gets a span ([`RpcSpan`]) that continues the caller's
//! trace (W3C `traceparent` in the request metadata); PostgreSQL and Redis
//! work inside it gets child spans. When an OTLP endpoint is configured those
//! spans are exported; otherwise no exporter (and no OpenTelemetry layer) is
//! installed. Either way, JSON log lines written inside a call carry its
//! `trace_id`, so they can be found from the caller's trace.

mod export;
mod log_format;
mod rpc_span;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{SdkTracerProvider, Tracer};
use tracing::{Level, Metadata, Subscriber};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::JsonFields;
use tracing_subscriber::fmt::writer::{BoxMakeWriter, MakeWriterExt};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

pub use export::tracer_provider_builder;
pub use rpc_span::RpcSpan;

use crate::config::{LogFormat, LogSettings, TraceSettings};
use log_format::JsonWithTraceIds;

/// The instrumentation scope of the engine's spans.
const TRACER_NAME: &str = "quire-engine";

/// Telemetry that needs stopping: the trace exporter, if there is one.
#[must_use = "call `shutdown` so that the last spans are sent"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

/// Telemetry that could not be started.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// The OTLP exporter could not be built.
    #[error("cannot build the OTLP trace exporter")]
    Exporter(#[from] opentelemetry_otlp::ExporterBuildError),
    /// Exporting needs the Tokio runtime the engine runs on.
    #[error("the OTLP exporter must be started inside the Tokio runtime")]
    NoRuntime(#[from] tokio::runtime::TryCurrentError),
    /// Another global subscriber was installed first.
    #[error("cannot install the log subscriber")]
    Subscriber(#[from] tracing_subscriber::util::TryInitError),
}

/// Installs the global subscriber, and the OTLP exporter when
/// `OTEL_EXPORTER_OTLP_ENDPOINT` is set. Call once, from `main`, inside the
/// Tokio runtime.
pub fn init(log: &LogSettings, traces: &TraceSettings) -> Result<Telemetry, TelemetryError> {
    let provider = traces
        .otlp
        .as_ref()
        .map(|otlp| export::otlp_provider(otlp, &traces.service_name))
        .transpose()?;
    let tracer = provider
        .as_ref()
        .map(|provider| provider.tracer(TRACER_NAME));
    subscriber(log, tracer, std::io::stdout).try_init()?;
    if let Some(otlp) = &traces.otlp {
        tracing::info!(
            endpoint = %otlp.endpoint,
            protocol = otlp.protocol.as_str(),
            service = %traces.service_name,
            "exporting traces over OTLP"
        );
    }
    Ok(Telemetry { provider })
}

impl Telemetry {
    /// Sends the spans still queued and stops the exporter.
    pub async fn shutdown(self) {
        let Some(provider) = self.provider else {
            return;
        };
        // Shutting down blocks until the last batch is exported, and the
        // export itself runs on this runtime: block a thread of its own.
        match tokio::task::spawn_blocking(move || provider.shutdown()).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(%error, "the last spans may not have been exported"),
            Err(error) => tracing::warn!(%error, "stopping the trace exporter failed"),
        }
    }
}

/// The engine's subscriber: logs (filtered by `QUIRE_LOG`) written to
/// `writer`, and, given a tracer, the engine's own spans as OpenTelemetry
/// spans whatever the log filter says. Public so that tests can install the
/// same composition with a tracer and writer of their own.
///
/// Filtering is global, never per layer: `tracing_subscriber`'s per-layer
/// filters lose spans and events when a layer callback itself emits (as the
/// OpenTelemetry SDK and `log`-bridged crates do; tokio-rs/tracing#2704).
/// With a tracer, the global filter also admits the engine's spans down to
/// DEBUG (the PostgreSQL and Redis ones), and the log writer drops what
/// `QUIRE_LOG` alone would not have let through.
pub fn subscriber<W>(
    log: &LogSettings,
    tracer: Option<Tracer>,
    writer: W,
) -> impl Subscriber + Send + Sync + for<'span> LookupSpan<'span>
where
    W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
{
    let (filter, writer) = match &tracer {
        None => (
            EnvFilter::try_new(&log.filter).unwrap_or_else(|_| EnvFilter::new("info")),
            BoxMakeWriter::new(writer),
        ),
        Some(_) => {
            // `Targets` (the `target=level` part of the `QUIRE_LOG` syntax)
            // can answer "would the logs want this?" for the writer.
            let logs: Targets = log
                .filter
                .parse()
                .unwrap_or_else(|_| Targets::new().with_default(Level::INFO));
            let mut directives = log.filter.clone();
            if !logs.would_enable(env!("CARGO_CRATE_NAME"), &Level::DEBUG) {
                directives.push_str(concat!(",", env!("CARGO_CRATE_NAME"), "=debug"));
            }
            let filter = EnvFilter::try_new(&directives).unwrap_or_else(|_| {
                EnvFilter::new(concat!("info,", env!("CARGO_CRATE_NAME"), "=debug"))
            });
            let writer = writer.with_filter(move |metadata: &Metadata<'_>| {
                logs.would_enable(metadata.target(), metadata.level())
            });
            (filter, BoxMakeWriter::new(writer))
        }
    };
    let traces = tracer.map(|tracer| {
        tracing_opentelemetry::layer()
            .with_tracer(tracer)
            .with_location(false)
            .with_threads(false)
            .with_target(false)
            .with_tracked_inactivity(false)
    });
    let logs = match log.format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .fmt_fields(JsonFields::new())
            .event_format(JsonWithTraceIds::default())
            .with_writer(writer)
            .boxed(),
        LogFormat::Pretty => tracing_subscriber::fmt::layer()
            .with_target(true)
            .with_writer(writer)
            .boxed(),
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(traces)
        .with(logs)
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use opentelemetry_sdk::trace::InMemorySpanExporter;
    use tracing_subscriber::fmt::MakeWriter;

    use super::*;

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

    #[test]
    fn installed_globally_with_opentelemetry_every_log_line_is_written() {
        let provider = tracer_provider_builder("test")
            .with_batch_exporter(InMemorySpanExporter::default())
            .build();
        let captured = Captured::default();
        let log = LogSettings {
            format: LogFormat::Json,
            filter: "info,tower_http=debug".to_owned(),
        };
        subscriber(&log, Some(provider.tracer("test")), captured.clone())
            .try_init()
            .expect("the only global subscriber in this process");
        tracing::info!("first");
        let span = tracing::info_span!("call", otel.kind = "server");
        span.in_scope(|| tracing::info!("second"));
        tracing::info!(answer = 42, "third");
        let text = String::from_utf8(captured.0.lock().expect("buffer").clone()).expect("utf-8");
        eprintln!("{text}");
        for message in ["first", "second", "third"] {
            assert!(text.contains(message), "{message} is missing from {text}");
        }
    }
}
