//! The faults the emulator injects: what they are, how they are written, and how one is picked.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The faults to inject into BMS queries; the default injects none.
///
/// Written as camelCase JSON, every field optional:
/// `{"latencyMs":{"min":50,"max":200},"errorRate":0.1,"retCode":"3","malformedRate":0.0,
/// "resetRate":0.0,"hangRate":0.0}`. `latencyMs` may also be a plain number (fixed latency).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Faults {
    /// Delay before answering: fixed when `min == max`, else uniform in `min..=max`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<LatencyRange>,
    /// Fraction of queries answered HTTP 500.
    pub error_rate: f64,
    /// When set, every query is answered `{"retCode": <this>, "retMsg": "injected"}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ret_code: Option<String>,
    /// Fraction of queries answered HTTP 200 with a body that is not BMS JSON.
    pub malformed_rate: f64,
    /// Fraction of queries whose connection is reset (TCP RST) without an answer.
    pub reset_rate: f64,
    /// Fraction of queries that never get an answer.
    pub hang_rate: f64,
}

/// A latency range in milliseconds, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "LatencyForm")]
pub struct LatencyRange {
    /// Shortest delay.
    pub min: u64,
    /// Longest delay.
    pub max: u64,
}

/// How a latency may be written in JSON: `100` or `{"min":50,"max":200}`.
#[derive(Deserialize)]
#[serde(untagged)]
enum LatencyForm {
    /// A fixed latency.
    Fixed(u64),
    /// A range.
    Range {
        /// Shortest delay.
        min: u64,
        /// Longest delay.
        max: u64,
    },
}

impl From<LatencyForm> for LatencyRange {
    fn from(form: LatencyForm) -> Self {
        match form {
            LatencyForm::Fixed(ms) => Self::fixed(ms),
            LatencyForm::Range { min, max } => Self { min, max },
        }
    }
}

impl LatencyRange {
    /// Always the same delay.
    pub const fn fixed(ms: u64) -> Self {
        Self { min: ms, max: ms }
    }

    /// One delay drawn from the range (uniformly; `min` when the range is empty or inverted).
    pub fn pick(&self) -> Duration {
        let ms = if self.max > self.min {
            fastrand::u64(self.min..=self.max)
        } else {
            self.min
        };
        Duration::from_millis(ms)
    }
}

impl fmt::Display for LatencyRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.min == self.max {
            write!(f, "{}", self.min)
        } else {
            write!(f, "{}..{}", self.min, self.max)
        }
    }
}

impl FromStr for LatencyRange {
    type Err = FaultError;

    /// Reads `100` (fixed) or `50..200` (range, both ends included).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let number = |part: &str| {
            part.trim()
                .parse::<u64>()
                .map_err(|_| FaultError::BadLatency(text.to_owned()))
        };
        let range = match text.split_once("..") {
            Some((min, max)) => Self {
                min: number(min)?,
                max: number(max.strip_prefix('=').unwrap_or(max))?,
            },
            None => Self::fixed(number(text)?),
        };
        range.validate()?;
        Ok(range)
    }
}

impl LatencyRange {
    /// Checks that `min <= max`.
    pub fn validate(&self) -> Result<(), FaultError> {
        if self.min > self.max {
            return Err(FaultError::LatencyInverted {
                min: self.min,
                max: self.max,
            });
        }
        Ok(())
    }
}

/// Why a set of faults is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaultError {
    /// A rate outside `0.0..=1.0` (or not a number).
    #[error("{name} must be between 0.0 and 1.0 (got {value})")]
    RateOutOfRange {
        /// The JSON name of the rate (`errorRate`).
        name: &'static str,
        /// The refused value.
        value: f64,
    },
    /// A latency range whose minimum is above its maximum.
    #[error("latencyMs min ({min}) must not be greater than max ({max})")]
    LatencyInverted {
        /// The minimum given.
        min: u64,
        /// The maximum given.
        max: u64,
    },
    /// A latency that is neither `N` nor `MIN..MAX` milliseconds.
    #[error("latency must be milliseconds, `100` or `50..200` (got {0:?})")]
    BadLatency(String),
    /// An injected `retCode` that is empty.
    #[error("retCode must not be empty")]
    EmptyRetCode,
    /// Faults that are not valid JSON of the expected shape.
    #[error("invalid faults JSON: {0}")]
    Json(String),
}

/// What the emulator does with one BMS query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Reset the connection without answering.
    Reset,
    /// Never answer.
    Hang,
    /// Answer HTTP 500.
    Http500,
    /// Answer HTTP 200 with a body that is not BMS JSON.
    Malformed,
    /// Answer this `retCode` with no data.
    RetCode(String),
    /// Answer from the store.
    Normal,
}

impl Faults {
    /// No faults at all.
    pub fn none() -> Self {
        Self::default()
    }

    /// Whether no fault is set.
    pub fn is_none(&self) -> bool {
        *self == Self::default()
    }

    /// Checks every rate is in `0.0..=1.0`, the latency range is ordered and `retCode` is not empty.
    pub fn validate(&self) -> Result<(), FaultError> {
        for (name, value) in self.rates() {
            if !(0.0..=1.0).contains(&value) {
                return Err(FaultError::RateOutOfRange { name, value });
            }
        }
        if let Some(latency) = &self.latency_ms {
            latency.validate()?;
        }
        if self
            .ret_code
            .as_deref()
            .is_some_and(|code| code.trim().is_empty())
        {
            return Err(FaultError::EmptyRetCode);
        }
        Ok(())
    }

