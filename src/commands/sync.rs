//! `csp-upgrades sync FILE [--partner ID] [--dry-run] [--format text|json]`:
//! applies a partner's export to the database the flags name, through the
//! same use case as the `SyncPartnerData` RPC (`crate::app::sync`).

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::app::{App, Policy, SyncOutcome, SyncRequest};
use crate::cache::CacheOptions;
use crate::clock::SystemClock;
use crate::config::{OutputFormat, SyncArgs};
use crate::domain::audit::Actor;
use crate::domain::dataset::DatasetError;
use crate::domain::ids::PartnerId;
use crate::domain::sync::{self, Report};
use crate::startup;

/// Who the audit record names for a sync run from the command line.
pub const COMMAND_LINE_ACTOR: &str = "csp-upgrades sync (command line)";

/// Records listed in text; `--format json` lists them all.
const TEXT_RECORDS: usize = 100;

/// The progress bar shows up only when a sync takes longer than this.
const QUIET_FOR: Duration = Duration::from_secs(1);

pub async fn sync(args: &SyncArgs) -> anyhow::Result<()> {
    let catalog = Arc::new(super::load_catalog(&args.catalog)?);
    let partner = args
        .partner
        .as_deref()
        .map(PartnerId::parse)
        .transpose()
        .context("--partner must be a partner id (UUID)")?;
    let progress = Progress::start();
    // Parsed as it is read: a 200 MB export held as text beside its
    // records took 200 MB more at the peak (scripts/bench-sync.sh).
    let reader = progress.open(&args.file)?;
    let wanted = sync::read_from(reader, &catalog, partner)
        .map_err(|errors| refused(&args.file.display().to_string(), &errors))?;
    progress.stage("comparing with the database and writing");
    let store = startup::open_store(&args.data.database_url(), &catalog, false).await?;
    let app = App::new(
        store,
        catalog,
        Arc::new(SystemClock),
        Policy::default(),
        CacheOptions::default(),
    );
    let partner_id = wanted.partner.id;
    let request = SyncRequest {
        actor: Actor::App {
            app_id: COMMAND_LINE_ACTOR.to_owned(),
        },
        wanted,
        source: args.file.display().to_string(),
        dry_run: args.dry_run,
    };
    let outcome = app
        .sync(request)
        .await
        .context("sync failed; nothing was written")?;
    drop(progress);
    let report = match outcome {
        SyncOutcome::Synced(report) => report,
        SyncOutcome::PartnerNotFound => bail!(
            "partner {} is not in the database: load it first with `csp-upgrades import`",
            partner_id
        ),
        SyncOutcome::Invalid(errors) => {
            return Err(refused(&args.file.display().to_string(), &errors));
        }
        SyncOutcome::OtherPartnersIds(ids) => {
            let list: Vec<String> = ids.iter().map(|id| format!("  - {id}")).collect();
            bail!(
                "{} id(s) of the file belong to another partner's records; nothing was synced:\n{}",
                ids.len(),
                list.join("\n")
            )
        }
    };
    match args.format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        OutputFormat::Text => print!("{}", text_report(&report, &args.file.display().to_string())),
    }
    Ok(())
}

/// The whole file refused, every problem listed.
fn refused(file: &str, errors: &[DatasetError]) -> anyhow::Error {
    let list: Vec<String> = errors.iter().map(|e| format!("  - {e}")).collect();
    anyhow::anyhow!(
        "{file} has {} error(s); nothing was synced:\n{}",
        errors.len(),
        list.join("\n")
    )
}

/// The report for a person: what was (or would be) done, and the records.
pub fn text_report(report: &Report, file: &str) -> String {
    let mut out = String::new();
    let verb = if report.dry_run {
        "dry run (nothing written)"
    } else {
        "synced"
    };
    out.push_str(&format!(
        "{verb}: partner {} from {file}\n",
        report.partner_id
    ));
    if !report.changed {
        out.push_str("no change: the database already holds what the file says\n");
        return out;
    }
    out.push_str(&format!("{}\n", report.summary()));
    for r in report.records.iter().take(TEXT_RECORDS) {
        let fields = if r.fields.is_empty() {
            String::new()
        } else {
            format!(": {}", r.fields.join(", "))
        };
        out.push_str(&format!("  {:<6} {} {}{fields}\n", r.action, r.kind, r.id));
    }
    if report.records.len() > TEXT_RECORDS {
        out.push_str(&format!(
            "  ... and {} more (--format json lists every record)\n",
            report.records.len() - TEXT_RECORDS
        ));
    }
    out
}

/// A progress bar on stderr, drawn only on a terminal and only once the
/// sync has taken longer than [`QUIET_FOR`].
struct Progress {
    bar: ProgressBar,
    shown: tokio::task::JoinHandle<()>,
}

impl Progress {
    fn start() -> Progress {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        let later = bar.clone();
        let shown = tokio::spawn(async move {
            tokio::time::sleep(QUIET_FOR).await;
            // `stderr()` draws nothing when stderr is not a terminal.
            later.set_draw_target(ProgressDrawTarget::stderr());
            later.enable_steady_tick(Duration::from_millis(120));
        });
        Progress { bar, shown }
    }

    /// Opens the file for reading and parsing, counting its bytes on the bar.
    fn open(&self, path: &std::path::Path) -> anyhow::Result<impl Read> {
        let file =
            std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        self.bar.set_length(len);
        self.bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes}")
                .expect("a valid template")
                .progress_chars("=> "),
        );
        self.bar
            .set_message(format!("reading and validating {}", path.display()));
        Ok(std::io::BufReader::with_capacity(
            1 << 20,
            self.bar.wrap_read(file),
        ))
    }

    fn stage(&self, what: &str) {
        self.bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("a valid template"),
        );
        self.bar.set_message(what.to_owned());
    }
}

/// Cleared however the command ends, so an error prints on a clean line.
impl Drop for Progress {
    fn drop(&mut self) {
        self.shown.abort();
        self.bar.finish_and_clear();
    }
}
