//! A shutdown that always completes. When the signal comes, health turns
//! `NOT_SERVING` (`server.rs`), and then:
//!
//! - every open stream (`WatchUpgradeOrder`, health `Watch`, reflection) ends
//!   at once with `UNAVAILABLE`, a `RetryInfo` of zero and a message saying
//!   how to resume: call again, another replica answers, and a watch starts
//!   with the order's latest event, so nothing is missed ([`StreamsEndLayer`]);
//!   `StreamEligibility` ends itself first, naming the cursor to resume
//!   after (it finds [`Draining`] in the request's extensions);
//! - calls under way finish, and new ones are refused by the connection's
//!   GOAWAY (tonic's graceful shutdown);
//! - whatever is still open at the drain deadline (`--shutdown-grace-secs`)
//!   is dropped ([`serve_until_drained`]), so the process exits before the
//!   orchestrator's grace period ends in SIGKILL.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use http_body::{Body as HttpBody, Frame, SizeHint};
use tonic::body::Body;
use tower::{Layer, Service};

use crate::grpc::error::ApiError;

pub use crate::drain::{Draining, channel};

/// Runs `serve` (which drains on its own once `draining` flips) and gives up
/// on it `grace` after the flip: connections still open then are dropped.
pub async fn serve_until_drained<E>(
    serve: impl Future<Output = Result<(), E>>,
    draining: Draining,
    grace: Duration,
) -> Result<(), E> {
    let deadline = async {
        draining.started().await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        served = serve => served,
        () = deadline => {
            tracing::warn!(?grace, "drain deadline reached: dropping the calls still open");
            Ok(())
        }
    }
}

/// Ends every response body that is waiting for its next message once the
/// server drains: a stream, since a unary answer never waits.
#[derive(Debug, Clone)]
pub struct StreamsEndLayer {
    draining: Draining,
}

impl StreamsEndLayer {
    pub fn new(draining: Draining) -> Self {
        StreamsEndLayer { draining }
    }
}

impl<S> Layer<S> for StreamsEndLayer {
    type Service = StreamsEnd<S>;

    fn layer(&self, inner: S) -> Self::Service {
        StreamsEnd {
            inner,
            draining: self.draining.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct StreamsEnd<S> {
    inner: S,
    draining: Draining,
}

impl<S, B> Service<http::Request<B>> for StreamsEnd<S>
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

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        let method = req.uri().path().trim_start_matches('/').to_owned();
        let draining = self.draining.clone();
        // For a stream that ends itself with a better hint (its cursor).
        req.extensions_mut().insert(draining.clone());
        let response = self.inner.call(req);
        Box::pin(async move {
            let response = response.await?;
            Ok(response.map(|inner| {
                Body::new(EndsOnDrain {
                    inner,
                    draining: Some(draining),
                    wait: None,
                    method,
                    ended: false,
                })
            }))
        })
    }
}

pin_project_lite::pin_project! {
    struct EndsOnDrain {
        #[pin]
        inner: Body,
        draining: Option<Draining>,
        // Made on the first wait only: a unary answer never allocates it.
        wait: Option<BoxFuture<'static, ()>>,
        method: String,
        ended: bool,
    }
}

impl HttpBody for EndsOnDrain {
    type Data = Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, tonic::Status>>> {
        let this = self.project();
        if *this.ended {
            return Poll::Ready(None);
        }
        // The inner body first: what is ready is still sent.
        if let Poll::Ready(frame) = this.inner.poll_frame(cx) {
            return Poll::Ready(frame);
        }
        let wait = match this.wait {
            Some(wait) => wait,
            None => {
                let draining = this.draining.take().expect("taken once, with the wait");
                this.wait.insert(Box::pin(draining.started()))
            }
        };
        if wait.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        *this.ended = true;
        tracing::info!(method = %this.method, "stream ended: the server is shutting down");
        let status = tonic::Status::from(ApiError::ShuttingDown {
            method: this.method.clone(),
        });
        let mut trailers = http::HeaderMap::new();
        Poll::Ready(Some(match status.add_header(&mut trailers) {
            Ok(()) => Ok(Frame::trailers(trailers)),
            Err(status) => Err(status),
        }))
    }

    fn is_end_stream(&self) -> bool {
        self.ended || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use http_body_util::BodyExt as _;
    use tonic::Code;
    use tower::ServiceExt as _;

    use super::*;

    /// A service whose answer body never ends, like a watch of a pending order.
    fn endless() -> impl Service<
        http::Request<()>,
        Response = http::Response<Body>,
        Error = Infallible,
        Future = impl Send + 'static,
    > + Clone {
        tower::service_fn(|_req: http::Request<()>| async {
            let stream = futures::stream::pending::<Result<Frame<Bytes>, tonic::Status>>();
            Ok::<_, Infallible>(http::Response::new(Body::new(
                http_body_util::StreamBody::new(stream),
            )))
        })
    }

    fn request() -> http::Request<()> {
        http::Request::builder()
            .uri("/csp.v1.UpgradeService/WatchUpgradeOrder")
            .body(())
            .unwrap()
    }

    #[tokio::test]
    async fn an_open_stream_ends_unavailable_with_a_hint_when_draining_starts() {
        let (start, draining) = channel();
        let service = StreamsEndLayer::new(draining).layer(endless());
        let body = service.oneshot(request()).await.unwrap().into_body();
        let collected = tokio::spawn(body.collect());
        tokio::task::yield_now().await;
        assert!(
            !collected.is_finished(),
            "the stream waits before the drain"
        );
        start.start();
        let trailers = collected
            .await
            .unwrap()
            .unwrap()
            .trailers()
            .cloned()
            .unwrap();
        let status = tonic::Status::from_header_map(&trailers).unwrap();
        assert_eq!(status.code(), Code::Unavailable);
        assert!(
            status
                .message()
                .contains("call csp.v1.UpgradeService/WatchUpgradeOrder again"),
            "{}",
            status.message()
        );
    }

    #[tokio::test]
    async fn a_ready_answer_is_sent_even_while_draining() {
        let (start, draining) = channel();
        start.start();
        let ok = tower::service_fn(|_req: http::Request<()>| async {
            Ok::<_, Infallible>(http::Response::new(Body::new("answer".to_owned())))
        });
        let service = StreamsEndLayer::new(draining).layer(ok);
        let body = service.oneshot(request()).await.unwrap().into_body();
        let bytes = body.collect().await.unwrap().to_bytes();
        assert_eq!(bytes, "answer");
    }

    #[tokio::test]
    async fn the_deadline_gives_up_on_a_drain_that_never_ends() {
        let (start, draining) = channel();
        start.start();
        let never = futures::future::pending::<Result<(), Infallible>>();
        let done = tokio::time::timeout(
            Duration::from_secs(5),
            serve_until_drained(never, draining, Duration::from_millis(10)),
        )
        .await;
        assert!(matches!(done, Ok(Ok(()))));
    }
}
