//! The tables: one per run, and the summary of issue 6's figures against
//! their goals from the JSON results of every step of `scripts/bench.sh`.

use std::path::PathBuf;

use comfy_table::{Cell, Table};
use serde::{Deserialize, Serialize};

use crate::load::PhaseResult;
use crate::process::StartupResult;

#[derive(Debug, Serialize, Deserialize)]
pub struct RunResult {
    pub label: String,
    pub connections: usize,
    pub phases: Vec<PhaseResult>,
    /// The same RPCs at concurrency 1: latency without queueing.
    #[serde(default)]
    pub single: Vec<PhaseResult>,
    /// The server's peak RSS over its whole life (VmHWM), KiB.
    pub server_vmhwm_kib: Option<u64>,
    pub server_rss_after_kib: Option<u64>,
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn non_ok(p: &PhaseResult) -> String {
    if p.non_ok.is_empty() {
        return "0".into();
    }
    let codes: Vec<String> = p.non_ok.iter().map(|(c, n)| format!("{c} {n}")).collect();
    format!("{} ({})", p.non_ok_total(), codes.join(", "))
}

fn phase_table(phases: &[PhaseResult]) -> Table {
    let mut table = Table::new();
    table.set_header([
        "RPC",
        "conc.",
        "requests",
        "req/s",
        "p50 ms",
        "p99 ms",
        "p99.9 ms",
        "non-OK",
        "ratio to floor",
        "peak RSS",
    ]);
    for p in phases {
        table.add_row([
            Cell::new(format!(
                "{}{}",
                p.name,
                if p.exhausted {
                    " [ran out of work]"
                } else {
                    ""
                }
            )),
            Cell::new(p.concurrency),
            Cell::new(p.requests),
            Cell::new(format!("{:.0}", p.rps)),
            Cell::new(format!("{:.2}", p.p50_ms)),
            Cell::new(format!("{:.2}", p.p99_ms)),
            Cell::new(format!("{:.2}", p.p999_ms)),
            Cell::new(non_ok(p)),
            Cell::new(p.ratio_to_floor.map_or("-".into(), |x| format!("{x:.2}"))),
            Cell::new(p.rss_peak_kib.map_or("-".into(), mib)),
        ]);
    }
    table
}

pub fn print_run(r: &RunResult) {
    println!(
        "\n{} ({} HTTP/2 connections; server VmHWM {})",
        r.label,
        r.connections,
        r.server_vmhwm_kib.map_or("-".into(), mib)
    );
    println!("{}", phase_table(&r.phases));
    if !r.single.is_empty() {
        println!(
            "{}: the same RPCs one at a time (latency without queueing)",
            r.label
        );
        println!("{}", phase_table(&r.single));
    }
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn max(xs: &[f64]) -> f64 {
    xs.iter().copied().fold(f64::NAN, f64::max)
}

pub fn print_startup(s: &StartupResult) {
    let rss: Vec<f64> = s.idle_rss_kib.iter().map(|&k| k as f64).collect();
    println!(
        "start to SERVING, fresh data dir (creates the database, loads the demo data): median {:.0} ms, max {:.0} ms over {} runs",
        median(&s.cold_ms),
        max(&s.cold_ms),
        s.cold_ms.len()
    );
    println!(
        "start to SERVING, existing data dir: median {:.0} ms, max {:.0} ms",
        median(&s.warm_ms),
        max(&s.warm_ms)
    );
    println!(
        "idle RSS 2 s after SERVING with the demo data: median {}, max {}",
        mib(median(&rss) as u64),
        mib(max(&rss) as u64)
    );
}

#[derive(clap::Args)]
pub struct ReportArgs {
    /// `run --json-out` of the SQLite run.
    #[arg(long)]
    sqlite: PathBuf,
    /// `run --json-out` of the Postgres run, if any.
    #[arg(long)]
    postgres: Option<PathBuf>,
    /// `startup --json-out`.
    #[arg(long)]
    startup: PathBuf,
    /// pgbench's tps (`-c 10 -T 20` on scale 10), same run.
    #[arg(long)]
    pgbench_tps: Option<f64>,
}

fn read<T: for<'de> Deserialize<'de>>(path: &PathBuf) -> anyhow::Result<T> {
    Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
}

fn phase<'a>(r: &'a RunResult, prefix: &str) -> Option<&'a PhaseResult> {
    r.phases.iter().find(|p| p.name.starts_with(prefix))
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}

