//! Partners, users, customers and snapshots, and the import that writes them.

use std::collections::BTreeSet;

use csp_upgrades::domain::dataset::ValidDataset;
use csp_upgrades::domain::ids::*;
use csp_upgrades::domain::model::*;
use csp_upgrades::storage::{self, PageRequest, StorageError};
use sqlx::Connection;

use super::common::db::TestDb;
use super::fixtures::*;
use super::{all_pages, connect};

fn by_created(mut subs: Vec<Subscription>) -> Vec<Subscription> {
    subs.sort_by_key(|s| (s.created_at, s.id));
    subs
}

pub async fn ping_and_backend(db: TestDb) {
    let store = connect(&db).await;
    store.ping().await.unwrap();
    let expected = if db.is_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(store.backend(), expected);
    assert!(store.is_empty().await.unwrap());
}

pub async fn import_round_trips_every_field(db: TestDb) {
    let store = connect(&db).await;
    let demo = demo();
    let summary = store.import(&demo.data).await.unwrap();
    assert_eq!(
        (summary.partners, summary.partner_users, summary.customers),
        (2, 4, 3)
    );
    assert_eq!((summary.subscriptions, summary.customer_users), (7, 3));
    assert!(!store.is_empty().await.unwrap());

    for p in &demo.data.partners {
        assert_eq!(store.partner(p.id).await.unwrap().as_ref(), Some(p));
        assert!(store.partner_exists(p.id).await.unwrap());
    }
    assert!(!store.partner_exists(PartnerId::new_v4()).await.unwrap());

    for u in &demo.data.partner_users {
        let expected = PartnerUser {
            upn: u.upn.to_lowercase(),
            ..u.clone()
        };
        assert_eq!(
            store.partner_user(u.partner_id, u.id).await.unwrap(),
            Some(expected)
        );
    }

    for c in &demo.data.customers {
        assert_eq!(
            store.customer(c.partner_id, c.id).await.unwrap().as_ref(),
            Some(c)
        );
        let snapshot = store.snapshot(c.partner_id, c.id).await.unwrap().unwrap();
        let expected: Vec<_> = demo
            .data
            .subscriptions
            .iter()
            .filter(|s| s.customer_id == c.id)
            .cloned()
            .collect();
        assert_eq!(snapshot.subscriptions, by_created(expected));

        let mut users: Vec<CustomerUser> = demo
            .data
            .customer_users
            .iter()
            .filter(|u| u.customer_id == c.id)
            .cloned()
            .collect();
        users.sort_by(|a, b| (&a.upn, a.id).cmp(&(&b.upn, b.id)));
        for u in &mut users {
            u.licenses.sort_by_key(|l| l.subscription_id);
        }
        assert_eq!(snapshot.users, users);
    }

    let imported: Vec<_> = demo
        .data
        .orders
        .iter()
        .filter(|o| o.summary.state.is_open())
        .map(|o| o.summary.clone())
        .collect();
    let snapshot = store
        .snapshot(demo.partner.id, demo.rich.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(snapshot.open_orders, imported);
}

pub async fn times_are_kept_to_the_microsecond(db: TestDb) {
    let store = connect(&db).await;
    let p = partner("P");
    let c = customer(&p, "C");
    let mut s = subscription(
        &c,
        "o365-e3",
        at(5, 0) + chrono::Duration::nanoseconds(123_456_789),
    );
    s.period_end = at(6, 0) + chrono::Duration::nanoseconds(999);
    let data = ValidDataset {
        partners: vec![p.clone()],
        customers: vec![c.clone()],
        subscriptions: vec![s.clone()],
        ..Default::default()
    };
    store.import(&data).await.unwrap();
    let read = store
        .snapshot(p.id, c.id)
        .await
        .unwrap()
        .unwrap()
        .subscriptions
        .clone();
    assert_eq!(read[0].created_at, at(5, 123_456));
    assert_eq!(read[0].period_end, at(6, 0));
}

pub async fn import_clashing_with_existing_rows_writes_nothing(db: TestDb) {
    let store = connect(&db).await;
    let demo = demo();
    store.import(&demo.data).await.unwrap();

    let again = store.import(&demo.data).await.unwrap_err();
    assert_conflict(
        again,
        &format!("partner {}: id already exists", demo.partner.id),
    );

    // A new partner whose customer reuses an existing customer id.
    let newcomer = partner("Newcomer");
    let mut clash = customer(&newcomer, "Clash");
    clash.id = demo.bare.id;
    let data = ValidDataset {
        partners: vec![newcomer.clone()],
        customers: vec![customer(&newcomer, "Fine"), clash],
        ..Default::default()
    };
    let err = store.import(&data).await.unwrap_err();
    assert_conflict(
        err,
        &format!("customer {}: id already exists", demo.bare.id),
    );
    assert!(store.partner(newcomer.id).await.unwrap().is_none());

    // A partner user whose UPN differs from an existing one only in case.
    let taken = partner_user(
        &newcomer,
        "ALICE.ADMIN@contoso.example",
        &[Role::GlobalAdmin],
    );
    let data = ValidDataset {
        partners: vec![newcomer.clone()],
        partner_users: vec![taken.clone()],
        ..Default::default()
    };
    let err = store.import(&data).await.unwrap_err();
    assert_conflict(
        err,
        &format!("partner user {}: upn already exists", taken.id),
    );
    assert!(store.partner(newcomer.id).await.unwrap().is_none());
    assert!(
        store
            .partner_user(newcomer.id, taken.id)
            .await
            .unwrap()
            .is_none()
    );
}

fn assert_conflict(err: StorageError, message: &str) {
    match err {
        StorageError::Conflict(m) => assert_eq!(m, message),
        other => panic!("expected a conflict {message:?}, got {other:?}"),
    }
}

pub async fn an_import_failing_halfway_writes_nothing(db: TestDb) {
    let store = connect(&db).await;
    let p = partner("P");
    let first = customer(&p, "First");
    let second = customer(&p, "Second");
    let base = subscription(&first, "o365-e3", at(1, 0));
    // An add-on whose base belongs to another customer: the parent foreign
    // key refuses it after everything before it was written.
    let mut stray = subscription(&second, "audio-conferencing", at(2, 0));
    stray.parent_id = Some(base.id);
    let data = ValidDataset {
        partners: vec![p.clone()],
        customers: vec![first.clone(), second],
        subscriptions: vec![base, stray],
        customer_users: vec![user(&first, "u@first.example", vec![])],
        ..Default::default()
    };
    let err = store.import(&data).await.unwrap_err();
    assert!(matches!(err, StorageError::Database(_)), "{err:?}");
    assert!(store.is_empty().await.unwrap());
    assert!(store.customer(p.id, first.id).await.unwrap().is_none());
}

pub async fn customers_page_by_name_then_id_each_exactly_once(db: TestDb) {
    let store = connect(&db).await;
    let p = partner("P");
    let other = partner("Other");
    // Few distinct names, so ties are broken by id; mixed case, so the
    // order is byte-wise on both backends.
    let names = ["alpha", "Beta", "gamma", "Delta", "épsilon"];
    let customers: Vec<Customer> = (0..120)
        .map(|i| customer(&p, &format!("{} {}", names[i % 5], i % 7)))
        .collect();
    let data = ValidDataset {
        partners: vec![p.clone(), other.clone()],
        customers: customers
            .iter()
            .cloned()
            .chain([customer(&other, "alpha 0")])
            .collect(),
        ..Default::default()
    };
    store.import(&data).await.unwrap();

    let mut pages = 0;
    let seen = all_pages(7, |req| {
        pages += 1;
        let store = store.clone();
        async move {
            store
                .list_customers(p.id, &storage::CustomerFilter::default(), &req)
                .await
                .unwrap()
        }
    })
    .await;
    assert_eq!(pages, 120usize.div_ceil(7));
    assert!(seen.iter().all(|c| customers.contains(c)));
    // Keys only: a whole-customer diff of 120 rows is unreadable.
    let keys = |cs: &[Customer]| {
        cs.iter()
            .map(|c| (c.name.clone(), c.id))
            .collect::<Vec<_>>()
    };
    let mut expected = keys(&customers);
    expected.sort();
    assert_eq!(keys(&seen), expected);
}

pub async fn unreadable_page_keys_are_refused(db: TestDb) {
    let store = connect(&db).await;
    let demo = demo();
    store.import(&demo.data).await.unwrap();
    let bad = PageRequest {
        size: 5,
        after: Some(("x".into(), "not-a-uuid".into())),
    };
    let err = store
        .list_customers(demo.partner.id, &storage::CustomerFilter::default(), &bad)
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::BadPageToken));
    let err = store
        .list_orders(demo.partner.id, &of_customer(demo.rich.id), &bad)
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::BadPageToken));
}

