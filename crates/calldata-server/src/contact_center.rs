//! The embedded contact center the server answers from: a live simulation (the default),
//! the demo snapshot, or a calls file, over one [`EmbeddedStore`] with its clock and
//! records; and what the banner says of it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use calldata_bms::embedded::{CallRecord, Placement, demo_records, sample_keys};
use calldata_bms::simulation::{self, ExampleCall, SharedSimulation};
use calldata_bms::{
    Clock, DemoSettings, EmbeddedStore, Simulation, SimulationSettings, StoreOptions,
};
use calldata_model::{AgentKey, CallKey};

use crate::center::SimulationSlot;
use crate::config::{ClockKind, EmbeddedSettings};

/// How often the simulation catches up with the system clock.
const TICK: Duration = Duration::from_millis(250);

/// The embedded contact center, built.
#[derive(Debug)]
pub struct ContactCenter {
    /// The store every interface reads.
    pub store: Arc<EmbeddedStore>,
    /// The simulation writing to it, when live (with a shared center, set once this
    /// replica has joined).
    pub simulation: SimulationSlot,
    /// With a shared center: the simulation this replica starts at the center's genesis,
    /// when live.
    pub join: Option<SimulationSettings>,
    /// A few calls that exist, for trying the API.
    pub sample_calls: Vec<CallKey>,
    /// An agent with a call.
    pub sample_agent: Option<AgentKey>,
    /// What the banner says of a live center.
    pub live: Option<LiveInfo>,
}

/// A live contact center as the banner describes it.
#[derive(Debug, Clone)]
pub struct LiveInfo {
    /// VDNs simulated.
    pub vdns: usize,
    /// Agents simulated.
    pub agents: usize,
    /// Calls arriving per minute.
    pub arrivals_per_minute: f64,
    /// The example calls, in progress until their end.
    pub examples: Vec<ExampleCall>,
    /// Whether the clock is manual (the center moves only when it is advanced).
    pub manual_clock: bool,
    /// The clock's reading at the start (epoch ms).
    pub started_ms: i64,
}

/// The clock of the settings: the system's, or a manual one from `clock_start_ms` (the
/// system clock's reading by default).
fn clock_of(settings: &EmbeddedSettings) -> Clock {
    match settings.clock {
        ClockKind::System => Clock::system(),
        ClockKind::Manual => Clock::manual(
            settings
                .clock_start_ms
                .unwrap_or_else(calldata_bms::clock::system_now_ms),
        ),
    }
}

/// The store's options from the settings; `live` when a simulation writes to it.
fn options(settings: &EmbeddedSettings, clock: Clock, live: bool) -> StoreOptions {
    StoreOptions {
        clock,
        live,
        max_records: settings.max_records,
        tenant_offset: settings.tenant_offset().unwrap_or(time::UtcOffset::UTC),
    }
}

impl ContactCenter {
    /// Builds the contact center of the settings (validated before). A `shared` center's
    /// simulation is not started here: the journal's follower starts it at the center's
    /// genesis (`crate::shared::journal`).
    pub fn build(
        settings: &EmbeddedSettings,
        shared: bool,
    ) -> Result<Self, calldata_bms::LoadError> {
        let clock = clock_of(settings);
        if let Some(path) = &settings.calls_file {
            let mut store = EmbeddedStore::load_file(path)?;
            store.configure(options(settings, clock, false));
            let listed = store.list(&calldata_bms::ListFilter::default(), 100);
            let sample_agent = agent_of_first(listed.iter());
            let sample_calls = listed.into_iter().take(3).map(|r| r.key).collect();
            return Ok(Self::snapshot(store, sample_calls, sample_agent, settings));
        }
        if settings.simulation.enabled {
            if shared {
                return Ok(Self::joining(settings, &clock));
            }
            return Ok(Self::live(settings, &clock));
        }
        let demo = DemoSettings {
            count: settings.demo_calls,
            seed: settings.demo_seed,
        };
        let sample_agent = agent_of_first(demo_records(&demo).take(100).collect::<Vec<_>>().iter());
        let mut store = EmbeddedStore::with_demo_calls(&demo);
        store.configure(options(settings, clock, false));
        Ok(Self::snapshot(
            store,
            sample_keys(&demo, 3),
            sample_agent,
            settings,
        ))
    }

    fn snapshot(
        store: EmbeddedStore,
        sample_calls: Vec<CallKey>,
        sample_agent: Option<AgentKey>,
        settings: &EmbeddedSettings,
    ) -> Self {
        store.set_cti_clock_offset_ms(settings.cti_clock_offset_ms);
        Self {
            store: Arc::new(store),
            simulation: SimulationSlot::default(),
            join: None,
            sample_calls,
            sample_agent,
            live: None,
        }
    }

    /// A simulated center; its driver thread follows the system clock (a manual clock is
    /// followed by whoever advances it).
    fn live(settings: &EmbeddedSettings, clock: &Clock) -> Self {
        let mut store = EmbeddedStore::new();
        store.configure(options(settings, clock.clone(), true));
        store.set_cti_clock_offset_ms(settings.cti_clock_offset_ms);
        let store = Arc::new(store);
        let started_ms = clock.now_ms();
        let started = Simulation::start(store.clone(), &settings.simulation, started_ms);
        let examples = started.examples().to_vec();
        let status = started.status();
        let shared: SharedSimulation = Arc::new(Mutex::new(started));
        if !clock.is_manual()
            && let Err(error) = simulation::drive(&shared, clock.clone(), TICK)
        {
            tracing::error!(%error, "cannot start the simulation's thread: the contact center stands still");
        }
        Self {
            store,
            simulation: Arc::new(std::sync::OnceLock::from(shared)),
            join: None,
            sample_calls: examples.iter().map(|example| example.key).collect(),
            sample_agent: examples.first().map(|example| example.agent),
            live: Some(LiveInfo {
                vdns: status.vdns,
                agents: status.agents,
                arrivals_per_minute: status.arrivals_per_minute,
                examples,
                manual_clock: clock.is_manual(),
                started_ms,
            }),
        }
    }
}

impl ContactCenter {
    /// A simulated center this replica shares with others: its store, empty until the
    /// follower starts the simulation at the center's genesis (so no example calls yet).
    fn joining(settings: &EmbeddedSettings, clock: &Clock) -> Self {
        let mut store = EmbeddedStore::new();
        store.configure(options(settings, clock.clone(), true));
        store.set_cti_clock_offset_ms(settings.cti_clock_offset_ms);
        let simulated = &settings.simulation;
        Self {
            store: Arc::new(store),
            simulation: SimulationSlot::default(),
            join: Some(simulated.clone()),
            sample_calls: Vec::new(),
            sample_agent: None,
            live: Some(LiveInfo {
                vdns: simulated.vdns.len(),
                agents: simulated.vdns.len()
                    * usize::try_from(simulated.agents_per_vdn).unwrap_or(0),
                arrivals_per_minute: simulated.arrivals_per_minute,
                examples: Vec::new(),
                manual_clock: clock.is_manual(),
                started_ms: clock.now_ms(),
            }),
        }
    }
}

/// The agent of the first of `records` that is at an agent.
fn agent_of_first<'a>(mut records: impl Iterator<Item = &'a CallRecord>) -> Option<AgentKey> {
    records.find_map(|record| match record.extras.placement(&record.call) {
        Ok(Placement::Agent(agent_id, _)) => Some(AgentKey {
            cc_id: record.key.cc_id,
            vdn: record.key.vdn,
            agent_id,
        }),
        _ => None,
    })
}
