//! `loadgen h2load-input` (issue 17): what `h2load` needs to call gRPC
//! methods, which it knows nothing of: request bodies as gRPC frames (a
//! 5-byte prefix, uncompressed flag and big-endian length, then the
//! protobuf) for `CheckUpgradeEligibility` of one customer's subscription
//! and for `Health/Check`, and the `authorization` header in a file. The
//! check is called once through tonic first, so a wrong token or request
//! fails here rather than as 200s with a `grpc-status` that h2load ignores.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use csp_upgrades::domain::catalog::Catalog;
use prost::Message;
use tonic::metadata::{Ascii, MetadataValue};

use crate::{authed, pb, plan, process};

#[derive(clap::Args)]
pub struct H2loadArgs {
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    addr: String,
    /// The dataset file the server was loaded with (`csp-upgrades generate`).
    #[arg(long)]
    dataset: PathBuf,
    #[arg(long, default_value = "bench-ga@bench.example")]
    upn: String,
    /// A bearer token of that user (`csp-upgrades token --user`).
    #[arg(long, env = "BENCH_TOKEN")]
    token: String,
    /// Where to write check.grpc, health.grpc and authorization.txt.
    #[arg(long)]
    out_dir: PathBuf,
}

/// `message` as one gRPC frame.
pub fn grpc_frame(message: &impl Message) -> Vec<u8> {
    let body = message.encode_to_vec();
    let len = u32::try_from(body.len()).expect("a request under 4 GiB");
    let mut frame = Vec::with_capacity(5 + body.len());
    frame.push(0);
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(&body);
    frame
}

pub async fn h2load_input(args: H2loadArgs) -> anyhow::Result<()> {
    let catalog = Catalog::builtin()?;
    let plan = plan::plan(&args.dataset, &catalog, &args.upn, 1, false)?;
    let &(customer, subscription) = plan
        .checks
        .first()
        .context("the dataset has no regular customer to check")?;
    let check = pb::CheckUpgradeEligibilityRequest {
        customer_id: customer.to_string(),
        subscription_id: subscription.to_string(),
        target_offer_id: String::new(),
        as_of: 0,
    };
    let header = format!("Bearer {}", args.token.trim());
    let auth: MetadataValue<Ascii> = header.parse().context("the token is not header text")?;
    process::wait_serving(&args.addr, Instant::now(), Duration::from_secs(120)).await?;
    let channel = tonic::transport::Endpoint::from_shared(args.addr.clone())?
        .connect()
        .await?;
    pb::upgrade_service_client::UpgradeServiceClient::new(channel)
        .check_upgrade_eligibility(authed(check.clone(), &auth))
        .await
        .context("the check h2load would send fails")?;

    std::fs::create_dir_all(&args.out_dir)?;
    std::fs::write(args.out_dir.join("check.grpc"), grpc_frame(&check))?;
    let health = tonic_health::pb::HealthCheckRequest {
        service: String::new(),
    };
    std::fs::write(args.out_dir.join("health.grpc"), grpc_frame(&health))?;
    std::fs::write(
        args.out_dir.join("authorization.txt"),
        format!("authorization: {header}"),
    )?;
    eprintln!(
        "h2load input in {}: CheckUpgradeEligibility of customer {customer} subscription {subscription} ({} subscriptions)",
        args.out_dir.display(),
        plan.check_subs
    );
    Ok(())
}
