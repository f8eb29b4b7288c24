//! Read-through caches for what every call reads and few calls write: the
//! caller's roles, whether a partner exists (apps), and customer snapshots.
//!
//! Correctness does not rest on the time-to-live. Every write through this
//! process drops what it touched before the call that wrote answers (the
//! use-case layer publishes it on the change bus, `crate::app::bus`, which
//! calls [`Cache::apply`] before it returns); on Postgres every write
//! anywhere (other replicas, imports, hand-written SQL) is announced by a
//! trigger inside its transaction and drops the entry when it arrives
//! (`storage::changes`); while that feed is down nothing is cached or served
//! from the cache. The time-to-live only bounds
//! what the feed cannot hear: another process writing the embedded SQLite
//! file.
//!
//! A load that races a write must not store what it read before the write:
//! each entry remembers the generation of its key when its load began, and
//! is served only while that generation is current (an invalidation bumps
//! it). Generations live in a fixed array of stripes indexed by the key, so
//! invalidation costs nothing per entry and races nothing.

pub mod lookups;
pub mod store;

use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use quick_cache::Weighter;
use quick_cache::sync::Cache as QuickCache;
use uuid::Uuid;

use crate::domain::ids::{CustomerId, PartnerId, PartnerUserId};
use crate::domain::model::{CustomerSnapshot, PartnerUser};
use crate::storage::changes::{Change, FeedEvent};
use crate::telemetry::metrics;

/// How long entries live and how much the snapshot cache holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheOptions {
    /// Roles and partners; zero turns both off.
    pub roles_ttl: Duration,
    /// Customer snapshots; zero turns them off.
    pub snapshots_ttl: Duration,
    /// Snapshot rows held at most (a customer weighs one row plus one per
    /// subscription and per user).
    pub snapshot_rows: u64,
    /// With a change feed (Postgres): how long it may go without proving
    /// that it hears everything before nothing is served from memory. The
    /// feed proves it with beats it sends itself through Postgres
    /// (`storage::changes`): a beat heard back means every change committed
    /// before it was sent has been heard. So no entry is served staler than
    /// this, whatever happens to the notification connection.
    pub feed_silence: Duration,
}

impl Default for CacheOptions {
    fn default() -> Self {
        CacheOptions {
            roles_ttl: Duration::from_secs(1),
            snapshots_ttl: Duration::from_secs(10),
            snapshot_rows: 100_000,
            feed_silence: Duration::from_secs(1),
        }
    }
}

/// Monotonic time as the cache reads it; tests bring their own.
pub trait Ticker: Send + Sync + 'static {
    fn now(&self) -> Instant;
}

/// The real monotonic clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemTicker;

impl Ticker for SystemTicker {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// Partner users and partners cached at most (a few hundred bytes each).
const PRINCIPALS: usize = 10_000;
/// Generation stripes: invalidating a key also misses the keys sharing its
/// stripe, 1 in 4096, until they are loaded again.
const STRIPES: usize = 4096;

pub struct Cache {
    options: CacheOptions,
    ticker: Arc<dyn Ticker>,
    /// False while writes by other processes could go unheard (before the
    /// Postgres feed is up, and whenever it is down).
    live: AtomicBool,
    /// Whether a change feed keeps this cache right (then it must keep
    /// proving it hears: [`CacheOptions::feed_silence`]).
    fed: bool,
    /// When `heard` counts from.
    started: Instant,
    /// Nanoseconds from `started` to the latest moment before which every
    /// change committed has been heard (a beat's sending, or the feed's
    /// coming up).
    heard: AtomicU64,
    generations: Generations,
    users: QuickCache<PartnerUserId, Entry<PartnerUser>>,
    partners: QuickCache<PartnerId, Entry<()>>,
    snapshots: QuickCache<CustomerId, Entry<Owned>, SnapshotWeight>,
}

/// A snapshot and the partner it belongs to, so another partner asking for
/// the customer gets `None` as the store would answer.
type Owned = (PartnerId, Arc<CustomerSnapshot>);

#[derive(Clone)]
struct Entry<T> {
    value: T,
    loaded: Instant,
    stamp: Stamp,
}

#[derive(Clone)]
struct SnapshotWeight;

impl Weighter<CustomerId, Entry<Owned>> for SnapshotWeight {
    fn weight(&self, _: &CustomerId, entry: &Entry<Owned>) -> u64 {
        entry.value.1.rows()
    }
}

/// Where a lookup's answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lookup {
    Hit,
    Miss,
    Bypass,
}

