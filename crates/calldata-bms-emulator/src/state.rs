//! The state one emulator's connections share: its calls, its current faults, its counters.

use std::sync::{Arc, Mutex, PoisonError};

use calldata_bms::embedded::EmbeddedStore;

use crate::faults::{FaultError, Faults};
use crate::stats::{Counter, Counters, EmulatorStats};

/// Everything a request handler needs; one per running emulator, never global.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The calls served.
    pub(crate) store: Arc<EmbeddedStore>,
    /// The faults in force (replaced whole, read as a cheap `Arc` clone).
    faults: Mutex<Arc<Faults>>,
    /// The counters.
    counters: Counters,
}

impl Shared {
    /// State serving `store` with `faults` (already validated).
    pub(crate) fn new(store: Arc<EmbeddedStore>, faults: Faults) -> Self {
        Self {
            store,
            faults: Mutex::new(Arc::new(faults)),
            counters: Counters::default(),
        }
    }

    /// The faults in force.
    pub(crate) fn faults(&self) -> Arc<Faults> {
        Arc::clone(&self.faults.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Validates and installs new faults.
    pub(crate) fn set_faults(&self, faults: Faults) -> Result<(), FaultError> {
        faults.validate()?;
        *self.faults.lock().unwrap_or_else(PoisonError::into_inner) = Arc::new(faults);
        Ok(())
    }

    /// Adds one to `counter`.
    pub(crate) fn count(&self, counter: Counter) {
        self.counters.add(counter);
    }

    /// The counters now.
    pub(crate) fn stats(&self) -> EmulatorStats {
        self.counters.snapshot()
    }
}
