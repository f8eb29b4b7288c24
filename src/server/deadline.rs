//! The request timeout: a call that has not produced its response in time is
//! answered `DEADLINE_EXCEEDED` and its handler dropped.
//!
//! tonic's own `Server::timeout` answers `CANCELLED` from outside every layer,
//! so the metrics would not see it; this layer sits inside the observing
//! layer and answers the code gRPC defines for a deadline. A deadline the
//! client sends (`grpc-timeout`) is still enforced by tonic.

use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::BoxFuture;
use tonic::body::Body;
use tower::{Layer, Service};

use crate::grpc::error::ApiError;

#[derive(Debug, Clone)]
pub struct DeadlineLayer {
    timeout: Option<Duration>,
}

impl DeadlineLayer {
    /// `None`: no limit.
    pub fn new(timeout: Option<Duration>) -> Self {
        DeadlineLayer { timeout }
    }
}

impl<S> Layer<S> for DeadlineLayer {
    type Service = Deadline<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Deadline {
            inner,
            timeout: self.timeout,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Deadline<S> {
    inner: S,
    timeout: Option<Duration>,
}

impl<S, B> Service<http::Request<B>> for Deadline<S>
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
        let Some(timeout) = self.timeout else {
            return Box::pin(response);
        };
        Box::pin(async move {
            match tokio::time::timeout(timeout, response).await {
                Ok(response) => response,
                Err(_) => {
                    tracing::warn!(?timeout, "call exceeded the request timeout");
                    Ok(tonic::Status::from(ApiError::DeadlineExceeded(timeout)).into_http())
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use tower::ServiceExt as _;

    use super::*;

    fn grpc_status(response: &http::Response<Body>) -> Option<&str> {
        response.headers().get("grpc-status")?.to_str().ok()
    }

    #[tokio::test]
    async fn a_call_that_never_answers_gets_deadline_exceeded() {
        let never = tower::service_fn(|_req: http::Request<()>| {
            futures::future::pending::<Result<http::Response<Body>, Infallible>>()
        });
        let service = DeadlineLayer::new(Some(Duration::from_millis(1))).layer(never);
        let response = service.oneshot(http::Request::new(())).await.unwrap();
        assert_eq!(grpc_status(&response), Some("4"), "DEADLINE_EXCEEDED");
    }

    #[tokio::test]
    async fn a_call_in_time_or_without_limit_is_untouched() {
        let ok = tower::service_fn(|_req: http::Request<()>| async {
            Ok::<_, Infallible>(http::Response::new(Body::empty()))
        });
        for timeout in [Some(Duration::from_secs(60)), None] {
            let service = DeadlineLayer::new(timeout).layer(ok);
            let response = service.oneshot(http::Request::new(())).await.unwrap();
            assert_eq!(grpc_status(&response), None);
        }
    }
}
