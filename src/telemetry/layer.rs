//! The tower layer every call passes through first (inside gRPC-web): it
//! gives the call its ids and `request` span, echoes the ids in the response
//! metadata, and counts, times and logs the call by its final gRPC status.
//!
//! The status is in the response headers when a call fails before any
//! message ("trailers-only", e.g. auth errors) and otherwise in the trailers
//! after the last message, so the response body is watched to its end. A
//! call whose response is dropped unfinished (the client went away, or the
//! request timeout of tonic cut it) counts as `CANCELLED`, which is what the
//! client sees then.

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use bytes::Bytes;
use futures::future::BoxFuture;
use http::HeaderMap;
use http_body::{Body as HttpBody, Frame, SizeHint};
use tonic::Code;
use tonic::body::Body;
use tower::{Layer, Service};
use tracing::{Instrument as _, Span};

use super::metrics;
use super::routes::{self, Route};
use super::trace::{self, RequestIds};

#[derive(Debug, Clone, Default)]
pub struct ObserveLayer;

impl<S> Layer<S> for ObserveLayer {
    type Service = ObserveService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ObserveService { inner }
    }
}

#[derive(Debug, Clone)]
pub struct ObserveService<S> {
    inner: S,
}

impl<S, B> Service<http::Request<B>> for ObserveService<S>
where
    S: Service<http::Request<B>, Response = http::Response<Body>> + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        let path = req.uri().path();
        let route = routes::route(path);
        let ids = RequestIds::from_headers(req.headers());
        let span = trace::request_span(path, route, &ids, trace::remote_context(req.headers()));
        req.extensions_mut().insert(ids.clone());
        let call = Call::start(route, span.clone());
        // The inner service runs inside the span, so auth and handler logs
        // carry the call's ids.
        let response = span.in_scope(|| self.inner.call(req));
        Box::pin(
            async move {
                let mut response = response.await?;
                ids.echo(response.headers_mut());
                if let Some(code) = status_in(response.headers()) {
                    call.finish(code);
                    return Ok(response);
                }
                Ok(response.map(|body| {
                    Body::new(WatchedBody {
                        inner: body,
                        call: Some(call),
                    })
                }))
            }
            .instrument(span),
        )
    }
}

/// The `grpc-status` of a header or trailer map, if it has one.
fn status_in(headers: &HeaderMap) -> Option<Code> {
    let value = headers.get("grpc-status")?.to_str().ok()?;
    Some(Code::from_i32(value.trim().parse().ok()?))
}

/// One call being served; recorded exactly once, on finish or on drop.
struct Call {
    route: Route,
    span: Span,
    start: Instant,
    done: bool,
}

impl Call {
    fn start(route: Route, span: Span) -> Self {
        metrics::call_started(route);
        Call {
            route,
            span,
            start: Instant::now(),
            done: false,
        }
    }

    fn finish(mut self, code: Code) {
        self.record(code);
    }

    fn record(&mut self, code: Code) {
        if std::mem::replace(&mut self.done, true) {
            return;
        }
        let elapsed = self.start.elapsed();
        metrics::call_finished(self.route, code, elapsed);
        let label = metrics::code_label(code);
        let elapsed_ms = elapsed.as_secs_f64() * 1000.0;
        // One line per call is the metrics' job: at `info` only the calls
        // that failed (probes and reflection never), every call at `debug`
        // (`RUST_LOG=info,csp_upgrades::telemetry::layer=debug`).
        if self.route.product && code != Code::Ok {
            tracing::info!(parent: &self.span, grpc.code = label, elapsed_ms, "call finished");
        } else {
            tracing::debug!(parent: &self.span, grpc.code = label, elapsed_ms, "call finished");
        }
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        self.record(Code::Cancelled);
    }
}

pin_project_lite::pin_project! {
    /// A response body that records its call when the trailers pass.
    struct WatchedBody {
        #[pin]
        inner: Body,
        call: Option<Call>,
    }
}

impl HttpBody for WatchedBody {
    type Data = Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let frame = ready!(this.inner.poll_frame(cx));
        let code = match &frame {
            Some(Ok(frame)) => frame
                .trailers_ref()
                .map(|t| status_in(t).unwrap_or(Code::Unknown)),
            Some(Err(status)) => Some(status.code()),
            None => Some(Code::Unknown),
        };
        if let Some(code) = code
            && let Some(call) = this.call.take()
        {
            call.finish(code);
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
