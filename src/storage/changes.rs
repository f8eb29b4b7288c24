//! What other processes wrote, for the caches above the store (`src/cache.rs`).
//!
//! Postgres announces every write to cached tables on the `csp_changes`
//! channel, inside the writing transaction (triggers of migrations 0004 and
//! 0006), so a change and its notification commit together; [`listen`]
//! turns those into
//! [`FeedEvent`]s, and says when it is deaf (connection lost) and when it
//! hears again. SQLite has no such feed: the embedded database has one
//! serving process, whose own writes the cache sees directly.

use std::time::Duration;

use sqlx::postgres::{PgListener, PgPool};
use tokio::sync::mpsc;

use crate::domain::ids::{CustomerId, PartnerId, PartnerUserId};

/// The notification channel the triggers write to.
pub const CHANNEL: &str = "csp_changes";

/// Something written that a cache may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Customer(CustomerId),
    PartnerUser(PartnerUserId),
    Partner(PartnerId),
    /// Anything may have changed (a truncate, or a payload not understood).
    Everything,
}

impl Change {
    /// Reads a trigger's payload, `<kind>:<uuid>` or `*`.
    pub fn parse(payload: &str) -> Change {
        let parsed = payload.split_once(':').and_then(|(kind, id)| {
            let id = uuid::Uuid::parse_str(id).ok()?;
            match kind {
                "c" => Some(Change::Customer(CustomerId(id))),
                "u" => Some(Change::PartnerUser(PartnerUserId(id))),
                "p" => Some(Change::Partner(PartnerId(id))),
                _ => None,
            }
        });
        parsed.unwrap_or(Change::Everything)
    }
}

/// What the feed reports, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedEvent {
    /// Listening: every change committed from now on will be reported.
    Up,
    /// Not listening: changes from now until the next `Up` may be missed.
    Down,
    Changed(Change),
}

/// A pool of one connection to the same database, apart from `pool`'s.
fn own_connection(pool: &PgPool) -> PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_lazy_with((*pool.connect_options()).clone())
}

/// How long to wait before listening again after a failure.
const RETRY: Duration = Duration::from_secs(1);

/// Listens on a connection of its own (not one of the pool's) until the
/// receiver is dropped.
pub fn listen(pool: &PgPool) -> mpsc::UnboundedReceiver<FeedEvent> {
    let (tx, rx) = mpsc::unbounded_channel();
    // `PgListener` holds its connection for good, which must not starve the
    // queries of their pool.
    let listener_pool = own_connection(pool);
    tokio::spawn(async move {
        loop {
            match listen_once(&listener_pool, &tx).await {
                // The receiver is gone: nobody needs the feed any more.
                Ok(Closed) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "change feed lost; caches bypassed until it is back");
                    if tx.send(FeedEvent::Down).is_err() {
                        return;
                    }
                    tokio::time::sleep(RETRY).await;
                }
            }
        }
    });
    rx
}

struct Closed;

async fn listen_once(
    pool: &PgPool,
    tx: &mpsc::UnboundedSender<FeedEvent>,
) -> Result<Closed, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    if tx.send(FeedEvent::Up).is_err() {
        return Ok(Closed);
    }
    loop {
        // `try_recv` says `None` when the connection dropped, where `recv`
        // would reconnect silently and lose what was sent meanwhile.
        let Some(notification) = listener.try_recv().await? else {
            return Err(sqlx::Error::PoolClosed);
        };
        let change = Change::parse(notification.payload());
        if tx.send(FeedEvent::Changed(change)).is_err() {
            return Ok(Closed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads() {
        let id = uuid::Uuid::from_u128(7);
        assert_eq!(
            Change::parse(&format!("c:{id}")),
            Change::Customer(CustomerId(id))
        );
        assert_eq!(
            Change::parse(&format!("u:{id}")),
            Change::PartnerUser(PartnerUserId(id))
        );
        assert_eq!(
            Change::parse(&format!("p:{id}")),
            Change::Partner(PartnerId(id))
        );
        for odd in [
            "*",
            "",
            "c:",
            "c:nope",
            "x:00000000-0000-0000-0000-000000000007",
        ] {
            assert_eq!(Change::parse(odd), Change::Everything, "{odd}");
        }
    }
}
