//! A call's journey while it is in progress: the devices it has been at, each with the
//! instants it entered, began alerting, was answered and left, and why it entered and left.
//!
//! The store keeps one for every call it was told about as it started (the sandbox's and
//! the simulation's calls) and updates it on every change of the call: a new device opens a
//! visit and closes the previous one; a call at an agent that starts talking is answered.
//! A call loaded as a snapshot (demo data, a calls file) has none until it changes; when it
//! ends without one, its journey is made from its fields: one visit, since it started.

use calldata_model::{BasicCallInfo, CallStatus, DeviceType, EnterReason};

use crate::embedded::placement::{CallExtras, Placement};

/// What kind of device a visit was at, for the record's durations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// An IVR flow (or any device of the platform's own: its time is IVR time).
    Ivr,
    /// A skill queue.
    SkillQueue,
    /// An agent's private queue.
    PrivateQueue,
    /// An agent.
    Agent,
    /// A two-party internal call or a conference: talk time.
    Talk,
}

/// One device a call was at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    /// What kind of device it is.
    pub stop: Stop,
    /// Its `deviceType` code.
    pub device_type: i64,
    /// Its `deviceNo` (the agent, the queue, the flow; for a private queue, the agent).
    pub device_no: i64,
    /// The skill the call was served for here: the queue's own number, and at an agent the
    /// skill queue it came from (0: none).
    pub skill_id: i64,
    /// When it entered (epoch ms).
    pub enter_ms: i64,
    /// When the device began alerting (an agent's phone rang), if it did.
    pub alert_ms: Option<i64>,
    /// When the device began talking with the caller, if it did.
    pub answer_ms: Option<i64>,
    /// When it left; `None` while the call is still there.
    pub leave_ms: Option<i64>,
    /// Why it entered (contract 4.4).
    pub enter_reason: i64,
    /// Why it left (contract 4.4; 0 while still there).
    pub leave_reason: i64,
}

/// A call's visits so far, the last one open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Journey {
    /// When the call entered the platform (epoch ms).
    pub arrived_ms: i64,
    /// The devices in order; the last is where the call is.
    pub visits: Vec<Visit>,
}

/// The most visits a journey keeps (a simulated call makes about six): a call moved about
/// more than this (only the sandbox can) keeps its first visits and its latest, the ones
/// between merged into the last kept. About 1.7 KB a journey at most.
pub const MAX_VISITS: usize = 16;

/// Where a call is, as a visit sees it: kind, `deviceType`, `deviceNo`.
fn stop_of(call: &BasicCallInfo, extras: &CallExtras) -> (Stop, i64, i64) {
    let device_type = call.device_type.map_or(0, DeviceType::code);
    let device_no = call.device_no.unwrap_or(0);
    let stop = match extras.placement(call) {
        Ok(Placement::Agent(..)) => Stop::Agent,
        Ok(Placement::PrivateQueue(_)) => Stop::PrivateQueue,
        _ => match call.device_type {
            Some(DeviceType::SkillQueue) => Stop::SkillQueue,
            Some(DeviceType::InternalCall | DeviceType::Conference) => Stop::Talk,
            _ => Stop::Ivr,
        },
    };
    (stop, device_type, device_no)
}

/// Whether a call at an agent in this status has been answered.
fn is_answered(status: Option<CallStatus>) -> bool {
    !matches!(
        status,
        Some(CallStatus::Alerting | CallStatus::QueuedPrivately)
    )
}

impl Visit {
    /// The visit a call in this state opens at `at_ms`, having come from a device whose
    /// skill was `came_for`.
    fn open(call: &BasicCallInfo, extras: &CallExtras, at_ms: i64, came_for: i64) -> Self {
        let (stop, device_type, device_no) = stop_of(call, extras);
        let (alert_ms, answer_ms) = match stop {
            Stop::Agent if is_answered(extras.call_status) => (Some(at_ms), Some(at_ms)),
            Stop::Agent => (Some(at_ms), None),
            Stop::Ivr | Stop::Talk => (Some(at_ms), Some(at_ms)),
            Stop::SkillQueue | Stop::PrivateQueue => (None, None),
        };
        let skill_id = match stop {
            Stop::SkillQueue => device_no,
            _ => came_for,
        };
        Self {
            stop,
            device_type,
            device_no,
            skill_id,
            enter_ms: at_ms,
            alert_ms,
            answer_ms,
            leave_ms: None,
            enter_reason: call.enter_reason.map_or(0, EnterReason::code),
            leave_reason: 0,
        }
    }

    /// Whether a call in this state is still at this visit's device.
    fn is_at(&self, call: &BasicCallInfo, extras: &CallExtras) -> bool {
        let (stop, device_type, device_no) = stop_of(call, extras);
        (stop, device_type, device_no) == (self.stop, self.device_type, self.device_no)
    }

    /// Milliseconds at the device, at `now_ms` while still there.
    pub fn leave_or(&self, now_ms: i64) -> i64 {
        self.leave_ms.unwrap_or(now_ms)
    }
}

