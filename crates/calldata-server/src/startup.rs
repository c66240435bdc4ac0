//! `Application`: builds the state, binds the listener and starts the HTTP(S) server.
//! `main` and the tests both start the service through here.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::{App, web};
use calldata_bms::{CallSource, EmbeddedStore, HttpBms};
use calldata_model::auth::VerifyPolicy;
use calldata_model::{AgentKey, CallKey};

use crate::auth::replay::Replays;
use crate::auth::{AcceptedHosts, AuthGuard, KeyRegistry, Lockout, Scope, WorkerKeyCache};
use crate::center::{Center, SandboxLimits, SimulationSlot};
use crate::config::{Backend, Settings};
use crate::conn::{self, ConnStats, Limits, ServeOptions};
use crate::contact_center::{ContactCenter, LiveInfo};
use crate::data_dir::{self, DataDirError, DemoKey};
use crate::metrics::{Metrics, Shard};
use crate::refused_lines::RefusedLines;
use crate::routes;
use crate::shared::journal::Journal;
use crate::shared::{SharedState, StateBackend};
use crate::state::AppState;
use crate::tls::{self, TlsError};

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The data directory could not be prepared.
    #[error(transparent)]
    DataDir(#[from] DataDirError),
    /// TLS could not be set up.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The BMS adapter could not be built.
    #[error("cannot set up the BMS adapter: {0}")]
    Bms(#[from] calldata_bms::adapter::BuildError),
    /// The calls file could not be loaded.
    #[error("cannot load calls file: {0}")]
    Calls(#[from] calldata_bms::LoadError),
    /// A configured key could not be loaded.
    #[error(transparent)]
    Keys(#[from] crate::auth::keys::KeyLoadError),
    /// The shared state's Redis cannot be set up (a bad URL; an unreachable Redis is not
    /// an error at start).
    #[error(transparent)]
    SharedState(#[from] crate::shared::SharedStateError),
    /// The address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// What the startup banner shows.
#[derive(Debug, Clone)]
pub struct StartupInfo {
    /// The bound address.
    pub address: SocketAddr,
    /// Whether the server speaks HTTPS.
    pub tls: bool,
    /// The demo key, when no key is configured.
    pub demo_key: Option<DemoKey>,
    /// The CA certificate to trust, when the certificate was generated.
    pub ca_cert: Option<PathBuf>,
    /// Kind of call source.
    pub source: &'static str,
    /// Number of calls the embedded store holds.
    pub calls: usize,
    /// A few calls that exist, for trying the API.
    pub sample_calls: Vec<CallKey>,
    /// An agent with a call, for trying the agent views.
    pub sample_agent: Option<AgentKey>,
    /// Whether the sandbox admin API is served.
    pub sandbox: bool,
    /// The live contact center, when the embedded store is simulated.
    pub live: Option<LiveInfo>,
    /// How long a signature stays valid (the clock-skew window), seconds.
    pub signature_window_secs: u64,
}

/// A bound, ready-to-run service.
pub struct Application {
    server: Server,
    info: StartupInfo,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl Application {
    /// Builds everything the settings describe and binds the listener (port 0 picks one).
    pub fn build(settings: &Settings) -> Result<Self, StartupError> {
        let mut metrics = Metrics::new();
        let (source, center) = build_source(settings, &mut metrics)?;
        let (store, simulation, join, sample_calls, sample_agent, live) = match center {
            Some(center) => (
                Some(center.store),
                center.simulation,
                center.join,
                center.sample_calls,
                center.sample_agent,
                center.live,
            ),
            None => (
                None,
                SimulationSlot::default(),
                None,
                Vec::new(),
                None,
                None,
            ),
        };
        let conn_stats = Arc::new(ConnStats::new(metrics.registry_mut()));
        let calls = store.as_ref().map_or(0, |s| s.len());
        let (keys, demo_key) = build_keys(settings)?;
        let state = web::Data::new(build_state(
            settings,
            source,
            EmbeddedCenter {
                store,
                simulation,
                join,
            },
            keys,
            metrics,
        )?);
        let sandbox = state.sandbox.clone();
        let source_kind = state.source.kind();

        let (limits, workers) = connection_limits(settings);
        let listener = conn::listener::bind(settings.listen, settings.connections.backlog)
            .map_err(|source| StartupError::Bind {
                address: settings.listen,
                source,
            })?;
        let address = listener.local_addr().map_err(|source| StartupError::Bind {
            address: settings.listen,
            source,
        })?;
        let with_sandbox = sandbox.is_some();
        let workers_built = Arc::new(AtomicUsize::new(0));
        let app = move || {
            // Called once per worker (again if actix rebuilds one): numbers the shards.
            let shard = Shard::of_worker(workers_built.fetch_add(1, Ordering::Relaxed));
            App::new()
                .app_data(state.clone())
                // Built once per worker: each worker verifies with its own key cache and
                // counts its requests in its own metrics shard.
                .app_data(WorkerKeyCache::default())
                .app_data(shard)
                .wrap(crate::request_log::Observe::new(
                    state.clone(),
                    shard,
                    with_sandbox,
                ))
                .configure(|config| routes::configure(config, with_sandbox))
        };
        let mut ca_cert = None;
        let tls = if settings.tls_enabled() {
            let configured = settings.tls_cert.clone().zip(settings.tls_key.clone());
            let (cert, key) = if let Some(pair) = configured {
                pair
            } else {
                let generated = data_dir::ensure_certificate(&settings.data_dir)?;
                ca_cert = Some(generated.ca_cert);
                (generated.server_cert, generated.server_key)
            };
            Some(Arc::new(tls::server_config(&cert, &key)?))
        } else {
            None
        };
        let options = ServeOptions {
            workers,
            tls,
            keep_alive: Duration::from_secs(settings.keep_alive_secs),
            client_request_timeout: Duration::from_millis(settings.client_request_timeout_ms),
            shutdown_timeout_secs: settings.shutdown_timeout_secs,
            limits: Arc::new(limits),
            stats: conn_stats,
        };
        let server = conn::serve(listener, app, options)
            .map_err(|source| StartupError::Bind { address, source })?;
        let info = StartupInfo {
            address,
            tls: settings.tls_enabled(),
            demo_key,
            ca_cert,
            source: source_kind,
            calls,
            sample_calls,
            sample_agent,
            sandbox: with_sandbox,
            live,
            signature_window_secs: settings.max_clock_skew_secs,
        };
        Ok(Self { server, info })
    }

    /// The bound address.
    pub fn address(&self) -> SocketAddr {
        self.info.address
    }

    /// What the banner shows.
    pub fn info(&self) -> &StartupInfo {
        &self.info
    }

    /// A handle to stop the server.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (SIGINT/SIGTERM or the handle), draining in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// The connection limits: the soft open-file limit raised first, then the settings
/// resolved against it; returns them with the worker count.
fn connection_limits(settings: &Settings) -> (Limits, usize) {
    let open_files = raise_open_file_limit();
    let workers = if settings.workers > 0 {
        settings.workers
    } else {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    };
    let limits = Limits::resolve(settings, open_files, workers);
    if limits.max_connections > conn::limits::connections_room(open_files) {
        tracing::warn!(
            max_connections = limits.max_connections,
            open_files,
            "connections.max_connections leaves too few of the open-file limit for the \
             rest: past it, accepts fail until connections close; raise the hard limit \
             (LimitNOFILE=) or lower the setting"
        );
    }
    tracing::info!(
        max_connections = limits.max_connections,
        open_files,
        "connection limits set"
    );
    (limits, workers)
}

/// The embedded contact center as `build` made it, for the state.
struct EmbeddedCenter {
    store: Option<Arc<EmbeddedStore>>,
    simulation: SimulationSlot,
    join: Option<calldata_bms::SimulationSettings>,
}

/// The state every handler shares, from the settings and what `build` made of them; starts
/// the ticker of refused requests' log lines and, with shared state, the follower of the
/// shared contact center's journal.
fn build_state(
    settings: &Settings,
    source: Arc<dyn CallSource>,
    embedded: EmbeddedCenter,
    keys: KeyRegistry,
    mut metrics: Metrics,
) -> Result<AppState, StartupError> {
    let refused_lines = Arc::new(RefusedLines::new(settings.log.refused_lines_per_second));
    if let Err(error) = refused_lines.start_ticker() {
        // Without the ticker the allowance never starts afresh: after the first lines,
        // refused requests go unlogged (answered ones keep their lines).
        tracing::error!(%error, "cannot start the ticker of refused requests' log lines");
    }
    let window = Duration::from_secs(settings.max_clock_skew_secs);
    let lockout = Lockout::new(&settings.lockout);
    let shared = match settings.state.backend {
        StateBackend::Memory => None,
        StateBackend::Redis => Some(SharedState::start(
            &settings.state.redis,
            &settings.lockout,
            &settings.rate_limit,
            window,
            lockout.clone(),
            metrics.registry_mut(),
        )?),
    };
    // A center that can change (the sandbox on, or a simulation) is one journal; a
    // snapshot nobody changes needs none, and is ready without Redis.
    let changes = settings.embedded.sandbox || embedded.join.is_some();
    let journal = shared
        .as_ref()
        .zip(embedded.store.as_ref())
        .filter(|_| changes)
        .map(|(shared, store)| {
            let journal = Journal::new(Arc::clone(shared));
            let follower = Center {
                store: Arc::clone(store),
                simulation: embedded.simulation.clone(),
                limits: sandbox_limits(settings, store),
                journal: None,
            };
            tokio::spawn(crate::shared::journal::follow(
                Arc::clone(&journal),
                follower,
                embedded.join.clone(),
            ));
            journal
        });
    let center = embedded
        .store
        .as_ref()
        .filter(|_| settings.embedded.sandbox)
        .map(|store| Center {
            store: Arc::clone(store),
            simulation: embedded.simulation.clone(),
            limits: sandbox_limits(settings, store),
            journal: journal.clone(),
        });
    Ok(AppState {
        auth: AuthGuard {
            keys,
            verify_policy: VerifyPolicy {
                max_clock_skew: window,
            },
            lockout,
            rate_limits: crate::auth::rate_limit::RateLimits::new(
                settings.rate_limit.per_second,
                settings.rate_limit.burst,
                settings.replay.max_signatures,
            ),
            replays: Replays::new(
                settings.replay.max_signatures,
                window,
                settings.rate_limit.per_second > 0,
            ),
            accepted_hosts: AcceptedHosts::new(&settings.accepted_hosts),
            trusted_proxies: settings.trusted_proxies.clone(),
            shared,
        },
        source,
        sandbox: center.as_ref().map(|center| Arc::clone(&center.store)),
        center,
        simulation: embedded.simulation,
        journal,
        refused_lines,
        metrics,
        legacy_fields: settings.legacy_fields,
        cti_version: settings.cti_version,
        body_limit: settings.body_limit_bytes,
        request_ids: crate::request_ids::RequestIds::new(),
        body_deadline: Duration::from_millis(settings.client_request_timeout_ms),
    })
}

/// The sandbox's bounds over `store` as it is at start.
fn sandbox_limits(settings: &Settings, store: &EmbeddedStore) -> SandboxLimits {
    SandboxLimits {
        max_calls: settings.embedded.max_calls,
        max_bytes: settings.embedded.max_sandbox_bytes,
        base_bytes: store.bytes_held(),
    }
}

/// Raises the soft open-file limit to the hard one (connections need a descriptor each)
/// and returns the limit in force.
fn raise_open_file_limit() -> u64 {
    match conn::limits::raise_open_file_limit() {
        Ok((before, after)) if after > before => {
            tracing::info!(
                before,
                after,
                "raised the open-file limit to the hard limit"
            );
            after
        }
        Ok((_, after)) => after,
        Err(error) => {
            tracing::warn!(%error, "cannot read or raise the open-file limit; assuming 1024");
            1024
        }
    }
}

/// The call source, and the embedded contact center when it is the source.
fn build_source(
    settings: &Settings,
    metrics: &mut Metrics,
) -> Result<(Arc<dyn CallSource>, Option<ContactCenter>), StartupError> {
    match settings.backend {
        Backend::Bms => {
            let bms = HttpBms::new(&settings.bms, Some(metrics.registry_mut()))?;
            Ok((Arc::new(bms), None))
        }
        Backend::Embedded => {
            let center = ContactCenter::build(
                &settings.embedded,
                settings.state.backend == StateBackend::Redis,
            )?;
            Ok((center.store.clone(), Some(center)))
        }
    }
}

fn build_keys(settings: &Settings) -> Result<(KeyRegistry, Option<DemoKey>), StartupError> {
    if !settings.keys.is_empty() {
        return Ok((KeyRegistry::from_settings(&settings.keys)?, None));
    }
    let demo = data_dir::ensure_demo_key(&settings.data_dir)?;
    let mut keys = KeyRegistry::default();
    keys.insert(
        demo.access_key.clone(),
        demo.secret_key.clone(),
        Scope::default(),
    );
    Ok((keys, Some(demo)))
}
