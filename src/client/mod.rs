//! The command-line client (SPEC §10): `report` and `submit-batch` talk to a
//! running server by address with a bearer token, through the generated
//! `csp.v1` client, like any partner's automation would.

pub mod report;
pub mod submit_batch;

use anyhow::Context as _;
use clap::Args;
use tonic::metadata::MetadataValue;
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};

use crate::grpc::pb::upgrade_service_client::UpgradeServiceClient;

/// Where the server is and who calls it.
#[derive(Debug, Args, Clone)]
pub struct Connection {
    /// The server's address, e.g. `http://127.0.0.1:50051`.
    #[arg(long, env = "CSP_ADDR", default_value = "http://127.0.0.1:50051")]
    pub addr: String,
    /// A bearer token (`csp-upgrades token --user ...` prints one).
    #[arg(long, env = "CSP_TOKEN", hide_env_values = true)]
    pub token: String,
}

/// Adds `authorization: Bearer <token>` to every call.
#[derive(Clone)]
pub struct Bearer(MetadataValue<tonic::metadata::Ascii>);

impl Interceptor for Bearer {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        req.metadata_mut().insert("authorization", self.0.clone());
        Ok(req)
    }
}

pub type Client = UpgradeServiceClient<InterceptedService<Channel, Bearer>>;

impl Connection {
    pub async fn connect(&self) -> anyhow::Result<Client> {
        let channel = Endpoint::from_shared(self.addr.clone())
            .with_context(|| format!("--addr {:?} is not a URL", self.addr))?
            .connect()
            .await
            .with_context(|| format!("cannot reach {}", self.addr))?;
        let bearer = MetadataValue::try_from(format!("Bearer {}", self.token))
            .context("--token holds characters a header cannot carry")?;
        // Answers of a whole report can be large; the server bounds each.
        Ok(
            UpgradeServiceClient::with_interceptor(channel, Bearer(bearer))
                .max_decoding_message_size(16 * 1024 * 1024),
        )
    }
}
