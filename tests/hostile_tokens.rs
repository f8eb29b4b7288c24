//! Hostile bearer tokens, each UNAUTHENTICATED on every RPC of every
//! `csp.v1` service, against a server in production (JWKS, RS256) mode: no
//! token, garbage, expired, not yet valid, wrong issuer, wrong audience,
//! `alg: none`, HS256 signed with the RS256 public key as the secret, an
//! unknown key id, a partner that does not exist, a removed user, a user
//! claimed for another partner. A valid RS256 token works. Runs on SQLite,
//! or on Postgres with TEST_DATABASE_URL.

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::dynamic::{self, Fill};
use common::server::*;
use csp_upgrades::auth::jwt::{Claims, TokenVerifier};
use csp_upgrades::grpc::pb;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use tonic::Code;
use tonic_types::StatusExt;

const KID: &str = "test-key-1";
const CONTOSO: &str = "10000000-0000-4000-8000-000000000001";
const FABRIKAM: &str = "10000000-0000-4000-8000-000000000002";
const GA_ID: &str = "20000000-0000-4000-8000-000000000101";
const NO_ROLE_ID: &str = "20000000-0000-4000-8000-000000000107";

/// An RSA key made for this run, with its JWKS and PEM forms.
struct Keys {
    private_pem: String,
    public_pem: String,
    jwks: String,
}

fn rsa_keys() -> Keys {
    let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("RSA key");
    let b64 = |b: rsa::BigUint| URL_SAFE_NO_PAD.encode(b.to_bytes_be());
    let jwks = serde_json::json!({"keys": [{
        "kty": "RSA", "kid": KID, "alg": "RS256", "use": "sig",
        "n": b64(key.n().clone()), "e": b64(key.e().clone()),
    }]});
    Keys {
        private_pem: key.to_pkcs1_pem(LineEnding::LF).unwrap().to_string(),
        public_pem: key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap(),
        jwks: jwks.to_string(),
    }
}

fn rs256(keys: &Keys, claims: &Claims, kid: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    let key = EncodingKey::from_rsa_pem(keys.private_pem.as_bytes()).unwrap();
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

fn unsigned(claims: &Claims) -> String {
    let part = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.",
        part(serde_json::json!({"alg": "none", "typ": "JWT"})),
        part(serde_json::to_value(claims).unwrap())
    )
}

async fn remove_user(url: &str, id: &str) {
    let id = uuid::Uuid::parse_str(id).unwrap();
    let sql = "DELETE FROM partner_users WHERE id = $1";
    let deleted = if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query(sql).bind(id).execute(&pool).await.unwrap()
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let done = sqlx::query(sql).bind(id).execute(&pool).await.unwrap();
        return assert_eq!(done.rows_affected(), 1);
    };
    assert_eq!(deleted.rows_affected(), 1);
}

