//! Starts the real server on 127.0.0.1:0 against a fresh database (SQLite, or
//! Postgres when TEST_DATABASE_URL is set) and hands out generated clients
//! that carry a bearer token.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the harness"
)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use csp_upgrades::auth::jwt::{Claims, TokenVerifier};
use csp_upgrades::clock::{Clock, SystemClock};
use csp_upgrades::domain::catalog::Catalog;
use csp_upgrades::grpc::pb;
use csp_upgrades::server::{self, Database};
use csp_upgrades::state::{AppState, Options};
use tokio::sync::oneshot;
use tonic::metadata::MetadataValue;
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, ClientTlsConfig};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use super::db::{self, TestDb};

pub const ISSUER: &str = "test-issuer";
pub const AUDIENCE: &str = "test-audience";
pub const KEY: &[u8] = b"integration-test-signing-key";

/// Demo partner A ("Contoso CSP") and B ("Fabrikam Partners") users.
pub const GLOBAL_ADMIN: &str = "ga@contoso-csp.example";
pub const USER_MANAGEMENT_ADMIN: &str = "uma@contoso-csp.example";
pub const ADMIN_AGENT: &str = "agent@contoso-csp.example";
pub const SALES_AGENT: &str = "sales@contoso-csp.example";
pub const HELPDESK_AGENT: &str = "helpdesk@contoso-csp.example";
pub const BILLING_ADMIN: &str = "billing@contoso-csp.example";
pub const NO_ROLE: &str = "norole@contoso-csp.example";
pub const B_GLOBAL_ADMIN: &str = "ga@fabrikam-partners.example";

pub struct TestServer {
    pub addr: SocketAddr,
    pub channel: Channel,
    pub state: AppState,
    pub verifier: Arc<TokenVerifier>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    /// Keeps the test database alive as long as the server.
    pub db: Option<TestDb>,
    pub url: String,
}

/// Adds `authorization: Bearer <token>` to every call.
#[derive(Clone)]
pub struct Bearer(pub Option<String>);

impl Interceptor for Bearer {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(token) = &self.0 {
            let value = MetadataValue::try_from(format!("Bearer {token}"))
                .map_err(|_| tonic::Status::internal("bad token text"))?;
            req.metadata_mut().insert("authorization", value);
        }
        Ok(req)
    }
}

pub type Authed = InterceptedService<Channel, Bearer>;

impl TestServer {
    /// A server on a fresh database with the demo dataset, ready to serve.
    pub async fn start() -> Self {
        Self::start_with(db::fresh().await, true, Arc::new(SystemClock)).await
    }

    pub async fn start_with(db: TestDb, load_demo: bool, clock: Arc<dyn Clock>) -> Self {
        let url = db.url.clone();
        let server = Self::spawn(url, Some(db), load_demo, clock).await;
        server.wait_serving().await;
        server
    }

    /// Starts without waiting for the database.
    pub async fn spawn(
        url: String,
        db: Option<TestDb>,
        load_demo: bool,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let verifier = TokenVerifier::dev(KEY, ISSUER, AUDIENCE);
        Self::spawn_custom(url, db, load_demo, clock, verifier, None).await
    }

    /// A server with the demo dataset whose tokens are checked by `verifier`
    /// (say a JWKS one) instead of the harness's dev key.
    pub async fn start_with_verifier(verifier: TokenVerifier) -> Self {
        let db = db::fresh().await;
        let url = db.url.clone();
        let server =
            Self::spawn_custom(url, Some(db), true, Arc::new(SystemClock), verifier, None).await;
        server.wait_serving().await;
        server
    }

    /// A server with the demo dataset behind TLS; the harness's channel
    /// connects to 127.0.0.1 with `client` (which names the server, e.g.
    /// `.domain_name("localhost")`).
    pub async fn start_with_tls(tls: server::Tls, client: ClientTlsConfig) -> Self {
        let db = db::fresh().await;
        let url = db.url.clone();
        let verifier = TokenVerifier::dev(KEY, ISSUER, AUDIENCE);
        let clock = Arc::new(SystemClock);
        let server =
            Self::spawn_custom(url, Some(db), true, clock, verifier, Some((tls, client))).await;
        server.wait_serving().await;
        server
    }

    async fn spawn_custom(
        url: String,
        db: Option<TestDb>,
        load_demo: bool,
        clock: Arc<dyn Clock>,
        verifier: TokenVerifier,
        tls: Option<(server::Tls, ClientTlsConfig)>,
    ) -> Self {
        Self::spawn_state(url, db, load_demo, clock, verifier, tls, Options::default()).await
    }

    /// A server on `db` with the demo dataset, the given clock and options
    /// (say a scheduled-upgrade runner, or other credit check thresholds).
    pub async fn start_with_options(db: TestDb, clock: Arc<dyn Clock>, options: Options) -> Self {
        let url = db.url.clone();
        let verifier = TokenVerifier::dev(KEY, ISSUER, AUDIENCE);
        let server = Self::spawn_state(url, Some(db), true, clock, verifier, None, options).await;
        server.wait_serving().await;
        server
    }

