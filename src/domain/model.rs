//! The entities of SPEC §2, as the domain sees them. Storage reads and writes
//! these; the gRPC layer converts them to and from the proto messages.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::*;

/// Declares a closed enum with a stable SCREAMING_SNAKE text form, used in the
/// database, the dataset file and the catalog.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use text_enum;

text_enum!(/// A partner role (SPEC §3).
Role {
    GlobalAdmin = "GLOBAL_ADMIN",
    UserManagementAdmin = "USER_MANAGEMENT_ADMIN",
    AdminAgent = "ADMIN_AGENT",
    SalesAgent = "SALES_AGENT",
    HelpdeskAgent = "HELPDESK_AGENT",
    BillingAdmin = "BILLING_ADMIN",
});

text_enum!(/// Customer segment; offers carry one too.
Segment {
    Commercial = "COMMERCIAL",
    Education = "EDUCATION",
    Government = "GOVERNMENT",
    Nonprofit = "NONPROFIT",
});

text_enum!(/// Where a subscription was bought.
Channel {
    /// Through this partner, via CSP.
    ThisPartner = "THIS_PARTNER",
    OtherPartner = "OTHER_PARTNER",
    /// Bought directly from Microsoft.
    Direct = "DIRECT",
    EnterpriseAgreement = "ENTERPRISE_AGREEMENT",
    /// Open / volume licensing.
    Open = "OPEN",
});

text_enum!(SubscriptionStatus {
    Active = "ACTIVE",
    Suspended = "SUSPENDED",
    Deleted = "DELETED",
    Expired = "EXPIRED",
    Disabled = "DISABLED",
    Pending = "PENDING",
});

text_enum!(BillingCycle {
    Monthly = "MONTHLY",
    Annual = "ANNUAL",
});

text_enum!(PaymentMethod {
    CreditCard = "CREDIT_CARD",
    Invoice = "INVOICE",
    /// Paid in advance, or by product key.
    Prepaid = "PREPAID",
});

text_enum!(/// State of the partner's delegated admin relationship with a customer.
RelationshipStatus {
    None = "NONE",
    Active = "ACTIVE",
    Expired = "EXPIRED",
});

text_enum!(/// A role the delegated admin relationship grants in the customer tenant.
DelegatedRole {
    DirectoryReader = "DIRECTORY_READER",
    DirectoryWriter = "DIRECTORY_WRITER",
    LicenseAdmin = "LICENSE_ADMIN",
    UserAdmin = "USER_ADMIN",
    GlobalAdmin = "GLOBAL_ADMIN",
});

text_enum!(/// Upgrade order state (SPEC §5).
OrderState {
    PendingCreditCheck = "PENDING_CREDIT_CHECK",
    InProgress = "IN_PROGRESS",
    Completed = "COMPLETED",
    Failed = "FAILED",
    Rejected = "REJECTED",
    /// Waits for the source's period end (SPEC §9); does not block other
    /// upgrades of the customer.
    Scheduled = "SCHEDULED",
    /// A scheduled order cancelled before it ran.
    Cancelled = "CANCELLED",
});

impl OrderState {
    /// Orders in these states block other upgrades of the same customer.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            OrderState::PendingCreditCheck | OrderState::InProgress
        )
    }
}

text_enum!(UpgradeType {
    WithLicenseTransfer = "WITH_LICENSE_TRANSFER",
    UpgradeOnly = "UPGRADE_ONLY",
});

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partner {
    pub id: PartnerId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerUser {
    pub id: PartnerUserId,
    pub partner_id: PartnerId,
    pub upn: String,
    pub display_name: String,
    pub roles: BTreeSet<Role>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegatedAdmin {
    pub status: RelationshipStatus,
    pub roles: BTreeSet<DelegatedRole>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub id: CustomerId,
    pub partner_id: PartnerId,
    pub name: String,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
    pub segment: Segment,
    pub custom_domain: bool,
    pub unpaid_balance: bool,
    /// Catalog service ids with an open health incident at this customer;
    /// every other service is healthy.
    pub service_incidents: BTreeSet<String>,
    pub delegated_admin: DelegatedAdmin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub id: SubscriptionId,
    pub customer_id: CustomerId,
    pub offer_id: OfferId,
    pub channel: Channel,
    pub status: SubscriptionStatus,
    pub provisioned: bool,
    pub quantity: i64,
    pub assigned_seats: i64,
    pub billing_cycle: BillingCycle,
    pub payment_method: PaymentMethod,
    pub trial: bool,
    pub parent_id: Option<SubscriptionId>,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct License {
    pub subscription_id: SubscriptionId,
    /// Catalog service ids of the subscription's offer switched off for this user.
    pub disabled_services: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerUser {
    pub id: CustomerUserId,
    pub customer_id: CustomerId,
    pub upn: String,
    pub display_name: String,
    pub sign_in_blocked: bool,
    pub licenses: Vec<License>,
}

/// What the eligibility rules need to know about an upgrade order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub id: OrderId,
    pub customer_id: CustomerId,
    pub source_subscription_id: SubscriptionId,
    pub target_offer_id: OfferId,
    pub state: OrderState,
    pub created_at: DateTime<Utc>,
}

/// Everything about one customer the eligibility rules look at, loaded by
/// storage in a bounded number of queries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerSnapshot {
    pub customer: Customer,
    /// Every subscription of the customer, across channels, add-ons included.
    pub subscriptions: Vec<Subscription>,
    pub users: Vec<CustomerUser>,
    /// Orders of the customer that are still open (pending credit check or in progress).
    pub open_orders: Vec<OrderSummary>,
}

impl CustomerSnapshot {
    /// Rows it was read from, roughly: one for the customer, one per
    /// subscription and per user (what memory-bounded caches weigh).
    pub fn rows(&self) -> u64 {
        1 + (self.subscriptions.len() + self.users.len()) as u64
    }
}
