//! The caller's language for one call (SPEC §12), from the standard
//! `accept-language` metadata (an HTTP/2 header, so browsers send it too).
//!
//! Handlers read it from their request ([`of`]) and pass it on. Errors are
//! turned into a `Status` by `From<ApiError>`, which sees no request: for
//! them [`LangLayer`] keeps the language in a task-local for the call's
//! future ([`current`]). A stream's items are polled outside that future, so
//! an error inside a stream is said in English.

use std::task::{Context, Poll};

use tokio::task::futures::TaskLocalFuture;
use tower::{Layer, Service};

use crate::i18n::Lang;

pub const HEADER: &str = "accept-language";

tokio::task_local! {
    static LANG: Lang;
}

/// The language a request asks for.
pub fn of<T>(request: &tonic::Request<T>) -> Lang {
    Lang::negotiate(request.metadata().get(HEADER).and_then(|v| v.to_str().ok()))
}

/// The language of the call being served, English outside a call.
pub fn current() -> Lang {
    LANG.try_with(|l| *l).unwrap_or(Lang::En)
}

/// Serves each call inside the scope of its language.
#[derive(Debug, Clone, Copy, Default)]
pub struct LangLayer;

impl<S> Layer<S> for LangLayer {
    type Service = LangService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        LangService { inner }
    }
}

#[derive(Debug, Clone)]
pub struct LangService<S> {
    inner: S,
}

impl<S, B> Service<http::Request<B>> for LangService<S>
where
    S: Service<http::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = TaskLocalFuture<Lang, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let lang = Lang::negotiate(req.headers().get(HEADER).and_then(|v| v.to_str().ok()));
        LANG.scope(lang, self.inner.call(req))
    }
}
