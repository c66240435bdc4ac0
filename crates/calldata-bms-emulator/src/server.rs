//! `RunningEmulator`: binding, the accept loop in a background task, and stopping.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

use calldata_bms::embedded::EmbeddedStore;

use crate::connection;
use crate::error::EmulatorError;
use crate::faults::{FaultError, Faults};
use crate::settings::EmulatorSettings;
use crate::state::Shared;
use crate::stats::EmulatorStats;

/// An emulator serving in background tokio tasks; dropping it stops it too (without waiting).
#[derive(Debug)]
pub struct RunningEmulator {
    /// The address actually bound.
    address: SocketAddr,
    /// State shared with the connections.
    shared: Arc<Shared>,
    /// Tells the accept loop to stop (dropping it does too).
    shutdown: Option<oneshot::Sender<()>>,
    /// The accept loop.
    task: Option<JoinHandle<()>>,
}

impl RunningEmulator {
    /// Loads the calls, binds `settings.listen` (port 0 picks one) and starts serving.
    pub async fn start(settings: EmulatorSettings) -> Result<Self, EmulatorError> {
        settings.faults.validate()?;
        let store = Arc::new(settings.calls.load()?);
        let bind_error = |source| EmulatorError::Bind {
            addr: settings.listen,
            source,
        };
        let listener = TcpListener::bind(settings.listen)
            .await
            .map_err(bind_error)?;
        let address = listener.local_addr().map_err(bind_error)?;
        let shared = Arc::new(Shared::new(store, settings.faults));
        let (shutdown, stop_requested) = oneshot::channel();
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&shared), stop_requested));
        Ok(Self {
            address,
            shared,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }

    /// The address the emulator listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `http://IP:PORT`, with a loopback IP when listening on all interfaces.
    pub fn base_url(&self) -> String {
        let ip = match self.address.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        format!("http://{}", SocketAddr::new(ip, self.address.port()))
    }

    /// Replaces the faults in force (refused, leaving them unchanged, when invalid).
    pub fn set_faults(&self, faults: Faults) -> Result<(), FaultError> {
        self.shared.set_faults(faults)
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        Faults::clone(&self.shared.faults())
    }

    /// The counters now.
    pub fn stats(&self) -> EmulatorStats {
        self.shared.stats()
    }

    /// The calls served; changes to it (a call starts or ends) are seen by the next query.
    pub fn store(&self) -> &Arc<EmbeddedStore> {
        &self.shared.store
    }

    /// Stops accepting, closes every connection (hung ones too) and waits until that is done.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            // The loop only ends by returning; a join error would mean it was aborted.
            let _ = task.await;
        }
    }
}

/// Accepts connections until told to stop, then closes them all.
async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stop_requested: oneshot::Receiver<()>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            biased;
            // A stop request, or the `RunningEmulator` dropped.
            _ = &mut stop_requested => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    connections.spawn(connection::serve(stream, Arc::clone(&shared)));
                }
                // Out of file descriptors and the like: wait a little rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    connections.shutdown().await;
}
