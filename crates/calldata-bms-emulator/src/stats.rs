//! Counters of what the emulator received and how it answered.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

/// A snapshot of the emulator's counters (camelCase JSON at `GET /emulator/stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmulatorStats {
    /// `POST`s received on the BMS query path.
    pub queries: u64,
    /// Answered `retCode "0"` with the call.
    pub found: u64,
    /// Answered `retCode "1"` (call not found).
    pub not_found: u64,
    /// Answered `retCode "2"` (the body was not a valid query).
    pub bad_request: u64,
    /// Answered with the injected `retCode`.
    pub injected_ret_code: u64,
    /// Answered HTTP 500.
    #[serde(rename = "http500")]
    pub http_500: u64,
    /// Answered a body that is not BMS JSON.
    pub malformed: u64,
    /// Connection reset without an answer.
    pub reset: u64,
    /// Never answered.
    pub hung: u64,
}

/// Which counter an answer adds to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Counter {
    /// See [`EmulatorStats::queries`].
    Queries,
    /// See [`EmulatorStats::found`].
    Found,
    /// See [`EmulatorStats::not_found`].
    NotFound,
    /// See [`EmulatorStats::bad_request`].
    BadRequest,
    /// See [`EmulatorStats::injected_ret_code`].
    InjectedRetCode,
    /// See [`EmulatorStats::http_500`].
    Http500,
    /// See [`EmulatorStats::malformed`].
    Malformed,
    /// See [`EmulatorStats::reset`].
    Reset,
    /// See [`EmulatorStats::hung`].
    Hung,
}

/// The live counters, shared by every connection of one emulator.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    /// One atomic per [`Counter`], in declaration order.
    values: [AtomicU64; 9],
}

impl Counters {
    /// Adds one to `counter`.
    pub(crate) fn add(&self, counter: Counter) {
        self.values[counter as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// The current values.
    pub(crate) fn snapshot(&self) -> EmulatorStats {
        let get = |counter: Counter| self.values[counter as usize].load(Ordering::Relaxed);
        EmulatorStats {
            queries: get(Counter::Queries),
            found: get(Counter::Found),
            not_found: get(Counter::NotFound),
            bad_request: get(Counter::BadRequest),
            injected_ret_code: get(Counter::InjectedRetCode),
            http_500: get(Counter::Http500),
            malformed: get(Counter::Malformed),
            reset: get(Counter::Reset),
            hung: get(Counter::Hung),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    use super::*;

    #[test]
    fn each_counter_lands_in_its_own_field() {
        let counters = Counters::default();
        counters.add(Counter::Queries);
        counters.add(Counter::Queries);
        counters.add(Counter::Http500);
        counters.add(Counter::Hung);
        let stats = counters.snapshot();
        assert_eq!(
            stats,
            EmulatorStats {
                queries: 2,
                http_500: 1,
                hung: 1,
                ..EmulatorStats::default()
            }
        );
        let json = serde_json::to_value(stats).unwrap();
        assert_eq!(json["http500"], 1);
        assert_eq!(json["notFound"], 0);
    }
}
