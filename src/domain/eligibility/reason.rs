//! The vocabulary of an eligibility answer: reason codes, remedies and the
//! result types. They mirror `proto/csp/v1/upgrade.proto` one to one, so the
//! gRPC layer converts field by field.

use crate::domain::ids::{OfferId, OrderId, SubscriptionId};
use crate::domain::model::{
    BillingCycle, Channel, DelegatedRole, PaymentMethod, RelationshipStatus, Segment, Subscription,
    SubscriptionStatus, UpgradeType, text_enum,
};
use crate::domain::text::Text;

text_enum!(/// Why a target cannot be reached by "Upgrade now" (SPEC §4). The names
/// are the contract; the order is the proto's numbering and the order reasons
/// are reported in.
ReasonCode {
    SubscriptionNotActive = "SUBSCRIPTION_NOT_ACTIVE",
    SubscriptionNotProvisioned = "SUBSCRIPTION_NOT_PROVISIONED",
    ServiceIncident = "SERVICE_INCIDENT",
    DelegatedAdminMissing = "DELEGATED_ADMIN_MISSING",
    LicenseConflict = "LICENSE_CONFLICT",
    UpgradeInProgress = "UPGRADE_IN_PROGRESS",
    CreditCheckPending = "CREDIT_CHECK_PENDING",
    DuplicatePlans = "DUPLICATE_PLANS",
    PrepaidSubscription = "PREPAID_SUBSCRIPTION",
    RestrictedSegment = "RESTRICTED_SEGMENT",
    UnpaidBalance = "UNPAID_BALANCE",
    TrialSubscription = "TRIAL_SUBSCRIPTION",
    NoUpgradePaths = "NO_UPGRADE_PATHS",
    TargetNotInMatrix = "TARGET_NOT_IN_MATRIX",
    MarketMismatch = "MARKET_MISMATCH",
    TargetAlreadyOwned = "TARGET_ALREADY_OWNED",
    ConflictingServices = "CONFLICTING_SERVICES",
    MultichannelConflict = "MULTICHANNEL_CONFLICT",
    DataServiceDowngrade = "DATA_SERVICE_DOWNGRADE",
    SeatLimitExceeded = "SEAT_LIMIT_EXCEEDED",
    BillingCycleUnsupported = "BILLING_CYCLE_UNSUPPORTED",
    TargetNotAvailable = "TARGET_NOT_AVAILABLE",
    AddOnIncompatible = "ADD_ON_INCOMPATIBLE",
    CustomDomainBlocksSwitch = "CUSTOM_DOMAIN_BLOCKS_SWITCH",
});

impl ReasonCode {
    /// Codes 1-13 of SPEC §4: about the source subscription, so they block
    /// every target. (A source bought through another channel is also
    /// reported among the source reasons, with `MULTICHANNEL_CONFLICT`.)
    pub fn is_source_level(self) -> bool {
        self <= ReasonCode::NoUpgradePaths
    }
}

text_enum!(/// What the partner can do about a reason.
Remedy {
    /// Provisioning, an incident, an order in progress, a credit check.
    Wait = "WAIT",
    ResolveLicenseConflict = "RESOLVE_LICENSE_CONFLICT",
    PayBalance = "PAY_BALANCE",
    /// Cancel the conflicting subscription in the other channel first.
    CancelInOtherChannel = "CANCEL_IN_OTHER_CHANNEL",
    /// Change the plan manually (SPEC §6, see [`ManualPath`]).
    ChangePlanManually = "CHANGE_PLAN_MANUALLY",
    ContactSupport = "CONTACT_SUPPORT",
    /// Request or extend the delegated admin relationship.
    RequestDelegatedAdmin = "REQUEST_DELEGATED_ADMIN",
    /// Buy the trial's paid plan first, then upgrade.
    BuyPaidPlanFirst = "BUY_PAID_PLAN_FIRST",
    ReactivateSubscription = "REACTIVATE_SUBSCRIPTION",
    ChooseAnotherTarget = "CHOOSE_ANOTHER_TARGET",
    /// Consolidate the duplicate plans into one first.
    ConsolidatePlans = "CONSOLIDATE_PLANS",
    /// Remove the add-on first.
    RemoveAddOn = "REMOVE_ADD_ON",
});

