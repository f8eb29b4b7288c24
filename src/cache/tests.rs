//! The cache's promises, on its own: hits, invalidation, the feed and its
//! silence bound, and a load racing a write. Time is a hand-moved ticker: no
//! test sleeps.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::{Cache, CacheOptions, Ticker};
use crate::domain::ids::{CustomerId, PartnerId, PartnerUserId};
use crate::domain::model::{
    Customer, CustomerSnapshot, DelegatedAdmin, PartnerUser, RelationshipStatus, Role, Segment,
};
use crate::storage::Result;
use crate::storage::changes::{Change, FeedEvent};

fn user(partner: PartnerId, id: PartnerUserId, role: Role) -> PartnerUser {
    PartnerUser {
        id,
        partner_id: partner,
        upn: "ga@example.test".into(),
        display_name: "GA".into(),
        roles: BTreeSet::from([role]),
    }
}

/// A loader that counts its calls and answers with `role`.
struct Loader {
    calls: AtomicUsize,
}

impl Loader {
    fn new() -> Self {
        Loader {
            calls: AtomicUsize::new(0),
        }
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    async fn load(&self, u: PartnerUser) -> Result<Option<PartnerUser>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(Some(u))
    }
}

/// Time that moves only when told to.
struct HandTicker(Mutex<Instant>);

