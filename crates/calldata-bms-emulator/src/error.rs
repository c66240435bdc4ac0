//! Why an emulator could not start.

use std::io;
use std::net::SocketAddr;

use calldata_bms::embedded::LoadError;

use crate::faults::FaultError;

/// Why [`crate::RunningEmulator::start`] failed.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the OS said.
        #[source]
        source: io::Error,
    },
    /// The calls could not be loaded.
    #[error("cannot load the calls: {0}")]
    Load(#[from] LoadError),
    /// The start-time faults are invalid.
    #[error("invalid faults: {0}")]
    Faults(#[from] FaultError),
}