#[tokio::test]
async fn hostile_tokens_are_unauthenticated_on_every_rpc() {
    let keys = rsa_keys();
    let verifier = TokenVerifier::from_jwks_json(&keys.jwks, ISSUER, AUDIENCE).unwrap();
    let server = TestServer::start_with_verifier(verifier).await;
    let now = chrono::Utc::now().timestamp();
    let claims = |sub: &str, partner: &str| server.claims(sub, partner);
    let good = rs256(&keys, &claims(GA_ID, CONTOSO), KID);

    // The valid token works, and so does the one of the user removed below
    // (until then).
    let me = server
        .roles(Some(good.clone()))
        .get_caller(pb::GetCallerRequest {})
        .await
        .expect("a valid RS256 token from the JWKS works")
        .into_inner();
    assert_eq!(me.user_id, GA_ID);
    let removed = rs256(&keys, &claims(NO_ROLE_ID, CONTOSO), KID);
    assert!(
        server
            .roles(Some(removed.clone()))
            .get_caller(pb::GetCallerRequest {})
            .await
            .is_ok()
    );
    remove_user(&server.url, NO_ROLE_ID).await;
    // Deleted by hand in the database, not through the API: the role cache
    // hears it from Postgres's notification, or (the embedded database has
    // no other writers to hear) when the entry's time-to-live, 1 s by
    // default, runs out. Either way the token stops working within the bound.
    let refused_within = std::time::Instant::now();
    loop {
        let answer = server
            .roles(Some(removed.clone()))
            .get_caller(pb::GetCallerRequest {})
            .await;
        match answer {
            Err(s) if s.code() == Code::Unauthenticated => break,
            Ok(_) if refused_within.elapsed() < std::time::Duration::from_secs(3) => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            other => panic!("the removed user still answers: {other:?}"),
        }
    }

    let mut hostile: Vec<(&str, Option<String>)> = vec![
        ("no token", None),
        ("garbage", Some("not-a-token".into())),
        ("three garbage parts", Some("aaa.bbb.ccc".into())),
    ];
    let mut c = claims(GA_ID, CONTOSO);
    c.exp = now - 3600;
    hostile.push(("expired", Some(rs256(&keys, &c, KID))));
    let mut c = claims(GA_ID, CONTOSO);
    c.nbf = Some(now + 3600);
    hostile.push(("not yet valid", Some(rs256(&keys, &c, KID))));
    let mut c = claims(GA_ID, CONTOSO);
    c.iss = "https://evil.example/".into();
    hostile.push(("wrong issuer", Some(rs256(&keys, &c, KID))));
    let mut c = claims(GA_ID, CONTOSO);
    c.aud = "another-service".into();
    hostile.push(("wrong audience", Some(rs256(&keys, &c, KID))));
    hostile.push(("alg none", Some(unsigned(&claims(GA_ID, CONTOSO)))));
    // The classic key confusion: the public key's PEM as an HMAC secret.
    let confused = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(GA_ID, CONTOSO),
        &EncodingKey::from_secret(keys.public_pem.as_bytes()),
    )
    .unwrap();
    hostile.push(("HS256 keyed with the RS256 public key", Some(confused)));
    // A second key of this run, whose public half the server never saw.
    let other_key = rsa_keys();
    hostile.push((
        "signed by a key not in the JWKS",
        Some(rs256(&other_key, &claims(GA_ID, CONTOSO), KID)),
    ));
    hostile.push((
        "unknown key id",
        Some(rs256(&keys, &claims(GA_ID, CONTOSO), "no-such-kid")),
    ));
    let nowhere = uuid::Uuid::new_v4().to_string();
    hostile.push((
        "partner that does not exist",
        Some(rs256(&keys, &claims(GA_ID, &nowhere), KID)),
    ));
    let mut app = claims("bot", &nowhere);
    app.app_id = Some("bot".into());
    hostile.push((
        "app of a partner that does not exist",
        Some(rs256(&keys, &app, KID)),
    ));
    hostile.push(("removed user", Some(removed)));
    hostile.push((
        "user claimed for another partner",
        Some(rs256(&keys, &claims(GA_ID, FABRIKAM), KID)),
    ));
    hostile.push((
        "sub not a user id",
        Some(rs256(&keys, &claims("admin", CONTOSO), KID)),
    ));

    let fill = Fill {
        customer_id: "30000000-0000-4000-8000-000000000001".into(),
        subscription_id: "40000000-0000-4000-8000-000000000101".into(),
        user_id: GA_ID.into(),
        order_id: "60000000-0000-4000-8000-000000000003".into(),
        target_offer_id: "o365-e3".into(),
        role: "PARTNER_ROLE_SALES_AGENT",
    };
    let mut failures = Vec::new();
    for method in dynamic::methods() {
        let rpc = dynamic::full_name(&method);
        for (case, token) in &hostile {
            let request = dynamic::request(&method, &fill);
            let answer = dynamic::call(&server.channel, token.as_deref(), &method, request).await;
            match &answer.status {
                Err(s)
                    if s.code() == Code::Unauthenticated
                        && s.get_details_error_info().map(|i| i.reason)
                            == Some("UNAUTHENTICATED".into()) => {}
                other => failures.push(format!("{rpc} with {case}: {other:?}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The valid token still works after all that.
    let customers = server
        .customers(Some(good))
        .list_customers(pb::ListCustomersRequest::default())
        .await
        .unwrap()
        .into_inner()
        .customers;
    assert!(!customers.is_empty());
}
