//! The dataset file exactly as written: every id, enum and timestamp is kept
//! as the text the file holds, so validation can say which record and which
//! field is wrong instead of failing on the first bad value.

use serde::{Deserialize, Serialize};

use super::DatasetError;

/// A parsed, not yet validated, dataset file. See `docs/dataset.md`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dataset {
    #[serde(default)]
    pub partners: Vec<RawPartner>,
    #[serde(default)]
    pub partner_users: Vec<RawPartnerUser>,
    #[serde(default)]
    pub customers: Vec<RawCustomer>,
    #[serde(default)]
    pub subscriptions: Vec<RawSubscription>,
    #[serde(default)]
    pub customer_users: Vec<RawCustomerUser>,
    #[serde(default)]
    pub orders: Vec<RawOrder>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPartner {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPartnerUser {
    pub id: String,
    pub partner_id: String,
    pub upn: String,
    pub display_name: String,
    /// Partner role names; empty for a user without any role.
    #[serde(default)]
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCustomer {
    pub id: String,
    pub partner_id: String,
    pub name: String,
    pub country: String,
    pub segment: String,
    pub custom_domain: bool,
    pub unpaid_balance: bool,
    /// Catalog service ids with an open health incident at this customer.
    #[serde(default)]
    pub service_incidents: Vec<String>,
    pub delegated_admin: RawDelegatedAdmin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDelegatedAdmin {
    pub status: String,
    #[serde(default)]
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSubscription {
    pub id: String,
    pub customer_id: String,
    pub offer_id: String,
    pub channel: String,
    pub status: String,
    pub provisioned: bool,
    pub quantity: i64,
    pub assigned_seats: i64,
    pub billing_cycle: String,
    pub payment_method: String,
    pub trial: bool,
    /// The base subscription an add-on is attached to; absent or null otherwise.
    #[serde(default)]
    pub parent_id: Option<String>,
    /// RFC 3339.
    pub period_start: String,
    /// RFC 3339.
    pub period_end: String,
    /// RFC 3339; defaults to `period_start`.
    #[serde(default)]
    pub created_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCustomerUser {
    pub id: String,
    pub customer_id: String,
    pub upn: String,
    pub display_name: String,
    #[serde(default)]
    pub sign_in_blocked: bool,
    #[serde(default)]
    pub licenses: Vec<RawLicense>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLicense {
    pub subscription_id: String,
    /// Catalog service ids of the subscription's offer switched off for the user.
    #[serde(default)]
    pub disabled_services: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOrder {
    pub id: String,
    pub partner_id: String,
    pub customer_id: String,
    pub source_subscription_id: String,
    pub target_offer_id: String,
    pub quantity: i64,
    pub upgrade_type: String,
    pub state: String,
    /// The partner user who submitted the order.
    pub submitted_by: String,
    /// RFC 3339.
    pub created_at: String,
}

impl Dataset {
    /// Parses the JSON text. Only syntax and shape (missing or unknown
    /// fields, wrong JSON types) are checked here; the error names the line
    /// and column. Everything else is [`Dataset::validate`]'s job.
    pub fn from_json(s: &str) -> Result<Dataset, DatasetError> {
        serde_json::from_str(s).map_err(parse_error)
    }

    /// [`Dataset::from_json`] of what `reader` yields, parsed as it is read:
    /// a large file is never held as text beside the records made from it.
    pub fn from_reader(reader: impl std::io::Read) -> Result<Dataset, DatasetError> {
        serde_json::from_reader(reader).map_err(parse_error)
    }
}

/// A syntax or shape error, named by line and column.
fn parse_error(e: serde_json::Error) -> DatasetError {
    let (line, column) = (e.line(), e.column());
    let text = e.to_string();
    // serde_json appends the position to its message; it is in `record` already.
    let suffix = format!(" at line {line} column {column}");
    let message = text.strip_suffix(&suffix).unwrap_or(&text).to_owned();
    DatasetError {
        record: format!("line {line}, column {column}"),
        field: String::new(),
        message,
    }
}
