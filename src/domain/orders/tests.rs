//! Order decisions on the demo customers, without storage: the snapshot is
//! built from the validated demo dataset.

use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;

use super::*;
use crate::domain::catalog::Catalog;
use crate::domain::dataset::{Dataset, ValidDataset};
use crate::domain::ids::*;
use crate::domain::model::*;
use crate::domain::roles::{Caller, Principal};

pub(super) const NORTHWIND: &str = "30000000-0000-4000-8000-000000000001";
pub(super) const NORTHWIND_BASIC: &str = "40000000-0000-4000-8000-000000000101";
pub(super) const WINGTIP: &str = "30000000-0000-4000-8000-000000000007";
pub(super) const WINGTIP_STANDARD: &str = "40000000-0000-4000-8000-000000000701";
pub(super) const TAILSPIN: &str = "30000000-0000-4000-8000-000000000008";
const TAILSPIN_E4: &str = "40000000-0000-4000-8000-000000000801";
pub(super) const LITWARE: &str = "30000000-0000-4000-8000-000000000011";

pub(super) fn demo() -> (Catalog, ValidDataset) {
    let catalog = Catalog::builtin().unwrap();
    let data = Dataset::from_json(include_str!("../../../demo/dataset.json"))
        .unwrap()
        .validate(&catalog)
        .unwrap();
    (catalog, data)
}

pub(super) fn snapshot(data: &ValidDataset, customer: &str) -> CustomerSnapshot {
    let id = CustomerId::parse(customer).unwrap();
    CustomerSnapshot {
        customer: data.customers.iter().find(|c| c.id == id).unwrap().clone(),
        subscriptions: data
            .subscriptions
            .iter()
            .filter(|s| s.customer_id == id)
            .cloned()
            .collect(),
        users: data
            .customer_users
            .iter()
            .filter(|u| u.customer_id == id)
            .cloned()
            .collect(),
        open_orders: data
            .orders
            .iter()
            .map(|o| o.summary.clone())
            .filter(|o| o.customer_id == id && o.state.is_open())
            .collect(),
    }
}

pub(super) fn user(partner: PartnerId) -> Caller {
    Caller {
        partner_id: partner,
        principal: Principal::User {
            id: PartnerUserId::new_v4(),
            upn: "agent@contoso-csp.example".into(),
            display_name: "Agent".into(),
        },
        roles: [Role::AdminAgent].into(),
    }
}

pub(super) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 11, 12, 0, 0).unwrap()
}

pub(super) fn request(
    customer: &str,
    sub: &str,
    target: &str,
    quantity: i64,
    t: UpgradeType,
) -> UpgradeRequest {
    UpgradeRequest {
        customer_id: CustomerId::parse(customer).unwrap(),
        subscription_id: SubscriptionId::parse(sub).unwrap(),
        target_offer_id: OfferId::parse(target).unwrap(),
        quantity,
        upgrade_type: t,
        billing_cycle: None,
        partial: false,
        user_ids: Vec::new(),
        into_subscription: None,
        schedule: Default::default(),
    }
}

pub(super) fn ids() -> NewIds {
    NewIds {
        order: OrderId::new_v4(),
        target_subscription: SubscriptionId::new_v4(),
    }
}

pub(super) const TRANSFER: UpgradeType = UpgradeType::WithLicenseTransfer;

#[test]
fn an_eligible_upgrade_executes_with_every_effect() {
    let (catalog, data) = demo();
    let snap = snapshot(&data, NORTHWIND);
    let caller = user(snap.customer.partner_id);
    let ctx = Context {
        catalog: &catalog,
        caller: &caller,
        now: now(),
        credit_check_threshold: Decimal::from(5000),
    };
    let ids = ids();
    let plan = plan(
        &ctx,
        &snap,
        &request(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 12, TRANSFER),
        uuid::Uuid::nil(),
        ids,
    )
    .unwrap();

    let effects = plan.effects.expect("executes");
    let source = SubscriptionId::parse(NORTHWIND_BASIC).unwrap();
    assert_eq!(effects.cancel, vec![source]);
    assert!(effects.licenses == LicenseMove::All && effects.reattach.is_empty());
    let created = effects.create.expect("a new subscription");
    assert_eq!(effects.target, ids.target_subscription);
    assert_eq!(created.id, ids.target_subscription);
    assert_eq!((created.quantity, created.assigned_seats), (12, 4));
    assert_eq!(created.billing_cycle, BillingCycle::Annual);
    assert_eq!(
        created.period_end,
        Utc.with_ymd_and_hms(2027, 11, 11, 12, 0, 0).unwrap()
    );

    let order = plan.order;
    let states: Vec<_> = order.events.iter().map(|e| e.state).collect();
    assert_eq!(states, [OrderState::InProgress, OrderState::Completed]);
    assert_eq!(order.outcome(), Outcome::CompletedWithAccountsNeedingWork);
    assert_eq!(order.moved_user_count, 4);
    assert_eq!(
        order.prorated_credit.unwrap().amount,
        "215.01".parse::<Decimal>().unwrap()
    );
}

