//! A call that ended: what its three record views are made of (its detail record, its row
//! in a VDN's calls, its track), kept once.
//!
//! Durations are whole seconds between instants each taken to the whole second, so the
//! parts of a record add up exactly: queue wait + IVR time + ringing + talk = the seconds
//! from arrival to end.

use calldata_model::{
    BasicCallInfo, CallDetailRecord, CallDirection, CallFeature, CallKey, CallTrack, CallType,
    TrackRecord, VdnCallRow, interfaces::tenant_time,
};

use super::journey::{Journey, Stop, Visit};
use crate::embedded::placement::CallExtras;

/// An ended call and its journey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndedCall {
    /// Its key while it was in progress.
    pub key: CallKey,
    /// Inbound or outbound.
    pub direction: CallDirection,
    /// Its call type (family.md section 7).
    pub call_type: CallType,
    /// Calling number.
    pub caller_no: String,
    /// Called number.
    pub callee_no: String,
    /// Media type code.
    pub media_type: i64,
    /// Sub-media type (0: none).
    pub sub_media_type: i64,
    /// When it ended (epoch ms): the record's `logDate`.
    pub ended_ms: i64,
    /// Why it ended (contract 4.4).
    pub release_cause: i64,
    /// Where it went.
    pub journey: Journey,
}

/// Seconds from `from_ms` to `to_ms`, each taken to its whole second.
fn seconds(from_ms: i64, to_ms: i64) -> i64 {
    (to_ms.div_euclid(1000) - from_ms.div_euclid(1000)).max(0)
}

/// The call type of a call with this feature and direction (docs/api.md section 9): the
/// campaign features keep their codes, an inbound call is normal, long-distance, network
/// or internal by its feature, an outbound one is a manual outbound call.
pub fn call_type_of(feature: Option<CallFeature>, direction: CallDirection) -> CallType {
    match (feature, direction) {
        (Some(CallFeature::ReservedOutbound), _) => CallType::ScheduledOutbound,
        (Some(CallFeature::PreOccupiedOutbound), _) => CallType::PreOccupiedOutbound,
        (Some(CallFeature::PreConnectedOutbound), _) => CallType::PreConnectedOutbound,
        (Some(CallFeature::VirtualInOutbound), _) => CallType::PredictiveOutbound,
        (Some(CallFeature::PreviewOutbound), _) => CallType::PreviewOutbound,
        (Some(CallFeature::CallbackRequest), _) => CallType::CallbackRequest,
        (_, CallDirection::Outbound) => CallType::ManualOutbound,
        (Some(CallFeature::FromAgent | CallFeature::InternalHelp), _) => CallType::Internal,
        (Some(CallFeature::Toll | CallFeature::InternationalTollInbound), _) => {
            CallType::LongDistanceInbound
        }
        (Some(CallFeature::NetworkRouted), _) => CallType::NetworkInbound,
        _ => CallType::NormalInbound,
    }
}

impl EndedCall {
    /// The ended call from its last state, its journey (closed here at `at_ms` for
    /// `release_cause`).
    pub fn new(
        key: CallKey,
        call: &BasicCallInfo,
        extras: &CallExtras,
        mut journey: Journey,
        at_ms: i64,
        release_cause: i64,
    ) -> Self {
        journey.end(at_ms, release_cause);
        let direction = extras.call_in_out.unwrap_or(CallDirection::Inbound);
        let ended_ms = journey
            .visits
            .last()
            .and_then(|visit| visit.leave_ms)
            .unwrap_or(at_ms);
        Self {
            key,
            direction,
            call_type: call_type_of(call.call_feature, direction),
            caller_no: call.calling_num.clone(),
            callee_no: call.called_num.clone(),
            media_type: call.media_type.map_or(0, calldata_model::MediaType::code),
            sub_media_type: extras.submedia_type.unwrap_or(0),
            ended_ms,
            release_cause,
            journey,
        }
    }

    /// The seconds of each part: (queue wait, IVR, ringing, talk).
    pub fn durations(&self) -> (i64, i64, i64, i64) {
        let (mut queue, mut ivr, mut ack, mut talk) = (0, 0, 0, 0);
        for visit in &self.journey.visits {
            let leave = visit.leave_or(self.ended_ms);
            match visit.stop {
                Stop::SkillQueue | Stop::PrivateQueue => queue += seconds(visit.enter_ms, leave),
                Stop::Ivr => ivr += seconds(visit.enter_ms, leave),
                Stop::Talk => talk += seconds(visit.enter_ms, leave),
                Stop::Agent => {
                    let answered = visit.answer_ms.unwrap_or(leave);
                    ack += seconds(visit.enter_ms, answered);
                    talk += seconds(answered, leave);
                }
            }
        }
        (queue, ivr, ack, talk)
    }