impl Remedy {
    /// What to do, as a sentence for the partner.
    pub fn description(self) -> Text {
        Text::named("remedy", self.as_str())
    }
}

/// A subscription a reason is about (conflicting, duplicate, an add-on ...).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct SubscriptionRef {
    pub id: SubscriptionId,
    pub offer_id: OfferId,
    pub channel: Channel,
    pub status: SubscriptionStatus,
}

impl From<&Subscription> for SubscriptionRef {
    fn from(s: &Subscription) -> Self {
        SubscriptionRef {
            id: s.id,
            offer_id: s.offer_id.clone(),
            channel: s.channel,
            status: s.status,
        }
    }
}

/// A data-related service the target lowers or lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelChange {
    pub service_id: String,
    pub from_level: u8,
    pub from_name: String,
    /// `None` when the target lacks the service.
    pub to: Option<(u8, String)>,
}

/// The typed facts of a reason, one variant per kind of fact (the proto's
/// `Reason.details` oneof). Codes whose facts are all in the reason's
/// subscriptions, or in the code itself, have `None`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Details {
    #[default]
    None,
    /// `SUBSCRIPTION_NOT_ACTIVE`.
    Status(SubscriptionStatus),
    /// `SERVICE_INCIDENT`: service ids, in id order.
    ServiceIncident(Vec<String>),
    /// `DELEGATED_ADMIN_MISSING`.
    DelegatedAdmin {
        status: RelationshipStatus,
        roles: Vec<DelegatedRole>,
        user_context: bool,
    },
    /// `LICENSE_CONFLICT`.
    LicenseConflict { quantity: i64, assigned_seats: i64 },
    /// `SEAT_LIMIT_EXCEEDED`: `path_max_users` is the path's own limit, if any.
    SeatLimit {
        needed: i64,
        target_max_seats: i64,
        path_max_users: Option<i64>,
    },
    /// `UPGRADE_IN_PROGRESS`, `CREDIT_CHECK_PENDING`: the blocking orders.
    OpenOrders(Vec<OrderId>),
    /// `PREPAID_SUBSCRIPTION`.
    PaymentMethod(PaymentMethod),
    /// `RESTRICTED_SEGMENT`: the source offer's segment.
    Segment(Segment),
    /// `MARKET_MISMATCH`.
    Market {
        source: String,
        target: String,
        customer_country: String,
    },
    /// `CONFLICTING_SERVICES`, `MULTICHANNEL_CONFLICT` about a target.
    ServiceConflict {
        /// Every service of the target already held, in id order.
        services: Vec<String>,
        /// Per conflicting subscription, the services it holds.
        holders: Vec<(SubscriptionId, Vec<String>)>,
        channels: Vec<Channel>,
        /// The customer holds the target offer itself (elsewhere).
        target_owned: bool,
    },
    /// `MULTICHANNEL_CONFLICT` about the source: where it was bought.
    Channel(Channel),
    /// `DATA_SERVICE_DOWNGRADE`.
    DataServices(Vec<LevelChange>),
    /// `BILLING_CYCLE_UNSUPPORTED`: the source's cycle and those offered.
    BillingCycle {
        cycle: BillingCycle,
        offered: Vec<BillingCycle>,
    },
    /// `TARGET_NOT_AVAILABLE`.
    Availability {
        available: bool,
        trial: bool,
        target_segment: Segment,
        customer_segment: Segment,
    },
    /// `ADD_ON_INCOMPATIBLE`: the blocking add-ons' offers, in id order.
    AddOns(Vec<OfferId>),
}

