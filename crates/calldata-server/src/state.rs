//! `AppState`: what every request handler shares, built once at start.

use std::sync::Arc;

use crate::center::{Center, SimulationSlot};
use crate::config::CtiVersion;
use crate::metrics::Metrics;
use crate::shared::journal::Journal;
use calldata_bms::{CallSource, EmbeddedStore};

/// Shared state of the running service.
pub struct AppState {
    /// Keys, lockout, replay and rate-limit tables: what the signed pipeline checks with.
    pub auth: crate::auth::AuthGuard,
    /// Where calls are looked up.
    pub source: Arc<dyn CallSource>,
    /// The embedded store, when the sandbox admin API is on.
    pub sandbox: Option<Arc<EmbeddedStore>>,
    /// The contact center the sandbox changes, when the sandbox admin API is on.
    pub center: Option<Center>,
    /// The simulation of the live contact center, when it runs: held here (its thread
    /// holds it weakly and ends with it).
    pub simulation: SimulationSlot,
    /// The journal of the contact center shared with other replicas, with
    /// `state.backend = "redis"` and the embedded backend.
    pub journal: Option<Arc<Journal>>,
    /// Allowance of request-log lines for refused requests.
    pub refused_lines: Arc<crate::refused_lines::RefusedLines>,
    /// Metrics registry.
    pub metrics: Metrics,
    /// Write `result`/`resultDatas` on success.
    pub legacy_fields: bool,
    /// The platform's CTI version.
    pub cti_version: CtiVersion,
    /// Largest accepted body.
    pub body_limit: usize,
    /// Request ID generator.
    pub request_ids: crate::request_ids::RequestIds,
    /// Longest wait for a whole body.
    pub body_deadline: std::time::Duration,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("source", &self.source.kind())
            .field("sandbox", &self.sandbox.is_some())
            .field("keys", &self.auth.keys.len())
            .finish_non_exhaustive()
    }
}
