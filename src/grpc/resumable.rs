//! A server stream whose messages carry a cursor, ending itself with
//! `UNAVAILABLE` and the cursor to resume after once the server drains
//! (`ApiError::StreamInterrupted`). The server's own drain layer would end
//! it too, but only with "call again": this one says where to start.
//!
//! The drain is checked before each message, so a producer that is always
//! ahead (a fast database, a slow client) cannot keep the call open until
//! the drain deadline drops it without a word.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use futures::future::BoxFuture;
use tonic::Status;

use super::error::ApiError;
use super::lang;
use crate::drain::Draining;
use crate::i18n::Lang;

/// What a message's resume position is.
pub trait Cursored {
    fn cursor(&self) -> &str;
}

pin_project_lite::pin_project! {
    pub struct Resumable<S> {
        #[pin]
        inner: S,
        drained: Option<BoxFuture<'static, ()>>,
        method: &'static str,
        lang: Lang,
        // The cursor of the last message sent (the request's own before).
        last: String,
        ended: bool,
    }
}

impl<S> Resumable<S> {
    /// `inner`, ended on `draining` (never, without one: a server built
    /// without the drain layer). `after` is the cursor the call started
    /// after ("" for the start).
    pub fn new(
        inner: S,
        draining: Option<Draining>,
        method: &'static str,
        lang: Lang,
        after: String,
    ) -> Self {
        Resumable {
            inner,
            drained: draining.map(|d| Box::pin(d.started()) as BoxFuture<'static, ()>),
            method,
            lang,
            last: after,
            ended: false,
        }
    }
}

impl<S, M> Stream for Resumable<S>
where
    S: Stream<Item = Result<M, Status>>,
    M: Cursored,
{
    type Item = Result<M, Status>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.project();
        if *this.ended {
            return Poll::Ready(None);
        }
        if let Some(drained) = this.drained
            && drained.as_mut().poll(cx).is_ready()
        {
            *this.ended = true;
            tracing::info!(method = *this.method, after_cursor = %this.last,
                "stream ended with its cursor: the server is shutting down");
            let error = ApiError::StreamInterrupted {
                method: this.method,
                after_cursor: std::mem::take(this.last),
            };
            return Poll::Ready(Some(Err(lang::within(*this.lang, || error.into()))));
        }
        let next = this.inner.poll_next(cx);
        match &next {
            Poll::Ready(Some(Ok(message))) => {
                this.last.clear();
                this.last.push_str(message.cursor());
            }
            Poll::Ready(Some(Err(_)) | None) => *this.ended = true,
            Poll::Pending => {}
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;
    use tonic::Code;

    use super::*;

    struct M(&'static str);

    impl Cursored for M {
        fn cursor(&self) -> &str {
            self.0
        }
    }

    #[tokio::test]
    async fn ends_with_the_last_cursor_sent_once_draining_starts() {
        let (start, draining) = crate::drain::channel();
        let inner = futures::stream::iter([Ok(M("a.1")), Ok(M("a.2")), Ok(M("b.1"))]);
        let mut stream = Resumable::new(inner, Some(draining), "m", Lang::En, "x.0".into());
        assert_eq!(stream.next().await.unwrap().unwrap().0, "a.1");
        assert_eq!(stream.next().await.unwrap().unwrap().0, "a.2");
        start.start();
        let status = stream.next().await.unwrap().err().unwrap();
        assert_eq!(status.code(), Code::Unavailable);
        assert!(status.message().contains("\"a.2\""), "{}", status.message());
        assert!(stream.next().await.is_none(), "nothing after the status");
    }

    #[tokio::test]
    async fn before_any_message_the_hint_is_the_requests_cursor() {
        let (start, draining) = crate::drain::channel();
        start.start();
        let inner = futures::stream::iter([Ok(M("a.1"))]);
        let mut stream = Resumable::new(inner, Some(draining), "m", Lang::En, "x.0".into());
        let status = stream.next().await.unwrap().err().unwrap();
        assert!(status.message().contains("\"x.0\""), "{}", status.message());
    }

    #[tokio::test]
    async fn without_a_drain_it_is_the_inner_stream() {
        let inner = futures::stream::iter([Ok(M("a.1")), Ok(M("a.2"))]);
        let stream = Resumable::new(inner, None, "m", Lang::En, String::new());
        let all: Vec<_> = stream.map(|m| m.unwrap().0).collect().await;
        assert_eq!(all, ["a.1", "a.2"]);
    }
}