pub async fn another_partners_customer_is_not_there(db: TestDb) {
    let store = connect(&db).await;
    let demo = demo();
    store.import(&demo.data).await.unwrap();
    let (mine, theirs) = (demo.partner.id, demo.foreign.id);
    let page = PageRequest::first(10);
    assert!(store.customer(mine, theirs).await.unwrap().is_none());
    assert!(
        store
            .list_orders(mine, &of_customer(theirs), &page)
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.snapshot(mine, theirs).await.unwrap().is_none());
    let unknown = CustomerId::new_v4();
    assert!(store.customer(mine, unknown).await.unwrap().is_none());
    assert!(store.snapshot(mine, unknown).await.unwrap().is_none());
    // Nor their users, nor their customers in a listing.
    let their_admin = demo
        .data
        .partner_users
        .iter()
        .find(|u| u.partner_id == demo.other.id)
        .unwrap();
    assert!(
        store
            .partner_user(mine, their_admin.id)
            .await
            .unwrap()
            .is_none()
    );
    let listed = store
        .list_customers(mine, &storage::CustomerFilter::default(), &page)
        .await
        .unwrap();
    assert!(listed.items.iter().all(|c| c.partner_id == mine));
    assert_eq!(listed.items.len(), 2);
}

pub async fn snapshot_holds_all_channels_add_ons_users_and_only_open_orders(db: TestDb) {
    let store = connect(&db).await;
    let demo = demo();
    store.import(&demo.data).await.unwrap();
    let snap = store
        .snapshot(demo.partner.id, demo.rich.id)
        .await
        .unwrap()
        .unwrap();

    assert_eq!(snap.customer, demo.rich);
    let channels: BTreeSet<Channel> = snap.subscriptions.iter().map(|s| s.channel).collect();
    assert_eq!(channels, Channel::ALL.iter().copied().collect());
    assert_eq!(snap.subscriptions.len(), 6);
    assert!(snap.subscriptions.iter().any(|s| s.parent_id.is_some()));
    assert!(
        snap.subscriptions
            .iter()
            .all(|s| s.customer_id == demo.rich.id)
    );

    let upns: Vec<&str> = snap.users.iter().map(|u| u.upn.as_str()).collect();
    assert_eq!(upns, ["amy@rich.example", "zed@rich.example"]);
    assert_eq!(snap.users[0].licenses.len(), 2);
    assert!(snap.users[1].licenses.is_empty() && snap.users[1].sign_in_blocked);

    let open: BTreeSet<OrderId> = snap.open_orders.iter().map(|o| o.id).collect();
    assert_eq!(open, demo.open_orders.iter().copied().collect());
    assert!(snap.open_orders.iter().all(|o| o.state.is_open()));

    let bare = store
        .snapshot(demo.partner.id, demo.bare.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bare.customer, demo.bare);
    assert!(bare.subscriptions.is_empty() && bare.users.is_empty() && bare.open_orders.is_empty());
}