impl Details {
    /// `DATA_SERVICE_DOWNGRADE` names `service` among those that lose data.
    pub fn lowers_service(&self, service: &str) -> bool {
        matches!(self, Details::DataServices(changes)
            if changes.iter().any(|c| c.service_id == service))
    }
}

/// One reason a target is not eligible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub code: ReasonCode,
    /// One sentence a partner can act on, with the names and numbers filled
    /// in; said in the caller's language by the API (SPEC §12).
    pub message: Text,
    /// The typed facts behind it.
    pub details: Details,
    /// The subscriptions the reason is about, in id order.
    pub subscriptions: Vec<SubscriptionRef>,
    pub remedy: Remedy,
}

impl Reason {
    pub(super) fn new(code: ReasonCode, remedy: Remedy, message: Text) -> Self {
        Reason {
            code,
            message,
            details: Details::None,
            subscriptions: Vec::new(),
            remedy,
        }
    }

    pub(super) fn with(mut self, details: Details) -> Self {
        self.details = details;
        self
    }

    pub(super) fn about<'a>(mut self, subs: impl IntoIterator<Item = &'a Subscription>) -> Self {
        self.subscriptions
            .extend(subs.into_iter().map(SubscriptionRef::from));
        self.subscriptions.sort();
        self.subscriptions.dedup();
        self
    }
}

/// The manual change of SPEC §6 (seed 003), with this customer's numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManualPath {
    /// Licenses of the target to buy for the same organisation.
    pub licenses_to_buy: i64,
    /// Users licensed on the source, to reassign to the target.
    pub users_to_reassign: i64,
    /// The target lacks or lowers a data-related service, or the switch is
    /// one-way: back the data up first.
    pub backup_data_first: bool,
    /// The switch changes service family and cannot be undone (seed 002).
    pub one_way: bool,
    /// The steps, in order.
    pub steps: Vec<Text>,
}

/// The answer for one candidate target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetEligibility {
    pub target: OfferId,
    /// The target is an upgrade path of the source offer.
    pub in_matrix: bool,
    /// No reason applies; `upgrade_types` is then never empty.
    pub eligible: bool,
    /// The upgrade types allowed; empty when not eligible.
    pub upgrade_types: Vec<UpgradeType>,
    pub min_quantity: i64,
    pub max_quantity: i64,
    /// The source reasons first, then this target's, each group in code order.
    pub reasons: Vec<Reason>,
    /// Live add-ons of the source the upgrade cancels: the target includes them.
    pub dropped_add_ons: Vec<SubscriptionRef>,
    /// Live add-ons of the source that attach to the target and stay.
    pub carried_add_ons: Vec<SubscriptionRef>,
    /// Set when not eligible and a manual change is possible.
    pub manual_path: Option<ManualPath>,
}

impl TargetEligibility {
    pub fn reason_codes(&self) -> Vec<ReasonCode> {
        self.reasons.iter().map(|r| r.code).collect()
    }
}

/// The answer for one source subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eligibility {
    pub source: SubscriptionRef,
    /// Reasons that block every target (also repeated in each target's reasons).
    pub source_reasons: Vec<Reason>,
    /// In catalog path order, or the one target asked for.
    pub targets: Vec<TargetEligibility>,
}

/// Why no eligibility answer could be given at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EligibilityError {
    /// The snapshot has no such subscription (gRPC: NOT_FOUND).
    #[error("subscription {0} not found")]
    SubscriptionNotFound(SubscriptionId),
    /// The target named is not in the catalog (gRPC: INVALID_ARGUMENT on the
    /// target offer id field).
    #[error("offer {0} is not in the catalog")]
    UnknownTargetOffer(OfferId),
    /// The source subscription's offer is not in the catalog: the stored data
    /// and the loaded catalog disagree (gRPC: INTERNAL; imports validate offer
    /// ids, so only a catalog that dropped an offer gets here).
    #[error("subscription {subscription} refers to offer {offer}, which is not in the catalog")]
    SourceOfferNotInCatalog {
        subscription: SubscriptionId,
        offer: OfferId,
    },
}
