//! A tower layer in front of the gRPC routes: `csp.v1` calls must carry a
//! valid bearer token; the resolved caller rides in the request extensions.

use std::task::{Context, Poll};

use futures::future::BoxFuture;
use tonic::body::Body;
use tower::{Layer, Service};

use crate::state::AppState;

/// Only the product's own services need a token; health and reflection don't.
const PROTECTED_PREFIX: &str = "/csp.v1.";

#[derive(Clone)]
pub struct AuthLayer {
    state: AppState,
}

impl AuthLayer {
    pub fn new(state: AppState) -> Self {
        AuthLayer { state }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            state: self.state.clone(),
        }
    }
}

#[derive(Clone)]
pub struct AuthService<S> {
    inner: S,
    state: AppState,
}

impl<S, B> Service<http::Request<B>> for AuthService<S>
where
    S: Service<http::Request<B>, Response = http::Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        // The clone is not ready; take the one that is (tower's usual dance).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let state = self.state.clone();
        Box::pin(async move {
            if !req.uri().path().starts_with(PROTECTED_PREFIX) {
                return inner.call(req).await;
            }
            match super::authenticate(&state, req.headers()).await {
                Ok(caller) => {
                    req.extensions_mut().insert(caller);
                    inner.call(req).await
                }
                Err(e) => Ok(tonic::Status::from(e).into_http()),
            }
        })
    }
}