    /// The last agent that answered the call, else the last one it rang at.
    fn agent(&self) -> Option<&Visit> {
        let agents = || {
            self.journey
                .visits
                .iter()
                .rev()
                .filter(|v| v.stop == Stop::Agent)
        };
        agents()
            .find(|visit| visit.answer_ms.is_some())
            .or_else(|| agents().next())
    }

    /// The first instant an agent's phone rang and the first an agent answered (0: never).
    fn first_alert_and_answer(&self) -> (i64, i64) {
        let agents = self.journey.visits.iter().filter(|v| v.stop == Stop::Agent);
        let alert = agents.clone().find_map(|v| v.alert_ms).unwrap_or(0);
        let answer = agents.clone().find_map(|v| v.answer_ms).unwrap_or(0);
        (alert, answer)
    }

    /// querycalldetailbyid's record; campaign times in the tenant's time zone.
    pub fn detail_record(&self, tenant_offset: time::UtcOffset) -> CallDetailRecord {
        let (queue_wait_time, ivr_call_time, ack_time, call_time) = self.durations();
        let agent = self.agent();
        let skill_id = self
            .journey
            .visits
            .iter()
            .rev()
            .find(|v| v.stop == Stop::SkillQueue)
            .map_or_else(|| agent.map_or(0, |a| a.skill_id), |v| v.device_no);
        let campaign = self.call_type.has_campaign_fields();
        let when = |ms| campaign.then(|| tenant_time(ms, tenant_offset));
        let answered = self.journey.was_answered();
        CallDetailRecord {
            vdn: i64::from(self.key.vdn.get()),
            call_id: self.key.call_id.as_str().to_owned(),
            caller_no: self.caller_no.clone(),
            callee_no: self.callee_no.clone(),
            call_type: self.call_type,
            agent_id: agent.map_or(0, |a| a.device_no),
            skill_id,
            anony_call: i64::from(self.caller_no.is_empty()),
            queue_wait_time,
            ivr_call_time,
            ack_time,
            call_time,
            release_cause: self.release_cause,
            begin_time: when(self.journey.arrived_ms),
            end_time: when(self.ended_ms),
            result: campaign.then(|| if answered { "0" } else { "1" }.to_owned()),
            result_code: campaign.then(|| self.release_cause.to_string()),
            busi_result: campaign.then(String::new),
            busi_sub_status: campaign.then(String::new),
        }
    }

    /// The call's row in vdn/querycalls.
    pub fn row(&self) -> VdnCallRow {
        let (ack_begin, call_begin) = self.first_alert_and_answer();
        VdnCallRow {
            log_date: self.ended_ms,
            caller_no: self.caller_no.clone(),
            callee_no: self.callee_no.clone(),
            call_id: self.key.call_id.as_str().to_owned(),
            call_type: self.call_type.code(),
            wait_begin: self.journey.arrived_ms,
            ack_begin,
            call_begin,
            call_end: self.ended_ms,
            vdn: i64::from(self.key.vdn.get()),
            leave_reason: self.release_cause,
            media_type: self.media_type,
            sub_media_type: self.sub_media_type,
        }
    }

    /// The call's track: one record per visit, numbered 1, 2, ..., the last −1.
    pub fn track(&self) -> CallTrack {
        let last = self.journey.visits.len().saturating_sub(1);
        CallTrack(
            self.journey
                .visits
                .iter()
                .enumerate()
                .map(|(index, visit)| TrackRecord {
                    call_id: self.key.call_id.as_str().to_owned(),
                    media_type: self.media_type,
                    sub_media_type: self.sub_media_type,
                    call_id_num: if index == last {
                        calldata_model::interfaces::call_trace_detail::LAST_RECORD
                    } else {
                        i64::try_from(index + 1).unwrap_or(i64::MAX)
                    },
                    caller_no: self.caller_no.clone(),
                    callee_no: self.callee_no.clone(),
                    wait_begin: visit.enter_ms,
                    ack_begin: visit.alert_ms.unwrap_or(0),
                    call_begin: visit.answer_ms.unwrap_or(0),
                    call_end: visit.leave_or(self.ended_ms),
                    sub_cc_no: 0,
                    device_type: visit.device_type,
                    device_no: visit.device_no.to_string(),
                    device_in: visit.enter_ms.to_string(),
                    call_type: self.call_type.code(),
                    release_cause: if index == last { self.release_cause } else { 0 },
                    enter_reason: visit.enter_reason,
                    leave_reason: visit.leave_reason,
                    current_skill_id: visit.skill_id,
                })
                .collect(),
        )
    }

