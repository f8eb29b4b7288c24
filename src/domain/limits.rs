//! The sizes and ranges the service accepts, in one place: the API's edge
//! validation and the dataset import check the same numbers, so nothing can
//! be imported that the API could not serve. `docs/limits.md` lists them.

use chrono::{DateTime, Utc};

/// Characters of a name: a partner's, a customer's, a user's display name.
pub const MAX_NAME_CHARS: usize = 256;
/// Characters of a user principal name (Entra ID allows 113).
pub const MAX_UPN_CHARS: usize = 256;
/// Characters of an app id (the `app_id` claim of a service token).
pub const MAX_APP_ID_CHARS: usize = 128;
/// Bytes of the note of a credit-check decision.
pub const MAX_NOTE_BYTES: usize = 1000;
/// Characters of a page token (the service's own are under 200).
pub const MAX_PAGE_TOKEN_CHARS: usize = 512;
/// Seats of one subscription or order (the largest offer of the catalog
/// sells 1,000,000).
pub const MAX_SEATS: i64 = 1_000_000;
/// Subscriptions of one customer, add-ons included. Eligibility reads the
/// whole customer at once; this is the size measured to answer in time
/// (`docs/limits.md`).
pub const MAX_SUBSCRIPTIONS_PER_CUSTOMER: usize = 10_000;
/// Users of one customer tenant.
pub const MAX_USERS_PER_CUSTOMER: usize = 50_000;
/// Licenses one customer user holds.
pub const MAX_LICENSES_PER_USER: usize = 100;

/// Characters of a client's or a file's value that an error message quotes.
pub const QUOTED_CHARS: usize = 64;

/// 0001-01-01T00:00:00Z: `google.protobuf.Timestamp`'s own range, which
/// Postgres' `timestamptz` and chrono hold, and whose four-digit years keep
/// SQLite's text timestamps in order.
pub const MIN_TIMESTAMP_SECONDS: i64 = -62_135_596_800;
/// 9999-12-31T23:59:59Z (and up to 999,999,999 ns).
pub const MAX_TIMESTAMP_SECONDS: i64 = 253_402_300_799;

/// `"abc"`, or for a long value its first 64 characters and the length:
/// `"abc…" (5000 characters)`. Escaped, so control characters stay visible:
/// an error never carries more than a short prefix of what it refuses.
pub fn quote(value: &str) -> String {
    match value.char_indices().nth(QUOTED_CHARS) {
        None => format!("{value:?}"),
        Some((end, _)) => format!(
            "{:?}… ({} characters)",
            &value[..end],
            value.chars().count()
        ),
    }
}

/// Why a text value is refused, or `None`: longer than `max_chars`, or
/// holding a NUL (Postgres cannot store one in `text`).
pub fn text_problem(value: &str, max_chars: usize) -> Option<String> {
    if value.contains('\0') {
        return Some("must not contain a NUL character".into());
    }
    // Bytes bound characters from above: most values need no count.
    if value.len() > max_chars && value.chars().count() > max_chars {
        return Some(format!(
            "must be at most {max_chars} characters (is {})",
            value.chars().count()
        ));
    }
    None
}

/// A timestamp from seconds and nanoseconds, inside the supported range.
pub fn instant(seconds: i64, nanos: i32) -> Result<DateTime<Utc>, String> {
    if !(MIN_TIMESTAMP_SECONDS..=MAX_TIMESTAMP_SECONDS).contains(&seconds) {
        return Err(format!(
            "seconds must be between {MIN_TIMESTAMP_SECONDS} (0001-01-01T00:00:00Z) and \
             {MAX_TIMESTAMP_SECONDS} (9999-12-31T23:59:59Z), is {seconds}"
        ));
    }
    let nanos = u32::try_from(nanos)
        .ok()
        .filter(|n| *n < 1_000_000_000)
        .ok_or_else(|| format!("nanos must be between 0 and 999999999, is {nanos}"))?;
    DateTime::from_timestamp(seconds, nanos).ok_or_else(|| "is not a valid timestamp".into())
}

/// Whether a time is inside the supported range.
pub fn in_range(t: &DateTime<Utc>) -> bool {
    (MIN_TIMESTAMP_SECONDS..=MAX_TIMESTAMP_SECONDS).contains(&t.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_short_whatever_the_input() {
        assert_eq!(quote("abc"), "\"abc\"");
        let long = quote(&"x".repeat(5000));
        assert_eq!(long, format!("{:?}… (5000 characters)", "x".repeat(64)));
        let wide = quote(&"é".repeat(1_000_000));
        assert!(wide.len() < 200, "{wide}");
    }

    #[test]
    fn text_is_bounded_and_nul_free() {
        assert_eq!(text_problem("Contoso", MAX_NAME_CHARS), None);
        assert_eq!(
            text_problem(&"é".repeat(256), 256),
            None,
            "characters, not bytes"
        );
        let long = text_problem(&"x".repeat(257), 256).unwrap();
        assert!(long.contains("at most 256 characters (is 257)"), "{long}");
        let nul = text_problem("a\0b", 256).unwrap();
        assert!(nul.contains("NUL"), "{nul}");
    }

    #[test]
    fn instants_are_those_of_protobuf_timestamps() {
        let min = instant(MIN_TIMESTAMP_SECONDS, 0).unwrap();
        assert_eq!(min.to_rfc3339(), "0001-01-01T00:00:00+00:00");
        let max = instant(MAX_TIMESTAMP_SECONDS, 999_999_999).unwrap();
        assert!(
            max.to_rfc3339()
                .starts_with("9999-12-31T23:59:59.999999999")
        );
        for (seconds, nanos) in [
            (-(1_i64 << 40), 0),
            (MIN_TIMESTAMP_SECONDS - 1, 0),
            (MAX_TIMESTAMP_SECONDS + 1, 0),
            (i64::MAX, 0),
            (0, -1),
            (0, 1_000_000_000),
        ] {
            assert!(instant(seconds, nanos).is_err(), "{seconds} {nanos}");
        }
        assert!(in_range(&min) && in_range(&max));
    }
}
