//! `CenterChange`: one change the sandbox makes to the embedded contact center, as data.
//! A route checks the request (its body, the caller's scope) and makes the change; the
//! center applies it, here at once or, with shared state, in the order of the journal
//! every replica applies (so it is also what the journal carries, as JSON).

use calldata_bms::CallRecord;
use calldata_model::{AgentKey, CallKey, ResultCode};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A change to the contact center.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "change",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum CenterChange {
    /// `POST /sandbox/v1/calls`: a call that must not exist yet.
    AddCall {
        /// The call.
        record: CallRecord,
    },
    /// `PUT /sandbox/v1/calls`: a call added or replaced.
    PutCall {
        /// The call.
        record: CallRecord,
    },
    /// `PATCH /sandbox/v1/calls`: some fields of a call in progress, over what it holds
    /// when the change applies.
    PatchCall {
        /// The call.
        key: CallKey,
        /// The body's members (its key included).
        fields: Map<String, Value>,
    },
    /// `DELETE /sandbox/v1/calls`: a call ends.
    EndCall {
        /// The call.
        key: CallKey,
        /// Its release cause; by default the customer hung up.
        release_cause: Option<i64>,
    },
    /// `POST /sandbox/v1/agents`.
    SignIn {
        /// The agent.
        agent: AgentKey,
    },
    /// `DELETE /sandbox/v1/agents`.
    SignOut {
        /// The agent.
        agent: AgentKey,
    },
    /// `POST /sandbox/v1/clock`: a manual clock moves on, the simulation with it.
    AdvanceClock {
        /// How far, in ms.
        by_ms: i64,
    },
    /// `PATCH /sandbox/v1/simulation`.
    Simulation {
        /// Pause (`true`) or resume (`false`).
        paused: Option<bool>,
        /// The new arrival rate.
        arrivals_per_minute: Option<f64>,
    },
}

/// What a change answers: its result's `resultDesc`, or why it was refused.
pub type Applied = Result<Value, Refused>;

/// A change refused, with the result code and message its answer carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The result code.
    pub code: ResultCode,
    /// What was wrong.
    pub message: String,
}

impl Refused {
    /// `0100002` with `invalid parameter: <what>`.
    pub fn invalid(what: &impl std::fmt::Display) -> Self {
        Self {
            code: ResultCode::InvalidParameter,
            message: format!("invalid parameter: {what}"),
        }
    }

    /// `0100001` with `message`.
    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            code: ResultCode::InterfaceCallFailed,
            message: message.into(),
        }
    }

    /// `0100001`: the call is not in progress.
    pub fn not_in_progress() -> Self {
        Self::failed("call not found or no longer in progress")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What one replica writes into the journal, every other reads back as the same change.
    #[test]
    fn every_change_reads_back_as_written() {
        let key: CallKey =
            serde_json::from_str(r#"{"ccId":1,"vdn":2,"callId":"1764547000000-7"}"#).unwrap();
        let agent: AgentKey = serde_json::from_str(r#"{"ccId":1,"vdn":2,"agentId":1001}"#).unwrap();
        let record: CallRecord = serde_json::from_str(
            r#"{"ccId":1,"vdn":2,"callId":"1764547000000-7","deviceType":2,"deviceNo":1001,
                "callingNum":"13800001111","waitTime":3}"#,
        )
        .unwrap();
        let mut fields = Map::new();
        fields.insert("deviceNo".to_owned(), Value::from(1002));
        let changes = [
            CenterChange::AddCall {
                record: record.clone(),
            },
            CenterChange::PutCall { record },
            CenterChange::PatchCall { key, fields },
            CenterChange::EndCall {
                key,
                release_cause: Some(16),
            },
            CenterChange::EndCall {
                key,
                release_cause: None,
            },
            CenterChange::SignIn { agent },
            CenterChange::SignOut { agent },
            CenterChange::AdvanceClock { by_ms: 60_000 },
            CenterChange::Simulation {
                paused: Some(true),
                arrivals_per_minute: Some(120.5),
            },
        ];
        // The wire form is what replicas of different builds exchange: pinned here.
        assert_eq!(
            serde_json::to_string(&changes[3]).unwrap(),
            r#"{"change":"endCall","key":{"ccId":1,"vdn":2,"callId":"1764547000000-7"},"releaseCause":16}"#
        );
        assert_eq!(
            serde_json::to_string(&changes[8]).unwrap(),
            r#"{"change":"simulation","paused":true,"arrivalsPerMinute":120.5}"#
        );
        for change in changes {
            let json = serde_json::to_string(&change).unwrap();
            assert_eq!(
                serde_json::from_str::<CenterChange>(&json).unwrap(),
                change,
                "{json}"
            );
        }
    }
}
