//! The signature timestamp: UTC `yyyy-MM-ddTHH:mm:ssZ`, optionally with milliseconds.

use std::fmt;
use std::time::{Duration, SystemTime};

use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

const SECONDS: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
const MILLISECONDS: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// Whether a timestamp is written with milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimestampPrecision {
    /// `2024-01-02T03:04:05Z` (the contract's main form).
    #[default]
    Seconds,
    /// `2024-01-02T03:04:05.123Z`.
    Milliseconds,
}

/// A signature timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    at: OffsetDateTime,
    precision: TimestampPrecision,
}

/// Why a timestamp text is not usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("timestamp is not yyyy-MM-ddTHH:mm:ss[.SSS]Z in UTC")]
pub struct TimestampError;

impl Timestamp {
    /// Parses either form of the contract.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        let (format, precision) = match text.len() {
            20 => (SECONDS, TimestampPrecision::Seconds),
            24 => (MILLISECONDS, TimestampPrecision::Milliseconds),
            _ => return Err(TimestampError),
        };
        let at = PrimitiveDateTime::parse(text, format)
            .map_err(|_| TimestampError)?
            .assume_utc();
        Ok(Self { at, precision })
    }

    /// The timestamp for a clock reading, truncated to the given precision.
    pub fn from_system_time(time: SystemTime, precision: TimestampPrecision) -> Self {
        let at = OffsetDateTime::from(time).to_offset(UtcOffset::UTC);
        let at = match precision {
            TimestampPrecision::Seconds => at.replace_nanosecond(0),
            TimestampPrecision::Milliseconds => at.replace_millisecond(at.millisecond()),
        }
        .unwrap_or(at);
        Self { at, precision }
    }

    /// The precision it was written (or is to be written) with.
    pub fn precision(&self) -> TimestampPrecision {
        self.precision
    }

    /// The instant this timestamp names.
    pub fn to_system_time(&self) -> SystemTime {
        SystemTime::from(self.at)
    }

    /// How far this timestamp is from `now`, in either direction.
    pub fn distance_from(&self, now: SystemTime) -> Duration {
        let now = OffsetDateTime::from(now);
        let diff = (now - self.at).unsigned_abs();
        Duration::new(diff.as_secs(), diff.subsec_nanos())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let format = match self.precision {
            TimestampPrecision::Seconds => SECONDS,
            TimestampPrecision::Milliseconds => MILLISECONDS,
        };
        let text = self.at.format(format).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_both_forms_unchanged() {
        for text in ["2024-01-02T03:04:05Z", "2026-11-24T03:04:05.678Z"] {
            assert_eq!(Timestamp::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn rejects_other_shapes() {
        for text in [
            "2024-01-02T03:04:05",
            "2024-01-02 03:04:05Z",
            "2024-01-02T03:04:05+00:00",
            "2024-13-02T03:04:05Z",
            "2024-01-02T03:04:05.1Z",
            "",
        ] {
            assert!(Timestamp::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn measures_distance_both_ways() {
        let ts = Timestamp::parse("2024-01-02T03:04:05Z").unwrap();
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_164_645);
        assert_eq!(ts.distance_from(at), Duration::ZERO);
        assert_eq!(
            ts.distance_from(at + Duration::from_secs(90)),
            Duration::from_secs(90)
        );
        assert_eq!(
            ts.distance_from(at - Duration::from_secs(90)),
            Duration::from_secs(90)
        );
    }

    #[test]
    fn truncates_clock_readings_to_the_precision() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_704_164_645_678);
        let s = Timestamp::from_system_time(at, TimestampPrecision::Seconds);
        assert_eq!(s.to_string(), "2024-01-02T03:04:05Z");
        let ms = Timestamp::from_system_time(at, TimestampPrecision::Milliseconds);
        assert_eq!(ms.to_string(), "2024-01-02T03:04:05.678Z");
    }
}
