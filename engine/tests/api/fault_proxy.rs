//! A TCP proxy on loopback between the engine and a dependency (PostgreSQL,
//! Redis) that a test can break: `reset` closes every connection and refuses
//! new ones, `blackhole` stops forwarding while keeping connections open (as
//! a hung or SIGSTOPped server would), `pass` forwards again.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does with traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Pass,
    Reset,
    Blackhole,
}

/// A proxy to one target address, stopped on drop.
pub struct FaultProxy {
    pub port: u16,
    mode: watch::Sender<Fault>,
    task: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    /// Starts forwarding 127.0.0.1:<port> to `target`.
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let (mode, watching) = watch::channel(Fault::Pass);
        // Connections accepted while blackholed: held open, never answered.
        let held: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let mode = watching.clone();
                let held = held.clone();
                tokio::spawn(async move { forward(client, target, mode, held).await });
            }
        });
        Self { port, mode, task }
    }

    /// Changes what the proxy does, for new and existing connections.
    pub fn set(&self, fault: Fault) {
        self.mode.send_replace(fault);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(
    mut client: TcpStream,
    target: SocketAddr,
    mut mode: watch::Receiver<Fault>,
    held: Arc<Mutex<Vec<TcpStream>>>,
) {
    match *mode.borrow_and_update() {
        Fault::Reset => return,
        Fault::Blackhole => {
            held.lock().expect("held").push(client);
            return;
        }
        Fault::Pass => {}
    }
    let Ok(mut server) = TcpStream::connect(target).await else {
        return;
    };
    loop {
        tokio::select! {
            _ = tokio::io::copy_bidirectional(&mut client, &mut server) => return,
            changed = mode.changed() => {
                if changed.is_err() {
                    return;
                }
                match *mode.borrow_and_update() {
                    Fault::Pass => continue,
                    Fault::Reset => return,
                    Fault::Blackhole => {
                        let mut held = held.lock().expect("held");
                        held.push(client);
                        held.push(server);
                        return;
                    }
                }
            }
        }
    }
}

/// `url` (postgres://user@host:port/db) with its host and port replaced by
/// the proxy's, and the address it pointed at.
pub async fn through_proxy(url: &str) -> (SocketAddr, impl Fn(u16) -> String + use<>) {
    let (scheme_user, rest) = url.split_once('@').expect("URL with a user");
    let (host_port, path) = rest.split_once('/').expect("URL with a database");
    let host_port = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    };
    let target = tokio::net::lookup_host(host_port.as_str())
        .await
        .expect("resolvable host")
        .next()
        .expect("an address");
    let (scheme_user, path) = (scheme_user.to_owned(), path.to_owned());
    (target, move |port| {
        format!("{scheme_user}@127.0.0.1:{port}/{path}")
    })
}
