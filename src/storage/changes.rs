//! What other processes wrote, for the caches above the store (`src/cache.rs`).
//!
//! Postgres announces every write to cached tables on the `csp_changes`
//! channel. The triggers (migrations 0004, 0006, 0010, 0011) write each
//! change to an outbox table inside the writing transaction, so a change and
//! its announcement commit together; every replica's feed empties the outbox
//! onto the channel just before each beat ([`BEAT_EVERY`], so another
//! replica hears a write within about that), and [`listen`] turns what the
//! channel carries into
//! [`FeedEvent`]s, and says when it is deaf (connection lost) and when it
//! hears again. SQLite has no such feed: the embedded database has one
//! serving process, whose own writes the cache sees directly.

use std::time::{Duration, Instant};

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
    /// Every change committed before this moment has been heard: the
    /// listener heard back a beat it sent then.
    Heard(Instant),
}

/// A pool of one connection to the same database, apart from `pool`'s.
fn own_connection(pool: &PgPool) -> PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_lazy_with((*pool.connect_options()).clone())
}

/// How long to wait before listening again after a failure.
const RETRY: Duration = Duration::from_secs(1);

/// How often the listener sends itself a beat through Postgres.
const BEAT_EVERY: Duration = Duration::from_millis(200);

/// A listener that hears nothing, not even its own beats, for this long
/// is taken for lost (a connection can stall without ever closing) and
/// replaced.
const DEAF_AFTER: Duration = Duration::from_secs(3);

/// The payload prefix of a beat: `beat:<listener>:<nanoseconds since it
/// started>`.
const BEAT: &str = "beat:";

/// A listener's own beats, told apart from other replicas'.
#[derive(Clone, Copy)]
struct Beats {
    me: uuid::Uuid,
    started: Instant,
}

impl Beats {
    fn payload(&self, sent: Instant) -> String {
        let nanos = sent.saturating_duration_since(self.started).as_nanos();
        format!("{BEAT}{}:{nanos}", self.me)
    }

    /// When a beat of ours was sent; `None` for another replica's.
    fn sent(&self, beat: &str) -> Option<Instant> {
        let (who, nanos) = beat.split_once(':')?;
        if uuid::Uuid::parse_str(who).ok()? != self.me {
            return None;
        }
        Some(self.started + Duration::from_nanos(nanos.parse().ok()?))
    }
}

/// Listens on a connection of its own (not one of the pool's) until the
/// receiver is dropped, and proves it still hears: every [`BEAT_EVERY`] it
/// announces the change outbox and then a beat, from another connection of
/// its own, and reports the beat as
/// [`FeedEvent::Heard`] when it comes back. Notifications arrive in commit
/// order, so a beat heard back means every change committed before it was
/// sent has been heard.
pub fn listen(pool: &PgPool) -> mpsc::UnboundedReceiver<FeedEvent> {
    let (tx, rx) = mpsc::unbounded_channel();
    let beats = Beats {
        me: uuid::Uuid::new_v4(),
        started: Instant::now(),
    };
    // `PgListener` holds its connection for good, which must not starve the
    // queries of their pool; nor must a busy pool hold up the beats.
    let listener_pool = own_connection(pool);
    let beat_pool = own_connection(pool);
    let beat_tx = tx.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(BEAT_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        while !beat_tx.is_closed() {
            every.tick().await;
            // Read before sending: what committed before it is ahead of
            // the beat in the queue.
            let payload = beats.payload(Instant::now());
            let sent = announce_then_beat(&beat_pool, &payload).await;
            if let Err(e) = sent {
                tracing::debug!(error = %e, "could not send a change feed beat");
            }
        }
    });
    tokio::spawn(async move {
        loop {
            match listen_once(&listener_pool, &tx, beats).await {
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

/// Announces what the triggers wrote to the change outbox (migration
/// 0011), then the beat, in one transaction: everything committed before
/// the beat was read is ahead of it in the queue.
async fn announce_then_beat(pool: &PgPool, beat: &str) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query(include_str!("postgres/sql/announce_outbox.sql"))
        .bind(CHANNEL)
        .execute(&mut *tx)
        .await?;
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(beat)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

struct Closed;

fn deaf() -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        format!("no notification, not even a beat, for {DEAF_AFTER:?}"),
    ))
}

async fn listen_once(
    pool: &PgPool,
    tx: &mpsc::UnboundedSender<FeedEvent>,
    beats: Beats,
) -> Result<Closed, sqlx::Error> {
    let start = async {
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        Ok::<_, sqlx::Error>(listener)
    };
    let mut listener = tokio::time::timeout(DEAF_AFTER, start)
        .await
        .map_err(|_| deaf())??;
    if tx.send(FeedEvent::Up).is_err() {
        return Ok(Closed);
    }
    loop {
        // `try_recv` says `None` when the connection dropped, where `recv`
        // would reconnect silently and lose what was sent meanwhile.
        let Some(notification) = tokio::time::timeout(DEAF_AFTER, listener.try_recv())
            .await
            .map_err(|_| deaf())??
        else {
            return Err(sqlx::Error::PoolClosed);
        };
        let payload = notification.payload();
        let event = match payload.strip_prefix(BEAT) {
            Some(beat) => match beats.sent(beat) {
                Some(sent) => FeedEvent::Heard(sent),
                // Another replica's beat.
                None => continue,
            },
            None => FeedEvent::Changed(Change::parse(payload)),
        };
        if tx.send(event).is_err() {
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

    #[test]
    fn only_our_own_beats_are_heard() {
        let started = Instant::now();
        let ours = Beats {
            me: uuid::Uuid::new_v4(),
            started,
        };
        let theirs = Beats {
            me: uuid::Uuid::new_v4(),
            started,
        };
        let sent = started + Duration::from_millis(1234);
        let beat = |b: &Beats| b.payload(sent).strip_prefix(BEAT).unwrap().to_owned();
        assert_eq!(ours.sent(&beat(&ours)), Some(sent));
        assert_eq!(ours.sent(&beat(&theirs)), None);
        assert_eq!(ours.sent("garbage"), None);
    }
}
