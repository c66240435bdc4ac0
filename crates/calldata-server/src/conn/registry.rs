//! The live connections of one worker: each connection's phase, the sweep that closes a
//! connection past its phase's deadline, and the shedding that makes room near the limit.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use slab::Slab;

use crate::conn::limits::{CloseReason, ConnStats, Limits};

/// What a connection is doing, as far as its deadlines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// The TLS handshake (`tls_handshake_timeout_ms`).
    Handshake,
    /// Between requests (`keep_alive_secs`).
    Idle,
    /// A request has begun to arrive (`client_request_timeout_ms`).
    Reading,
    /// The whole request is in; the answer is not written yet (no deadline of its own).
    Answering,
}

/// A worker's reading of the clock, renewed at each sweep and each new connection: phase
/// changes, several per request, take their time from it instead of the system clock (a
/// deadline is only checked at the sweeps anyway).
#[derive(Debug)]
pub(crate) struct Clock(Cell<Instant>);

impl Clock {
    fn now(&self) -> Instant {
        self.0.get()
    }

    fn renew(&self) -> Instant {
        let now = Instant::now();
        self.0.set(now);
        now
    }
}

/// One connection's state, shared by its I/O, its task and its worker's registry.
pub(crate) struct Conn {
    clock: Rc<Clock>,
    phase: Cell<Phase>,
    since: Cell<Instant>,
    write_blocked_since: Cell<Option<Instant>>,
    closed: Cell<Option<CloseReason>>,
    waker: Cell<Option<Waker>>,
    handshaking: Cell<bool>,
    /// At least one answer was written on this connection.
    served: Cell<bool>,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("phase", &self.phase.get())
            .field("since", &self.since.get())
            .field("write_blocked_since", &self.write_blocked_since.get())
            .field("closed", &self.closed.get())
            .finish_non_exhaustive()
    }
}

impl Conn {
    fn new(phase: Phase, clock: Rc<Clock>) -> Self {
        let now = clock.now();
        Self {
            clock,
            phase: Cell::new(phase),
            since: Cell::new(now),
            write_blocked_since: Cell::new(None),
            closed: Cell::new(None),
            waker: Cell::new(None),
            handshaking: Cell::new(false),
            served: Cell::new(false),
        }
    }

    pub(crate) fn phase(&self) -> Phase {
        self.phase.get()
    }

    /// Enters `phase` now (as the worker's clock reads).
    pub(crate) fn enter(&self, phase: Phase) {
        if phase == Phase::Answering {
            self.served.set(true);
        }
        self.phase.set(phase);
        self.since.set(self.clock.now());
    }

    /// Whether a write is waiting for the peer to read.
    pub(crate) fn write_blocked(&self) -> bool {
        self.write_blocked_since.get().is_some()
    }

    /// A write could not go on: the peer is not reading.
    pub(crate) fn set_write_blocked(&self) {
        if self.write_blocked_since.get().is_none() {
            self.write_blocked_since.set(Some(Instant::now()));
        }
    }

    /// Everything written so far has reached the socket.
    pub(crate) fn write_drained(&self) {
        self.write_blocked_since.set(None);
    }

    /// Why the connection was closed by this layer, once it was.
    pub(crate) fn closed(&self) -> Option<CloseReason> {
        self.closed.get()
    }

    fn deadline(&self, limits: &Limits) -> Option<(Instant, CloseReason)> {
        let write = self
            .write_blocked_since
            .get()
            .map(|since| (since + limits.write_timeout, CloseReason::WriteTimeout));
        let since = self.since.get();
        let phase = match self.phase.get() {
            Phase::Handshake => Some((
                since + limits.handshake_timeout,
                CloseReason::HandshakeTimeout,
            )),
            Phase::Idle => Some((since + limits.idle_timeout, CloseReason::IdleTimeout)),
            Phase::Reading => Some((since + limits.request_timeout, CloseReason::RequestTimeout)),
            Phase::Answering => None,
        };
        match (write, phase) {
            (Some(w), Some(p)) => Some(if w.0 <= p.0 { w } else { p }),
            (w, p) => w.or(p),
        }
    }

