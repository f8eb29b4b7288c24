//! Bearer token verification with `jsonwebtoken`.
//!
//! Production: RS256 / ES256 tokens checked against a JWKS file, with issuer
//! and audience. Development: one HS256 key generated into the data
//! directory, which `csp-upgrades token` signs with. A verifier holds exactly
//! one of the two, so the dev key is never accepted when a JWKS is configured.

use std::path::Path;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::verified::VerifiedTokens;

/// The claims a token carries. Roles are not in the token: they are read on
/// every call (through the role cache a revoke empties), so a revoke takes
/// effect at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The partner user id (a UUID), or the app id for an app token.
    pub sub: String,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    pub iat: i64,
    /// The partner tenant the caller acts for.
    pub partner_id: String,
    /// Set on service-to-service tokens: the caller is an app, not a user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum JwtError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("JWKS file {path} is not a valid JWK set: {reason}")]
    BadJwks { path: String, reason: String },
    #[error("the dev signing key is disabled because a JWKS is configured")]
    NoDevKey,
    #[error("cannot sign token: {0}")]
    Sign(#[from] jsonwebtoken::errors::Error),
}

enum Keys {
    /// HS256 development key.
    Dev {
        decoding: DecodingKey,
        encoding: EncodingKey,
    },
    /// Asymmetric keys from a JWKS, by `kid` (`None` when the JWK has no kid).
    Jwks(Vec<(Option<String>, Algorithm, DecodingKey)>),
}

/// Verifies bearer tokens; built once at start-up.
pub struct TokenVerifier {
    keys: Keys,
    issuer: String,
    audience: String,
    verified: VerifiedTokens,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mode = match self.keys {
            Keys::Dev { .. } => "dev-hs256",
            Keys::Jwks(_) => "jwks",
        };
        f.debug_struct("TokenVerifier")
            .field("mode", &mode)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish()
    }
}

/// Allowed clock skew between the token issuer and this server.
const LEEWAY_SECS: u64 = 30;

impl TokenVerifier {
    pub fn dev(secret: &[u8], issuer: &str, audience: &str) -> Self {
        TokenVerifier {
            keys: Keys::Dev {
                decoding: DecodingKey::from_secret(secret),
                encoding: EncodingKey::from_secret(secret),
            },
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            verified: VerifiedTokens::new(LEEWAY_SECS),
        }
    }

    /// Loads a JWKS file; only RSA (RS256) and EC P-256 (ES256) keys are used.
    pub fn from_jwks_file(path: &Path, issuer: &str, audience: &str) -> Result<Self, JwtError> {
        let text = std::fs::read_to_string(path).map_err(|source| JwtError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_jwks_json(&text, issuer, audience).map_err(|reason| JwtError::BadJwks {
            path: path.display().to_string(),
            reason,
        })
    }

    pub fn from_jwks_json(json: &str, issuer: &str, audience: &str) -> Result<Self, String> {
        let set: JwkSet = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let mut keys = Vec::new();
        for jwk in &set.keys {
            let alg = match &jwk.algorithm {
                jsonwebtoken::jwk::AlgorithmParameters::RSA(_) => Algorithm::RS256,
                jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(_) => Algorithm::ES256,
                _ => continue,
            };
            let key = DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
            keys.push((jwk.common.key_id.clone(), alg, key));
        }
        if keys.is_empty() {
            return Err("no RSA or EC key in the set".into());
        }
        Ok(TokenVerifier {
            keys: Keys::Jwks(keys),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            verified: VerifiedTokens::new(LEEWAY_SECS),
        })
    }

    /// Checks signature, algorithm, expiry, not-before, issuer and audience
    /// (the signature of a token seen in the last minute is not checked again:
    /// [`VerifiedTokens`]). The error is a short reason safe to send to the
    /// client.
    pub fn verify(&self, token: &str) -> Result<Claims, &'static str> {
        if let Some(claims) = self.verified.get(token) {
            return Ok(claims);
        }
        let claims = self.verify_signed(token)?;
        self.verified.put(token, &claims);
        Ok(claims)
    }

