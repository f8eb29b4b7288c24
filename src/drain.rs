//! The server's "draining" signal: flipped once when shutdown starts. The
//! server's layers end open streams with it, and a stream that knows where
//! it stands (`StreamEligibility`'s cursor) ends itself with a resume hint.
//! The server inserts it into every request's extensions.

use tokio::sync::watch;

/// Whether the server is draining.
#[derive(Debug, Clone)]
pub struct Draining(watch::Receiver<bool>);

/// Flips [`Draining`] once.
#[derive(Debug)]
pub struct StartDrain(watch::Sender<bool>);

pub fn channel() -> (StartDrain, Draining) {
    let (tx, rx) = watch::channel(false);
    (StartDrain(tx), Draining(rx))
}

impl StartDrain {
    pub fn start(&self) {
        let _ = self.0.send(true);
    }
}

impl Draining {
    /// Resolves once draining started (or the server is gone).
    pub async fn started(mut self) {
        let _ = self.0.wait_for(|draining| *draining).await;
    }
}
