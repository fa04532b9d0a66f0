//! The Quire engine binary: command line, configuration, telemetry, then the
//! chosen command (serving until a shutdown signal by default).

use anyhow::Context;
use clap::Parser;
use quire_engine::cli::{self, Cli, Command};
use quire_engine::config::Settings;
use quire_engine::startup::Application;
use quire_engine::store::Store;
use quire_engine::{shutdown, telemetry};

/// jemalloc: glibc's allocator kept ~130 MiB of the search index build's
/// freed memory resident for good (10,000 posts; `bench/search.mjs`), which
/// jemalloc hands back to the system.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Freed pages go back to the system within a second, purged by jemalloc's
/// own thread, so an idle engine shrinks too. `_RJEM_MALLOC_CONF` overrides.
#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: &[u8] = b"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:1000\0";

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
            Command::Import { from } => {
                cli::import(&Store::connect_lazy(&settings.database)?, from).await
            }
            Command::Keys { command } => {
                cli::keys(&Store::connect_lazy(&settings.database)?, command).await
            }
        }
    }
    .await;
    telemetry.shutdown().await;
    outcome
}
