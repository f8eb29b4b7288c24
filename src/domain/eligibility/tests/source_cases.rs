//! Rows for the rules about the source subscription (SPEC §4, 1-13).

use super::reasons::{BASIC, Case, STANDARD, case};
use super::*;
use ReasonCode::*;

pub(super) const SOURCE_CASES: &[Case] = &[
    case("healthy", BASIC, STANDARD, |_| {}, &[]),
    // 1-13: about the source.
    case(
        "suspended",
        BASIC,
        STANDARD,
        |s| s.src().status = SubscriptionStatus::Suspended,
        &[SubscriptionNotActive],
    ),
    case(
        "deleted",
        BASIC,
        STANDARD,
        |s| s.src().status = SubscriptionStatus::Deleted,
        &[SubscriptionNotActive],
    ),
    case(
        "pending",
        BASIC,
        STANDARD,
        |s| s.src().status = SubscriptionStatus::Pending,
        &[SubscriptionNotActive],
    ),
    case(
        "not provisioned",
        BASIC,
        STANDARD,
        |s| s.src().provisioned = false,
        &[SubscriptionNotProvisioned],
    ),
    case(
        "incident on a service of the source",
        BASIC,
        STANDARD,
        |s| {
            s.customer().service_incidents.insert("exchange".into());
        },
        &[ServiceIncident],
    ),
    case(
        "incident on a service the source lacks",
        BASIC,
        STANDARD,
        |s| {
            s.customer().service_incidents.insert("intune".into());
        },
        &[],
    ),
    case(
        "no relationship",
        BASIC,
        STANDARD,
        |s| {
            s.customer().delegated_admin = DelegatedAdmin {
                status: RelationshipStatus::None,
                roles: BTreeSet::new(),
            };
        },
        &[DelegatedAdminMissing],
    ),
    case(
        "expired relationship",
        BASIC,
        STANDARD,
        |s| {
            s.customer().delegated_admin.status = RelationshipStatus::Expired;
        },
        &[DelegatedAdminMissing],
    ),
    case(
        "active relationship without roles",
        BASIC,
        STANDARD,
        |s| {
            s.customer().delegated_admin.roles.clear();
        },
        &[DelegatedAdminMissing],
    ),
    case(
        "more assigned than bought",
        BASIC,
        STANDARD,
        |s| s.src().assigned_seats = 12,
        &[LicenseConflict],
    ),
    case(
        "order in progress",
        BASIC,
        STANDARD,
        |s| {
            s.order(OrderState::InProgress);
        },
        &[UpgradeInProgress],
    ),
    case(
        "order waiting for a credit check",
        BASIC,
        STANDARD,
        |s| {
            s.order(OrderState::PendingCreditCheck);
        },
        &[CreditCheckPending],
    ),
    case(
        "two active plans of the source offer",
        BASIC,
        STANDARD,
        |s| {
            s.add(BASIC, Channel::ThisPartner);
        },
        &[DuplicatePlans],
    ),
    // SPEC §4.8: whatever channel the second plan was bought through.
    case(
        "a second plan of the source offer bought directly",
        BASIC,
        STANDARD,
        |s| {
            s.add(BASIC, Channel::Direct);
        },
        &[DuplicatePlans],
    ),
    case(
        "a second plan of the source offer through another partner",
        BASIC,
        "o365-e3",
        |s| {
            s.add(BASIC, Channel::OtherPartner);
        },
        &[DuplicatePlans],
    ),
    case(
        "a suspended second plan is no duplicate",
        BASIC,
        STANDARD,
        |s| {
            s.add(BASIC, Channel::ThisPartner).status = SubscriptionStatus::Suspended;
        },
        &[],
    ),
    case(
        "prepaid",
        BASIC,
        STANDARD,
        |s| s.src().payment_method = PaymentMethod::Prepaid,
        &[PrepaidSubscription],
    ),
    case(
        "nonprofit offer",
        "m365-business-premium-nonprofit",
        "o365-e5",
        |s| {
            s.customer().segment = Segment::Nonprofit;
        },
        &[RestrictedSegment],
    ),
    case(
        "government offer",
        "o365-e3-gcc",
        "o365-e5-gcc",
        |s| {
            s.customer().segment = Segment::Government;
        },
        &[RestrictedSegment],
    ),
    case(
        "unpaid balance",
        BASIC,
        STANDARD,
        |s| s.customer().unpaid_balance = true,
        &[UnpaidBalance],
    ),
    case(
        "trial",
        BASIC,
        STANDARD,
        |s| s.src().trial = true,
        &[TrialSubscription],
    ),
    case(
        "no paths out of Business Premium",
        "m365-business-premium",
        "o365-e5",
        |_| {},
        &[NoUpgradePaths, TargetNotInMatrix],
    ),
];
