use csp_upgrades::commands;
use csp_upgrades::config::{Cli, Command};

/// mimalloc instead of glibc's malloc: rows are allocated on sqlx's SQLite
/// worker threads and freed on tokio's, a pattern glibc's per-thread arenas
/// handle slowly (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse_args(std::env::args_os()).unwrap_or_else(|e| e.exit());
    // Only the server exports traces; the one-shot commands just log.
    let otlp = cli.serve_args().and_then(|args| args.otlp());
    let telemetry = match csp_upgrades::telemetry::init(cli.log_format, otlp) {
        Ok(telemetry) => telemetry,
        Err(e) => {
            eprintln!("error: {e:#}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = match &cli.command {
        // `parse_args` turns no subcommand into `serve`.
        None => Err(anyhow::anyhow!("no command given")),
        Some(Command::Serve(args)) => commands::serve(args).await,
        Some(Command::Token(args)) => commands::token(args).await,
        Some(Command::Import(args)) => commands::import(args).await,
        Some(Command::Generate(args)) => commands::generate(args),
        Some(Command::Sync(args)) => commands::sync::sync(args).await,
        Some(Command::RunDue(args)) => commands::run_due(args).await,
        Some(Command::Report(args)) => csp_upgrades::client::report::run(args)
            .await
            .map(|n| eprintln!("{n} subscriptions written")),
        Some(Command::SubmitBatch(args)) => csp_upgrades::client::submit_batch::run(args)
            .await
            .map(|(orders, errors)| eprintln!("{orders} orders, {errors} errors")),
    };
    telemetry.shutdown().await;
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
