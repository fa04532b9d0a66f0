//! Sending spans over OTLP: which spans are kept, and the exporter for the
//! configured protocol.

use std::sync::Arc;
use std::time::Duration;

use opentelemetry::trace::{Link, SpanKind, TraceId, TraceState};
use opentelemetry::{Context, KeyValue};
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{
    Sampler, SamplingDecision, SamplingResult, SdkTracerProvider, ShouldSample, SpanData,
    SpanExporter, TracerProviderBuilder,
};
use tokio::runtime::Handle;

use super::TelemetryError;
use crate::config::{OtlpProtocol, OtlpSettings};

/// Longest wait for the collector to accept one batch.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(5);

/// A tracer provider with the engine's sampling and resource, to which the
/// caller adds an exporter (OTLP in production, in memory in tests).
pub fn tracer_provider_builder(service_name: &str) -> TracerProviderBuilder {
    SdkTracerProvider::builder()
        .with_sampler(Sampler::ParentBased(Box::new(CallsOnly)))
        .with_resource(
            Resource::builder_empty()
                .with_service_name(service_name.to_owned())
                .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
                .build(),
        )
}

/// The provider that batches spans to the configured OTLP endpoint.
pub(super) fn otlp_provider(
    otlp: &OtlpSettings,
    service_name: &str,
) -> Result<SdkTracerProvider, TelemetryError> {
    let runtime = Handle::try_current()?;
    let builder = opentelemetry_otlp::SpanExporter::builder();
    let exporter = match otlp.protocol {
        OtlpProtocol::Grpc => builder
            .with_tonic()
            .with_endpoint(&otlp.endpoint)
            .with_timeout(EXPORT_TIMEOUT)
            .build()?,
        OtlpProtocol::HttpProtobuf | OtlpProtocol::HttpJson => builder
            .with_http()
            .with_protocol(match otlp.protocol {
                OtlpProtocol::HttpJson => Protocol::HttpJson,
                _ => Protocol::HttpBinary,
            })
            .with_endpoint(&otlp.endpoint)
            .with_timeout(EXPORT_TIMEOUT)
            .with_http_client(
                opentelemetry_http::hyper::HyperClient::with_default_connector(
                    EXPORT_TIMEOUT,
                    None,
                ),
            )
            .build()?,
    };
    Ok(tracer_provider_builder(service_name)
        .with_batch_exporter(OnRuntime {
            exporter: Arc::new(exporter),
            runtime,
        })
        .build())
}

/// Traces begin where calls arrive. A span without a parent is kept only if
/// it is a server span, so background work (the change feed, the relay, the
/// scheduler) starts no traces of its own; health checks and reflection are
/// left out as noise. Spans with a parent follow it (`ParentBased`), so a
/// caller's sampling decision is respected.
#[derive(Clone, Debug)]
struct CallsOnly;

impl ShouldSample for CallsOnly {
    fn should_sample(
        &self,
        _parent_context: Option<&Context>,
        _trace_id: TraceId,
        name: &str,
        span_kind: &SpanKind,
        _attributes: &[KeyValue],
        _links: &[Link],
    ) -> SamplingResult {
        let keep = *span_kind == SpanKind::Server
            && !name.starts_with("grpc.health.")
            && !name.starts_with("grpc.reflection.");
        SamplingResult {
            decision: if keep {
                SamplingDecision::RecordAndSample
            } else {
                SamplingDecision::Drop
            },
            attributes: Vec::new(),
            trace_state: TraceState::default(),
        }
    }
}

/// Runs each export on the engine's Tokio runtime. The batch processor
/// exports from a thread of its own, outside any runtime, where neither
/// tonic's channel nor hyper's client (timers, sockets) can be driven.
#[derive(Debug)]
struct OnRuntime<E> {
    exporter: Arc<E>,
    runtime: Handle,
}

impl<E: SpanExporter + 'static> SpanExporter for OnRuntime<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let exporter = Arc::clone(&self.exporter);
        self.runtime
            .spawn(async move { exporter.export(batch).await })
            .await
            .unwrap_or_else(|error| Err(OTelSdkError::InternalFailure(error.to_string())))
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.exporter.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.exporter.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        // Called once, while the provider is built and nothing else holds
        // the exporter.
        if let Some(exporter) = Arc::get_mut(&mut self.exporter) {
            exporter.set_resource(resource);
        }
    }
}
