//! What an emulator serves and where: `EmulatorSettings` and `CallsSource`.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use calldata_bms::embedded::{DemoSettings, EmbeddedStore, LoadError};

use crate::faults::Faults;

/// The address the emulator listens on by default: `127.0.0.1:18080`.
pub const DEFAULT_LISTEN: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 18080);

/// How to start an emulator.
#[derive(Debug, Clone, PartialEq)]
pub struct EmulatorSettings {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// The calls it knows.
    pub calls: CallsSource,
    /// The faults injected from the start.
    pub faults: Faults,
}

impl Default for EmulatorSettings {
    fn default() -> Self {
        Self {
            listen: DEFAULT_LISTEN,
            calls: CallsSource::default(),
            faults: Faults::default(),
        }
    }
}

/// Where the emulator's calls come from (the same choices as the server's embedded store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallsSource {
    /// Deterministic demo calls.
    Demo(DemoSettings),
    /// The calls of a JSON or JSON-lines file (see [`EmbeddedStore::load_file`]).
    File(PathBuf),
}

impl Default for CallsSource {
    fn default() -> Self {
        Self::Demo(DemoSettings::default())
    }
}

impl CallsSource {
    /// Builds the store holding these calls.
    pub fn load(&self) -> Result<EmbeddedStore, LoadError> {
        match self {
            Self::Demo(demo) => Ok(EmbeddedStore::with_demo_calls(demo)),
            Self::File(path) => EmbeddedStore::load_file(path),
        }
    }
}
