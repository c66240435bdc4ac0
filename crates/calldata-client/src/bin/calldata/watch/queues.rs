//! The queues of the wallboard from the VDN's calls: a call with `deviceType` 1 (skill
//! queue) and `callStatus` 2 (queued in a skill) waits in queue `deviceNo`, which
//! `callSkill` names; a call with `deviceType` 3 is in an IVR flow. Per queue: how many wait
//! and the longest `waitTime`; the IVR flows together on one line.

use std::collections::{BTreeMap, BTreeSet};

use calldata_client::{SANDBOX_LIST_LIMIT, SandboxCall};
use calldata_model::{CallStatus, DeviceType};

/// One skill queue's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueueRow {
    /// The queue's device number (`None` when the calls left it out).
    pub(crate) device_no: Option<i64>,
    /// The skill's name, from the first of its calls that names it.
    pub(crate) skill: String,
    /// How many calls wait in it.
    pub(crate) waiting: usize,
    /// The longest `waitTime` of those calls, in seconds.
    pub(crate) longest_wait: Option<i64>,
}

/// The calls in IVR flows, together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct IvrLine {
    /// How many calls are in an IVR flow.
    pub(crate) calls: usize,
    /// How many flows they are in.
    pub(crate) flows: usize,
    /// The longest `waitTime` of those calls, in seconds.
    pub(crate) longest_wait: Option<i64>,
}

/// The VDN's queues.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Queues {
    /// The skill queues with calls waiting, by device number.
    pub(crate) skills: Vec<QueueRow>,
    /// The IVR flows.
    pub(crate) ivr: IvrLine,
    /// Whether the list of calls was one full page, so that more calls may exist than
    /// were counted.
    pub(crate) truncated: bool,
}

impl Queues {
    /// How many calls wait in the skill queues.
    pub(crate) fn waiting(&self) -> usize {
        self.skills.iter().map(|queue| queue.waiting).sum()
    }
}

/// The queues of these calls.
pub(crate) fn queues(calls: &[SandboxCall]) -> Queues {
    let mut skills: BTreeMap<Option<i64>, QueueRow> = BTreeMap::new();
    let mut ivr = IvrLine::default();
    let mut flows = BTreeSet::new();
    for record in calls {
        let call = &record.call;
        match call.device_type {
            Some(DeviceType::SkillQueue)
                if record.call_status == Some(CallStatus::QueuedInSkill) =>
            {
                let queue = skills.entry(call.device_no).or_insert_with(|| QueueRow {
                    device_no: call.device_no,
                    skill: String::new(),
                    waiting: 0,
                    longest_wait: None,
                });
                queue.waiting += 1;
                queue.longest_wait = queue.longest_wait.max(call.wait_time);
                if queue.skill.is_empty() {
                    queue.skill.clone_from(&call.call_skill);
                }
            }
            Some(DeviceType::IvrFlow) => {
                ivr.calls += 1;
                ivr.longest_wait = ivr.longest_wait.max(call.wait_time);
                flows.insert(call.device_no);
            }
            _ => {}
        }
    }
    ivr.flows = flows.len();
    Queues {
        skills: skills.into_values().collect(),
        ivr,
        truncated: calls.len() >= SANDBOX_LIST_LIMIT,
    }
}

#[cfg(test)]
mod tests {
    use calldata_model::{BasicCallInfo, CcId, Vdn};

    use super::*;

    fn call(device: i64, device_no: i64, status: Option<i64>, wait: i64) -> SandboxCall {
        SandboxCall {
            call: BasicCallInfo {
                device_type: Some(DeviceType::from_code(device)),
                device_no: Some(device_no),
                call_skill: format!("skill{device_no}"),
                wait_time: Some(wait),
                ..BasicCallInfo::default()
            },
            call_status: status.map(CallStatus::from_code),
            cc_id: CcId::new(1).unwrap(),
            vdn: Vdn::new(1).unwrap(),
            call_id: String::new(),
            call_in_out: None,
        }
    }

    #[test]
    fn queued_calls_are_counted_per_queue_with_the_longest_wait() {
        let found = queues(&[
            call(1, 7, Some(2), 30),
            call(1, 3, Some(2), 5),
            call(1, 7, Some(2), 95),
            call(1, 7, Some(2), 12),
            // In agent 1001's private queue: no skill queue's.
            call(1, 1001, Some(3), 400),
            // A skill-queue device without the queued status: not waiting.
            call(1, 7, Some(1), 500),
            // At an agent.
            call(2, 1001, Some(5), 600),
        ]);
        assert_eq!(
            found.skills,
            [
                QueueRow {
                    device_no: Some(3),
                    skill: "skill3".into(),
                    waiting: 1,
                    longest_wait: Some(5),
                },
                QueueRow {
                    device_no: Some(7),
                    skill: "skill7".into(),
                    waiting: 3,
                    longest_wait: Some(95),
                },
            ]
        );
        assert_eq!(found.waiting(), 4);
        assert_eq!(found.ivr, IvrLine::default());
        assert!(!found.truncated);
    }

    #[test]
    fn ivr_calls_make_one_line() {
        let found = queues(&[
            call(3, 1, Some(1), 10),
            call(3, 4, None, 70),
            call(3, 1, Some(1), 20),
        ]);
        assert!(found.skills.is_empty());
        assert_eq!(
            found.ivr,
            IvrLine {
                calls: 3,
                flows: 2,
                longest_wait: Some(70),
            }
        );
    }

    #[test]
    fn a_full_page_of_calls_says_that_more_may_exist() {
        let page = vec![call(3, 1, None, 1); SANDBOX_LIST_LIMIT];
        assert!(queues(&page).truncated);
    }
}
