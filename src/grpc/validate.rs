//! Edge validation: request values into domain values, naming the field and
//! the limit (`crate::domain::limits`, listed in `docs/limits.md`). Nothing
//! reaches storage that either backend could refuse, and an error quotes at
//! most a short prefix of what the client sent.

use chrono::{DateTime, Utc};

use super::error::ApiError;
use crate::domain::ids::{CustomerId, IdError, OfferId, OrderId, PartnerUserId, SubscriptionId};
use crate::domain::limits::{self, quote};
use crate::domain::text::Text;
use crate::storage::PageRequest;

/// A bad id, in English for `BadRequest` and in the caller's language for
/// the `LocalizedMessage` (SPEC §12); only `BadRequest` quotes the value, to
/// keep the trailers short.
fn bad_id(field: &'static str, e: IdError) -> ApiError {
    let (description, text) = match e {
        IdError::Empty => ("is required".to_owned(), Text::new("error-id-required")),
        IdError::NotUuid(s) => (
            format!("is not a UUID: {}", quote(&s)),
            Text::new("error-id-not-uuid"),
        ),
        IdError::BadOfferId(s) => (
            format!(
                "is not a valid offer id (lowercase letters, digits, '-', at most 64 characters): {}",
                quote(&s)
            ),
            Text::new("error-offer-id-invalid"),
        ),
    };
    ApiError::invalid(field, description).with_text(text.arg("field", field))
}

pub fn customer_id(s: &str) -> Result<CustomerId, ApiError> {
    CustomerId::parse(s).map_err(|e| bad_id("customer_id", e))
}

pub fn subscription_id(s: &str) -> Result<SubscriptionId, ApiError> {
    SubscriptionId::parse(s).map_err(|e| bad_id("subscription_id", e))
}

pub fn offer_id(field: &'static str, s: &str) -> Result<OfferId, ApiError> {
    OfferId::parse(s).map_err(|e| bad_id(field, e))
}

pub fn order_id(s: &str) -> Result<OrderId, ApiError> {
    OrderId::parse(s).map_err(|e| bad_id("order_id", e))
}

pub fn partner_user_id(s: &str) -> Result<PartnerUserId, ApiError> {
    PartnerUserId::parse(s).map_err(|e| bad_id("user_id", e))
}

/// Seats of an order: at least 1, at most [`limits::MAX_SEATS`] (an offer's
/// own maximum is the domain's to check, with its reason).
pub fn quantity(value: i64) -> Result<i64, ApiError> {
    if value < 1 {
        return Err(ApiError::invalid("quantity", "must be at least 1")
            .with_text(Text::new("error-quantity-too-small")));
    }
    if value > limits::MAX_SEATS {
        return Err(ApiError::invalid(
            "quantity",
            format!("must be at most {} seats", limits::MAX_SEATS),
        )
        .with_text(Text::new("error-quantity-too-large").arg("max", limits::MAX_SEATS)));
    }
    Ok(value)
}

/// Free text: at most `max_bytes` bytes and no NUL.
pub fn text(field: &'static str, value: &str, max_bytes: usize) -> Result<(), ApiError> {
    if value.len() > max_bytes {
        return Err(ApiError::invalid(
            field,
            format!("must be at most {max_bytes} bytes (is {})", value.len()),
        ));
    }
    match limits::text_problem(value, max_bytes) {
        Some(problem) => Err(ApiError::invalid(field, problem)),
        None => Ok(()),
    }
}

/// A timestamp inside what both backends store (years 1 to 9999).
pub fn timestamp(
    field: &'static str,
    t: Option<prost_types::Timestamp>,
) -> Result<Option<DateTime<Utc>>, ApiError> {
    t.map(|t| limits::instant(t.seconds, t.nanos).map_err(|e| ApiError::invalid(field, e)))
        .transpose()
}

/// `page_size` and `page_token`: the size clamped, the token bounded and
/// decoded. A forged token (they are only base64) may hold anything, so its
/// keys are held to what a real one can contain before they reach a query.
pub fn page(page_size: u32, page_token: &str) -> Result<PageRequest, ApiError> {
    if page_token.len() > limits::MAX_PAGE_TOKEN_CHARS {
        return Err(bad_page_token());
    }
    let page = PageRequest::new(page_size, page_token)?;
    if let Some((a, b)) = &page.after
        && [a, b]
            .iter()
            .any(|key| limits::text_problem(key, limits::MAX_UPN_CHARS).is_some())
    {
        return Err(bad_page_token());
    }
    Ok(page)
}

fn bad_page_token() -> ApiError {
    ApiError::invalid(
        "page_token",
        "not a page token issued by this service for this list",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_quoted_short() {
        let e = customer_id(&"y".repeat(1_000_000)).unwrap_err();
        assert!(e.to_string().len() < 200, "{e}");
    }

    #[test]
    fn quantities_are_between_one_and_the_seat_limit() {
        assert!(quantity(1).is_ok());
        assert!(quantity(limits::MAX_SEATS).is_ok());
        for bad in [0, -1, limits::MAX_SEATS + 1, i64::MAX, i64::MIN] {
            assert!(quantity(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn text_refuses_nul_and_length() {
        assert!(text("note", "fine", 10).is_ok());
        assert!(text("note", "a\0b", 10).is_err());
        assert!(text("note", &"x".repeat(11), 10).is_err());
    }

    #[test]
    fn forged_page_tokens_are_refused() {
        use base64::Engine as _;
        let forge = |keys: &[&str]| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(serde_json::to_vec(keys).unwrap())
        };
        assert!(page(10, &forge(&["v1", "a@b.example", "x"])).is_ok());
        assert!(page(10, &forge(&["v1", "a\0b", "x"])).is_err());
        assert!(page(10, &forge(&["v1", &"a".repeat(300), "x"])).is_err());
        assert!(page(10, &"A".repeat(600)).is_err());
    }
}
