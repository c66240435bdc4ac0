//! The signature timestamp: UTC `yyyy-MM-ddTHH:mm:ssZ`, optionally with milliseconds.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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
        // Every verification parses one timestamp: the all-digit form is read directly
        // (about ten times faster); anything else goes through the format description,
        // which decides acceptance exactly as before.
        let at = match parse_digits(text.as_bytes()) {
            Some(at) => at,
            None => PrimitiveDateTime::parse(text, format).map_err(|_| TimestampError)?,
        }
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
        // Nanoseconds since the epoch on both sides: no calendar arithmetic for `now`.
        let now = match now.duration_since(UNIX_EPOCH) {
            Ok(after) => i128::try_from(after.as_nanos()).unwrap_or(i128::MAX),
            Err(before) => -i128::try_from(before.duration().as_nanos()).unwrap_or(i128::MAX),
        };
        let nanos = now
            .saturating_sub(self.at.unix_timestamp_nanos())
            .unsigned_abs();
        let secs = u64::try_from(nanos / 1_000_000_000).unwrap_or(u64::MAX);
        // The remainder of a division by 10^9 fits a u32.
        let subsec = u32::try_from(nanos % 1_000_000_000).unwrap_or(0);
        Duration::new(secs, subsec)
    }
}

/// Writes `value` as decimal digits filling `out`, zero-padded.
fn put_digits(out: &mut [u8], mut value: u16) {
    for slot in out.iter_mut().rev() {
        #[allow(clippy::cast_possible_truncation, reason = "a single decimal digit")]
        let digit = (value % 10) as u8;
        *slot = b'0' + digit;
        value /= 10;
    }
}

/// `yyyy-MM-ddTHH:mm:ssZ` or `yyyy-MM-ddTHH:mm:ss.SSSZ` with every field in range, else
/// `None` (the caller then asks the general parser).
fn parse_digits(text: &[u8]) -> Option<PrimitiveDateTime> {
    let number = |range: std::ops::Range<usize>| -> Option<u16> {
        text.get(range)?.iter().try_fold(0u16, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + u16::from(b - b'0'))
        })
    };
    let at = |i: usize, expected: u8| text.get(i) == Some(&expected);
    let fixed = at(4, b'-') && at(7, b'-') && at(10, b'T') && at(13, b':') && at(16, b':');
    let millis = match text.len() {
        20 if at(19, b'Z') => 0,
        24 if at(19, b'.') && at(23, b'Z') => number(20..23)?,
        _ => return None,
    };
    if !fixed {
        return None;
    }
    let date = time::Date::from_calendar_date(
        i32::from(number(0..4)?),
        time::Month::try_from(u8::try_from(number(5..7)?).ok()?).ok()?,
        u8::try_from(number(8..10)?).ok()?,
    )
    .ok()?;
    let clock = time::Time::from_hms_milli(
        u8::try_from(number(11..13)?).ok()?,
        u8::try_from(number(14..16)?).ok()?,
        u8::try_from(number(17..19)?).ok()?,
        millis,
    )
    .ok()?;
    Some(PrimitiveDateTime::new(date, clock))
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Every signature writes one timestamp: years 0 to 9999 are written directly,
        // exactly as the format description writes them; others go through it.
        if let Ok(year) = u16::try_from(self.at.year())
            && year <= 9999
        {
            let mut text = *b"0000-00-00T00:00:00.000Z";
            put_digits(&mut text[0..4], year);
            put_digits(&mut text[5..7], u16::from(u8::from(self.at.month())));
            put_digits(&mut text[8..10], u16::from(self.at.day()));
            put_digits(&mut text[11..13], u16::from(self.at.hour()));
            put_digits(&mut text[14..16], u16::from(self.at.minute()));
            put_digits(&mut text[17..19], u16::from(self.at.second()));
            let len = match self.precision {
                TimestampPrecision::Seconds => {
                    text[19] = b'Z';
                    20
                }
                TimestampPrecision::Milliseconds => {
                    put_digits(&mut text[20..23], self.at.millisecond());
                    24
                }
            };
            return f.write_str(std::str::from_utf8(&text[..len]).map_err(|_| fmt::Error)?);
        }
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
    fn the_digit_reader_agrees_with_the_format_description() {
        let texts = [
            "2024-01-02T03:04:05Z",
            "2024-02-29T23:59:59Z",
            "2023-02-29T00:00:00Z",
            "2024-12-31T23:59:59.999Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "2024-00-10T00:00:00Z",
            "2024-01-32T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:60:00Z",
            "2024-01-01T00:00:60Z",
            "2024-01-01T00:00:00.000Z",
            "2024-01-01T00:00:00.1234",
            "2024-01-01 00:00:00Z",
            "+024-01-01T00:00:00Z",
            "2024-01-01T00:00:0aZ",
        ];
        for text in texts {
            let format = if text.len() == 24 {
                MILLISECONDS
            } else {
                SECONDS
            };
            let general = PrimitiveDateTime::parse(text, format).ok();
            if let Some(fast) = parse_digits(text.as_bytes()) {
                assert_eq!(Some(fast), general, "{text}");
            }
            assert_eq!(
                Timestamp::parse(text).ok().map(|t| t.at),
                general.map(PrimitiveDateTime::assume_utc),
                "{text}"
            );
        }
        assert!(parse_digits(b"2024-01-02T03:04:05Z").is_some());
        assert!(parse_digits(b"2024-01-02T03:04:05.678Z").is_some());
    }

    #[test]
    fn direct_writing_matches_the_format_description() {
        let mut seconds: i64 = 1;
        for _ in 0..2000 {
            // Spread over years 1970 to about 2500, with varied milliseconds.
            seconds = seconds
                .wrapping_mul(6_364_136_223_846_793)
                .wrapping_add(1_442_695_040_888_963)
                .rem_euclid(16_725_225_600);
            let at = OffsetDateTime::from_unix_timestamp(seconds).unwrap()
                + time::Duration::milliseconds(seconds % 1000);
            for (precision, format) in [
                (TimestampPrecision::Seconds, SECONDS),
                (TimestampPrecision::Milliseconds, MILLISECONDS),
            ] {
                let timestamp = Timestamp::from_system_time(SystemTime::from(at), precision);
                assert_eq!(
                    timestamp.to_string(),
                    timestamp.at.format(format).unwrap(),
                    "{at}"
                );
            }
        }
        let early = Timestamp::parse("0007-03-04T05:06:07.089Z").unwrap();
        assert_eq!(early.to_string(), "0007-03-04T05:06:07.089Z");
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
    fn distance_matches_calendar_arithmetic_to_the_nanosecond() {
        let ts = Timestamp::parse("2024-01-02T03:04:05.678Z").unwrap();
        for now in [
            SystemTime::UNIX_EPOCH + Duration::new(1_704_164_645, 678_000_001),
            SystemTime::UNIX_EPOCH + Duration::new(1_704_164_000, 5),
            SystemTime::UNIX_EPOCH + Duration::new(4_000_000_000, 999_999_999),
            SystemTime::UNIX_EPOCH - Duration::new(86_400, 1),
        ] {
            let calendar = (OffsetDateTime::from(now) - ts.at).unsigned_abs();
            let expected = Duration::new(calendar.as_secs(), calendar.subsec_nanos());
            assert_eq!(ts.distance_from(now), expected, "{now:?}");
        }
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
