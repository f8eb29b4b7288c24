//! `loadgen big-customer`: the per-customer size figure of issue 15. One
//! client, one call at a time, against a server holding the generated big
//! customer (`csp-upgrades generate --big-customer-subscriptions N`):
//!
//! - `ListSubscriptions` with `page_size` 100: the first page, and the page
//!   in the middle of the customer (its token found by walking the pages
//!   once, unmeasured);
//! - `CheckUpgradeEligibility` of subscriptions of that customer, cycling
//!   through the first page's: the first call (the snapshot read from the
//!   database) apart, then the rest (the snapshot from the cache).
//!
//! Prints p50/p99/max per measurement.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use csp_upgrades::generate::BIG_CUSTOMER_NAME;
use csp_upgrades::grpc::pb;
use csp_upgrades::grpc::pb::customer_service_client::CustomerServiceClient;
use csp_upgrades::grpc::pb::upgrade_service_client::UpgradeServiceClient;
use hdrhistogram::Histogram;
use serde::Serialize;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::Channel;

#[derive(clap::Args)]
pub struct BigCustomerArgs {
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    addr: String,
    /// A partner user's token (`csp-upgrades token --user ...`).
    #[arg(long)]
    token: String,
    /// Calls measured per figure.
    #[arg(long, default_value_t = 200)]
    requests: usize,
    #[arg(long, default_value_t = 100)]
    page_size: u32,
    /// A name for this run (e.g. the backend).
    #[arg(long, default_value = "run")]
    label: String,
    #[arg(long)]
    json_out: Option<PathBuf>,
}

#[derive(Serialize)]
struct Figure {
    what: String,
    calls: u64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

#[derive(Serialize)]
struct Result {
    label: String,
    subscriptions: usize,
    figures: Vec<Figure>,
}

pub async fn big_customer(args: BigCustomerArgs) -> anyhow::Result<()> {
    // Lazy: the first call connects, and the loop below retries it.
    let channel = Channel::from_shared(args.addr.clone())?.connect_lazy();
    let auth: MetadataValue<Ascii> = format!("Bearer {}", args.token.trim()).parse()?;
    let mut customers = CustomerServiceClient::new(channel.clone());
    let mut upgrades = UpgradeServiceClient::new(channel);

    // The server may still be opening its database: ask until it answers.
    let waiting_since = Instant::now();
    let found = loop {
        let asked = customers
            .list_customers(with_auth(
                pb::ListCustomersRequest {
                    name_prefix: BIG_CUSTOMER_NAME.to_owned(),
                    ..Default::default()
                },
                &auth,
            ))
            .await;
        match asked {
            Ok(answer) => break answer.into_inner(),
            Err(status) if waiting_since.elapsed() < Duration::from_secs(60) => {
                wait_for_server(&status).await;
            }
            Err(status) => return Err(status.into()),
        }
    };
    let customer = found
        .customers
        .first()
        .context("no big customer: generate with --big-customer-subscriptions")?
        .customer_id
        .clone();
    let page = |page_token: String| pb::ListSubscriptionsRequest {
        customer_id: customer.clone(),
        page_size: args.page_size,
        page_token,
        ..Default::default()
    };

    // Walk the pages once, 1,000 at a time (a token is the last row's key,
    // good for any page size): how many, and the middle one's token.
    let walk = |page_token: String| pb::ListSubscriptionsRequest {
        customer_id: customer.clone(),
        page_size: 1000,
        page_token,
        ..Default::default()
    };
    let mut tokens = vec![String::new()];
    let mut first_page = Vec::new();
    let mut subscriptions = 0;
    loop {
        let answer = customers
            .list_subscriptions(with_auth(
                walk(tokens.last().cloned().unwrap_or_default()),
                &auth,
            ))
            .await?
            .into_inner();
        if first_page.is_empty() {
            first_page = answer
                .subscriptions
                .iter()
                .take(args.page_size as usize)
                .map(|s| s.subscription_id.clone())
                .collect();
        }
        subscriptions += answer.subscriptions.len();
        if answer.next_page_token.is_empty() {
            break;
        }
        tokens.push(answer.next_page_token);
    }
    let middle = tokens[tokens.len() / 2].clone();
    anyhow::ensure!(
        !first_page.is_empty(),
        "the big customer has no subscriptions"
    );

    let mut figures = Vec::new();
    for (what, token) in [
        ("ListSubscriptions first page", String::new()),
        ("ListSubscriptions middle page", middle),
    ] {
        let mut h = histogram();
        for _ in 0..args.requests {
            let started = Instant::now();
            customers
                .list_subscriptions(with_auth(page(token.clone()), &auth))
                .await?;
            record(&mut h, started.elapsed());
        }
        figures.push(figure(&format!("{what} ({})", args.page_size), &h));
    }
    let check = |subscription: &str| pb::CheckUpgradeEligibilityRequest {
        customer_id: customer.clone(),
        subscription_id: subscription.to_owned(),
        target_offer_id: String::new(),
        as_of: 0,
    };
    // Pages do not go through the snapshot cache: the first check reads
    // the customer from the database, the others find it cached.
    let mut cold = histogram();
    let started = Instant::now();
    upgrades
        .check_upgrade_eligibility(with_auth(check(&first_page[0]), &auth))
        .await?;
    record(&mut cold, started.elapsed());
    figures.push(figure("CheckUpgradeEligibility, first call", &cold));
    let mut h = histogram();
    for n in 0..args.requests {
        let started = Instant::now();
        upgrades
            .check_upgrade_eligibility(with_auth(check(&first_page[n % first_page.len()]), &auth))
            .await?;
        record(&mut h, started.elapsed());
    }
    figures.push(figure("CheckUpgradeEligibility", &h));

    println!(
        "{}: a customer of {subscriptions} subscriptions, one call at a time",
        args.label
    );
    println!(
        "| {:<40} | {:>6} | {:>9} | {:>9} | {:>9} |",
        "call", "calls", "p50 ms", "p99 ms", "max ms"
    );
    for f in &figures {
        println!(
            "| {:<40} | {:>6} | {:>9.1} | {:>9.1} | {:>9.1} |",
            f.what, f.calls, f.p50_ms, f.p99_ms, f.max_ms
        );
    }
    if let Some(path) = args.json_out {
        let result = Result {
            label: args.label,
            subscriptions,
            figures,
        };
        std::fs::write(path, serde_json::to_string_pretty(&result)?)?;
    }
    Ok(())
}

fn with_auth<T>(message: T, auth: &MetadataValue<Ascii>) -> tonic::Request<T> {
    super::authed(message, auth)
}

async fn wait_for_server(status: &tonic::Status) {
    eprintln!("waiting for the server: {}", status.message());
    tokio::time::sleep(Duration::from_millis(500)).await;
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 120_000_000, 3).expect("bounds")
}

fn record(h: &mut Histogram<u64>, took: Duration) {
    let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
    h.saturating_record(micros.max(1));
}

fn figure(what: &str, h: &Histogram<u64>) -> Figure {
    let ms = |micros: u64| micros as f64 / 1000.0;
    Figure {
        what: what.to_owned(),
        calls: h.len(),
        p50_ms: ms(h.value_at_quantile(0.5)),
        p99_ms: ms(h.value_at_quantile(0.99)),
        max_ms: ms(h.max()),
    }
}
