//! The BMS emulator: a real-socket stand-in for a BMS, for tests and demos.
//!
//! It answers `POST /ccbms/ws/monitor/querybasecallinfo` (in the wire format of
//! [`calldata_bms::wire`]) from an [`EmbeddedStore`](calldata_bms::EmbeddedStore) (the same
//! demo calls or file as the server's default), and injects [`Faults`] on demand: latency,
//! HTTP 500, an injected `retCode`, malformed bodies, TCP resets and hangs. The admin API on
//! the same port (`/emulator/faults`, `/emulator/stats`) changes faults at run time and reads
//! counters; faults never apply to it. `bin/bms-emulator.rs` runs it as a program.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use calldata_bms_emulator::{EmulatorSettings, Faults, RunningEmulator};
//!
//! let settings = EmulatorSettings { listen: "127.0.0.1:0".parse()?, ..EmulatorSettings::default() };
//! let emulator = RunningEmulator::start(settings).await?;
//! println!("BMS at {}", emulator.base_url());
//! emulator.set_faults(Faults { error_rate: 0.5, ..Faults::default() })?;
//! emulator.stop().await;
//! # Ok(())
//! # }
//! ```
//!
//! A crate of its own, so that the server, which links `calldata-bms`, does not link hyper's
//! server side for it: `calldata-model` ← `calldata-bms` ← `calldata-bms-emulator`.

mod admin;
mod bms;
mod connection;
mod error;
mod faults;
mod http;
mod server;
mod service;
mod settings;
mod state;
mod stats;

pub use admin::{ADMIN_PREFIX, FAULTS_PATH, STATS_PATH};
pub use error::EmulatorError;
pub use faults::{FaultError, Faults, LatencyRange};
pub use server::RunningEmulator;
pub use settings::{CallsSource, DEFAULT_LISTEN, EmulatorSettings};
pub use stats::EmulatorStats;