impl Lookup {
    fn label(self) -> &'static str {
        match self {
            Lookup::Hit => "hit",
            Lookup::Miss => "miss",
            Lookup::Bypass => "bypass",
        }
    }
}

impl Cache {
    /// `live`: whether writes by other processes are heard from the start
    /// (true for the embedded database, which has none; false for Postgres
    /// until its feed says `Up`).
    pub fn new(options: CacheOptions, live: bool) -> Self {
        Self::with_ticker(options, live, Arc::new(SystemTicker))
    }

    /// [`Cache::new`] reading time from `ticker`.
    pub fn with_ticker(options: CacheOptions, live: bool, ticker: Arc<dyn Ticker>) -> Self {
        let snapshot_items = usize::try_from(options.snapshot_rows / 16).unwrap_or(usize::MAX);
        let started = ticker.now();
        Cache {
            options,
            ticker,
            live: AtomicBool::new(live),
            fed: !live,
            started,
            heard: AtomicU64::new(0),
            generations: Generations::new(),
            users: QuickCache::new(PRINCIPALS),
            partners: QuickCache::new(PRINCIPALS),
            snapshots: QuickCache::with_weighter(
                snapshot_items.max(16),
                options.snapshot_rows.max(1),
                SnapshotWeight,
            ),
        }
    }

    /// The partner user, from the cache or `load`. Only found users are
    /// cached: an unknown one is asked for again.
    pub async fn partner_user<F>(
        &self,
        partner: PartnerId,
        user: PartnerUserId,
        load: F,
    ) -> crate::storage::Result<Option<PartnerUser>>
    where
        F: Future<Output = crate::storage::Result<Option<PartnerUser>>>,
    {
        let found = self
            .read_through(
                ("roles", &self.users),
                user,
                user.0,
                self.options.roles_ttl,
                load,
            )
            .await?;
        Ok(found.filter(|u| u.partner_id == partner))
    }

    /// Whether the partner exists, from the cache or `load`.
    pub async fn partner_exists<F>(
        &self,
        partner: PartnerId,
        load: F,
    ) -> crate::storage::Result<bool>
    where
        F: Future<Output = crate::storage::Result<bool>>,
    {
        let load = async { Ok(load.await?.then_some(())) };
        let found = self
            .read_through(
                ("partners", &self.partners),
                partner,
                partner.0,
                self.options.roles_ttl,
                load,
            )
            .await?;
        Ok(found.is_some())
    }

    /// The customer's snapshot, from the cache or `load`.
    pub async fn snapshot<F>(
        &self,
        partner: PartnerId,
        customer: CustomerId,
        load: F,
    ) -> crate::storage::Result<Option<Arc<CustomerSnapshot>>>
    where
        F: Future<Output = crate::storage::Result<Option<Arc<CustomerSnapshot>>>>,
    {
        let load = async { Ok(load.await?.map(|s| (partner, s))) };
        let found = self
            .read_through(
                ("snapshots", &self.snapshots),
                customer,
                customer.0,
                self.options.snapshots_ttl,
                load,
            )
            .await?;
        // A cached snapshot of another partner's customer: the store would
        // have said `None`.
        Ok(found.and_then(|(owner, s)| (owner == partner).then_some(s)))
    }

    /// The customer's snapshot if a fresh one is cached (by the rules of
    /// [`Self::snapshot`]), without loading it on a miss.
    pub fn cached_snapshot(
        &self,
        partner: PartnerId,
        customer: CustomerId,
    ) -> Option<Arc<CustomerSnapshot>> {
        let ttl = self.options.snapshots_ttl;
        if ttl.is_zero() || !self.serving() {
            return None;
        }
        let stamp = self.generations.stamp(customer.0);
        let now = self.ticker.now();
        let entry = self.snapshots.get(&customer)?;
        let fresh = entry.stamp == stamp && now.saturating_duration_since(entry.loaded) < ttl;
        let (owner, snapshot) = entry.value;
        (fresh && owner == partner).then(|| {
            metrics::cache_lookup("snapshots", Lookup::Hit.label());
            snapshot
        })
    }

    /// Drops what a write changed.
    pub fn changed(&self, change: Change) {
        match change {
            Change::Customer(id) => self.generations.bump(id.0),
            Change::PartnerUser(id) => self.generations.bump(id.0),
            Change::Partner(id) => self.generations.bump(id.0),
            Change::Everything => self.generations.bump_all(),
        }
    }