    /// Where this connection stands in the shedding order: idle keep-alive connections
    /// first, then those stuck in a handshake, a request, a write, or waiting for their first
    /// request, oldest first; `None` while answering or within [`SHED_MIN_AGE`] of entering
    /// its phase (`young_since`), so a new client's connection is not taken for a stuck one.
    fn shed_rank(&self, young_since: Instant) -> Option<(u8, Instant)> {
        let since = self.since.get();
        if since > young_since {
            return None;
        }
        if self.write_blocked_since.get().is_some() {
            return Some((1, since));
        }
        match self.phase.get() {
            Phase::Idle if self.served.get() => Some((0, since)),
            Phase::Idle | Phase::Handshake | Phase::Reading => Some((1, since)),
            Phase::Answering => None,
        }
    }
}

/// How long a connection is spared from shedding after it enters a phase.
const SHED_MIN_AGE: Duration = Duration::from_millis(500);
/// Slots of the table each shedding looks at (at least).
const SHED_WINDOW: usize = 256;

/// The connections of one worker.
#[derive(Debug)]
pub(crate) struct WorkerConns {
    clock: Rc<Clock>,
    limits: Arc<Limits>,
    stats: Arc<ConnStats>,
    live: RefCell<Slab<Rc<Conn>>>,
    /// Connections in their handshake, oldest first (finished ones are skipped lazily).
    handshakes: RefCell<VecDeque<Weak<Conn>>>,
    handshaking: Cell<usize>,
    /// Connections closed by this layer whose task has not ended yet.
    doomed: Cell<usize>,
    /// Where the next shedding window starts.
    shed_cursor: Cell<usize>,
}

/// A connection admitted to a worker; leaving the registry when dropped.
#[derive(Debug)]
pub(crate) struct Admitted {
    worker: Rc<WorkerConns>,
    key: usize,
    pub(crate) conn: Rc<Conn>,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.worker.live.borrow_mut().try_remove(self.key);
        self.worker.stats.closed_one();
        if self.conn.closed().is_some() {
            self.worker
                .doomed
                .set(self.worker.doomed.get().saturating_sub(1));
        }
        self.worker.handshake_over(&self.conn);
    }
}

impl WorkerConns {
    pub(crate) fn new(limits: Arc<Limits>, stats: Arc<ConnStats>) -> Rc<Self> {
        Rc::new(Self {
            clock: Rc::new(Clock(Cell::new(Instant::now()))),
            limits,
            stats,
            live: RefCell::new(Slab::new()),
            handshakes: RefCell::new(VecDeque::new()),
            handshaking: Cell::new(0),
            doomed: Cell::new(0),
            shed_cursor: Cell::new(0),
        })
    }

    /// Admits a new connection (starting in its handshake when `tls`), shedding others when
    /// the process is near its limit; `None` when it is at the limit and the connection is
    /// to be closed at once.
    pub(crate) fn admit(self: &Rc<Self>, tls: bool) -> Option<Admitted> {
        let now = self.clock.renew();
        let open = self.stats.opened_one();
        if open > self.limits.shed_above {
            self.shed(open - self.limits.shed_above, now);
        }
        if open > self.limits.max_connections {
            self.stats.closed_one();
            self.stats.count_close(CloseReason::Refused);
            return None;
        }
        let phase = if tls { Phase::Handshake } else { Phase::Idle };
        let conn = Rc::new(Conn::new(phase, self.clock.clone()));
        let key = self.live.borrow_mut().insert(conn.clone());
        Some(Admitted {
            worker: self.clone(),
            key,
            conn,
        })
    }

    /// The kernel send buffer each connection gets, if set.
    pub(crate) fn send_buffer(&self) -> Option<usize> {
        self.limits.send_buffer
    }

    /// The handshake of `conn` ended (done, failed, or the connection closed).
    pub(crate) fn handshake_over(&self, conn: &Conn) {
        if conn.handshaking.replace(false) {
            self.handshaking
                .set(self.handshaking.get().saturating_sub(1));
        }
    }

