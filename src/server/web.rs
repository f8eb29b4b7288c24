//! gRPC-web for browser frontends: tonic-web translates the calls, and CORS
//! lets the configured origins make them (with a bearer token) and read the
//! status and ids from the response.

use std::time::Duration;

use http::{HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::telemetry::trace::{CORRELATION_ID, REQUEST_ID};

/// How long a browser may reuse a preflight answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// Request headers a gRPC-web client sends, plus the token, ids and trace
/// context.
const ALLOW_HEADERS: &[&str] = &[
    "content-type",
    "x-grpc-web",
    "x-user-agent",
    "grpc-timeout",
    "authorization",
    // The caller's language (SPEC §12): CORS-safelisted, listed all the same.
    "accept-language",
    REQUEST_ID,
    CORRELATION_ID,
    "traceparent",
    "tracestate",
];

/// Response headers the page's script may read: the status (trailers-only
/// responses carry it in headers) and the ids.
const EXPOSE_HEADERS: &[&str] = &[
    "grpc-status",
    "grpc-message",
    "grpc-status-details-bin",
    REQUEST_ID,
    CORRELATION_ID,
];

/// CORS for `origins` (already validated as bare origins by the flag
/// parser); none given allows no browser origin. Credentials (cookies) are
/// not allowed: callers authenticate with a bearer token.
pub fn cors(origins: &[String]) -> CorsLayer {
    let origins = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect::<Vec<_>>();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::POST])
        .allow_headers(
            ALLOW_HEADERS
                .iter()
                .map(|h| HeaderName::from_static(h))
                .collect::<Vec<_>>(),
        )
        .expose_headers(
            EXPOSE_HEADERS
                .iter()
                .map(|h| HeaderName::from_static(h))
                .collect::<Vec<_>>(),
        )
        .max_age(PREFLIGHT_MAX_AGE)
}
