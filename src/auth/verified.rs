//! Tokens whose signature was verified a moment ago. A client sends the same
//! token on every call until it expires; checking its signature again each
//! time costs microseconds (HS256) to tens of microseconds (RS256) for
//! nothing. Time claims are checked again on every use, so a cached token
//! still expires on time; the hold bounds how long a token signed by a key
//! since removed from the JWKS (a restart reloads it) keeps working.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use quick_cache::sync::Cache;

use super::jwt::Claims;

/// How long a verified token is trusted without checking its signature.
const HOLD: Duration = Duration::from_secs(60);
/// Distinct tokens remembered (callers active within [`HOLD`]).
const CAPACITY: usize = 10_000;

pub(super) struct VerifiedTokens {
    tokens: Cache<Box<str>, Verified>,
    leeway_secs: i64,
}

#[derive(Clone)]
struct Verified {
    claims: Claims,
    at: Instant,
}

impl VerifiedTokens {
    pub fn new(leeway_secs: u64) -> Self {
        VerifiedTokens {
            tokens: Cache::new(CAPACITY),
            leeway_secs: i64::try_from(leeway_secs).unwrap_or(i64::MAX),
        }
    }

    /// The claims of `token` if it was verified within the hold and its
    /// time claims still hold now.
    pub fn get(&self, token: &str) -> Option<Claims> {
        let v = self.tokens.get(token)?;
        let now = unix_now();
        let in_time = now <= v.claims.exp.saturating_add(self.leeway_secs)
            && v.claims
                .nbf
                .is_none_or(|nbf| nbf <= now.saturating_add(self.leeway_secs));
        (v.at.elapsed() < HOLD && in_time).then_some(v.claims)
    }

    pub fn put(&self, token: &str, claims: &Claims) {
        self.tokens.insert(
            token.into(),
            Verified {
                claims: claims.clone(),
                at: Instant::now(),
            },
        );
    }
}

fn unix_now() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    i64::try_from(secs).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64, nbf: Option<i64>) -> Claims {
        Claims {
            iss: "i".into(),
            aud: "a".into(),
            sub: "s".into(),
            exp,
            nbf,
            iat: 0,
            partner_id: "p".into(),
            app_id: None,
        }
    }

    #[test]
    fn a_cached_token_still_expires_on_time() {
        let tokens = VerifiedTokens::new(30);
        let now = unix_now();
        tokens.put("fresh", &claims(now + 600, None));
        tokens.put("within-leeway", &claims(now - 10, None));
        tokens.put("expired", &claims(now - 31, None));
        tokens.put("not-yet", &claims(now + 600, Some(now + 60)));
        assert!(tokens.get("fresh").is_some());
        assert!(tokens.get("within-leeway").is_some());
        assert!(tokens.get("expired").is_none());
        assert!(tokens.get("not-yet").is_none());
        assert!(tokens.get("never-seen").is_none());
    }
}
