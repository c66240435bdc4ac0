//! The simulated calls and agents, and the call records they are written to the store as.

use calldata_model::call::CALL_IN_CAUSE_UNSET;
use calldata_model::{
    AgentId, BasicCallInfo, CallDirection, CallFeature, CallKey, CallStatus, DeviceType,
    EnterReason, MediaType,
};

use crate::embedded::{CallExtras, CallRecord};

/// A skill queue of every simulated VDN: its number, its description, its media.
#[derive(Debug, Clone, Copy)]
pub(super) struct Skill {
    /// Its `deviceNo` as a queue.
    pub(super) id: i64,
    /// Its `callSkill`.
    pub(super) name: &'static str,
    /// The media of its calls.
    pub(super) media: MediaType,
}

/// The skills of every VDN; agents are spread over them by their index.
pub(super) const SKILLS: [Skill; 3] = [
    Skill {
        id: 1,
        name: "defaultAudioSkill",
        media: MediaType::Voice,
    },
    Skill {
        id: 2,
        name: "billingVoice",
        media: MediaType::Voice,
    },
    Skill {
        id: 3,
        name: "socialChat",
        media: MediaType::SocialChat,
    },
];

/// The IVR flow every inbound voice call starts in.
pub(super) const IVR_FLOW: i64 = 1;

/// Where a simulated call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// In the IVR flow.
    Ivr,
    /// Waiting in its skill queue since that instant.
    Queued { since: i64 },
    /// Waiting in an agent's private queue since that instant.
    PrivateQueued { agent: usize, since: i64 },
    /// Ringing at an agent (an outbound call: ringing at the customer).
    Ringing { agent: usize },
    /// Talking with an agent since that instant.
    Talking { agent: usize, since: i64 },
    /// Held by its agent since that instant (talk time goes on).
    Held { agent: usize, since: i64 },
}

/// One simulated call in progress.
#[derive(Debug, Clone)]
pub(super) struct SimCall {
    /// Its key.
    pub(super) key: CallKey,
    /// Index of its VDN in the settings.
    pub(super) vdn: usize,
    /// Index of its skill in [`SKILLS`].
    pub(super) skill: usize,
    /// Where it is.
    pub(super) phase: Phase,
    /// Bumped at every move, so that a move scheduled for an earlier phase is ignored.
    pub(super) generation: u32,
    /// When it arrived (epoch ms, whole seconds).
    pub(super) arrived: i64,
    /// Seconds waited in queues before the current wait.
    pub(super) waited: i64,
    /// Seconds talked before the current talk.
    pub(super) talked: i64,
    /// Seconds of talk left before it ends or is transferred.
    pub(super) talk_left: i64,
    /// An example call (stays at its agent until its end).
    pub(super) example: bool,
    /// Whether the store has it yet.
    pub(super) written: bool,
    /// The fields that never change while it lives.
    pub(super) fixed: Fixed,
}

/// The fields of a call decided at its arrival.
#[derive(Debug, Clone)]
pub(super) struct Fixed {
    /// Control block.
    pub(super) dsn: i64,
    /// Media server.
    pub(super) server: i64,
    /// Calling number.
    pub(super) calling: String,
    /// Called number (the VDN's access code).
    pub(super) called: String,
    /// Trunk.
    pub(super) trunk: i64,
    /// Customer level.
    pub(super) priority: i64,
    /// Inbound or outbound.
    pub(super) direction: CallDirection,
    /// Call feature.
    pub(super) feature: CallFeature,
    /// Social chat channel, for media 53.
    pub(super) submedia: Option<i64>,
    /// Call-associated data.
    pub(super) call_data: String,
    /// Devices passed so far (the basic call's `partyNum`).
    pub(super) devices: i64,
    /// Why it entered where it is.
    pub(super) enter_reason: EnterReason,
}

/// What an agent is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AgentState {
    /// Ready for a call since that instant.
    Idle { since: i64 },
    /// Has this call (ringing, talking or held).
    Busy,
    /// Wrapping up after a call.
    WrapUp,
    /// Signed out for a break.
    OnBreak,
}