    /// The peer of `conn` sent its first bytes: its TLS handshake starts, and counts
    /// against the handshake limit (a peer that sends nothing holds only its socket).
    pub(crate) fn start_handshake(&self, conn: &Rc<Conn>) {
        let mut queue = self.handshakes.borrow_mut();
        while self.handshaking.get() >= self.limits.handshakes_per_worker {
            let Some(oldest) = queue.pop_front() else {
                break;
            };
            if let Some(oldest) = oldest.upgrade().filter(|c| c.handshaking.get()) {
                self.close(&oldest, CloseReason::HandshakeShed);
            }
        }
        // Drop the finished handshakes at the front, so the queue stays near its live size.
        while queue
            .front()
            .is_some_and(|c| c.upgrade().is_none_or(|c| !c.handshaking.get()))
        {
            queue.pop_front();
        }
        queue.push_back(Rc::downgrade(conn));
        conn.handshaking.set(true);
        self.handshaking.set(self.handshaking.get() + 1);
    }

    fn close(&self, conn: &Conn, reason: CloseReason) {
        if conn.closed.get().is_some() {
            return;
        }
        conn.closed.set(Some(reason));
        self.doomed.set(self.doomed.get() + 1);
        self.stats.count_close(reason);
        self.handshake_over(conn);
        if let Some(waker) = conn.waker.take() {
            waker.wake();
        }
    }

    /// Closes `excess` connections (fewer when closes already asked for are pending), the
    /// best candidates of a window of the table: each close makes a flooding peer
    /// reconnect, so the layer closes no more than it needs, and a window bounds the work
    /// of each new connection near the limit. Windows follow each other round the table, so
    /// every connection comes up in turn.
    fn shed(&self, excess: usize, now: Instant) {
        let young_since = now.checked_sub(SHED_MIN_AGE).unwrap_or(now);
        let wanted = excess.saturating_sub(self.doomed.get());
        if wanted == 0 {
            return;
        }
        let mut candidates: Vec<((u8, Instant), Rc<Conn>)> = {
            let live = self.live.borrow();
            let slots = live.capacity().max(1);
            let mut candidates = Vec::new();
            let mut looked = 0;
            // A whole window, then more windows only while too few candidates turned up.
            while looked < slots && (looked < SHED_WINDOW || candidates.len() < wanted) {
                let key = (self.shed_cursor.get() + 1) % slots;
                self.shed_cursor.set(key);
                looked += 1;
                if let Some(conn) = live.get(key).filter(|c| c.closed.get().is_none())
                    && let Some(rank) = conn.shed_rank(young_since)
                {
                    candidates.push((rank, conn.clone()));
                }
            }
            if candidates.len() > wanted {
                candidates.select_nth_unstable_by_key(wanted, |(rank, _)| *rank);
                candidates.truncate(wanted);
            }
            candidates
        };
        for (rank, conn) in candidates.drain(..) {
            let reason = if rank.0 == 0 {
                CloseReason::IdleShed
            } else {
                CloseReason::StalledShed
            };
            self.close(&conn, reason);
        }
    }

    /// Closes every connection past its phase's deadline.
    fn sweep(&self, now: Instant) {
        let expired: Vec<(Rc<Conn>, CloseReason)> = self
            .live
            .borrow()
            .iter()
            .filter(|(_, c)| c.closed.get().is_none())
            .filter_map(|(_, c)| {
                let (deadline, reason) = c.deadline(&self.limits)?;
                (deadline <= now).then(|| (c.clone(), reason))
            })
            .collect();
        for (conn, reason) in expired {
            self.close(&conn, reason);
        }
    }

    /// Starts this worker's sweep, which ends with the worker.
    pub(crate) fn start_sweeper(self: &Rc<Self>) {
        let worker = Rc::downgrade(self);
        let tick = self.limits.sweep_tick();
        tokio::task::spawn_local(async move {
            let mut interval = tokio::time::interval(tick);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                interval.tick().await;
                let Some(worker) = worker.upgrade() else {
                    break;
                };
                let now = worker.clock.renew();
                worker.sweep(now);
            }
        });
    }
}

pin_project_lite::pin_project! {
    /// A connection's task, ended as soon as the registry closes the connection.
    pub(crate) struct Closable<F> {
        #[pin]
        task: F,
        conn: Rc<Conn>,
    }
}

impl<F> Closable<F> {
    pub(crate) fn new(conn: Rc<Conn>, task: F) -> Self {
        Self { task, conn }
    }
}