pub async fn replicas_starting_together_migrate_once(db: TestDb) {
    let starts = (0..4).map(|_| storage::connect(&db.url));
    for started in futures::future::join_all(starts).await {
        started
            .expect("every concurrent start succeeds")
            .ping()
            .await
            .unwrap();
    }

    let query = "SELECT version, COUNT(*) FROM _sqlx_migrations GROUP BY version ORDER BY version";
    let (dir, counts): (&str, Vec<(i64, i64)>) = if db.is_postgres() {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        (
            "postgres",
            sqlx::query_as(query).fetch_all(&mut conn).await.unwrap(),
        )
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        (
            "sqlite",
            sqlx::query_as(query).fetch_all(&mut conn).await.unwrap(),
        )
    };
    let files = std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "sql")
        })
        .count();
    assert_eq!(counts.len(), files);
    assert!(counts.iter().all(|(_, n)| *n == 1), "{counts:?}");
}

/// Partner users by id and by UPN (any case), the staff list page by page,
/// and what the store says about itself.
pub async fn partner_users_by_id_upn_and_page(db: TestDb) {
    let store = connect(&db).await;
    let demo = demo();
    store.import(&demo.data).await.unwrap();
    let admin = &demo.data.partner_users[0];
    let by_upn = store
        .partner_user_by_upn("ALICE.admin@contoso.EXAMPLE")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_upn.id, admin.id);
    assert_eq!(by_upn.upn, "alice.admin@contoso.example");
    assert!(
        store
            .partner_user_by_upn("nobody@nowhere.example")
            .await
            .unwrap()
            .is_none()
    );

    let staff = all_pages(1, |req| {
        let store = store.clone();
        let partner = demo.partner.id;
        async move { store.list_partner_users(partner, &req).await.unwrap() }
    })
    .await;
    let mut expected: Vec<PartnerUser> = demo
        .data
        .partner_users
        .iter()
        .filter(|u| u.partner_id == demo.partner.id)
        .map(|u| PartnerUser {
            upn: u.upn.to_lowercase(),
            ..u.clone()
        })
        .collect();
    expected.sort_by(|a, b| (&a.upn, a.id).cmp(&(&b.upn, b.id)));
    assert_eq!(staff, expected);

    // The feed: only Postgres has other writers to hear.
    assert_eq!(store.change_feed().is_some(), db.is_postgres());
    let stats = store.pool_stats();
    assert!(stats.active + stats.idle >= 1, "{stats:?}");
}