/// One simulated agent.
#[derive(Debug, Clone)]
pub(super) struct SimAgent {
    /// Its ID.
    pub(super) id: AgentId,
    /// Index of its VDN.
    pub(super) vdn: usize,
    /// Index of its skill in [`SKILLS`].
    pub(super) skill: usize,
    /// What it is doing.
    pub(super) state: AgentState,
    /// The call it has, while busy.
    pub(super) call: Option<u64>,
    /// Calls waiting in its private queue, oldest first.
    pub(super) private_queue: std::collections::VecDeque<u64>,
    /// Bumped at every change, so that a stale wrap-up or break end is ignored.
    pub(super) generation: u32,
}

impl SimCall {
    /// The call as the store keeps it at `now` (epoch ms, whole seconds).
    pub(super) fn record(&self, agents: &[SimAgent], now: i64) -> CallRecord {
        let skill = SKILLS[self.skill];
        let seconds = |from: i64| (now - from).max(0) / 1000;
        let (device_type, device_no, status, call_skill) = match self.phase {
            Phase::Ivr => (DeviceType::IvrFlow, IVR_FLOW, CallStatus::Occupied, ""),
            Phase::Queued { .. } => (
                DeviceType::SkillQueue,
                skill.id,
                CallStatus::QueuedInSkill,
                skill.name,
            ),
            Phase::PrivateQueued { agent, .. } => (
                DeviceType::SkillQueue,
                i64::from(agents[agent].id.get()),
                CallStatus::QueuedPrivately,
                skill.name,
            ),
            Phase::Ringing { agent } => (
                DeviceType::Agent,
                i64::from(agents[agent].id.get()),
                CallStatus::Alerting,
                skill.name,
            ),
            Phase::Talking { agent, .. } => (
                DeviceType::Agent,
                i64::from(agents[agent].id.get()),
                CallStatus::Talking,
                skill.name,
            ),
            Phase::Held { agent, .. } => (
                DeviceType::Agent,
                i64::from(agents[agent].id.get()),
                CallStatus::Held,
                skill.name,
            ),
        };
        let waited = self.waited
            + match self.phase {
                Phase::Queued { since } | Phase::PrivateQueued { since, .. } => seconds(since),
                _ => 0,
            };
        let talked = self.talked
            + match self.phase {
                Phase::Talking { since, .. } | Phase::Held { since, .. } => seconds(since),
                _ => 0,
            };
        let call = BasicCallInfo {
            time: Some(self.arrived),
            dsn: Some(self.fixed.dsn),
            handle: Some(0),
            server: Some(self.fixed.server),
            key_id: String::new(),
            calling_num: self.fixed.calling.clone(),
            called_num: self.fixed.called.clone(),
            mid: Some(1),
            trunk_no: Some(self.fixed.trunk),
            priority: Some(self.fixed.priority),
            device_type: Some(device_type),
            device_no: Some(device_no),
            call_skill: call_skill.to_owned(),
            party_num: Some(self.fixed.devices),
            call_feature: Some(self.fixed.feature),
            orgi_called_num: String::new(),
            media_type: Some(skill.media),
            place: Some(1),
            wait_time: Some(waited),
            total_talking_times: Some(talked),
            logon_times: Some(seconds(self.arrived)),
            service_type: Some(0),
            call_in_cause: Some(CALL_IN_CAUSE_UNSET),
            enter_reason: Some(self.fixed.enter_reason),
            media_bill_type: Some(i64::from(skill.media != MediaType::Voice)),
        };
        let extras = CallExtras {
            cb: Some(self.fixed.dsn),
            call_data: self.fixed.call_data.clone(),
            call_status: Some(status),
            call_in_out: Some(self.fixed.direction),
            submedia_type: self.fixed.submedia,
        };
        CallRecord::new(self.key, call).with_extras(extras)
    }
}
