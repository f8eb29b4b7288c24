//! Criterion benchmarks of the pure eligibility functions (issue 6):
//!
//! - `check/one_subscription_10_targets`: one subscription whose offer has
//!   ten upgrade paths (the built-in catalog plus one offer with paths to ten
//!   real offers: some eligible, some refused with a manual path);
//! - `check/customer_10_subscriptions`: every subscription of a generated
//!   10-subscription customer, all targets: the domain work of ten
//!   `CheckUpgradeEligibility` calls;
//! - `upgrade_available/1000_subscriptions`: the "Upgrade now" hint of a
//!   generated 1,000-subscription customer, as `ListSubscriptions` computes it.
//!
//! - `token/verify_hs256`: verifying a dev (HS256) bearer token, the
//!   per-call cost a verified-token cache would save.
//!
//! After criterion, the allocations of one call of each are counted with a
//! counting global allocator and printed.
//!
//!     cargo bench --bench eligibility

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeSet;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group};
use csp_upgrades::auth::jwt::{Claims, TokenVerifier};
use csp_upgrades::domain::catalog::Catalog;
use csp_upgrades::domain::eligibility::{self, Lookups};
use csp_upgrades::domain::ids::*;
use csp_upgrades::domain::model::*;
use csp_upgrades::domain::roles::{Caller, Principal};
use csp_upgrades::generate::{self, BIG_CUSTOMER_NAME, Spec};

/// Counts allocations (and bytes) so the report can say how many one call makes.
struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above, i.e. from `System`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        // SAFETY: as for `alloc`; `ptr` and `layout` come from this allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const TEN_TARGETS: &str = r#"
[[offer]]
id = "bench-source"
name = "Bench source plan"
family = "m365-business"
catalog = "CSP"
market = "GLOBAL"
segment = "COMMERCIAL"
services = { exchange = 2, sharepoint = 1, onedrive = 1, office_web = 1, teams = 1 }
min_seats = 1
max_seats = 300
billing_cycles = ["MONTHLY", "ANNUAL"]
price = "6.00"
currency = "USD"

[[path]]
from = "bench-source"
to = ["m365-apps-business", "m365-apps-enterprise", "m365-business-standard",
      "m365-business-premium", "o365-e1", "o365-e3", "o365-e4", "o365-e5",
      "exchange-online-plan1", "exchange-online-plan2"]
"#;

struct Fixture {
    catalog: Catalog,
    snapshot: CustomerSnapshot,
    caller: Caller,
    source: SubscriptionId,
}

fn caller(partner: PartnerId) -> Caller {
    Caller {
        partner_id: partner,
        principal: Principal::User {
            id: PartnerUserId::new_v4(),
            upn: "bench-ga@bench.example".into(),
            display_name: "Bench".into(),
        },
        roles: [Role::GlobalAdmin].into(),
    }
}

fn subscription(customer: CustomerId, offer: &str, channel: Channel, seats: i64) -> Subscription {
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    Subscription {
        id: SubscriptionId::new_v4(),
        customer_id: customer,
        offer_id: OfferId::parse(offer).unwrap(),
        channel,
        status: SubscriptionStatus::Active,
        provisioned: true,
        quantity: seats,
        assigned_seats: seats,
        billing_cycle: BillingCycle::Monthly,
        payment_method: PaymentMethod::CreditCard,
        trial: false,
        parent_id: None,
        period_start: at,
        period_end: at + chrono::Months::new(1),
        created_at: at,
    }
}

/// One source with ten paths, next to an E1 bought here (E1 is already
/// owned) and Exchange Plan 2 bought directly (a multichannel conflict).
fn ten_targets() -> Fixture {
    let text = format!("{}\n{TEN_TARGETS}", include_str!("../catalog/offers.toml"));
    let catalog = Catalog::from_toml_str(&text).expect("bench catalog");
    let partner = PartnerId::new_v4();
    let customer = Customer {
        id: CustomerId::new_v4(),
        partner_id: partner,
        name: "Bench".into(),
        country: "US".into(),
        segment: Segment::Commercial,
        custom_domain: true,
        unpaid_balance: false,
        service_incidents: BTreeSet::new(),
        delegated_admin: DelegatedAdmin {
            status: RelationshipStatus::Active,
            roles: [DelegatedRole::LicenseAdmin].into(),
        },
    };
    let source = subscription(customer.id, "bench-source", Channel::ThisPartner, 20);
    let subscriptions = vec![
        source.clone(),
        subscription(customer.id, "o365-e1", Channel::ThisPartner, 5),
        subscription(customer.id, "exchange-online-plan2", Channel::Direct, 3),
    ];
    let users = (0..20)
        .map(|i| CustomerUser {
            id: CustomerUserId::new_v4(),
            customer_id: customer.id,
            upn: format!("u{i}@bench.example"),
            display_name: format!("User {i}"),
            sign_in_blocked: false,
            licenses: vec![License {
                subscription_id: source.id,
                disabled_services: BTreeSet::new(),
            }],
        })
        .collect();
    Fixture {
        catalog,
        snapshot: CustomerSnapshot {
            customer,
            subscriptions,
            users,
            open_orders: Vec::new(),
        },
        caller: caller(partner),
        source: source.id,
    }
}

