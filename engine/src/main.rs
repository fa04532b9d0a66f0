//! The Quire engine binary: configuration, telemetry, then the application
//! until a shutdown signal.

use anyhow::Context;
use quire_engine::config::Settings;
use quire_engine::startup::Application;
use quire_engine::{shutdown, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::from_env().context("invalid configuration")?;
    telemetry::init(&settings.log);
    let application = Application::build(settings).await.context("starting the engine")?;
    application.run_until(shutdown::signal()).await.context("running the engine")
}