    /// Reads and validates faults from JSON.
    pub fn from_json(body: &[u8]) -> Result<Self, FaultError> {
        let faults: Self =
            serde_json::from_slice(body).map_err(|err| FaultError::Json(err.to_string()))?;
        faults.validate()?;
        Ok(faults)
    }

    /// The rates with their JSON names.
    fn rates(&self) -> [(&'static str, f64); 4] {
        [
            ("errorRate", self.error_rate),
            ("malformedRate", self.malformed_rate),
            ("resetRate", self.reset_rate),
            ("hangRate", self.hang_rate),
        ]
    }

    /// The delay to wait before answering one query, if any.
    pub(crate) fn pick_latency(&self) -> Option<Duration> {
        self.latency_ms.as_ref().map(LatencyRange::pick)
    }

    /// Draws what happens to one query: each rate is rolled on its own, in the order reset,
    /// hang, HTTP 500, malformed; the first that fires wins, then an injected `retCode`.
    pub(crate) fn pick_outcome(&self) -> Outcome {
        let fires = |rate: f64| rate > 0.0 && fastrand::f64() < rate;
        if fires(self.reset_rate) {
            Outcome::Reset
        } else if fires(self.hang_rate) {
            Outcome::Hang
        } else if fires(self.error_rate) {
            Outcome::Http500
        } else if fires(self.malformed_rate) {
            Outcome::Malformed
        } else if let Some(code) = &self.ret_code {
            Outcome::RetCode(code.clone())
        } else {
            Outcome::Normal
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    use super::*;

    #[test]
    fn no_faults_is_the_default_and_always_answers_normally() {
        let faults = Faults::default();
        assert!(faults.is_none());
        assert_eq!(faults.validate(), Ok(()));
        assert_eq!(faults.pick_latency(), None);
        for _ in 0..100 {
            assert_eq!(faults.pick_outcome(), Outcome::Normal);
        }
    }

    #[test]
    fn faults_are_camel_case_json_with_every_field_optional() {
        let faults =
            Faults::from_json(br#"{"latencyMs":{"min":5,"max":9},"errorRate":0.5,"retCode":"3"}"#)
                .unwrap();
        assert_eq!(faults.latency_ms, Some(LatencyRange { min: 5, max: 9 }));
        assert!((faults.error_rate - 0.5).abs() < f64::EPSILON);
        assert_eq!(faults.ret_code.as_deref(), Some("3"));
        let json = serde_json::to_string(&faults).unwrap();
        assert_eq!(Faults::from_json(json.as_bytes()).unwrap(), faults);
        assert_eq!(Faults::from_json(b"{}").unwrap(), Faults::none());
    }

    #[test]
    fn a_plain_number_is_a_fixed_latency() {
        let faults = Faults::from_json(br#"{"latencyMs":120}"#).unwrap();
        assert_eq!(faults.latency_ms, Some(LatencyRange::fixed(120)));
        assert_eq!(faults.pick_latency(), Some(Duration::from_millis(120)));
    }

    #[test]
    fn bad_rates_inverted_latency_and_unknown_fields_are_refused_with_clear_messages() {
        let message = |json: &str| Faults::from_json(json.as_bytes()).unwrap_err().to_string();
        assert_eq!(
            message(r#"{"errorRate":1.5}"#),
            "errorRate must be between 0.0 and 1.0 (got 1.5)"
        );
        assert_eq!(
            message(r#"{"hangRate":-0.1}"#),
            "hangRate must be between 0.0 and 1.0 (got -0.1)"
        );
        assert_eq!(
            message(r#"{"latencyMs":{"min":9,"max":5}}"#),
            "latencyMs min (9) must not be greater than max (5)"
        );
        assert_eq!(message(r#"{"retCode":" "}"#), "retCode must not be empty");
        assert!(message(r#"{"errorrate":1}"#).contains("unknown field `errorrate`"));
        assert!(message("{").starts_with("invalid faults JSON"));
    }

    #[test]
    fn latency_is_read_from_text_as_a_number_or_a_range() {
        assert_eq!("100".parse(), Ok(LatencyRange::fixed(100)));
        assert_eq!("50..200".parse(), Ok(LatencyRange { min: 50, max: 200 }));
        assert_eq!("50..=200".parse(), Ok(LatencyRange { min: 50, max: 200 }));
        assert!("200..50".parse::<LatencyRange>().is_err());
        assert!("fast".parse::<LatencyRange>().is_err());
        assert_eq!(LatencyRange { min: 50, max: 200 }.to_string(), "50..200");
    }

    #[test]
    fn a_drawn_latency_stays_in_its_range() {
        let range = LatencyRange { min: 10, max: 20 };
        for _ in 0..200 {
            let ms = range.pick().as_millis();
            assert!((10..=20).contains(&ms), "{ms}");
        }
    }

    #[test]
    fn a_rate_of_one_always_fires_and_reset_comes_first() {
        let faults = Faults {
            reset_rate: 1.0,
            hang_rate: 1.0,
            error_rate: 1.0,
            ..Faults::default()
        };
        assert_eq!(faults.pick_outcome(), Outcome::Reset);
        let faults = Faults {
            malformed_rate: 1.0,
            ret_code: Some("9".to_owned()),
            ..Faults::default()
        };
        assert_eq!(faults.pick_outcome(), Outcome::Malformed);
        let faults = Faults {
            ret_code: Some("9".to_owned()),
            ..Faults::default()
        };
        assert_eq!(faults.pick_outcome(), Outcome::RetCode("9".to_owned()));
    }
}