    fn verify_signed(&self, token: &str) -> Result<Claims, &'static str> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| "malformed token")?;
        let (alg, key) = match &self.keys {
            Keys::Dev { decoding, .. } => (Algorithm::HS256, decoding),
            Keys::Jwks(keys) => keys
                .iter()
                .find(|(kid, alg, _)| {
                    *alg == header.alg && (header.kid.is_none() || header.kid == *kid)
                })
                .map(|(_, alg, key)| (*alg, key))
                .ok_or("token signed with an unknown key or algorithm")?,
        };
        if header.alg != alg {
            return Err("token signed with an unsupported algorithm");
        }
        let mut validation = Validation::new(alg);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map(|data| data.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind::*;
                match e.kind() {
                    ExpiredSignature => "token expired",
                    ImmatureSignature => "token not yet valid",
                    InvalidIssuer => "token has the wrong issuer",
                    InvalidAudience => "token has the wrong audience",
                    InvalidSignature => "token signature does not verify",
                    _ => "invalid token",
                }
            })
    }

    /// Signs claims with the dev key (`csp-upgrades token`, tests).
    pub fn mint_dev(&self, claims: &Claims) -> Result<String, JwtError> {
        match &self.keys {
            Keys::Dev { encoding, .. } => Ok(jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                claims,
                encoding,
            )?),
            Keys::Jwks(_) => Err(JwtError::NoDevKey),
        }
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn audience(&self) -> &str {
        &self.audience
    }
}

/// Reads the dev key from `dir/dev-jwt.key`, creating a random one on first
/// run (readable by the owner only).
pub fn load_or_create_dev_key(dir: &Path) -> std::io::Result<Vec<u8>> {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;

    let path = dir.join("dev-jwt.key");
    match std::fs::read_to_string(&path) {
        Ok(text) => STANDARD
            .decode(text.trim())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir)?;
            let key: [u8; 32] = rand::random();
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            match opts.open(&path) {
                Ok(mut f) => {
                    std::io::Write::write_all(&mut f, STANDARD.encode(key).as_bytes())?;
                    Ok(key.to_vec())
                }
                // Another process created it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    load_or_create_dev_key(dir)
                }
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(now: i64) -> Claims {
        Claims {
            iss: "iss".into(),
            aud: "aud".into(),
            sub: "s".into(),
            exp: now + 600,
            nbf: None,
            iat: now,
            partner_id: "p".into(),
            app_id: None,
        }
    }

    fn now() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    #[test]
    fn dev_tokens_round_trip_and_are_checked() {
        let v = TokenVerifier::dev(b"k1", "iss", "aud");
        let t = v.mint_dev(&claims(now())).unwrap();
        assert_eq!(v.verify(&t).unwrap().sub, "s");

        let other = TokenVerifier::dev(b"k2", "iss", "aud");
        assert_eq!(other.verify(&t), Err("token signature does not verify"));

        let mut c = claims(now());
        c.exp = now() - 3600;
        assert_eq!(v.verify(&v.mint_dev(&c).unwrap()), Err("token expired"));
        let mut c = claims(now());
        c.nbf = Some(now() + 3600);
        assert_eq!(
            v.verify(&v.mint_dev(&c).unwrap()),
            Err("token not yet valid")
        );
        let mut c = claims(now());
        c.iss = "evil".into();
        assert_eq!(
            v.verify(&v.mint_dev(&c).unwrap()),
            Err("token has the wrong issuer")
        );
        let mut c = claims(now());
        c.aud = "other".into();
        assert_eq!(
            v.verify(&v.mint_dev(&c).unwrap()),
            Err("token has the wrong audience")
        );
        assert_eq!(v.verify("garbage"), Err("malformed token"));
    }

    #[test]
    fn dev_key_is_created_once() {
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_create_dev_key(dir.path()).unwrap();
        let b = load_or_create_dev_key(dir.path()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 32);
    }
}