    /// Takes in what the change bus heard (`crate::app::bus`).
    pub fn apply(&self, event: FeedEvent) {
        match event {
            FeedEvent::Changed(change) => self.changed(change),
            FeedEvent::Up => {
                // Whatever was written while deaf is unknown: start afresh,
                // hearing everything from now on.
                self.generations.bump_all();
                self.heard_until(self.ticker.now());
                self.live.store(true, Ordering::SeqCst);
            }
            FeedEvent::Heard(sent) => self.heard_until(sent),
            FeedEvent::Down => {
                self.live.store(false, Ordering::SeqCst);
                self.generations.bump_all();
            }
        }
    }

    /// Every change committed before `moment` has been heard.
    fn heard_until(&self, moment: Instant) {
        let nanos = moment.saturating_duration_since(self.started).as_nanos();
        self.heard
            .fetch_max(u64::try_from(nanos).unwrap_or(u64::MAX), Ordering::SeqCst);
    }

    /// Whether memory may answer: the feed is up and, with a feed, has
    /// proved within [`CacheOptions::feed_silence`] that it hears.
    fn serving(&self) -> bool {
        if !self.live.load(Ordering::SeqCst) {
            return false;
        }
        if !self.fed {
            return true;
        }
        let heard = self.started + Duration::from_nanos(self.heard.load(Ordering::SeqCst));
        self.ticker.now().saturating_duration_since(heard) <= self.options.feed_silence
    }

    async fn read_through<K, V, F>(
        &self,
        (name, cache): (
            &'static str,
            &QuickCache<K, Entry<V>, impl Weighter<K, Entry<V>> + Clone>,
        ),
        key: K,
        stripe_key: Uuid,
        ttl: Duration,
        load: F,
    ) -> crate::storage::Result<Option<V>>
    where
        K: Eq + Hash + Copy,
        V: Clone,
        F: Future<Output = crate::storage::Result<Option<V>>>,
    {
        if ttl.is_zero() || !self.serving() {
            metrics::cache_lookup(name, Lookup::Bypass.label());
            return load.await;
        }
        // Read before the load starts: a write that lands during the load
        // bumps it, and the entry is then never served.
        let stamp = self.generations.stamp(stripe_key);
        let now = self.ticker.now();
        let valid =
            |e: &Entry<V>| e.stamp == stamp && now.saturating_duration_since(e.loaded) < ttl;
        if let Some(entry) = cache.get(&key) {
            if valid(&entry) {
                metrics::cache_lookup(name, Lookup::Hit.label());
                return Ok(Some(entry.value));
            }
            // Stale: make way for one fresh load.
            cache.remove_if(&key, |e| !valid(e));
        }
        // One load per key at a time: concurrent callers wait for it rather
        // than all going to the database.
        let guard = match cache.get_value_or_guard_async(&key).await {
            Ok(entry) if valid(&entry) => {
                metrics::cache_lookup(name, Lookup::Hit.label());
                return Ok(Some(entry.value));
            }
            // Loaded under an older generation than ours: read it ourselves.
            Ok(_) => None,
            Err(guard) => Some(guard),
        };
        metrics::cache_lookup(name, Lookup::Miss.label());
        let found = load.await?;
        if let (Some(guard), Some(value)) = (guard, &found)
            && self.serving()
        {
            let entry = Entry {
                value: value.clone(),
                loaded: now,
                stamp,
            };
            // Fails only if the placeholder was replaced meanwhile: fine.
            let _ = guard.insert(entry);
        }
        Ok(found)
    }
}

/// The generation an entry was loaded under: the whole cache's epoch and
/// its key's stripe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    epoch: u64,
    stripe: u64,
}

struct Generations {
    epoch: AtomicU64,
    stripes: Box<[AtomicU64]>,
}

impl Generations {
    fn new() -> Self {
        Generations {
            epoch: AtomicU64::new(0),
            stripes: (0..STRIPES).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    fn index(key: Uuid) -> usize {
        // Ids are random (v4): their low bits spread evenly.
        (key.as_u128() as usize) % STRIPES
    }

    fn stamp(&self, key: Uuid) -> Stamp {
        Stamp {
            epoch: self.epoch.load(Ordering::SeqCst),
            stripe: self.stripes[Self::index(key)].load(Ordering::SeqCst),
        }
    }

    fn bump(&self, key: Uuid) {
        self.stripes[Self::index(key)].fetch_add(1, Ordering::SeqCst);
    }

    fn bump_all(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests;