    /// Bytes this record holds, for the book's accounting: the struct, its strings and
    /// its visits.
    pub fn bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.caller_no.len()
            + self.callee_no.len()
            + self.journey.visits.capacity() * std::mem::size_of::<Visit>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calldata_model::{CallStatus, DeviceType, QueryBasicCallInfo};

    fn state(
        device_type: DeviceType,
        device_no: i64,
        status: Option<CallStatus>,
    ) -> (BasicCallInfo, CallExtras) {
        let call = BasicCallInfo {
            time: Some(1_764_547_200_400),
            calling_num: "88880001".into(),
            called_num: "4000".into(),
            device_type: Some(device_type),
            device_no: Some(device_no),
            media_type: Some(calldata_model::MediaType::Voice),
            ..BasicCallInfo::default()
        };
        (
            call,
            CallExtras {
                call_status: status,
                ..CallExtras::default()
            },
        )
    }

    #[test]
    fn durations_add_up_to_the_whole_call_and_the_track_follows_it() {
        let t0 = 1_764_547_200_400;
        let (ivr, e) = state(DeviceType::IvrFlow, 1, None);
        let mut journey = Journey::start(&ivr, &e, t0);
        let (queue, e) = state(DeviceType::SkillQueue, 2, None);
        journey.follow(&queue, &e, t0 + 10_300, 0);
        let (ringing, e) = state(DeviceType::Agent, 1001, Some(CallStatus::Alerting));
        journey.follow(&ringing, &e, t0 + 25_900, 0);
        let (talking, e) = state(DeviceType::Agent, 1001, Some(CallStatus::Talking));
        journey.follow(&talking, &e, t0 + 31_000, 0);
        let key = QueryBasicCallInfo::new(1, 1, "1764547200-1")
            .to_call_key()
            .unwrap();
        let ended = EndedCall::new(key, &talking, &e, journey, t0 + 95_050, 16);
        let record = ended.detail_record(time::UtcOffset::UTC);
        assert_eq!(record.total_seconds(), (t0 + 95_050) / 1000 - t0 / 1000);
        assert_eq!((record.ivr_call_time, record.queue_wait_time), (10, 16));
        assert_eq!((record.ack_time, record.call_time), (5, 64));
        assert_eq!(
            (record.agent_id, record.skill_id, record.release_cause),
            (1001, 2, 16)
        );
        assert_eq!(record.call_type, CallType::NormalInbound);
        assert!(record.begin_time.is_none());
        let track = ended.track().0;
        let numbers: Vec<_> = track.iter().map(|r| r.call_id_num).collect();
        assert_eq!(numbers, [1, 2, -1]);
        assert_eq!(track[2].device_no, "1001");
        assert_eq!(track[2].current_skill_id, 2);
        assert_eq!(track[2].release_cause, 16);
        assert_eq!(track[0].release_cause, 0);
        let row = ended.row();
        assert_eq!(
            (row.wait_begin, row.ack_begin, row.call_begin),
            (t0, t0 + 25_900, t0 + 31_000)
        );
        assert_eq!(row.leave_reason, 16);
    }

    #[test]
    fn campaign_calls_carry_their_fields_and_types_follow_the_feature() {
        assert_eq!(
            call_type_of(None, CallDirection::Outbound),
            CallType::ManualOutbound
        );
        assert_eq!(
            call_type_of(Some(CallFeature::Toll), CallDirection::Inbound),
            CallType::LongDistanceInbound
        );
        let (mut call, e) = state(DeviceType::Agent, 1001, Some(CallStatus::Talking));
        call.call_feature = Some(CallFeature::VirtualInOutbound);
        let journey = Journey::start(&call, &e, 1_764_547_200_000);
        let key = QueryBasicCallInfo::new(1, 1, "1764547200-2")
            .to_call_key()
            .unwrap();
        let ended = EndedCall::new(key, &call, &e, journey, 1_764_547_260_000, 88);
        let record = ended.detail_record(time::UtcOffset::UTC);
        assert_eq!(record.call_type, CallType::PredictiveOutbound);
        assert_eq!(record.end_time.as_deref(), Some("2025-12-01 00:01:00"));
        assert_eq!(record.result.as_deref(), Some("0"));
    }
}