/// One customer's orders, in any state.
pub fn of_customer(customer: CustomerId) -> storage::OrderFilter {
    storage::OrderFilter {
        customer: Some(customer),
        state: None,
    }
}

/// The whole-partner stream's batch read: the same snapshots as one
/// `snapshot` per customer, in id order, only the partner's, only the range.
pub async fn snapshots_between_equal_one_snapshot_each(db: TestDb) {
    let store = connect(&db).await;
    let demo = demo();
    store.import(&demo.data).await.unwrap();
    let catalog = csp_upgrades::domain::catalog::Catalog::builtin().unwrap();
    let spec = csp_upgrades::generate::Spec {
        customers: 30,
        subscriptions_per_customer: 4,
        users_per_subscription: 2,
        big_customer_subscriptions: 12,
        seed: 17,
        anchor: chrono::Utc::now(),
    };
    let generated = csp_upgrades::generate::generate(&catalog, &spec);
    store.import(&generated).await.unwrap();

    let everything = (CustomerId(uuid::Uuid::nil()), CustomerId(uuid::Uuid::max()));
    let mut partners: Vec<PartnerId> = vec![demo.partner.id, demo.other.id];
    partners.extend(generated.partners.iter().map(|p| p.id));
    let mut seen = 0;
    for partner in partners {
        let sizes = store.customer_sizes(partner, None, 1000).await.unwrap();
        let ids: Vec<CustomerId> = sizes.iter().map(|&(id, _)| id).collect();
        let mut one_each = Vec::new();
        for &id in &ids {
            one_each.push((*store.snapshot(partner, id).await.unwrap().unwrap()).clone());
        }
        let batch = store
            .snapshots_between(partner, everything.0, everything.1)
            .await
            .unwrap();
        assert_eq!(batch, one_each, "partner {partner}");
        let counted: Vec<u64> = batch.iter().map(|s| s.subscriptions.len() as u64).collect();
        let told: Vec<u64> = sizes.iter().map(|&(_, n)| n).collect();
        assert_eq!(told, counted, "subscriptions per customer");
        seen += batch.len();
        if ids.len() >= 4 {
            let inner = store
                .snapshots_between(partner, ids[1], ids[3])
                .await
                .unwrap();
            assert_eq!(inner, one_each[1..=3], "partner {partner}, ids 1 to 3");
        }
    }
    assert!(seen >= 33, "{seen} customers");
    assert!(
        store
            .snapshots_between(demo.partner.id, demo.foreign.id, demo.foreign.id)
            .await
            .unwrap()
            .is_empty(),
        "another partner's customer"
    );
}
