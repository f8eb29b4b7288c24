//! Who asked and as part of what: request and correlation ids from the
//! call's metadata, and the caller's W3C trace context (`traceparent`,
//! `tracestate`), joined into the `request` span every call runs in.

use http::{HeaderMap, HeaderValue};
use opentelemetry::propagation::{Extractor, TextMapPropagator as _};
use opentelemetry::trace::{TraceContextExt as _, TraceId};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing::Span;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use super::routes::Route;

/// Metadata key of the id of one call; generated when the caller sends none.
pub const REQUEST_ID: &str = "x-request-id";
/// Metadata key of the id of the larger operation the call is part of; the
/// request id when the caller sends none.
pub const CORRELATION_ID: &str = "x-correlation-id";

/// Longest id taken from a caller; longer ones are replaced, not truncated,
/// so an id is either the caller's exactly or ours.
const MAX_ID_LEN: usize = 128;

/// The ids of one call, also put in the request extensions for handlers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestIds {
    pub request_id: String,
    pub correlation_id: String,
}

impl RequestIds {
    /// Takes the caller's ids when they are short printable tokens; makes a
    /// request id (UUID v4) otherwise.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let request_id =
            caller_id(headers, REQUEST_ID).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let correlation_id =
            caller_id(headers, CORRELATION_ID).unwrap_or_else(|| request_id.clone());
        RequestIds {
            request_id,
            correlation_id,
        }
    }

    /// Sends both ids back in the response metadata.
    pub fn echo(&self, headers: &mut HeaderMap) {
        for (name, value) in [
            (REQUEST_ID, &self.request_id),
            (CORRELATION_ID, &self.correlation_id),
        ] {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(name, value);
            }
        }
    }
}

fn caller_id(headers: &HeaderMap, name: &str) -> Option<String> {
    let value = headers.get(name)?.to_str().ok()?;
    let ok = !value.is_empty()
        && value.len() <= MAX_ID_LEN
        && value.bytes().all(|b| b.is_ascii_graphic());
    ok.then(|| value.to_owned())
}

/// The caller's trace context; an empty one when `traceparent` is missing or
/// malformed (the call then starts a new trace).
pub fn remote_context(headers: &HeaderMap) -> opentelemetry::Context {
    TraceContextPropagator::new().extract(&Metadata(headers))
}

struct Metadata<'a>(&'a HeaderMap);

impl Extractor for Metadata<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

/// The span a call runs in, child of the caller's trace. `trace_id` and
/// `span_id` are filled from the OpenTelemetry span when the subscriber has
/// the OpenTelemetry layer (the binary always has); without it (a test's own
/// subscriber), `trace_id` is still the caller's.
pub fn request_span(
    path: &str,
    route: Route,
    ids: &RequestIds,
    remote: opentelemetry::Context,
) -> Span {
    let span = tracing::info_span!(
        "request",
        otel.name = path,
        otel.kind = "server",
        rpc.system = "grpc",
        rpc.service = route.service,
        rpc.method = route.method,
        request_id = %ids.request_id,
        correlation_id = %ids.correlation_id,
        trace_id = Empty,
        span_id = Empty,
    );
    let remote_trace = remote.span().span_context().trace_id();
    // Fails only when the span is disabled or has no OpenTelemetry layer;
    // the fallback below covers the second.
    let _ = span.set_parent(remote);
    let context = span.context();
    let own = context.span().span_context().clone();
    if own.is_valid() {
        span.record("trace_id", own.trace_id().to_string());
        span.record("span_id", own.span_id().to_string());
    } else if remote_trace != TraceId::INVALID {
        span.record("trace_id", remote_trace.to_string());
    }
    span
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn caller_ids_are_kept_and_echoed() {
        let ids = RequestIds::from_headers(&headers(&[
            (REQUEST_ID, "req-1"),
            (CORRELATION_ID, "order-flow-7"),
        ]));
        assert_eq!(ids.request_id, "req-1");
        assert_eq!(ids.correlation_id, "order-flow-7");
        let mut out = HeaderMap::new();
        ids.echo(&mut out);
        assert_eq!(out[REQUEST_ID], "req-1");
        assert_eq!(out[CORRELATION_ID], "order-flow-7");
    }

    #[test]
    fn missing_or_unfit_ids_are_replaced() {
        let ids = RequestIds::from_headers(&HeaderMap::new());
        assert!(uuid::Uuid::parse_str(&ids.request_id).is_ok());
        assert_eq!(ids.correlation_id, ids.request_id);

        let long = "x".repeat(MAX_ID_LEN + 1);
        for bad in ["", "has space", long.as_str()] {
            let ids = RequestIds::from_headers(&headers(&[(REQUEST_ID, bad)]));
            assert_ne!(ids.request_id, bad);
            assert!(uuid::Uuid::parse_str(&ids.request_id).is_ok(), "{bad:?}");
        }
    }

    #[test]
    fn traceparent_is_read() {
        let cx = remote_context(&headers(&[(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )]));
        let sc = cx.span().span_context().clone();
        assert!(sc.is_remote());
        assert_eq!(
            sc.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(sc.span_id().to_string(), "00f067aa0ba902b7");

        for bad in [
            "",
            "00-zz-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        ] {
            let cx = remote_context(&headers(&[("traceparent", bad)]));
            assert!(!cx.span().span_context().is_valid(), "{bad:?}");
        }
    }
}
