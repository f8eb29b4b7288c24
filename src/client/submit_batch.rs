//! `csp-upgrades submit-batch FILE`: the upgrades of a CSV or JSON Lines
//! file through `SubmitUpgrades`, in batches, each item's outcome written to
//! `FILE.results.csv`. Safe to run again: an item's idempotency key is a
//! UUID v5 of its content, so a re-run replays the orders already made.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget};
use serde::Deserialize;
use uuid::Uuid;

use super::Connection;
use crate::grpc::pb;
use crate::grpc::pb::submit_upgrade_result::Result as Outcome;

#[derive(Debug, Args, Clone)]
pub struct SubmitBatchArgs {
    #[command(flatten)]
    pub connection: Connection,
    /// CSV with a header (customer_id, subscription_id, target_offer_id,
    /// quantity, upgrade_type, optional billing_cycle and request_id), or
    /// JSON Lines (`.jsonl`, `.json`) with the same keys.
    pub file: PathBuf,
    /// Items per SubmitUpgrades call (1 to 1000).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub batch_size: u16,
}

/// Namespace of the item keys: `UUIDv5(NAMESPACE, "customer|subscription|
/// target|quantity|upgrade_type|billing_cycle")`.
pub const NAMESPACE: Uuid = Uuid::from_u128(0x6d1f_0c3e_8f4a_4b7e_9a51_2c0d_17e5_b4a1);

/// One upgrade of the file.
#[derive(Debug, Clone, Deserialize)]
pub struct Item {
    pub customer_id: String,
    pub subscription_id: String,
    pub target_offer_id: String,
    pub quantity: i64,
    pub upgrade_type: String,
    #[serde(default)]
    pub billing_cycle: String,
    /// Optional: the client's own key; default derived from the content.
    #[serde(default)]
    pub request_id: String,
}

impl Item {
    /// The item's key: its own, or one derived from its content, so the
    /// same upgrade gets the same key on every run.
    pub fn request_id(&self) -> String {
        if !self.request_id.is_empty() {
            return self.request_id.clone();
        }
        let content = format!(
            "{}|{}|{}|{}|{}|{}",
            self.customer_id.trim().to_lowercase(),
            self.subscription_id.trim().to_lowercase(),
            self.target_offer_id.trim(),
            self.quantity,
            enum_name(&self.upgrade_type),
            enum_name(&self.billing_cycle),
        );
        Uuid::new_v5(&NAMESPACE, content.as_bytes()).to_string()
    }

    fn request(&self) -> pb::SubmitUpgradeRequest {
        pb::SubmitUpgradeRequest {
            request_id: self.request_id(),
            customer_id: self.customer_id.trim().into(),
            subscription_id: self.subscription_id.trim().into(),
            target_offer_id: self.target_offer_id.trim().into(),
            quantity: self.quantity,
            // Unknown names go as 0 and the server says what is wrong.
            upgrade_type: enum_value::<pb::UpgradeType>(&self.upgrade_type),
            billing_cycle: enum_value::<pb::BillingCycle>(&self.billing_cycle),
            // The file format has whole, immediate upgrades only: partial,
            // into-existing (SPEC §8) and scheduled (§9) orders are not among
            // its columns yet.
            partial: false,
            user_ids: Vec::new(),
            target_subscription_id: String::new(),
            schedule: 0,
        }
    }
}

fn enum_name(s: &str) -> String {
    s.trim().to_uppercase()
}

/// An enum value by its name, with or without the enum's prefix.
fn enum_value<E: Named>(name: &str) -> i32 {
    let name = enum_name(name);
    E::from_name(&name)
        .or_else(|| E::from_name(&format!("{}{name}", E::PREFIX)))
        .unwrap_or(0)
}

trait Named {
    const PREFIX: &'static str;
    fn from_name(name: &str) -> Option<i32>;
}

impl Named for pb::UpgradeType {
    const PREFIX: &'static str = "UPGRADE_TYPE_";
    fn from_name(name: &str) -> Option<i32> {
        Self::from_str_name(name).map(|v| v as i32)
    }
}

impl Named for pb::BillingCycle {
    const PREFIX: &'static str = "BILLING_CYCLE_";
    fn from_name(name: &str) -> Option<i32> {
        Self::from_str_name(name).map(|v| v as i32)
    }
}

