//! The embedded contact center as the sandbox changes it: the store, its simulation and
//! the sandbox's bounds ([`Center`]), the changes as data (`change.rs`) and how each
//! applies (`apply.rs`).
//!
//! With `state.backend = "memory"` a change applies at once, on the blocking pool. With
//! `"redis"` it goes into the journal every replica follows (`crate::shared::journal`),
//! and is answered once this replica has applied it in the journal's order: every replica
//! applies the same changes in the same order, at the same instants, to the same
//! simulation, so every replica answers the same.

mod apply;
pub mod change;

use std::sync::{Arc, OnceLock};

use calldata_bms::EmbeddedStore;
use calldata_bms::simulation::SharedSimulation;

pub use apply::{ClockReading, SimulationView, no_simulation};
pub use change::{Applied, CenterChange, Refused};

use crate::shared::journal::Journal;

/// Where the simulation is kept: set at start, or (with shared state) once this replica
/// has joined the shared center.
pub type SimulationSlot = Arc<OnceLock<SharedSimulation>>;

/// When a change applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// At the clock's reading now.
    Now,
    /// At a journal entry's instant (epoch ms on Redis's clock), the simulation first run
    /// up to it.
    At(i64),
}

/// How much the sandbox may add.
#[derive(Debug, Clone, Copy)]
pub struct SandboxLimits {
    /// Most calls the sandbox may bring the store to.
    pub max_calls: usize,
    /// Most bytes the sandbox's additions may hold, above `base_bytes`.
    pub max_bytes: usize,
    /// What the store held at start (demo calls or the calls file).
    pub base_bytes: usize,
}

/// The contact center the sandbox changes.
#[derive(Debug, Clone)]
pub struct Center {
    /// The store every interface reads.
    pub store: Arc<EmbeddedStore>,
    /// Its simulation, when live.
    pub simulation: SimulationSlot,
    /// The sandbox's bounds.
    pub limits: SandboxLimits,
    /// The journal shared with the other replicas, with `state.backend = "redis"`.
    pub journal: Option<Arc<Journal>>,
}

impl Center {
    /// The simulation, when one runs.
    pub fn simulation(&self) -> Option<&SharedSimulation> {
        self.simulation.get()
    }

    /// Makes `change` and answers what it did: at once on the blocking pool (it may hold
    /// the simulation for a while), or through the journal.
    pub async fn submit(&self, change: CenterChange) -> Applied {
        if let Some(journal) = &self.journal {
            return journal.submit(&change).await;
        }
        let center = self.clone();
        actix_web::web::block(move || center.apply(&change, When::Now))
            .await
            .unwrap_or_else(|error| {
                tracing::error!(%error, "a sandbox change did not finish");
                Err(Refused {
                    code: calldata_model::ResultCode::UnknownError,
                    message: "unknown error".to_owned(),
                })
            })
    }
}