impl<F: Future<Output = ()>> Future for Closable<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        if this.conn.closed.get().is_some() {
            return Poll::Ready(());
        }
        let waker = match this.conn.waker.take() {
            Some(waker) if waker.will_wake(cx.waker()) => waker,
            _ => cx.waker().clone(),
        };
        this.conn.waker.set(Some(waker));
        this.task.poll(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conn::limits::ConnStats;

    fn limits(max_connections: usize) -> Arc<Limits> {
        Arc::new(Limits {
            max_connections,
            shed_above: max_connections - max_connections / 10,
            handshakes_per_worker: 2,
            handshake_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(6),
            write_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(76),
            send_buffer: None,
        })
    }

    fn worker(max_connections: usize) -> Rc<WorkerConns> {
        let mut registry = prometheus_client::registry::Registry::default();
        WorkerConns::new(
            limits(max_connections),
            Arc::new(ConnStats::new(&mut registry)),
        )
    }

    #[test]
    fn near_the_limit_idle_connections_are_shed_before_stalled_ones_and_answering_never() {
        let worker = worker(100);
        let admitted: Vec<Admitted> = (0..90).map(|_| worker.admit(false).unwrap()).collect();
        // 30 answering, 30 reading a request, 30 idle after an answer, 10 new.
        for conn in &admitted[..30] {
            conn.conn.enter(Phase::Answering);
        }
        for conn in &admitted[30..60] {
            conn.conn.enter(Phase::Reading);
        }
        for conn in &admitted[60..90] {
            conn.conn.enter(Phase::Answering);
            conn.conn.enter(Phase::Idle);
        }
        let closed = |range: std::ops::Range<usize>| {
            admitted[range]
                .iter()
                .filter(|a| a.conn.closed().is_some())
                .count()
        };
        // Young connections are spared.
        worker.shed(1, Instant::now());
        assert_eq!(closed(0..90), 0);
        let later = Instant::now() + Duration::from_secs(1);
        worker.shed(1, later);
        assert_eq!(closed(0..30), 0, "answering connections are never shed");
        assert_eq!(closed(30..60), 0, "idle ones go first");
        assert!(closed(60..90) >= 1);
        worker.shed(60, later);
        assert_eq!(closed(0..30), 0, "answering connections are never shed");
        assert_eq!(closed(60..90), 30);
        assert_eq!(closed(30..60), 30, "then the stuck ones");
    }

    #[test]
    fn past_the_limit_a_new_connection_is_refused() {
        let worker = worker(10);
        let admitted: Vec<Admitted> = (0..10).map(|_| worker.admit(false).unwrap()).collect();
        for conn in &admitted {
            conn.conn.enter(Phase::Answering);
        }
        assert!(worker.admit(false).is_none());
        drop(admitted);
        assert!(
            worker.admit(false).is_some(),
            "closed connections free their place"
        );
    }

    #[test]
    fn past_the_handshake_limit_the_oldest_handshake_is_dropped() {
        let worker = worker(100);
        let admitted: Vec<Admitted> = (0..3).map(|_| worker.admit(true).unwrap()).collect();
        for conn in &admitted {
            worker.start_handshake(&conn.conn);
        }
        assert_eq!(admitted[0].conn.closed(), Some(CloseReason::HandshakeShed));
        assert!(admitted[1].conn.closed().is_none() && admitted[2].conn.closed().is_none());
    }

    #[test]
    fn each_phase_has_its_deadline_and_a_blocked_write_its_own() {
        let worker = worker(100);
        let reading = worker.admit(false).unwrap();
        reading.conn.enter(Phase::Reading);
        let answering = worker.admit(false).unwrap();
        answering.conn.enter(Phase::Answering);
        let stalled = worker.admit(false).unwrap();
        stalled.conn.enter(Phase::Answering);
        stalled.conn.set_write_blocked();
        let now = Instant::now();
        worker.sweep(now + Duration::from_secs(7));
        assert_eq!(reading.conn.closed(), Some(CloseReason::RequestTimeout));
        assert_eq!(answering.conn.closed(), None);
        assert_eq!(stalled.conn.closed(), None);
        worker.sweep(now + Duration::from_secs(11));
        assert_eq!(stalled.conn.closed(), Some(CloseReason::WriteTimeout));
        assert_eq!(answering.conn.closed(), None);
    }
}
