//! Starts a real engine for one test and stops it when the test ends.

use quire_engine::config::Settings;
use quire_engine::startup::Application;
use tokio::sync::oneshot;
use tonic::transport::Channel;

/// A running engine, stopped on drop.
pub struct TestEngine {
    pub channel: Channel,
    _stop: oneshot::Sender<()>,
}

impl TestEngine {
    /// Starts an engine on 127.0.0.1:0.
    pub async fn start() -> Self {
        let settings = Settings::from_lookup(|name| match name {
            "QUIRE_LISTEN_ADDR" => Some("127.0.0.1:0".to_owned()),
            _ => None,
        })
        .expect("test settings are valid");
        let application = Application::build(settings).await.expect("engine builds");
        let addr = application.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(application.run_until(async {
            let _ = stopped.await;
        }));
        let channel = Channel::from_shared(format!("http://{addr}"))
            .expect("valid uri")
            .connect()
            .await
            .expect("engine accepts connections");
        Self { channel, _stop: stop }
    }
}
