//! Requests whose gRPC framing is broken (a body that ends inside a frame, no
//! message at all, an unknown compression flag, a frame that does not
//! decompress) are the client's mistake: `INVALID_ARGUMENT`. tonic reads the
//! frame before our codec sees a byte and answers these `INTERNAL`, which
//! must mean a bug of ours; this layer rewrites exactly those answers.
//!
//! gRPC's compression document asks for `INTERNAL` when the compressed flag
//! is set without a `grpc-encoding`; we answer `INVALID_ARGUMENT` there too,
//! since it is just as much the client's malformed frame.

use std::task::{Context, Poll};

use futures::future::BoxFuture;
use tonic::body::Body;
use tonic::{Code, Status};
use tower::{Layer, Service};

use crate::grpc::error::ApiError;

/// The starts of tonic's (0.14) messages for a request it could not read
/// (`tonic/src/codec/decode.rs`, `server/grpc.rs`). All arrive trailers-only,
/// before any handler runs; a handler's own `INTERNAL` never matches.
const TONIC_REQUEST_FRAMING: &[&str] = &[
    "Missing request message.",
    "Unexpected EOF decoding stream.",
    "protocol error: received message with",
    "Error decompressing:",
];

#[derive(Debug, Clone, Default)]
pub struct FramingLayer;

impl<S> Layer<S> for FramingLayer {
    type Service = Framing<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Framing { inner }
    }
}

#[derive(Debug, Clone)]
pub struct Framing<S> {
    inner: S,
}

impl<S, B> Service<http::Request<B>> for Framing<S>
where
    S: Service<http::Request<B>, Response = http::Response<Body>>,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let response = self.inner.call(req);
        Box::pin(async move { Ok(rewrite(response.await?)) })
    }
}

fn rewrite(response: http::Response<Body>) -> http::Response<Body> {
    let Some(status) = Status::from_header_map(response.headers()) else {
        return response;
    };
    let framing = status.code() == Code::Internal
        && TONIC_REQUEST_FRAMING
            .iter()
            .any(|start| status.message().starts_with(start));
    if !framing {
        return response;
    }
    Status::from(ApiError::Malformed {
        field: None,
        description: format!("not a well-formed gRPC request: {}", status.message()),
    })
    .into_http()
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use tower::ServiceExt as _;

    use super::*;

    async fn answer(status: Status) -> Status {
        let service = FramingLayer.layer(tower::service_fn(move |_req: http::Request<()>| {
            let status = status.clone();
            async move { Ok::<_, Infallible>(status.into_http::<Body>()) }
        }));
        let response = service.oneshot(http::Request::new(())).await.unwrap();
        Status::from_header_map(response.headers()).expect("a trailers-only answer")
    }

    #[tokio::test]
    async fn tonic_framing_errors_become_invalid_argument() {
        for message in [
            "Missing request message.",
            "Unexpected EOF decoding stream.",
            "protocol error: received message with invalid compression flag: 7 (valid flags are 0 and 1), while sending request",
            "protocol error: received message with compressed-flag but no grpc-encoding was specified",
        ] {
            let status = answer(Status::internal(message)).await;
            assert_eq!(status.code(), Code::InvalidArgument, "{message}");
            assert!(status.message().contains(message), "{}", status.message());
        }
    }

    #[tokio::test]
    async fn our_own_internal_errors_and_other_codes_are_untouched() {
        let ours = Status::from(ApiError::Internal("a bug".into()));
        assert_eq!(answer(ours).await.code(), Code::Internal);
        let other = Status::unavailable("Missing request message.");
        assert_eq!(answer(other).await.code(), Code::Unavailable);
    }
}
