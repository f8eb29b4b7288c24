//! Rows for the rules about one target (SPEC §4, 14-24), and rows where
//! several rules apply at once.

use super::reasons::{BASIC, Case, STANDARD, case};
use super::*;
use ReasonCode::*;

pub(super) const TARGET_CASES: &[Case] = &[
    // 14-24: about one target.
    case(
        "target not a path",
        STANDARD,
        "m365-business-premium",
        |_| {},
        &[TargetNotInMatrix],
    ),
    case(
        "India SKU for a customer outside India",
        "m365-business-basic-in",
        "m365-business-standard-in",
        |_| {},
        &[MarketMismatch],
    ),
    case(
        "India SKU to the global SKU",
        "m365-business-basic-in",
        STANDARD,
        |s| s.customer().country = "IN".into(),
        &[TargetNotInMatrix, MarketMismatch],
    ),
    // SPEC §4.15: a global source of a customer in India may move to an
    // India SKU; only the matrix stands in the way.
    case(
        "global SKU of an India customer to an India SKU",
        BASIC,
        "m365-business-standard-in",
        |s| s.customer().country = "IN".into(),
        &[TargetNotInMatrix],
    ),
    case(
        "global SKU outside India to an India SKU",
        BASIC,
        "m365-business-standard-in",
        |_| {},
        &[TargetNotInMatrix, MarketMismatch],
    ),
    case(
        "India SKU of an India customer on its path",
        "m365-business-basic-in",
        "m365-business-standard-in",
        |s| s.customer().country = "IN".into(),
        &[],
    ),
    case(
        "target owned through this partner",
        BASIC,
        STANDARD,
        |s| {
            s.add(STANDARD, Channel::ThisPartner);
        },
        &[TargetAlreadyOwned],
    ),
    case(
        "suspended target still owned",
        BASIC,
        STANDARD,
        |s| {
            s.add(STANDARD, Channel::ThisPartner).status = SubscriptionStatus::Suspended;
        },
        &[TargetAlreadyOwned],
    ),
    case(
        "deleted target not owned",
        BASIC,
        STANDARD,
        |s| {
            s.add(STANDARD, Channel::ThisPartner).status = SubscriptionStatus::Deleted;
        },
        &[],
    ),
    case(
        "desktop apps held through this partner",
        BASIC,
        STANDARD,
        |s| {
            s.add("m365-apps-business", Channel::ThisPartner);
        },
        &[ConflictingServices],
    ),
    case(
        "services the target does not add are no conflict",
        BASIC,
        STANDARD,
        |s| {
            s.add("exchange-online-plan1", Channel::ThisPartner);
        },
        &[],
    ),
    case(
        "a lower level is no conflict",
        BASIC,
        "o365-e3",
        |s| {
            s.add("exchange-online-plan1", Channel::Direct);
        },
        &[],
    ),
    case(
        "desktop apps held directly",
        BASIC,
        STANDARD,
        |s| {
            s.add("m365-apps-business", Channel::Direct);
        },
        &[MultichannelConflict],
    ),
    case(
        "target held through another partner",
        BASIC,
        STANDARD,
        |s| {
            s.add(STANDARD, Channel::OtherPartner);
        },
        &[MultichannelConflict],
    ),
    case(
        "conflicts in both channels",
        BASIC,
        "o365-e3",
        |s| {
            s.add("m365-apps-enterprise", Channel::ThisPartner);
            s.add("exchange-online-plan2", Channel::EnterpriseAgreement);
            s.add("o365-e3", Channel::Open);
        },
        &[ConflictingServices, MultichannelConflict],
    ),
    case(
        "E3 to E1 loses data",
        "o365-e3",
        "o365-e1",
        |_| {},
        &[TargetNotInMatrix, DataServiceDowngrade],
    ),
    case(
        "legacy E1 above the 300-user automatic limit",
        "legacy-o365-e1",
        "legacy-o365-e3",
        |s| {
            s.src().quantity = 400;
            s.src().assigned_seats = 400;
        },
        &[SeatLimitExceeded],
    ),
    case(
        "P plan above its 25 users (seed 002)",
        "legacy-o365-p",
        "legacy-o365-small-business-premium",
        |s| {
            s.src().quantity = 30;
            s.src().assigned_seats = 30;
        },
        &[SeatLimitExceeded],
    ),
    // SPEC §4.20: the source's own maximum is no reason; outgrowing a plan
    // is what an upgrade is for.
    case(
        "Business Basic above its own 300 to E3",
        BASIC,
        "o365-e3",
        |s| {
            s.src().quantity = 300;
            s.src().assigned_seats = 301;
        },
        &[LicenseConflict],
    ),
    case(
        "Business Basic above its own 300 to Business Standard (300 too)",
        BASIC,
        STANDARD,
        |s| {
            s.src().quantity = 300;
            s.src().assigned_seats = 301;
        },
        &[LicenseConflict, SeatLimitExceeded],
    ),
    case(
        "Apps for business with 301 seats to E3",
        "m365-apps-business",
        "o365-e3",
        |s| {
            s.src().quantity = 301;
            s.src().assigned_seats = 301;
        },
        &[],
    ),
    case(
        "Apps for business with 301 seats to Business Premium",
        "m365-apps-business",
        "m365-business-premium",
        |s| {
            s.src().quantity = 301;
            s.src().assigned_seats = 301;
        },
        &[SeatLimitExceeded],
    ),
    case(
        "more licensed users than seats counts too",
        "legacy-o365-p",
        "legacy-o365-e1",
        |s| {
            let id = s.source;
            s.users(id, 20);
        },
        &[SeatLimitExceeded],
    ),
    case(
        "monthly source to an annual-only target",
        "m365-apps-business",
        "m365-apps-enterprise",
        |_| {},
        &[BillingCycleUnsupported],
    ),
    case(
        "annual source to an annual-only target",
        "m365-apps-business",
        "m365-apps-enterprise",
        |s| {
            s.src().billing_cycle = BillingCycle::Annual;
        },
        &[],
    ),
    case(
        "education target for a commercial customer",
        "legacy-education-a1",
        "legacy-education-a2",
        |_| {},
        &[TargetNotAvailable],
    ),
    case(
        "education target for an education customer",
        "legacy-education-a1",
        "legacy-education-a2",
        |s| {
            s.customer().segment = Segment::Education;
        },
        &[],
    ),
    case(
        "retired target",
        "o365-e1",
        "o365-e4",
        |_| {},
        &[TargetNotInMatrix, TargetNotAvailable],
    ),
    case(
        "trial-only target",
        "o365-e1",
        "o365-e3-trial-only",
        |s| {
            s.src().billing_cycle = BillingCycle::Monthly;
        },
        &[TargetNotInMatrix, TargetNotAvailable],
    ),
    case(
        "business-only add-on to an enterprise plan",
        BASIC,
        "o365-e3",
        |s| {
            s.add_on("business-voice");
        },
        &[AddOnIncompatible],
    ),
    case(
        "included add-on is dropped, attachable one carried",
        BASIC,
        "o365-e3",
        |s| {
            s.add_on("exchange-online-archiving");
            s.add_on("o365-extra-file-storage");
        },
        &[],
    ),
    case(
        "P plan with a custom domain to Enterprise",
        "legacy-o365-p",
        "legacy-o365-e3",
        |s| {
            s.customer().custom_domain = true;
        },
        &[CustomDomainBlocksSwitch],
    ),
    // SPEC §4.24: whether or not the target is a path of the source.
    case(
        "P plan with a custom domain to K1, named outside the matrix",
        "legacy-o365-p",
        "legacy-o365-k1",
        |s| {
            s.customer().custom_domain = true;
        },
        &[
            TargetNotInMatrix,
            DataServiceDowngrade,
            CustomDomainBlocksSwitch,
        ],
    ),
    case(
        "P plan without a custom domain to K1",
        "legacy-o365-p",
        "legacy-o365-k1",
        |_| {},
        &[TargetNotInMatrix, DataServiceDowngrade],
    ),
    case(
        "Small Business Premium with a custom domain to Enterprise",
        "legacy-o365-small-business-premium",
        "legacy-o365-e3",
        |s| {
            s.customer().custom_domain = true;
        },
        &[],
    ),
    case(
        "P plan with a custom domain to Small Business Premium",
        "legacy-o365-p",
        "legacy-o365-small-business-premium",
        |s| {
            s.customer().custom_domain = true;
        },
        &[],
    ),
    // Several at once: every reason, never only the first.
    case(
        "everything wrong with the source",
        BASIC,
        STANDARD,
        |s| {
            s.src().status = SubscriptionStatus::Suspended;
            s.src().payment_method = PaymentMethod::Prepaid;
            s.src().trial = true;
            s.customer().unpaid_balance = true;
            s.customer().service_incidents.insert("teams".into());
            s.order(OrderState::PendingCreditCheck);
        },
        &[
            SubscriptionNotActive,
            ServiceIncident,
            CreditCheckPending,
            PrepaidSubscription,
            UnpaidBalance,
            TrialSubscription,
        ],
    ),
    case(
        "source and target reasons together",
        "o365-e3",
        "m365-business-basic-in",
        |s| {
            s.src().assigned_seats = 11;
            s.add_on("o365-extra-file-storage");
            s.add("m365-business-basic-in", Channel::Direct);
        },
        &[
            LicenseConflict,
            TargetNotInMatrix,
            MarketMismatch,
            MultichannelConflict,
            DataServiceDowngrade,
        ],
    ),
    case(
        "target rules outside the matrix",
        "o365-e5",
        "m365-business-premium",
        |s| {
            s.src().quantity = 400;
            s.src().assigned_seats = 400;
            s.add_on("o365-extra-file-storage");
            s.add("m365-business-premium", Channel::ThisPartner);
        },
        &[
            NoUpgradePaths,
            TargetNotInMatrix,
            TargetAlreadyOwned,
            DataServiceDowngrade,
            SeatLimitExceeded,
        ],
    ),
];