impl Journey {
    /// The journey of a call that starts at `at_ms` in this state. It entered the platform
    /// at its `time` when that is earlier (a call added mid-way), so its first visit starts
    /// there and the record's durations add up to the call's whole life.
    pub fn start(call: &BasicCallInfo, extras: &CallExtras, at_ms: i64) -> Self {
        let arrived_ms = call.time.filter(|&time| time <= at_ms).unwrap_or(at_ms);
        Self {
            arrived_ms,
            visits: vec![Visit::open(call, extras, arrived_ms, 0)],
        }
    }

    /// Follows the call into its new state at `at_ms`: a new device closes the open visit
    /// with `leave_reason` and opens one; at the same agent, alerting then talking is
    /// noted.
    pub fn follow(
        &mut self,
        call: &BasicCallInfo,
        extras: &CallExtras,
        at_ms: i64,
        leave_reason: i64,
    ) {
        let at_ms = at_ms.max(self.last_instant());
        let Some(open) = self.visits.last_mut() else {
            self.visits.push(Visit::open(call, extras, at_ms, 0));
            return;
        };
        if open.is_at(call, extras) {
            if open.stop == Stop::Agent
                && open.answer_ms.is_none()
                && is_answered(extras.call_status)
            {
                open.answer_ms = Some(at_ms);
            }
            return;
        }
        open.leave_ms = Some(at_ms);
        open.leave_reason = leave_reason;
        let came_for = open.skill_id;
        if self.visits.len() >= MAX_VISITS {
            // Keep the first visits; the newest replaces the one before it, whose time
            // becomes part of the kept one's.
            self.visits.pop();
            if let Some(kept) = self.visits.last_mut() {
                kept.leave_ms = Some(at_ms);
                kept.leave_reason = leave_reason;
            }
        }
        self.visits.push(Visit::open(call, extras, at_ms, came_for));
    }

    /// Closes the open visit at `at_ms` for `release_cause`: the call ended.
    pub fn end(&mut self, at_ms: i64, release_cause: i64) {
        let at_ms = at_ms.max(self.last_instant());
        if let Some(open) = self.visits.last_mut() {
            open.leave_ms = Some(at_ms);
            open.leave_reason = release_cause;
        }
    }

    /// The latest instant the journey knows, so that nothing is recorded out of order.
    fn last_instant(&self) -> i64 {
        self.visits.last().map_or(self.arrived_ms, |visit| {
            visit
                .leave_ms
                .or(visit.answer_ms)
                .or(visit.alert_ms)
                .unwrap_or(visit.enter_ms)
        })
    }

    /// Whether an agent ever answered the call.
    pub fn was_answered(&self) -> bool {
        self.visits
            .iter()
            .any(|visit| visit.stop == Stop::Agent && visit.answer_ms.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calldata_model::DeviceType;

    fn at(
        device_type: DeviceType,
        device_no: i64,
        status: Option<CallStatus>,
    ) -> (BasicCallInfo, CallExtras) {
        let call = BasicCallInfo {
            time: Some(1_000),
            device_type: Some(device_type),
            device_no: Some(device_no),
            ..BasicCallInfo::default()
        };
        let extras = CallExtras {
            call_status: status,
            ..CallExtras::default()
        };
        (call, extras)
    }

    #[test]
    fn moves_open_and_close_visits_and_answers_are_noted() {
        let (ivr, e) = at(DeviceType::IvrFlow, 7, None);
        let mut journey = Journey::start(&ivr, &e, 2_000);
        assert_eq!(journey.arrived_ms, 1_000);
        let (queue, e) = at(DeviceType::SkillQueue, 3, None);
        journey.follow(&queue, &e, 5_000, 0);
        let (ringing, e) = at(DeviceType::Agent, 1001, Some(CallStatus::Alerting));
        journey.follow(&ringing, &e, 9_000, 0);
        let (talking, e) = at(DeviceType::Agent, 1001, Some(CallStatus::Talking));
        journey.follow(&talking, &e, 12_000, 0);
        journey.end(30_000, 88);
        let stops: Vec<_> = journey.visits.iter().map(|v| v.stop).collect();
        assert_eq!(stops, [Stop::Ivr, Stop::SkillQueue, Stop::Agent]);
        let agent = &journey.visits[2];
        assert_eq!(
            (agent.alert_ms, agent.answer_ms, agent.leave_ms),
            (Some(9_000), Some(12_000), Some(30_000))
        );
        assert_eq!(agent.skill_id, 3);
        assert_eq!(agent.leave_reason, 88);
        assert!(journey.was_answered());
    }

    #[test]
    fn instants_never_go_back_and_visits_are_bounded() {
        let (queue, e) = at(DeviceType::SkillQueue, 1, None);
        let mut journey = Journey::start(&queue, &e, 5_000);
        for n in 0..200 {
            let (moved, e) = at(DeviceType::SkillQueue, 2 + n % 2, None);
            journey.follow(&moved, &e, 4_000, 0);
        }
        assert_eq!(journey.visits.len(), MAX_VISITS);
        assert!(journey.visits.iter().all(|v| v.enter_ms >= 1_000));
        let ended_at = journey
            .visits
            .windows(2)
            .all(|w| w[0].leave_ms == Some(w[1].enter_ms));
        assert!(ended_at, "visits stay contiguous");
    }
}