/// The file's items with their line numbers (1-based, the header is line
/// 1 of a CSV); a line that does not parse is an error naming it.
pub fn read_items(path: &Path) -> anyhow::Result<Vec<(usize, Item)>> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let json = path
        .extension()
        .is_some_and(|e| e == "jsonl" || e == "json");
    let mut items = Vec::new();
    if json {
        for (i, line) in BufReader::new(file).lines().enumerate() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            let item = serde_json::from_str(&line)
                .with_context(|| format!("{} line {}", path.display(), i + 1))?;
            items.push((i + 1, item));
        }
    } else {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(file);
        for (i, record) in reader.deserialize().enumerate() {
            let item = record.with_context(|| format!("{} line {}", path.display(), i + 2))?;
            items.push((i + 2, item));
        }
    }
    Ok(items)
}

/// Where the outcomes go: beside the input.
pub fn results_path(input: &Path) -> PathBuf {
    let mut name = input.as_os_str().to_owned();
    name.push(".results.csv");
    PathBuf::from(name)
}

/// What the run did: (orders, errors).
pub async fn run(args: &SubmitBatchArgs) -> anyhow::Result<(usize, usize)> {
    let items = read_items(&args.file)?;
    let mut client = args.connection.connect().await?;
    let out_path = results_path(&args.file);
    let mut out = csv::Writer::from_writer(BufWriter::new(
        File::create(&out_path).with_context(|| format!("cannot write {}", out_path.display()))?,
    ));
    out.write_record([
        "line",
        "request_id",
        "outcome",
        "order_id",
        "state",
        "code",
        "message",
    ])?;
    let progress =
        ProgressBar::with_draw_target(Some(items.len() as u64), ProgressDrawTarget::stderr());
    let (mut orders, mut errors) = (0, 0);
    for chunk in items.chunks(usize::from(args.batch_size)) {
        let requests = chunk.iter().map(|(_, item)| item.request()).collect();
        let results = client
            .submit_upgrades(pb::SubmitUpgradesRequest { requests })
            .await
            .context("SubmitUpgrades; run again: items already done are replayed, not repeated")?
            .into_inner()
            .results;
        for ((line, _), result) in chunk.iter().zip(results) {
            let line = line.to_string();
            match result.result {
                Some(Outcome::Order(o)) => {
                    orders += 1;
                    let state = pb::OrderState::try_from(o.state)
                        .map_or_else(|_| o.state.to_string(), |s| s.as_str_name().to_owned());
                    out.write_record([
                        line.as_str(),
                        &result.request_id,
                        "order",
                        &o.order_id,
                        &state,
                        "",
                        "",
                    ])?;
                }
                Some(Outcome::Error(e)) => {
                    errors += 1;
                    let code = format!("{:?}", tonic::Code::from_i32(e.code));
                    out.write_record([
                        line.as_str(),
                        &result.request_id,
                        "error",
                        "",
                        "",
                        &code,
                        &e.message,
                    ])?;
                }
                None => anyhow::bail!("the server answered item {line} with nothing"),
            }
        }
        // Each batch's outcomes reach the file before the next is sent.
        out.flush()?;
        progress.inc(chunk.len() as u64);
    }
    progress.finish();
    out.into_inner()
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .flush()?;
    Ok((orders, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_content_not_its_spelling() {
        let item = |customer: &str, quantity, kind: &str| Item {
            customer_id: customer.into(),
            subscription_id: "40000000-0000-4000-8000-000000000101".into(),
            target_offer_id: "o365-e3".into(),
            quantity,
            upgrade_type: kind.into(),
            billing_cycle: String::new(),
            request_id: String::new(),
        };
        let a = item("30000000-0000-4000-8000-000000000001", 12, "UPGRADE_ONLY");
        let b = item(" 30000000-0000-4000-8000-000000000001", 12, "upgrade_only");
        assert_eq!(a.request_id(), b.request_id());
        let c = item("30000000-0000-4000-8000-000000000001", 13, "UPGRADE_ONLY");
        assert_ne!(a.request_id(), c.request_id());
        let own = Item {
            request_id: "my-key".into(),
            ..a
        };
        assert_eq!(own.request_id(), "my-key");
    }
}
