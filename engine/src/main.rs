//! The Quire engine binary: command line, configuration, telemetry, then the
//! chosen command (serving until a shutdown signal by default).

use anyhow::Context;
use clap::Parser;
use quire_engine::cli::{self, Cli, Command};
use quire_engine::config::Settings;
use quire_engine::startup::Application;
use quire_engine::store::Store;
use quire_engine::{shutdown, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::from_env().context("invalid configuration")?;
    let telemetry =
        telemetry::init(&settings.log, &settings.traces).context("starting telemetry")?;
    let outcome: anyhow::Result<()> = async {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => {
                let application = Application::build(settings)
                    .await
                    .context("starting the engine")?;
                application
                    .run_until(shutdown::signal())
                    .await
                    .context("running the engine")
            }
            Command::Migrate => cli::migrate(&Store::connect_lazy(&settings.database)?).await,
            Command::Keys { command } => {
                cli::keys(&Store::connect_lazy(&settings.database)?, command).await
            }
        }
    }
    .await;
    telemetry.shutdown().await;
    outcome
}
