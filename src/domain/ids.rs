//! Newtypes for identifiers, so a customer id can never be passed where a
//! subscription id is expected, and an unparsed string never reaches storage.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("is empty")]
    Empty,
    #[error("is not a UUID: {0:?}")]
    NotUuid(String),
    #[error(
        "is not a valid offer id (lowercase letters, digits, '-', at most 64 characters): {0:?}"
    )]
    BadOfferId(String),
}

macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn parse(s: &str) -> Result<Self, IdError> {
                if s.is_empty() {
                    return Err(IdError::Empty);
                }
                Uuid::parse_str(s)
                    .map($name)
                    .map_err(|_| IdError::NotUuid(s.to_owned()))
            }

            pub fn new_v4() -> Self {
                $name(Uuid::new_v4())
            }

            /// A new time-ordered id (UUIDv7), for rows the service creates:
            /// successive ids land next to each other in the primary key's
            /// index instead of on a random page of it.
            pub fn new_v7() -> Self {
                $name(Uuid::now_v7())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

uuid_id!(/// A CSP partner tenant.
    PartnerId);
uuid_id!(/// A member of a partner's staff.
    PartnerUserId);
uuid_id!(/// A customer tenant of a partner.
    CustomerId);
uuid_id!(/// A subscription of a customer (through any channel).
    SubscriptionId);
uuid_id!(/// A user account in a customer tenant.
    CustomerUserId);
uuid_id!(/// An upgrade order.
    OrderId);
uuid_id!(/// An entry of a partner's audit log.
    AuditRecordId);

/// A catalog offer id such as `m365-business-basic`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OfferId(String);

impl OfferId {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        if s.is_empty() {
            return Err(IdError::Empty);
        }
        let ok = s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(OfferId(s.to_owned()))
        } else {
            Err(IdError::BadOfferId(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OfferId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        OfferId::parse(&s)
    }
}

impl From<OfferId> for String {
    fn from(id: OfferId) -> String {
        id.0
    }
}

impl fmt::Display for OfferId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_ids_parse_and_reject() {
        assert!(CustomerId::parse("7f8e0f9e-52a4-4a4e-8f43-2a3c4f1d2b11").is_ok());
        assert_eq!(CustomerId::parse(""), Err(IdError::Empty));
        assert!(matches!(
            CustomerId::parse("nope"),
            Err(IdError::NotUuid(_))
        ));
    }

    #[test]
    fn offer_ids_are_slugs() {
        assert!(OfferId::parse("m365-business-basic").is_ok());
        assert!(OfferId::parse("M365").is_err());
        assert!(OfferId::parse("a b").is_err());
        assert!(OfferId::parse(&"a".repeat(65)).is_err());
    }
}
