//! Edge validation: request strings into domain ids, naming the field.

use super::error::ApiError;
use crate::domain::ids::{CustomerId, IdError, OfferId, SubscriptionId};

fn describe(e: IdError) -> String {
    match e {
        IdError::Empty => "is required".into(),
        other => other.to_string(),
    }
}

pub fn customer_id(s: &str) -> Result<CustomerId, ApiError> {
    CustomerId::parse(s).map_err(|e| ApiError::invalid("customer_id", describe(e)))
}

pub fn subscription_id(s: &str) -> Result<SubscriptionId, ApiError> {
    SubscriptionId::parse(s).map_err(|e| ApiError::invalid("subscription_id", describe(e)))
}

pub fn offer_id(field: &'static str, s: &str) -> Result<OfferId, ApiError> {
    OfferId::parse(s).map_err(|e| ApiError::invalid(field, describe(e)))
}

pub fn partner_user_id(s: &str) -> Result<crate::domain::ids::PartnerUserId, ApiError> {
    crate::domain::ids::PartnerUserId::parse(s)
        .map_err(|e| ApiError::invalid("user_id", describe(e)))
}
