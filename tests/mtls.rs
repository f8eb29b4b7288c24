//! Optional (mutual) TLS for in-cluster calls, with certificates made here:
//! a client whose certificate chains to the configured client CA gets in;
//! one without a certificate, one with a certificate of another CA, and a
//! plaintext client do not. Runs on SQLite, or on Postgres with
//! TEST_DATABASE_URL.

mod common;

use common::server::*;
use csp_upgrades::grpc::pb;
use csp_upgrades::server::Tls;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

fn authority(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

/// A certificate and its key, in PEM, signed by `ca`.
fn leaf(
    ca: &CertifiedIssuer<'static, KeyPair>,
    name: &str,
    usage: ExtendedKeyUsagePurpose,
) -> (String, String) {
    let mut params = CertificateParams::new(vec![name.to_owned()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.extended_key_usages = vec![usage];
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, ca).unwrap();
    (cert.pem(), key.serialize_pem())
}

struct Pki {
    ca: CertifiedIssuer<'static, KeyPair>,
    server_tls: Tls,
}

fn pki(require_client_certificates: bool) -> Pki {
    let ca = authority("csp-upgrades test CA");
    let (cert, key) = leaf(&ca, "localhost", ExtendedKeyUsagePurpose::ServerAuth);
    let server_tls = Tls {
        cert_pem: cert.into_bytes(),
        key_pem: key.into_bytes(),
        client_ca_pem: require_client_certificates.then(|| ca.pem().into_bytes()),
    };
    Pki { ca, server_tls }
}

/// Trusts `ca` for the server and presents `identity`, if any.
fn client(
    ca: &CertifiedIssuer<'static, KeyPair>,
    identity: Option<(String, String)>,
) -> ClientTlsConfig {
    let config = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(ca.pem()))
        .domain_name("localhost");
    match identity {
        Some((cert, key)) => config.identity(Identity::from_pem(cert, key)),
        None => config,
    }
}

async fn health(channel: Channel) -> Result<(), tonic::Status> {
    HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .map(|_| ())
}

fn tls_channel(server: &TestServer, config: ClientTlsConfig) -> Channel {
    Channel::from_shared(format!("https://{}", server.addr))
        .unwrap()
        .tls_config(config)
        .unwrap()
        .connect_lazy()
}

#[tokio::test]
async fn mutual_tls_lets_in_only_clients_with_a_certificate_of_the_client_ca() {
    let Pki { ca, server_tls } = pki(true);
    let bot = leaf(
        &ca,
        "reseller-bot.csp.svc",
        ExtendedKeyUsagePurpose::ClientAuth,
    );
    // The harness's own channel presents the client certificate.
    let server = TestServer::start_with_tls(server_tls, client(&ca, Some(bot))).await;

    let token = server.token(GLOBAL_ADMIN).await;
    let me = server
        .roles(Some(token))
        .get_caller(pb::GetCallerRequest {})
        .await
        .expect("a client with a certificate of the client CA gets in")
        .into_inner();
    assert_eq!(me.user_principal_name, GLOBAL_ADMIN);

    let anonymous = tls_channel(&server, client(&ca, None));
    let refused = health(anonymous).await.unwrap_err();
    // The server's TLS alert says why (rustls' wording).
    assert!(
        format!("{refused:?}").contains("CertificateRequired"),
        "{refused:?}"
    );

    let rogue_ca = authority("someone else's CA");
    let rogue = leaf(&rogue_ca, "intruder", ExtendedKeyUsagePurpose::ClientAuth);
    let rogue = tls_channel(&server, client(&ca, Some(rogue)));
    let refused = health(rogue).await.unwrap_err();
    assert!(format!("{refused:?}").contains("UnknownCA"), "{refused:?}");

    let plaintext = Channel::from_shared(format!("http://{}", server.addr))
        .unwrap()
        .connect_lazy();
    assert!(health(plaintext).await.is_err(), "plaintext");
}

#[tokio::test]
async fn tls_without_a_client_ca_needs_no_client_certificate() {
    let Pki { ca, server_tls } = pki(false);
    let server = TestServer::start_with_tls(server_tls, client(&ca, None)).await;
    assert!(health(server.channel.clone()).await.is_ok());
    let plaintext = Channel::from_shared(format!("http://{}", server.addr))
        .unwrap()
        .connect_lazy();
    assert!(health(plaintext).await.is_err(), "plaintext");
}
