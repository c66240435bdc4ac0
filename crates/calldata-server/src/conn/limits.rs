//! The connection limits in force (resolved once from the settings and the process's
//! open-file limit) and the counts of connections this layer opened and closed.

use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::config::Settings;
use crate::metrics::ReasonLabels;

/// Time a late request part gets beyond `client_request_timeout_ms` before its connection
/// is closed, so that the HTTP layer's own 408 (first head, body deadline) goes out first.
pub const REQUEST_GRACE: Duration = Duration::from_secs(1);
/// Most connections when `connections.max_connections` is 0 and the open-file limit allows.
pub const AUTO_MAX_CONNECTIONS: usize = 25_000;
/// Longest request head the layer follows; longer ones go to actix-http untracked (it
/// refuses heads past 128 KiB), and their connection closes at the request deadline.
pub const MAX_TRACKED_HEAD: usize = 64 * 1024;

/// Why this layer closed a connection (the `reason` label of the metric).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseReason {
    /// The TLS handshake did not finish in time.
    HandshakeTimeout,
    /// Too many handshakes at once: the oldest was dropped.
    HandshakeShed,
    /// A request's head and body did not arrive in time.
    RequestTimeout,
    /// The peer did not read an answer in time.
    WriteTimeout,
    /// Idle past the keep-alive time.
    IdleTimeout,
    /// Near the connection limit: an idle connection was dropped to make room.
    IdleShed,
    /// Near the connection limit: a connection stuck in a handshake, a request or a write
    /// was dropped to make room.
    StalledShed,
    /// At the connection limit: a new connection was refused.
    Refused,
}

impl CloseReason {
    const ALL: [Self; 8] = [
        Self::HandshakeTimeout,
        Self::HandshakeShed,
        Self::RequestTimeout,
        Self::WriteTimeout,
        Self::IdleTimeout,
        Self::IdleShed,
        Self::StalledShed,
        Self::Refused,
    ];

    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            Self::HandshakeTimeout => "handshake_timeout",
            Self::HandshakeShed => "handshake_shed",
            Self::RequestTimeout => "request_timeout",
            Self::WriteTimeout => "write_timeout",
            Self::IdleTimeout => "idle_timeout",
            Self::IdleShed => "idle_shed",
            Self::StalledShed => "stalled_shed",
            Self::Refused => "refused_at_limit",
        }
    }
}

/// The limits every worker applies.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Most connections open at once in the process.
    pub max_connections: usize,
    /// Above this many open connections, a new one sheds others.
    pub shed_above: usize,
    /// Most TLS handshakes under way in one worker.
    pub handshakes_per_worker: usize,
    /// Time a TLS handshake gets.
    pub handshake_timeout: Duration,
    /// Time a request's head and body get from its first byte (grace included).
    pub request_timeout: Duration,
    /// Time the answers written get to reach the socket once a write blocks.
    pub write_timeout: Duration,
    /// Time a connection may sit between requests (a backstop behind actix-http's own).
    pub idle_timeout: Duration,
    /// Kernel send buffer of each connection; `None` leaves the kernel's autotuning.
    pub send_buffer: Option<usize>,
}

impl Limits {
    /// The limits for `settings`, given the open-file limit and the worker count.
    pub fn resolve(settings: &Settings, open_files: u64, workers: usize) -> Self {
        let connections = &settings.connections;
        let max_connections = if connections.max_connections > 0 {
            connections.max_connections
        } else {
            auto_max_connections(open_files)
        };
        let workers = workers.max(1);
        Self {
            max_connections,
            shed_above: max_connections - max_connections / 10,
            handshakes_per_worker: connections.max_tls_handshakes.div_ceil(workers).max(1),
            handshake_timeout: Duration::from_millis(connections.tls_handshake_timeout_ms),
            request_timeout: Duration::from_millis(settings.client_request_timeout_ms)
                + REQUEST_GRACE,
            write_timeout: Duration::from_millis(connections.write_timeout_ms),
            idle_timeout: Duration::from_secs(settings.keep_alive_secs) + REQUEST_GRACE,
            send_buffer: (connections.send_buffer_bytes > 0)
                .then_some(connections.send_buffer_bytes),
        }
    }

    /// How often a worker looks for connections past their deadline: a tenth of the
    /// shortest deadline, within 20 ms and 250 ms.
    pub(crate) fn sweep_tick(&self) -> Duration {
        let shortest = self
            .handshake_timeout
            .min(self.request_timeout)
            .min(self.write_timeout);
        (shortest / 10).clamp(Duration::from_millis(20), Duration::from_millis(250))
    }
}

/// Connections the open-file limit leaves room for: a sixteenth (at least 64) of the
/// descriptors stay for the listener, the BMS pool, logs and files.
pub fn connections_room(open_files: u64) -> usize {
    let open_files = usize::try_from(open_files).unwrap_or(usize::MAX);
    let reserve = (open_files / 16).max(64);
    open_files.saturating_sub(reserve)
}

/// The limit when `connections.max_connections` is 0: the room the open-file limit leaves,
/// at most [`AUTO_MAX_CONNECTIONS`] (and at least 16).
pub fn auto_max_connections(open_files: u64) -> usize {
    connections_room(open_files).clamp(16, AUTO_MAX_CONNECTIONS)
}

/// Connections open now and closed by this layer, shared by every worker.
#[derive(Debug)]
pub struct ConnStats {
    open: Gauge,
    closed: Family<ReasonLabels, Counter>,
}

impl ConnStats {
    /// Counts registered in `registry`.
    pub fn new(registry: &mut Registry) -> Self {
        let open = Gauge::default();
        registry.register(
            "connections_open",
            "Client connections open now",
            open.clone(),
        );
        let closed = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "connections_closed",
            "Client connections closed by the server's connection limits, by reason",
            closed.clone(),
        );
        for reason in CloseReason::ALL {
            // Every reason shows from the start, at 0.
            let _ = closed.get_or_create(&ReasonLabels {
                reason: reason.label(),
            });
        }
        Self { open, closed }
    }

    /// Counts a new connection; returns how many are open with it.
    pub(crate) fn opened_one(&self) -> usize {
        usize::try_from(self.open.inc()).map_or(0, |before| before + 1)
    }

    pub(crate) fn closed_one(&self) {
        self.open.dec();
    }

    pub(crate) fn count_close(&self, reason: CloseReason) {
        self.closed
            .get_or_create(&ReasonLabels {
                reason: reason.label(),
            })
            .inc();
    }
}

/// Raises the soft open-file limit to the hard one; returns the limits before and after.
pub fn raise_open_file_limit() -> std::io::Result<(u64, u64)> {
    let (before, _) = rlimit::getrlimit(rlimit::Resource::NOFILE)?;
    let after = rlimit::increase_nofile_limit(u64::MAX)?;
    Ok((before, after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_automatic_limit_leaves_descriptors_for_everything_else() {
        assert_eq!(auto_max_connections(1024), 960);
        assert_eq!(auto_max_connections(20_000), 18_750);
        assert_eq!(auto_max_connections(1 << 20), AUTO_MAX_CONNECTIONS);
        assert_eq!(auto_max_connections(10), 16);
    }
}