pub fn report(args: &ReportArgs) -> anyhow::Result<()> {
    let sqlite: RunResult = read(&args.sqlite)?;
    let postgres: Option<RunResult> = args.postgres.as_ref().map(read).transpose()?;
    let startup: StartupResult = read(&args.startup)?;
    let mut table = Table::new();
    table.set_header(["figure", "SQLite", "Postgres", "goal", "verdict"]);
    let runs: Vec<Option<&RunResult>> = vec![Some(&sqlite), postgres.as_ref()];
    let each = |f: &dyn Fn(&RunResult) -> Option<String>| -> Vec<String> {
        runs.iter()
            .map(|r| r.and_then(f).unwrap_or_else(|| "-".into()))
            .collect()
    };
    let row = |table: &mut Table, name: &str, vals: Vec<String>, goal: &str, verdict: String| {
        table.add_row([
            name.to_owned(),
            vals[0].clone(),
            vals[1].clone(),
            goal.to_owned(),
            verdict,
        ]);
    };

    for (prefix, label) in [
        ("Health", "Health/Check req/s (floor)"),
        ("CheckUpgradeEligibility", "CheckUpgradeEligibility req/s"),
        ("ListSubscriptions", "ListSubscriptions req/s"),
        ("SubmitUpgrade", "SubmitUpgrade req/s"),
    ] {
        let vals = each(&|r| {
            phase(r, prefix).map(|p| {
                format!(
                    "{:.0} (p50 {:.2} ms, p99 {:.2} ms, non-OK {})",
                    p.rps,
                    p.p50_ms,
                    p.p99_ms,
                    p.non_ok_total()
                )
            })
        });
        row(&mut table, label, vals, "", String::new());
    }

    let ratio = |r: &RunResult| phase(r, "CheckUpgradeEligibility").and_then(|p| p.ratio_to_floor);
    let vals = each(&|r| ratio(r).map(|x| format!("{x:.2}")));
    let ok = ratio(&sqlite).is_some_and(|x| x >= 0.5)
        && postgres
            .as_ref()
            .is_none_or(|r| ratio(r).is_some_and(|x| x >= 0.3));
    row(
        &mut table,
        "CheckUpgradeEligibility / floor",
        vals,
        ">= 0.5 SQLite, >= 0.3 Postgres",
        verdict(ok).into(),
    );

    // Under 64 requests in flight p50 is mostly queueing (Little's law:
    // 64 / throughput); the latency of one call is measured alone.
    let single = |r: &RunResult| {
        r.single
            .iter()
            .find(|p| p.name.starts_with("ListSubscriptions"))
            .map(|p| p.p50_ms)
    };
    let vals = each(&|r| single(r).map(|x| format!("{x:.2} ms")));
    let ok = runs
        .iter()
        .flatten()
        .all(|r| single(r).is_some_and(|x| x <= 5.0));
    row(
        &mut table,
        "ListSubscriptions 1,000 subs, p50, one at a time",
        vals,
        "<= 5 ms",
        verdict(ok).into(),
    );

    let submit = postgres
        .as_ref()
        .and_then(|r| phase(r, "SubmitUpgrade"))
        .map(|p| p.rps);
    let (vals, ok) = match (submit, args.pgbench_tps) {
        (Some(s), Some(tps)) => (
            vec!["-".into(), format!("{s:.0} / {tps:.0} = {:.2}", s / tps)],
            verdict(s / tps >= 0.5).into(),
        ),
        _ => (vec!["-".into(), "-".into()], "not measured".into()),
    };
    row(
        &mut table,
        "SubmitUpgrade (32 clients) / pgbench tps",
        vals,
        ">= 0.5",
        ok,
    );

    let idle = median(
        &startup
            .idle_rss_kib
            .iter()
            .map(|&k| k as f64)
            .collect::<Vec<_>>(),
    );
    row(
        &mut table,
        "RSS idle after start, demo data",
        vec![mib(idle as u64), "-".into()],
        "<= 50 MiB",
        verdict(idle <= 50.0 * 1024.0).into(),
    );
    let peak = |r: &RunResult| r.server_vmhwm_kib;
    let vals = each(&|r| peak(r).map(mib));
    let ok = runs
        .iter()
        .flatten()
        .all(|r| peak(r).is_some_and(|k| k <= 200 * 1024));
    row(
        &mut table,
        "RSS peak under the load (VmHWM)",
        vals,
        "<= 200 MiB",
        verdict(ok).into(),
    );

    let cold = median(&startup.cold_ms);
    row(
        &mut table,
        "start to SERVING, fresh dir + demo data (median/max)",
        vec![
            format!("{cold:.0} / {:.0} ms", max(&startup.cold_ms)),
            "-".into(),
        ],
        "<= 1 s",
        verdict(max(&startup.cold_ms) <= 1000.0).into(),
    );
    row(
        &mut table,
        "start to SERVING, existing dir (median/max)",
        vec![
            format!(
                "{:.0} / {:.0} ms",
                median(&startup.warm_ms),
                max(&startup.warm_ms)
            ),
            "-".into(),
        ],
        "<= 1 s",
        verdict(max(&startup.warm_ms) <= 1000.0).into(),
    );
    println!("{table}");
    Ok(())
}
