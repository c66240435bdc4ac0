//! Where a stored call is, as the agent views see it, and what a stored call keeps besides
//! its 25 basic fields ([`CallExtras`]: the detail view's `cb` and `callData`, the agent
//! views' `callStatus`, `callInOut` and `submediaType`).
//!
//! A call is at an agent when its `deviceType` is 2 (`deviceNo` the agent); it waits in an
//! agent's private queue when its `callStatus` is 3, with `deviceType` 1 (a queue) and
//! `deviceNo` the agent whose queue it is; anywhere else (IVR, skill queue, ...) no agent
//! view lists it (family.md section 10).

use calldata_model::{
    AgentId, BasicCallInfo, CallDirection, CallStatus, DeviceType, MediaType, lenient,
};
use serde::{Deserialize, Serialize};

/// What a stored call keeps besides its basic fields; every field may be absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallExtras {
    /// The call's control-block ID (querydetailcallinfo's `cb`); absent reads as 0.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub cb: Option<i64>,
    /// Call-associated data (querydetailcallinfo's `callData`).
    #[serde(
        default,
        deserialize_with = "lenient::string",
        skip_serializing_if = "String::is_empty"
    )]
    pub call_data: String,
    /// What the call is doing (agentgroup/queryagentcalls' `callStatus`); absent: talking
    /// at an agent, queued in a skill queue, occupied anywhere else.
    #[serde(
        default,
        deserialize_with = "lenient::opt_code",
        skip_serializing_if = "Option::is_none"
    )]
    pub call_status: Option<CallStatus>,
    /// The call's direction (`callInOut`); absent: inbound.
    #[serde(
        default,
        deserialize_with = "lenient::opt_code",
        skip_serializing_if = "Option::is_none"
    )]
    pub call_in_out: Option<CallDirection>,
    /// A social chat's sub-media type, 1..=9 (`submediaType`, media type 53 only).
    #[serde(
        rename = "submediaType",
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub submedia_type: Option<i64>,
}

/// Where a call is, for the agent views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// At this agent, doing this.
    Agent(AgentId, CallStatus),
    /// Waiting in this agent's private queue.
    PrivateQueue(AgentId),
    /// Anywhere else: no agent view lists it.
    Elsewhere,
}

/// Why a call's fields do not say where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlacementError {
    /// `deviceType` 2 with a `deviceNo` that is no agent ID.
    #[error(
        "deviceNo must be an agent ID (101..=59999 or 70000..=999999) for a call at an agent (deviceType 2)"
    )]
    NotAnAgent,
    /// `callStatus` 3 without `deviceType` 1 and an agent's ID in `deviceNo`.
    #[error(
        "callStatus 3 (private queue) needs deviceType 1 and deviceNo the ID of the agent whose queue it is"
    )]
    PrivateQueueWithoutAgent,
    /// A status no call at an agent can have.
    #[error("callStatus {0} cannot be the status of a call at an agent (deviceType 2)")]
    NotAtAnAgent(i64),
    /// A code outside the documented ones.
    #[error("{field} {code} is not a documented code")]
    Undocumented {
        /// The field's wire name.
        field: &'static str,
        /// The code.
        code: i64,
    },
    /// A sub-media type outside 1..=9, or on a call that is no social chat.
    #[error("submediaType must be 1..=9, and only for a social chat call (mediaType 53)")]
    SubmediaType,
}

impl CallExtras {
    /// The status the agent views answer for a call at `placement`.
    pub fn status_at(&self, placement: Placement) -> CallStatus {
        match placement {
            Placement::Agent(_, status) => status,
            Placement::PrivateQueue(_) => CallStatus::QueuedPrivately,
            Placement::Elsewhere => self.call_status.unwrap_or(CallStatus::Occupied),
        }
    }

    /// The direction, inbound when absent.
    pub fn direction(&self) -> CallDirection {
        self.call_in_out.unwrap_or(CallDirection::Inbound)
    }