/// A generated 10-subscription customer and the 1,000-subscription one.
fn generated() -> (Catalog, CustomerSnapshot, CustomerSnapshot, Caller) {
    let catalog = Catalog::builtin().unwrap();
    let spec = Spec {
        customers: 1,
        subscriptions_per_customer: 10,
        users_per_subscription: 2,
        big_customer_subscriptions: 1000,
        seed: 1,
        anchor: Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap(),
    };
    let data = generate::generate(&catalog, &spec);
    let partner = data.partners[0].id;
    let mut snapshots = generate::snapshots(&data);
    let big_at = snapshots
        .iter()
        .position(|s| s.customer.name == BIG_CUSTOMER_NAME)
        .unwrap();
    let big = snapshots.remove(big_at);
    (catalog, snapshots.remove(0), big, caller(partner))
}

fn benches(c: &mut Criterion) {
    let now = Utc::now();
    let f = ten_targets();
    let answer =
        eligibility::check(&f.catalog, &f.snapshot, &f.caller, now, f.source, None).unwrap();
    assert_eq!(answer.targets.len(), 10);
    c.bench_function("check/one_subscription_10_targets", |b| {
        b.iter(|| {
            eligibility::check(
                &f.catalog,
                black_box(&f.snapshot),
                &f.caller,
                now,
                f.source,
                None,
            )
        })
    });

    // As the server runs it: the snapshot's lookups kept with the cached
    // snapshot, not rebuilt per call.
    let lookups = Lookups::new(&f.catalog, &f.snapshot);
    c.bench_function("check_with_lookups/one_subscription_10_targets", |b| {
        b.iter(|| {
            eligibility::check_with(
                &f.catalog,
                black_box(&f.snapshot),
                &lookups,
                &f.caller,
                now,
                f.source,
                None,
            )
        })
    });

    let (catalog, small, big, caller) = generated();
    c.bench_function("check/customer_10_subscriptions", |b| {
        b.iter(|| {
            for s in &small.subscriptions {
                let _ = black_box(eligibility::check(
                    &catalog,
                    black_box(&small),
                    &caller,
                    now,
                    s.id,
                    None,
                ));
            }
        })
    });
    c.bench_function("upgrade_available/1000_subscriptions", |b| {
        b.iter(|| eligibility::upgrade_available(&catalog, black_box(&big), &caller, now))
    });

    let verifier = TokenVerifier::dev(b"bench-key-0123456789abcdef012345", "iss", "aud");
    let token = verifier
        .mint_dev(&Claims {
            iss: "iss".into(),
            aud: "aud".into(),
            sub: PartnerUserId::new_v4().to_string(),
            exp: now.timestamp() + 3600,
            nbf: None,
            iat: now.timestamp(),
            partner_id: PartnerId::new_v4().to_string(),
            app_id: None,
        })
        .unwrap();
    c.bench_function("token/verify_hs256", |b| {
        b.iter(|| verifier.verify(black_box(&token)).unwrap())
    });
}

/// Allocations and bytes requested by one run of `f`.
fn allocations<T>(f: impl FnOnce() -> T) -> (u64, u64) {
    let (a, b) = (
        ALLOCS.load(Ordering::Relaxed),
        BYTES.load(Ordering::Relaxed),
    );
    drop(black_box(f()));
    (
        ALLOCS.load(Ordering::Relaxed) - a,
        BYTES.load(Ordering::Relaxed) - b,
    )
}

fn report_allocations() {
    let now = Utc::now();
    let f = ten_targets();
    let (catalog, small, big, caller) = generated();
    let one =
        allocations(|| eligibility::check(&f.catalog, &f.snapshot, &f.caller, now, f.source, None));
    let ten = allocations(|| {
        small
            .subscriptions
            .iter()
            .map(|s| eligibility::check(&catalog, &small, &caller, now, s.id, None))
            .collect::<Vec<_>>()
    });
    let lookups = Lookups::new(&f.catalog, &f.snapshot);
    let one_with = allocations(|| {
        eligibility::check_with(
            &f.catalog,
            &f.snapshot,
            &lookups,
            &f.caller,
            now,
            f.source,
            None,
        )
    });
    let hint = allocations(|| eligibility::upgrade_available(&catalog, &big, &caller, now));
    println!("\nallocations per call (count, bytes requested):");
    println!(
        "  check/one_subscription_10_targets     {:>7} {:>10}",
        one.0, one.1
    );
    println!(
        "  check_with_lookups/one_subscription_10_targets {:>7} {:>10}",
        one_with.0, one_with.1
    );
    println!(
        "  check/customer_10_subscriptions       {:>7} {:>10}",
        ten.0, ten.1
    );
    println!(
        "  upgrade_available/1000_subscriptions  {:>7} {:>10}",
        hint.0, hint.1
    );
}

criterion_group!(group, benches);

fn main() {
    group();
    Criterion::default().configure_from_args().final_summary();
    report_allocations();
}
