//! `csp-upgrades report`: the whole partner's eligibility, from
//! `StreamEligibility`, as CSV or JSON Lines (columns in the README), with a
//! progress bar on a terminal. Written line by line; run again with the same
//! `--out` after an interruption, it resumes after the last complete line.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use super::Connection;
use crate::grpc::pb;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Csv,
    Jsonl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum View {
    /// Codes and numbers only: the fast view.
    Basic,
    /// Also the messages, details and manual paths (JSON Lines only adds them).
    Full,
}

#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    #[command(flatten)]
    pub connection: Connection,
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
    /// The file to write (and to resume when it exists); default: stdout,
    /// which cannot resume.
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = View::Basic)]
    pub view: View,
    /// Only subscriptions with at least one eligible target.
    #[arg(long)]
    pub only_eligible: bool,
    /// Only these customers (repeatable).
    #[arg(long = "customer")]
    pub customers: Vec<String>,
    /// Only subscriptions of these source offers (repeatable).
    #[arg(long = "offer")]
    pub offers: Vec<String>,
}

/// The CSV columns, in order (the README documents them).
pub const CSV_COLUMNS: [&str; 7] = [
    "cursor",
    "customer_id",
    "subscription_id",
    "source_offer_id",
    "eligible_targets",
    "blocked_targets",
    "source_reasons",
];

/// How many subscriptions were written by this run.
pub async fn run(args: &ReportArgs) -> anyhow::Result<u64> {
    let (sink, after_cursor): (Box<dyn Write + Send>, String) = match &args.out {
        None => (Box::new(std::io::stdout()), String::new()),
        Some(path) => {
            let (file, cursor) = open_for_resume(path, args.format)?;
            (Box::new(file), cursor.unwrap_or_default())
        }
    };
    let mut out = BufWriter::new(sink);
    let resumed = !after_cursor.is_empty();
    let mut client = args.connection.connect().await?;
    let request = pb::StreamEligibilityRequest {
        customer_ids: args.customers.clone(),
        source_offer_ids: args.offers.clone(),
        only_eligible: args.only_eligible,
        view: match args.view {
            View::Basic => pb::EligibilityView::Basic,
            View::Full => pb::EligibilityView::Full,
        } as i32,
        after_cursor,
    };
    let mut stream = client
        .stream_eligibility(request)
        .await
        .context("StreamEligibility")?
        .into_inner();

    let progress = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    progress.set_style(
        ProgressStyle::with_template("{spinner} {pos} subscriptions, {per_sec} [{elapsed}] {msg}")
            .context("progress template")?,
    );
    if resumed {
        progress.set_message("(resumed)");
    }
    progress.enable_steady_tick(Duration::from_millis(200));

    let mut written = 0u64;
    while let Some(message) = stream.next().await {
        let message = message.context("the stream broke off; run again to resume")?;
        let line = match args.format {
            Format::Csv => csv_line(&message)?,
            Format::Jsonl => jsonl_line(&message)?,
        };
        out.write_all(line.as_bytes())?;
        written += 1;
        progress.inc(1);
        // Whole lines reach the file regularly: what an interruption leaves
        // is resumable.
        if written.is_multiple_of(1000) {
            out.flush()?;
        }
    }
    out.flush()?;
    progress.finish();
    Ok(written)
}

/// Opens `path` to append, cut after its last complete line, and the cursor
/// of that line; a new or empty file gets the CSV header.
fn open_for_resume(path: &PathBuf, format: Format) -> anyhow::Result<(File, Option<String>)> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let mut text = Vec::new();
    file.read_to_end(&mut text)?;
    let complete = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    file.set_len(complete as u64)?;
    file.seek(SeekFrom::End(0))?;
    let text = String::from_utf8_lossy(&text[..complete]);
    let last = text.lines().last().unwrap_or("");
    let cursor = match format {
        _ if last.is_empty() => None,
        Format::Csv if last == CSV_COLUMNS.join(",") => None,
        Format::Csv => last.split(',').next().map(str::to_owned),
        Format::Jsonl => serde_json::from_str::<serde_json::Value>(last)
            .ok()
            .and_then(|v| v["cursor"].as_str().map(str::to_owned)),
    };
    if format == Format::Csv && complete == 0 {
        writeln!(file, "{}", CSV_COLUMNS.join(","))?;
    }
    Ok((file, cursor.filter(|c| !c.is_empty())))
}

/// A reason code's name as the spec writes it (no enum prefix).
fn code_name(code: i32) -> String {
    pb::ReasonCode::try_from(code).map_or_else(
        |_| code.to_string(),
        |c| {
            let name = c.as_str_name();
            name.strip_prefix("REASON_CODE_").unwrap_or(name).to_owned()
        },
    )
}

fn codes(reasons: &[pb::Reason]) -> Vec<String> {
    reasons.iter().map(|r| code_name(r.code)).collect()
}

fn csv_line(m: &pb::StreamEligibilityResponse) -> anyhow::Result<String> {
    let e = m.eligibility.clone().unwrap_or_default();
    let eligible: Vec<String> = e
        .targets
        .iter()
        .filter(|t| t.eligible)
        .map(|t| {
            format!(
                "{}[{}-{}]",
                t.target_offer_id, t.min_quantity, t.max_quantity
            )
        })
        .collect();
    let blocked: Vec<String> = e
        .targets
        .iter()
        .filter(|t| !t.eligible)
        .map(|t| format!("{}:{}", t.target_offer_id, codes(&t.reasons).join("+")))
        .collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        m.cursor.as_str(),
        &e.customer_id,
        &e.subscription_id,
        &e.source_offer_id,
        &eligible.join(" "),
        &blocked.join(" "),
        &codes(&e.source_reasons).join(" "),
    ])?;
    Ok(String::from_utf8(w.into_inner()?)?)
}

fn jsonl_line(m: &pb::StreamEligibilityResponse) -> anyhow::Result<String> {
    let e = m.eligibility.clone().unwrap_or_default();
    let reasons = |rs: &[pb::Reason]| -> Vec<serde_json::Value> {
        rs.iter()
            .map(|r| {
                let mut v = json!({ "code": code_name(r.code) });
                if !r.message.is_empty() {
                    v["message"] = json!(r.message);
                }
                v
            })
            .collect()
    };
    let targets: Vec<serde_json::Value> = e
        .targets
        .iter()
        .map(|t| {
            let mut v = json!({
                "target_offer_id": t.target_offer_id,
                "eligible": t.eligible,
                "min_quantity": t.min_quantity,
                "max_quantity": t.max_quantity,
                "reasons": reasons(&t.reasons),
            });
            if let Some(m) = &t.manual_path {
                v["manual_steps"] = json!(m.steps);
            }
            v
        })
        .collect();
    let line = json!({
        "cursor": m.cursor,
        "customer_id": e.customer_id,
        "subscription_id": e.subscription_id,
        "source_offer_id": e.source_offer_id,
        "source_reasons": reasons(&e.source_reasons),
        "targets": targets,
    });
    Ok(format!("{line}\n"))
}