    /// A second server on this one's database (another replica), with its
    /// own options; it shares the harness's dev key.
    pub async fn replica(&self, options: Options) -> Self {
        self.replica_at(self.url.clone(), options).await
    }

    /// A second server on this one's database, reached at `url` (say,
    /// through a proxy).
    pub async fn replica_at(&self, url: String, options: Options) -> Self {
        let verifier = TokenVerifier::dev(KEY, ISSUER, AUDIENCE);
        let clock = Arc::new(SystemClock);
        let server = Self::spawn_state(url, None, false, clock, verifier, None, options).await;
        server.wait_serving().await;
        server
    }

    async fn spawn_state(
        url: String,
        db: Option<TestDb>,
        load_demo: bool,
        clock: Arc<dyn Clock>,
        verifier: TokenVerifier,
        tls: Option<(server::Tls, ClientTlsConfig)>,
        options: Options,
    ) -> Self {
        let catalog = Arc::new(Catalog::builtin().expect("builtin catalog"));
        let state = AppState::with_options(catalog, verifier, clock, options);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let database = Database {
            url: url.clone(),
            load_demo,
        };
        let (server_tls, client_tls) = tls.unzip();
        let task = tokio::spawn(server::run_with_tls(
            listener,
            state.clone(),
            database,
            server_tls,
            async {
                let _ = rx.await;
            },
        ));
        let channel = match client_tls {
            None => Channel::from_shared(format!("http://{addr}"))
                .unwrap()
                .connect_lazy(),
            Some(client) => Channel::from_shared(format!("https://{addr}"))
                .unwrap()
                .tls_config(client)
                .unwrap()
                .connect_lazy(),
        };
        TestServer {
            addr,
            channel,
            state,
            verifier: Arc::new(TokenVerifier::dev(KEY, ISSUER, AUDIENCE)),
            shutdown: Some(tx),
            task: Some(task),
            db,
            url,
        }
    }

    pub async fn health(&self, service: &str) -> Option<ServingStatus> {
        let mut client = HealthClient::new(self.channel.clone());
        let reply = client
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .ok()?;
        ServingStatus::try_from(reply.into_inner().status).ok()
    }

    /// Polls health until SERVING (bounded: fails the test after 30 s).
    pub async fn wait_serving(&self) {
        tokio::time::timeout(Duration::from_secs(30), async {
            while self.health("").await != Some(ServingStatus::Serving) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("server did not become SERVING within 30 s");
    }

    pub fn claims(&self, sub: &str, partner_id: &str) -> Claims {
        let now = chrono::Utc::now().timestamp();
        Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: sub.into(),
            exp: now + 600,
            nbf: None,
            iat: now,
            partner_id: partner_id.into(),
            app_id: None,
        }
    }

    pub fn sign(&self, claims: &Claims) -> String {
        self.verifier.mint_dev(claims).unwrap()
    }

    /// A token for a demo partner user, by UPN.
    pub async fn token(&self, upn: &str) -> String {
        let user = self
            .state
            .store()
            .unwrap()
            .partner_user_by_upn(upn)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no demo user {upn}"));
        self.sign(&self.claims(&user.id.to_string(), &user.partner_id.to_string()))
    }

    /// An app (service-to-service) token for a partner.
    pub fn app_token(&self, app_id: &str, partner_id: &str) -> String {
        let mut claims = self.claims(app_id, partner_id);
        claims.app_id = Some(app_id.into());
        self.sign(&claims)
    }

    pub fn intercepted(&self, token: Option<String>) -> Authed {
        InterceptedService::new(self.channel.clone(), Bearer(token))
    }

    pub fn customers(
        &self,
        token: Option<String>,
    ) -> pb::customer_service_client::CustomerServiceClient<Authed> {
        pb::customer_service_client::CustomerServiceClient::new(self.intercepted(token))
    }

    pub fn offers(
        &self,
        token: Option<String>,
    ) -> pb::offer_service_client::OfferServiceClient<Authed> {
        pb::offer_service_client::OfferServiceClient::new(self.intercepted(token))
    }

    pub fn upgrades(
        &self,
        token: Option<String>,
    ) -> pb::upgrade_service_client::UpgradeServiceClient<Authed> {
        pb::upgrade_service_client::UpgradeServiceClient::new(self.intercepted(token))
    }

    pub fn roles(
        &self,
        token: Option<String>,
    ) -> pb::partner_role_service_client::PartnerRoleServiceClient<Authed> {
        pb::partner_role_service_client::PartnerRoleServiceClient::new(self.intercepted(token))
    }

    /// Starts the shutdown (health NOT_SERVING, streams end, calls drain)
    /// without waiting for it; [`stop`](Self::stop) waits.
    pub fn begin_stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    /// Stops the server and waits for it to drain.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