    /// Checks the codes and says where `call` is.
    pub fn placement(&self, call: &BasicCallInfo) -> Result<Placement, PlacementError> {
        if let Some(status) = self.call_status
            && status.description().is_none()
        {
            return Err(PlacementError::Undocumented {
                field: "callStatus",
                code: status.code(),
            });
        }
        if let Some(direction) = self.call_in_out
            && direction.description().is_none()
        {
            return Err(PlacementError::Undocumented {
                field: "callInOut",
                code: direction.code(),
            });
        }
        if let Some(submedia) = self.submedia_type
            && (!(1..=9).contains(&submedia) || call.media_type != Some(MediaType::SocialChat))
        {
            return Err(PlacementError::SubmediaType);
        }
        let agent = || call.device_no.and_then(|no| AgentId::new(no).ok());
        match (call.device_type, self.call_status) {
            (Some(DeviceType::SkillQueue), Some(CallStatus::QueuedPrivately)) => agent()
                .map(Placement::PrivateQueue)
                .ok_or(PlacementError::PrivateQueueWithoutAgent),
            (_, Some(CallStatus::QueuedPrivately)) => Err(PlacementError::PrivateQueueWithoutAgent),
            (Some(DeviceType::Agent), status) => {
                let agent = agent().ok_or(PlacementError::NotAnAgent)?;
                match status.unwrap_or(CallStatus::Talking) {
                    status @ (CallStatus::Idle | CallStatus::QueuedInSkill) => {
                        Err(PlacementError::NotAtAnAgent(status.code()))
                    }
                    status => Ok(Placement::Agent(agent, status)),
                }
            }
            _ => Ok(Placement::Elsewhere),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(device_type: i64, device_no: i64) -> BasicCallInfo {
        BasicCallInfo {
            device_type: Some(DeviceType::from_code(device_type)),
            device_no: Some(device_no),
            media_type: Some(MediaType::Voice),
            ..BasicCallInfo::default()
        }
    }

    fn with_status(code: i64) -> CallExtras {
        CallExtras {
            call_status: Some(CallStatus::from_code(code)),
            ..CallExtras::default()
        }
    }

    fn agent(id: i64) -> AgentId {
        AgentId::new(id).unwrap()
    }

    #[test]
    fn a_call_at_an_agent_is_talking_unless_told_otherwise() {
        assert_eq!(
            CallExtras::default().placement(&call(2, 1099)),
            Ok(Placement::Agent(agent(1099), CallStatus::Talking))
        );
        assert_eq!(
            with_status(6).placement(&call(2, 1099)),
            Ok(Placement::Agent(agent(1099), CallStatus::Held))
        );
        assert_eq!(
            CallExtras::default().placement(&call(2, 7)),
            Err(PlacementError::NotAnAgent)
        );
        assert_eq!(
            with_status(2).placement(&call(2, 1099)),
            Err(PlacementError::NotAtAnAgent(2))
        );
    }

    #[test]
    fn a_private_queue_is_a_queue_numbered_by_its_agent() {
        assert_eq!(
            with_status(3).placement(&call(1, 1099)),
            Ok(Placement::PrivateQueue(agent(1099)))
        );
        for (device_type, device_no) in [(2, 1099), (1, 5), (3, 1099)] {
            assert_eq!(
                with_status(3).placement(&call(device_type, device_no)),
                Err(PlacementError::PrivateQueueWithoutAgent)
            );
        }
    }

    #[test]
    fn calls_elsewhere_and_bad_codes() {
        assert_eq!(
            CallExtras::default().placement(&call(1, 3)),
            Ok(Placement::Elsewhere)
        );
        assert_eq!(
            with_status(12).placement(&call(1, 3)),
            Err(PlacementError::Undocumented {
                field: "callStatus",
                code: 12
            })
        );
        let submedia = CallExtras {
            submedia_type: Some(2),
            ..CallExtras::default()
        };
        assert_eq!(
            submedia.placement(&call(2, 1099)),
            Err(PlacementError::SubmediaType)
        );
        let social = BasicCallInfo {
            media_type: Some(MediaType::SocialChat),
            ..call(2, 1099)
        };
        assert!(submedia.placement(&social).is_ok());
    }
}
