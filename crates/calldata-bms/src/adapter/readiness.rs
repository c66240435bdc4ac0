//! `Readiness`: what `/readyz` knows about the BMS, the outcome of the latest exchange with
//! it (a probe or a real lookup), and the rule that keeps a flood of readiness checks from
//! reaching it: a result under one interval old is answered as it is, an older one is
//! refreshed by one probe at a time, and every check that finds a probe under way waits for
//! that probe.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio::sync::futures::Notified;

use crate::adapter::transport::Fault;

/// The outcome of one exchange with the BMS and when it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// When the exchange ended.
    pub(crate) at: Instant,
    /// Why it failed; `None` when the BMS answered.
    pub(crate) fault: Option<Fault>,
}

/// The latest outcome and the probe under way, if any.
#[derive(Debug)]
pub(crate) struct Readiness {
    interval: Duration,
    state: Mutex<State>,
    /// Woken when a probe ends (answered or dropped).
    probe_ended: Notify,
}

#[derive(Debug, Default)]
struct State {
    latest: Option<Outcome>,
    probing: bool,
    /// Probes ended so far, so that a waiter knows one ended since it began waiting.
    probes_ended: u64,
}

/// What a readiness check does next.
#[derive(Debug)]
pub(crate) enum Step<'a> {
    /// Answer this outcome.
    Answer(Option<Fault>),
    /// Wait for the probe under way; `start` says this check must start it.
    Wait {
        /// Resolves when the probe ends.
        ended: Notified<'a>,
        /// The probe is not running yet: the caller starts it (see [`Readiness::ended`]).
        start: bool,
        /// The probe count this wait began at (hand it back to [`Readiness::step`]).
        seen: u64,
    },
}

impl Readiness {
    /// No outcome yet; results are reused for `interval`.
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            interval,
            state: Mutex::new(State::default()),
            probe_ended: Notify::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state is a few plain values, each written whole: it stays sound even if a
        // holder panicked.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next step of a check. `seen` is `None` on the first step and the `seen` of the
    /// last [`Step::Wait`] after it: once a probe ended since then, its outcome is answered
    /// whatever its age, so a check never waits for more than one probe to end.
    pub(crate) fn step(&self, now: Instant, seen: Option<u64>) -> Step<'_> {
        let mut state = self.state();
        if let Some(latest) = state.latest
            && (now.saturating_duration_since(latest.at) < self.interval
                || seen.is_some_and(|seen| seen != state.probes_ended))
        {
            return Step::Answer(latest.fault);
        }
        let start = !state.probing;
        state.probing = true;
        // Made under the lock, so a probe that ends after it is released wakes it.
        let ended = self.probe_ended.notified();
        Step::Wait {
            ended,
            start,
            seen: state.probes_ended,
        }
    }

    /// Records the outcome of an exchange with the BMS (a probe's or a real lookup's).
    pub(crate) fn record(&self, fault: Option<Fault>, at: Instant) {
        let mut state = self.state();
        if state.latest.is_none_or(|latest| latest.at <= at) {
            state.latest = Some(Outcome { at, fault });
        }
    }

    /// Marks the probe as ended (answered, or dropped before it could answer) and wakes
    /// every check waiting for it.
    pub(crate) fn ended(&self) {
        {
            let mut state = self.state();
            state.probing = false;
            state.probes_ended = state.probes_ended.wrapping_add(1);
        }
        self.probe_ended.notify_waiters();
    }

    /// The latest outcome, for the readiness detail.
    pub(crate) fn latest(&self) -> Option<Outcome> {
        self.state().latest
    }
}

/// Calls [`Readiness::ended`] when dropped, so that a probe task that is cancelled (its
/// runtime shutting down) still lets the waiting checks go on.
#[derive(Debug)]
pub(crate) struct ProbeEnded<'a>(pub(crate) &'a Readiness);

impl Drop for ProbeEnded<'_> {
    fn drop(&mut self) {
        self.0.ended();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INTERVAL: Duration = Duration::from_millis(100);

    /// The answer of a step that must answer.
    fn answer(step: &Step<'_>) -> Option<Fault> {
        match step {
            Step::Answer(fault) => *fault,
            Step::Wait { .. } => panic!("expected an answer, got a wait"),
        }
    }

    #[test]
    fn the_first_check_starts_a_probe_and_later_ones_wait_for_it() {
        let readiness = Readiness::new(INTERVAL);
        let now = Instant::now();
        let Step::Wait { start: true, .. } = readiness.step(now, None) else {
            panic!("the first check must start a probe");
        };
        let Step::Wait { start: false, .. } = readiness.step(now, None) else {
            panic!("a second check must wait for the probe under way");
        };
    }

    #[test]
    fn a_result_is_answered_for_one_interval_then_refreshed() {
        let readiness = Readiness::new(INTERVAL);
        let at = Instant::now();
        readiness.record(Some(Fault::Timeout), at);
        assert_eq!(answer(&readiness.step(at, None)), Some(Fault::Timeout));
        let later = at + INTERVAL / 2;
        assert_eq!(answer(&readiness.step(later, None)), Some(Fault::Timeout));
        let stale = at + INTERVAL;
        assert!(matches!(
            readiness.step(stale, None),
            Step::Wait { start: true, .. }
        ));
    }

    #[test]
    fn once_a_probe_ended_its_outcome_is_answered_whatever_its_age() {
        let readiness = Readiness::new(INTERVAL);
        let now = Instant::now();
        let Step::Wait { seen, .. } = readiness.step(now, None) else {
            panic!("expected a wait");
        };
        readiness.record(None, now);
        readiness.ended();
        assert_eq!(
            answer(&readiness.step(now + INTERVAL * 5, Some(seen))),
            None
        );
    }

    #[test]
    fn an_older_outcome_never_replaces_a_newer_one() {
        let readiness = Readiness::new(INTERVAL);
        let now = Instant::now();
        readiness.record(None, now + Duration::from_millis(1));
        readiness.record(Some(Fault::Refused), now);
        assert_eq!(readiness.latest().map(|o| o.fault), Some(None));
    }
}