impl HandTicker {
    fn new() -> Arc<Self> {
        Arc::new(HandTicker(Mutex::new(Instant::now())))
    }

    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Ticker for HandTicker {
    fn now(&self) -> Instant {
        *self.0.lock().unwrap()
    }
}

fn ids() -> (PartnerId, PartnerUserId) {
    (PartnerId::new_v4(), PartnerUserId::new_v4())
}

#[tokio::test]
async fn a_second_read_is_served_from_memory() {
    let cache = Cache::new(CacheOptions::default(), true);
    let loader = Loader::new();
    let (p, id) = ids();
    for _ in 0..3 {
        let got = cache
            .partner_user(p, id, loader.load(user(p, id, Role::AdminAgent)))
            .await
            .unwrap();
        assert_eq!(got.unwrap().roles, BTreeSet::from([Role::AdminAgent]));
    }
    assert_eq!(loader.calls(), 1);
}

#[tokio::test]
async fn a_change_is_read_at_the_next_call() {
    let cache = Cache::new(CacheOptions::default(), true);
    let loader = Loader::new();
    let (p, id) = ids();
    cache
        .partner_user(p, id, loader.load(user(p, id, Role::GlobalAdmin)))
        .await
        .unwrap();
    cache.changed(Change::PartnerUser(id));
    let got = cache
        .partner_user(p, id, loader.load(user(p, id, Role::SalesAgent)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.roles, BTreeSet::from([Role::SalesAgent]));
    assert_eq!(loader.calls(), 2);
}

#[tokio::test]
async fn everything_drops_every_entry() {
    let cache = Cache::new(CacheOptions::default(), true);
    let loader = Loader::new();
    let (p, id) = ids();
    cache
        .partner_user(p, id, loader.load(user(p, id, Role::GlobalAdmin)))
        .await
        .unwrap();
    cache.changed(Change::Everything);
    cache
        .partner_user(p, id, loader.load(user(p, id, Role::GlobalAdmin)))
        .await
        .unwrap();
    assert_eq!(loader.calls(), 2);
}

#[tokio::test]
async fn entries_expire() {
    let options = CacheOptions {
        roles_ttl: Duration::from_millis(20),
        ..CacheOptions::default()
    };
    let ticker = HandTicker::new();
    let cache = Cache::with_ticker(options, true, ticker.clone());
    let loader = Loader::new();
    let (p, id) = ids();
    let read = || cache.partner_user(p, id, loader.load(user(p, id, Role::GlobalAdmin)));
    read().await.unwrap();
    ticker.advance(Duration::from_millis(19));
    read().await.unwrap();
    assert_eq!(loader.calls(), 1);
    ticker.advance(Duration::from_millis(1));
    read().await.unwrap();
    assert_eq!(loader.calls(), 2);
}

/// With a feed, memory answers only while the feed has proved, within
/// `feed_silence`, that it hears: a beat heard back says every change
/// committed before it was sent has been heard.
#[tokio::test]
async fn a_silent_feed_is_trusted_only_within_its_bound() {
    let bound = Duration::from_secs(1);
    let options = CacheOptions {
        roles_ttl: Duration::from_secs(3600),
        feed_silence: bound,
        ..CacheOptions::default()
    };
    let ticker = HandTicker::new();
    let cache = Cache::with_ticker(options, false, ticker.clone());
    let loader = Loader::new();
    let (p, id) = ids();
    let read = || cache.partner_user(p, id, loader.load(user(p, id, Role::GlobalAdmin)));

    cache.apply(FeedEvent::Up);
    read().await.unwrap();
    ticker.advance(bound);
    read().await.unwrap();
    assert_eq!(loader.calls(), 1, "served from memory up to the bound");

    ticker.advance(Duration::from_millis(1));
    read().await.unwrap();
    read().await.unwrap();
    assert_eq!(
        loader.calls(),
        3,
        "silent past the bound: every read goes through"
    );

    // A beat sent before the silence began proves nothing new.
    cache.apply(FeedEvent::Heard(
        ticker.now() - bound - Duration::from_millis(1),
    ));
    read().await.unwrap();
    assert_eq!(loader.calls(), 4);

    // A recent one does: the entry, which no change dropped, is good again.
    cache.apply(FeedEvent::Heard(ticker.now() - Duration::from_millis(100)));
    read().await.unwrap();
    read().await.unwrap();
    assert_eq!(loader.calls(), 4);

    // Beats keep it trusted as time goes on.
    for _ in 0..10 {
        ticker.advance(Duration::from_millis(500));
        cache.apply(FeedEvent::Heard(ticker.now() - Duration::from_millis(10)));
        read().await.unwrap();
    }
    assert_eq!(loader.calls(), 4);
}

/// The embedded database has no feed and no bound: nothing to prove.
#[tokio::test]
async fn without_a_feed_there_is_no_silence_bound() {
    let options = CacheOptions {
        roles_ttl: Duration::from_secs(3600),
        ..CacheOptions::default()
    };
    let ticker = HandTicker::new();
    let cache = Cache::with_ticker(options, true, ticker.clone());
    let loader = Loader::new();
    let (p, id) = ids();
    cache
        .partner_user(p, id, loader.load(user(p, id, Role::GlobalAdmin)))
        .await
        .unwrap();
    ticker.advance(Duration::from_secs(60));
    cache
        .partner_user(p, id, loader.load(user(p, id, Role::GlobalAdmin)))
        .await
        .unwrap();
    assert_eq!(loader.calls(), 1);
}

#[tokio::test]
async fn zero_ttl_reads_every_time() {
    let options = CacheOptions {
        roles_ttl: Duration::ZERO,
        ..CacheOptions::default()
    };
    let cache = Cache::new(options, true);
    let loader = Loader::new();
    let (p, id) = ids();
    for _ in 0..3 {
        cache
            .partner_user(p, id, loader.load(user(p, id, Role::GlobalAdmin)))
            .await
            .unwrap();
    }
    assert_eq!(loader.calls(), 3);
}

#[tokio::test]
async fn another_partner_gets_nothing() {
    let cache = Cache::new(CacheOptions::default(), true);
    let loader = Loader::new();
    let (p, id) = ids();
    cache
        .partner_user(p, id, loader.load(user(p, id, Role::GlobalAdmin)))
        .await
        .unwrap();
    let other = PartnerId::new_v4();
    let got = cache
        .partner_user(other, id, loader.load(user(p, id, Role::GlobalAdmin)))
        .await
        .unwrap();
    assert_eq!(got, None);
}

/// A load that read before a write and finishes after the write's
/// invalidation must not be served to the next caller.
#[tokio::test]
async fn a_load_racing_a_write_is_not_kept() {
    let cache = Arc::new(Cache::new(CacheOptions::default(), true));
    let loader = Loader::new();
    let (p, id) = ids();
    let (read_done, read_done_rx) = tokio::sync::oneshot::channel::<()>();
    let (write_done, write_done_rx) = tokio::sync::oneshot::channel::<()>();
    let stale = user(p, id, Role::GlobalAdmin);
    let slow_load = async {
        // Read the old roles, then let the write and its invalidation land
        // before the load hands its answer to the cache.
        let _ = read_done.send(());
        let _ = write_done_rx.await;
        Ok(Some(stale))
    };
    let racing = {
        let cache = Arc::clone(&cache);
        tokio::spawn(async move { cache.partner_user(p, id, slow_load).await })
    };
    read_done_rx.await.unwrap();
    cache.changed(Change::PartnerUser(id));
    write_done.send(()).unwrap();
    racing.await.unwrap().unwrap();

    let got = cache
        .partner_user(p, id, loader.load(user(p, id, Role::SalesAgent)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.roles, BTreeSet::from([Role::SalesAgent]));
}

#[tokio::test]
async fn nothing_is_served_while_the_feed_is_down() {
    let cache = Cache::new(CacheOptions::default(), false);
    let loader = Loader::new();
    let (p, id) = ids();
    let read = || cache.partner_user(p, id, loader.load(user(p, id, Role::GlobalAdmin)));
    // Not up yet: every read goes to the store.
    read().await.unwrap();
    read().await.unwrap();
    assert_eq!(loader.calls(), 2);

    cache.apply(FeedEvent::Up);
    read().await.unwrap();
    read().await.unwrap();
    assert_eq!(loader.calls(), 3);

    // A notification from another replica drops the entry.
    cache.apply(FeedEvent::Changed(Change::PartnerUser(id)));
    read().await.unwrap();
    assert_eq!(loader.calls(), 4);

    cache.apply(FeedEvent::Down);
    read().await.unwrap();
    read().await.unwrap();
    assert_eq!(loader.calls(), 6);
}

#[tokio::test]
async fn snapshots_answer_only_their_partner() {
    let cache = Cache::new(CacheOptions::default(), true);
    let partner = PartnerId::new_v4();
    let customer = CustomerId::new_v4();
    let snapshot = Arc::new(empty_snapshot(partner, customer));
    let calls = AtomicUsize::new(0);
    let load = || async {
        calls.fetch_add(1, Ordering::SeqCst);
        Ok(Some(Arc::clone(&snapshot)))
    };
    let a = cache.snapshot(partner, customer, load()).await.unwrap();
    let b = cache.snapshot(partner, customer, load()).await.unwrap();
    assert!(Arc::ptr_eq(&a.unwrap(), &b.unwrap()));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let other = cache
        .snapshot(PartnerId::new_v4(), customer, async { Ok(None) })
        .await
        .unwrap();
    assert!(other.is_none());
    cache.changed(Change::Customer(customer));
    cache.snapshot(partner, customer, load()).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

fn empty_snapshot(partner: PartnerId, customer: CustomerId) -> CustomerSnapshot {
    CustomerSnapshot {
        customer: Customer {
            id: customer,
            partner_id: partner,
            name: "Fabrikam".into(),
            country: "NL".into(),
            segment: Segment::Commercial,
            custom_domain: false,
            unpaid_balance: false,
            service_incidents: BTreeSet::new(),
            delegated_admin: DelegatedAdmin {
                status: RelationshipStatus::Active,
                roles: BTreeSet::new(),
            },
        },
        subscriptions: Vec::new(),
        users: Vec::new(),
        open_orders: Vec::new(),
    }
}

/// Callers arriving while a load is under way wait for it instead of all
/// going to the database.
#[tokio::test]
async fn concurrent_misses_load_once() {
    let cache = Arc::new(Cache::new(CacheOptions::default(), true));
    let loads = Arc::new(AtomicUsize::new(0));
    let arrived = Arc::new(AtomicUsize::new(0));
    // The load holds until every reader has asked.
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let (p, id) = ids();
    let readers: Vec<_> = (0..16)
        .map(|_| {
            let cache = Arc::clone(&cache);
            let (loads, arrived, gate) = (loads.clone(), arrived.clone(), gate.clone());
            tokio::spawn(async move {
                let load = async {
                    loads.fetch_add(1, Ordering::SeqCst);
                    let _open = gate.acquire().await.unwrap();
                    Ok(Some(user(p, id, Role::GlobalAdmin)))
                };
                arrived.fetch_add(1, Ordering::SeqCst);
                cache.partner_user(p, id, load).await.unwrap().unwrap()
            })
        })
        .collect();
    while arrived.load(Ordering::SeqCst) < 16 {
        tokio::task::yield_now().await;
    }
    gate.add_permits(16);
    for r in readers {
        assert_eq!(r.await.unwrap().roles, BTreeSet::from([Role::GlobalAdmin]));
    }
    assert_eq!(loads.load(Ordering::SeqCst), 1);
}
