//! `calldata-server`: the CC-CMS call-data interfaces (`calldata_model::INTERFACES`) over
//! HTTPS, in front of a [`calldata_bms::CallSource`] (the embedded call store by default).
//!
//! Invariant: the server knows the open API's wire contract and `CallSource`, never the BMS
//! wire format. Everything a handler needs is in [`state::AppState`], built once by
//! [`startup::Application::build`] from one [`config::Settings`]; there is no global state
//! besides the logger the binary installs.

pub mod answer;
pub mod auth;
pub mod banner;
pub mod center;
pub mod cli;
pub mod config;
pub mod conn;
pub mod contact_center;
pub mod data_dir;
pub mod errors;
pub mod metrics;
pub mod refused_lines;
pub mod request_ids;
pub mod request_log;
pub mod routes;
pub mod shared;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod tls;

pub use config::Settings;
pub use startup::{Application, StartupError};