#[test]
fn add_ons_are_dropped_or_carried_by_the_target() {
    let (catalog, data) = demo();
    let snap = snapshot(&data, WINGTIP);
    let caller = user(snap.customer.partner_id);
    let ctx = Context {
        catalog: &catalog,
        caller: &caller,
        now: now(),
        credit_check_threshold: Decimal::from(5000),
    };
    let audio = SubscriptionId::parse("40000000-0000-4000-8000-000000000702").unwrap();
    let archiving = SubscriptionId::parse("40000000-0000-4000-8000-000000000703").unwrap();
    let source = SubscriptionId::parse(WINGTIP_STANDARD).unwrap();

    let e5 = plan(
        &ctx,
        &snap,
        &request(WINGTIP, WINGTIP_STANDARD, "o365-e5", 8, TRANSFER),
        uuid::Uuid::nil(),
        ids(),
    )
    .unwrap();
    assert_eq!(e5.effects.unwrap().cancel, vec![source, audio, archiving]);
    let e3 = plan(
        &ctx,
        &snap,
        &request(WINGTIP, WINGTIP_STANDARD, "o365-e3", 8, TRANSFER),
        uuid::Uuid::nil(),
        ids(),
    )
    .unwrap();
    let effects = e3.effects.unwrap();
    assert_eq!(effects.cancel, vec![source, archiving]);
    assert_eq!(effects.reattach, vec![audio]);
    // Both tina and umar hold the audio add-on, whose service E3 does not
    // include: no overlap; all three hold archiving, which E3 includes.
    let overlaps = e3
        .order
        .migration_report
        .iter()
        .filter(|m| m.issue == report::MigrationIssue::OverlappingLicense)
        .count();
    assert_eq!(overlaps, 3);
}

#[test]
fn the_credit_check_threshold_is_inclusive_and_holds_everything() {
    let (catalog, data) = demo();
    let snap = snapshot(&data, TAILSPIN);
    let caller = user(snap.customer.partner_id);
    // 38.00 x 150 = 5700.00 a month, invoice-paid.
    for (threshold, waits) in [(5700, true), (5701, false), (0, true)] {
        let ctx = Context {
            catalog: &catalog,
            caller: &caller,
            now: now(),
            credit_check_threshold: Decimal::from(threshold),
        };
        let plan = plan(
            &ctx,
            &snap,
            &request(TAILSPIN, TAILSPIN_E4, "o365-e5", 150, TRANSFER),
            uuid::Uuid::nil(),
            ids(),
        )
        .unwrap();
        assert_eq!(plan.effects.is_none(), waits, "threshold {threshold}");
        if waits {
            assert_eq!(plan.order.state, OrderState::PendingCreditCheck);
            assert_eq!(plan.order.outcome(), Outcome::Waiting);
            assert!(plan.order.target_subscription_id.is_none());
        }
    }
}

#[test]
fn refusals_name_what_is_wrong() {
    let (catalog, data) = demo();
    let snap = snapshot(&data, NORTHWIND);
    let caller = user(snap.customer.partner_id);
    let app = Caller {
        principal: Principal::App {
            app_id: "bot".into(),
        },
        roles: Default::default(),
        ..caller.clone()
    };
    let ctx = Context {
        catalog: &catalog,
        caller: &caller,
        now: now(),
        credit_check_threshold: Decimal::from(5000),
    };
    let app_ctx = Context {
        caller: &app,
        ..Context {
            catalog: &catalog,
            caller: &caller,
            now: now(),
            credit_check_threshold: Decimal::from(5000),
        }
    };
    let refusal = |ctx: &Context, r: UpgradeRequest| {
        plan(ctx, &snap, &r, uuid::Uuid::nil(), ids()).unwrap_err()
    };

    assert_eq!(
        refusal(
            &ctx,
            request(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 9, TRANSFER)
        ),
        Refusal::QuantityBelowMinimum {
            min: 10,
            max: 10000
        }
    );
    assert_eq!(
        refusal(
            &ctx,
            request(
                NORTHWIND,
                NORTHWIND_BASIC,
                "m365-business-standard",
                301,
                TRANSFER
            )
        ),
        Refusal::QuantityAboveMaximum { min: 10, max: 300 }
    );
    assert!(matches!(
        refusal(
            &app_ctx,
            request(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 10, TRANSFER)
        ),
        Refusal::UpgradeTypeNotAllowed {
            user_context: false,
            ..
        }
    ));
    let Refusal::Ineligible(reasons) = refusal(
        &ctx,
        request(
            NORTHWIND,
            NORTHWIND_BASIC,
            "m365-apps-enterprise",
            10,
            TRANSFER,
        ),
    ) else {
        panic!("not a path");
    };
    assert!(
        reasons
            .iter()
            .any(|r| r.code.as_str() == "TARGET_NOT_IN_MATRIX")
    );
}

