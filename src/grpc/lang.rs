//! The caller's language for one call (SPEC §12), from the standard
//! `accept-language` metadata (an HTTP/2 header, so browsers send it too).
//!
//! Handlers read it from their request ([`of`]) and pass it on. Errors are
//! turned into a `Status` by `From<ApiError>`, which sees no request: for
//! them [`LangLayer`] keeps the language in a task-local for the call's
//! future ([`current`]). A stream's items are produced outside that future:
//! a handler that spawns a stream's producer runs it in [`scope`], so an
//! error inside the stream is said in the caller's language too.

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

/// Runs `work` (a stream's producer task) in the scope of `lang`, so the
/// errors it sends are said in the caller's language.
pub async fn scope<F: std::future::Future>(lang: Lang, work: F) -> F::Output {
    LANG.scope(lang, work).await
}

/// `work` run in the scope of `lang`: an error built outside a call's task
/// (say, while a response body is polled) said in the caller's language.
pub fn within<R>(lang: Lang, work: impl FnOnce() -> R) -> R {
    LANG.sync_scope(lang, work)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grpc::error::ApiError;
    use prost::Message;

    fn locale_of(status: &tonic::Status) -> String {
        let body = tonic_types::pb::Status::decode(status.details()).expect("details");
        let any = body
            .details
            .iter()
            .find(|d| d.type_url.ends_with("google.rpc.LocalizedMessage"))
            .expect("a LocalizedMessage");
        tonic_types::pb::LocalizedMessage::decode(any.value.as_slice())
            .expect("decodes")
            .locale
    }

    /// A stream's producer runs outside the call's future; in [`scope`] the
    /// errors it sends are still in the caller's language.
    #[tokio::test]
    async fn errors_sent_from_a_spawned_stream_task_keep_the_callers_language() {
        let status = tokio::spawn(scope(Lang::Nl, async {
            tonic::Status::from(ApiError::not_found("order", "x"))
        }))
        .await
        .expect("task");
        assert_eq!(locale_of(&status), "nl");

        let unscoped =
            tokio::spawn(async { tonic::Status::from(ApiError::not_found("order", "x")) })
                .await
                .expect("task");
        assert_eq!(locale_of(&unscoped), "en");
    }
}
