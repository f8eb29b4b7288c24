use clap::Parser;

use csp_upgrades::commands;
use csp_upgrades::config::{Cli, Command};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    csp_upgrades::telemetry::init(cli.common.log_format);
    let result = match &cli.command {
        None | Some(Command::Serve) => commands::serve(&cli.common, &cli.serve).await,
        Some(Command::Token(args)) => commands::token(&cli.common, args).await,
        Some(Command::Import(args)) => commands::import(&cli.common, args).await,
        Some(Command::Generate(args)) => commands::generate(&cli.common, args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
