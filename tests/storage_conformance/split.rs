//! Partial upgrades and upgrades into an existing subscription (SPEC §8),
//! through `App::submit` on each backend: the seats and licenses split as
//! named, a second partial goes into the first's target, and the source
//! stays upgradable.

use csp_upgrades::app::Submission;
use csp_upgrades::domain::ids::*;
use csp_upgrades::domain::model::*;
use csp_upgrades::domain::orders::{Refusal, UpgradeRequest};
use csp_upgrades::storage::Store;

use super::common::db::TestDb;
use super::orders::{demo_app, request};

const NORTHWIND: &str = "30000000-0000-4000-8000-000000000001";
const NORTHWIND_BASIC: &str = "40000000-0000-4000-8000-000000000101";
const ALICE: &str = "50000000-0000-4000-8000-000000000101";
const BOB: &str = "50000000-0000-4000-8000-000000000102";
const CAROL: &str = "50000000-0000-4000-8000-000000000103";

fn partial(quantity: i64, users: &[&str]) -> UpgradeRequest {
    let mut r = request(NORTHWIND, NORTHWIND_BASIC, "o365-e3", quantity);
    r.partial = true;
    r.user_ids = users
        .iter()
        .map(|u| CustomerUserId::parse(u).unwrap())
        .collect();
    r.user_ids.sort();
    r
}

async fn northwind(store: &dyn Store, partner: PartnerId) -> CustomerSnapshot {
    store
        .snapshot(partner, CustomerId::parse(NORTHWIND).unwrap())
        .await
        .unwrap()
        .map(|s| (*s).clone())
        .unwrap()
}

fn licensed_on(snap: &CustomerSnapshot, sub: SubscriptionId) -> Vec<String> {
    let mut upns: Vec<String> = snap
        .users
        .iter()
        .filter(|u| u.licenses.iter().any(|l| l.subscription_id == sub))
        .map(|u| u.upn.clone())
        .collect();
    upns.sort();
    upns
}

/// Two partial upgrades (the second into the first's target), then the
/// rest of the source in full into the same subscription.
pub async fn partial_upgrades_split_seats_and_users_as_named(db: TestDb) {
    let (store, app, caller) = demo_app(&db).await;
    let source = SubscriptionId::parse(NORTHWIND_BASIC).unwrap();
    let submit = |r: UpgradeRequest| {
        let (app, caller) = (&app, &caller);
        async move {
            match app.submit(caller, &r, uuid::Uuid::new_v4()).await.unwrap() {
                Submission::Created(order) => order,
                other => panic!("{other:?}"),
            }
        }
    };

    let first = submit(partial(3, &[ALICE, BOB])).await;
    assert_eq!(first.state, OrderState::Completed);
    let target = first.target_subscription_id.unwrap();
    let snap = northwind(&*store, caller.partner_id).await;
    let sub = |id| {
        snap.subscriptions
            .iter()
            .find(|s| s.id == id)
            .unwrap()
            .clone()
    };
    let (src, tgt) = (sub(source), sub(target));
    assert_eq!(src.status, SubscriptionStatus::Active);
    assert_eq!((src.quantity, src.assigned_seats), (7, 2));
    assert_eq!((tgt.quantity, tgt.assigned_seats), (3, 2));
    assert_eq!(
        licensed_on(&snap, target),
        ["alice@northwind.example", "bob@northwind.example"]
    );
    assert_eq!(
        licensed_on(&snap, source),
        ["carol@northwind.example", "dan@northwind.example"]
    );

    // A second partial into the first's target: one seat and carol.
    let mut second = partial(1, &[CAROL]);
    second.into_subscription = Some(target);
    let second = submit(second).await;
    assert!(second.partial && second.into_existing);
    assert_eq!(second.target_subscription_id, Some(target));
    let snap = northwind(&*store, caller.partner_id).await;
    let sub = |id| {
        snap.subscriptions
            .iter()
            .find(|s| s.id == id)
            .unwrap()
            .clone()
    };
    assert_eq!((sub(source).quantity, sub(source).assigned_seats), (6, 1));
    assert_eq!((sub(target).quantity, sub(target).assigned_seats), (4, 3));
    assert_eq!(licensed_on(&snap, source), ["dan@northwind.example"]);
    let e3s = snap
        .subscriptions
        .iter()
        .filter(|s| s.offer_id.as_str() == "o365-e3")
        .count();
    assert_eq!(e3s, 1, "no new subscription");

    // A new E3 is refused now (the customer owns one); the rest of the
    // source moves into it in full, and the source is cancelled.
    let Submission::Refused(Refusal::Ineligible(_)) = app
        .submit(
            &caller,
            &request(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 6),
            uuid::Uuid::new_v4(),
        )
        .await
        .unwrap()
    else {
        panic!("TARGET_ALREADY_OWNED")
    };
    let mut rest = request(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 6);
    rest.into_subscription = Some(target);
    let last = submit(rest).await;
    assert!(!last.partial && last.into_existing);
    let snap = northwind(&*store, caller.partner_id).await;
    let sub = |id| {
        snap.subscriptions
            .iter()
            .find(|s| s.id == id)
            .unwrap()
            .clone()
    };
    assert_eq!(sub(source).status, SubscriptionStatus::Deleted);
    assert_eq!((sub(target).quantity, sub(target).assigned_seats), (10, 4));
    assert_eq!(licensed_on(&snap, target).len(), 4);
}

/// A refused partial upgrade writes nothing; a replayed one creates nothing.
pub async fn partial_refusals_write_nothing_and_replays_create_nothing(db: TestDb) {
    let (store, app, caller) = demo_app(&db).await;
    let before = northwind(&*store, caller.partner_id).await;
    let refused = app
        .submit(&caller, &partial(8, &[]), uuid::Uuid::new_v4())
        .await
        .unwrap();
    assert_eq!(
        refused,
        Submission::Refused(Refusal::SourceSeatsShort {
            remaining_seats: 2,
            remaining_users: 4
        })
    );
    assert_eq!(northwind(&*store, caller.partner_id).await, before);

    let key = uuid::Uuid::new_v4();
    let r = partial(2, &[ALICE]);
    let Submission::Created(first) = app.submit(&caller, &r, key).await.unwrap() else {
        panic!("created")
    };
    let after = northwind(&*store, caller.partner_id).await;
    let Submission::Replayed(replayed) = app.submit(&caller, &r, key).await.unwrap() else {
        panic!("replayed")
    };
    assert_eq!(replayed.id, first.id);
    assert_eq!(northwind(&*store, caller.partner_id).await, after);
    // The same key for the same seats but another user is another request.
    assert_eq!(
        app.submit(&caller, &partial(2, &[BOB]), key).await.unwrap(),
        Submission::KeyReused(first.id)
    );
}
