use clap::Parser;

use csp_upgrades::commands;
use csp_upgrades::config::{Cli, Command};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // Only the server exports traces; the one-shot commands just log.
    let otlp = match &cli.command {
        None | Some(Command::Serve) => cli.serve.otlp(),
        Some(_) => None,
    };
    let telemetry = match csp_upgrades::telemetry::init(cli.common.log_format, otlp) {
        Ok(telemetry) => telemetry,
        Err(e) => {
            eprintln!("error: {e:#}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = match &cli.command {
        None | Some(Command::Serve) => commands::serve(&cli.common, &cli.serve).await,
        Some(Command::Token(args)) => commands::token(&cli.common, args).await,
        Some(Command::Import(args)) => commands::import(&cli.common, args).await,
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
