//! Where calls come from: the [`CallSource`] seam the server asks, and its implementations.
//!
//! Invariant: the server knows only [`CallSource`]; the BMS wire format (`vdnId`, `retCode`)
//! lives in this crate and nowhere else. This crate depends on `calldata-model`, never on
//! the server; the BMS emulator (`calldata-bms-emulator`) depends on it for the wire format.

pub mod adapter;
pub mod clock;
pub mod embedded;
pub mod simulation;
pub mod source;
pub mod wire;

pub use adapter::{HttpBms, HttpBmsSettings};
pub use clock::{Clock, ClockError};
pub use embedded::{
    AgentFilter, AgentRecord, CallExtras, CallRecord, DemoSettings, EmbeddedStore, ListFilter,
    LoadError, Placement, StoreError, StoreOptions, demo_records,
};
pub use simulation::{Simulation, SimulationSettings, SimulationStatus};
pub use source::{
    AnswerFuture, CallSource, Lookup, LookupFuture, Presence, ReadyFuture, SourceError,
};