#[test]
fn approval_ignores_the_orders_own_check_and_rejection_moves_nothing() {
    let (catalog, data) = demo();
    let snap = snapshot(&data, LITWARE);
    let caller = user(snap.customer.partner_id);
    let ctx = Context {
        catalog: &catalog,
        caller: &caller,
        now: now(),
        credit_check_threshold: Decimal::from(5000),
    };
    let imported = &data
        .orders
        .iter()
        .find(|o| o.summary.customer_id == snap.customer.id)
        .unwrap()
        .summary;
    let pending = UpgradeOrder {
        id: imported.id,
        partner_id: snap.customer.partner_id,
        customer_id: snap.customer.id,
        request_id: None,
        submitted_by: Actor::App("x".into()),
        source_subscription_id: imported.source_subscription_id,
        target_offer_id: imported.target_offer_id.clone(),
        target_subscription_id: None,
        quantity: 200,
        partial: false,
        into_existing: false,
        user_ids: vec![],
        upgrade_type: TRANSFER,
        billing_cycle: None,
        state: OrderState::PendingCreditCheck,
        moved_user_count: 0,
        dropped_add_ons: vec![],
        prorated_credit: None,
        monthly_value: None,
        migration_report: vec![],
        scheduled_for: None,
        events: vec![],
        created_at: now(),
        updated_at: now(),
    };
    let approved = resolve(
        &ctx,
        &snap,
        &pending,
        Decision::Approve,
        "ok",
        SubscriptionId::new_v4(),
    )
    .unwrap();
    assert!(approved.effects.is_some());
    assert_eq!(approved.order.state, OrderState::Completed);
    let states: Vec<_> = approved.order.events.iter().map(|e| e.state).collect();
    assert_eq!(states, [OrderState::InProgress, OrderState::Completed]);

    let rejected = resolve(
        &ctx,
        &snap,
        &pending,
        Decision::Reject,
        "no",
        SubscriptionId::new_v4(),
    )
    .unwrap();
    assert!(rejected.effects.is_none());
    assert_eq!(rejected.order.outcome(), Outcome::Rejected);

    assert_eq!(
        resolve(
            &ctx,
            &snap,
            &approved.order,
            Decision::Approve,
            "again",
            SubscriptionId::new_v4()
        )
        .unwrap_err(),
        Refusal::NotPendingCreditCheck(OrderState::Completed)
    );

    // The source went away while the check waited: the order fails, nothing moves.
    let mut gone = snap.clone();
    gone.subscriptions
        .iter_mut()
        .for_each(|s| s.status = SubscriptionStatus::Suspended);
    let failed = resolve(
        &ctx,
        &gone,
        &pending,
        Decision::Approve,
        "ok",
        SubscriptionId::new_v4(),
    )
    .unwrap();
    assert!(failed.effects.is_none());
    assert_eq!(failed.order.outcome(), Outcome::Failed);
    assert!(
        failed
            .order
            .events
            .last()
            .unwrap()
            .note
            .contains("SUBSCRIPTION_NOT_ACTIVE")
    );
}

#[test]
fn the_fingerprint_covers_every_field_of_the_request() {
    let base = request(NORTHWIND, NORTHWIND_BASIC, "o365-e3", 10, TRANSFER);
    let mut variants = vec![base.clone()];
    let mut v = base.clone();
    v.quantity = 11;
    variants.push(v);
    let mut v = base.clone();
    v.upgrade_type = UpgradeType::UpgradeOnly;
    variants.push(v);
    let mut v = base.clone();
    v.billing_cycle = Some(BillingCycle::Monthly);
    variants.push(v);
    let mut v = base.clone();
    v.target_offer_id = OfferId::parse("o365-e5").unwrap();
    variants.push(v);
    let prints: std::collections::BTreeSet<_> =
        variants.iter().map(UpgradeRequest::fingerprint).collect();
    assert_eq!(prints.len(), variants.len());
}
