//! JSON log lines that say which trace they belong to: `trace_id` (and
//! `span_id`, the engine's span for the call) first, then the usual fields.

use std::fmt;

use opentelemetry::trace::{SpanId, TraceId};
use tracing::{Event, Span, Subscriber};
use tracing_subscriber::fmt::format::{Format, Json, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::{LookupSpan, Registry};

/// The trace a span belongs to, kept in the span's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TraceIds {
    pub trace_id: TraceId,
    /// The engine's own span, when OpenTelemetry is on; without it only the
    /// caller's trace id is known.
    pub span_id: Option<SpanId>,
}

/// Remembers `ids` on `span`, for every log line written inside it.
pub(super) fn attach(span: &Span, ids: TraceIds) {
    span.with_subscriber(|(id, dispatch)| {
        if let Some(data) = dispatch
            .downcast_ref::<Registry>()
            .and_then(|registry| registry.span(id))
        {
            let mut extensions = data.extensions_mut();
            if extensions.get_mut::<TraceIds>().is_none() {
                extensions.insert(ids);
            }
        }
    });
}

/// `tracing_subscriber`'s JSON format (event fields flattened, current span
/// and span list included) with the trace ids of the innermost span that
/// has them added in front.
pub(super) struct JsonWithTraceIds {
    inner: Format<Json>,
}

impl Default for JsonWithTraceIds {
    fn default() -> Self {
        Self {
            inner: tracing_subscriber::fmt::format()
                .json()
                .flatten_event(true)
                .with_target(true),
        }
    }
}

impl<S, N> FormatEvent<S, N> for JsonWithTraceIds
where
    S: Subscriber + for<'span> LookupSpan<'span>,
    N: for<'writer> FormatFields<'writer> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let ids = ctx.event_scope().and_then(|mut scope| {
            scope.find_map(|span| span.extensions().get::<TraceIds>().copied())
        });
        let Some(ids) = ids else {
            return self.inner.format_event(ctx, writer, event);
        };
        let mut line = String::with_capacity(512);
        self.inner
            .format_event(ctx, Writer::new(&mut line), event)?;
        let Some(rest) = line.strip_prefix('{') else {
            return writer.write_str(&line);
        };
        write!(writer, "{{\"trace_id\":\"{}\",", ids.trace_id)?;
        if let Some(span_id) = ids.span_id {
            write!(writer, "\"span_id\":\"{span_id}\",")?;
        }
        writer.write_str(rest)
    }
}
