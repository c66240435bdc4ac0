//! `CallId`: the platform's call identifier, `<call start time>-<sequence>`.
//!
//! The reference writes the start time in milliseconds (`1659513159000-546750`) but its own
//! examples use seconds (`1453723531-574`); both are accepted (contract section 1). A start
//! value of 10^11 or more is read as milliseconds (10^11 seconds is the year 5138, 10^11
//! milliseconds is 1973), anything smaller as seconds.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest accepted call ID, in characters.
pub const MAX_LEN: usize = 20;

/// Start values at or above this are milliseconds, below it seconds.
const MILLIS_THRESHOLD: u64 = 100_000_000_000;

/// A validated call ID; `Copy`, no heap, at most 20 bytes of text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId {
    len: u8,
    text: [u8; MAX_LEN],
}

/// Unit the start part of a call ID was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallStart {
    /// Seconds since the Unix epoch.
    Seconds(u64),
    /// Milliseconds since the Unix epoch.
    Milliseconds(u64),
}

impl CallStart {
    /// The start time in milliseconds since the Unix epoch, if it fits in a `u64`.
    pub fn unix_millis(self) -> Option<u64> {
        match self {
            Self::Seconds(s) => s.checked_mul(1000),
            Self::Milliseconds(ms) => Some(ms),
        }
    }
}

/// Why a string is not a call ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CallIdError {
    /// Nothing was given.
    #[error("must not be empty")]
    Empty,
    /// More than 20 characters.
    #[error("must be at most 20 characters (got {0})")]
    TooLong(usize),
    /// Not two runs of decimal digits joined by one `-`.
    #[error("must look like <call start time>-<sequence>, both decimal digits")]
    BadShape,
}

impl CallId {
    /// Parses and validates a call ID.
    pub fn parse(text: &str) -> Result<Self, CallIdError> {
        if text.is_empty() {
            return Err(CallIdError::Empty);
        }
        let chars = text.chars().count();
        if chars > MAX_LEN {
            return Err(CallIdError::TooLong(chars));
        }
        let (start, sequence) = text.split_once('-').ok_or(CallIdError::BadShape)?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(start) || !digits(sequence) {
            return Err(CallIdError::BadShape);
        }
        // All ASCII now, so the byte length equals the character count (<= 20).
        let mut buffer = [0u8; MAX_LEN];
        buffer[..text.len()].copy_from_slice(text.as_bytes());
        #[allow(clippy::cast_possible_truncation)]
        let len = text.len() as u8;
        Ok(Self { len, text: buffer })
    }

    /// The call ID as text.
    pub fn as_str(&self) -> &str {
        let bytes = &self.text[..usize::from(self.len)];
        // Invariant: `parse` only stores ASCII digits and one '-'.
        std::str::from_utf8(bytes).unwrap_or_default()
    }

    /// When the call started, in the unit it was written in.
    pub fn start(&self) -> CallStart {
        let value = parse_digits(self.parts().0);
        if value >= MILLIS_THRESHOLD {
            CallStart::Milliseconds(value)
        } else {
            CallStart::Seconds(value)
        }
    }

    /// The sequence number after the `-`.
    pub fn sequence(&self) -> u64 {
        parse_digits(self.parts().1)
    }

    fn parts(&self) -> (&str, &str) {
        self.as_str().split_once('-').unwrap_or_default()
    }
}

/// Value of a run of at most 19 ASCII digits (each part of a call ID has at most 18).
fn parse_digits(digits: &str) -> u64 {
    digits
        .bytes()
        .fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'))
}

impl fmt::Debug for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CallId").field(&self.as_str()).finish()
    }
}

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CallId {
    type Err = CallIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for CallId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CallId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = crate::lenient::string(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_millisecond_form_of_the_reference() {
        let id = CallId::parse("1659513159000-546750").unwrap();
        assert_eq!(id.as_str(), "1659513159000-546750");
        assert_eq!(id.start(), CallStart::Milliseconds(1_659_513_159_000));
        assert_eq!(id.sequence(), 546_750);
        assert_eq!(id.start().unix_millis(), Some(1_659_513_159_000));
    }

    #[test]
    fn parses_the_second_form_of_the_examples() {
        let id = CallId::parse("1453723531-574").unwrap();
        assert_eq!(id.start(), CallStart::Seconds(1_453_723_531));
        assert_eq!(id.start().unix_millis(), Some(1_453_723_531_000));
        assert_eq!(id.sequence(), 574);
    }

    #[test]
    fn rejects_each_bad_shape_with_its_reason() {
        assert_eq!(CallId::parse(""), Err(CallIdError::Empty));
        assert_eq!(
            CallId::parse("123456789012345678-12"),
            Err(CallIdError::TooLong(21))
        );
        for bad in [
            "1659513159000",
            "-1",
            "1-",
            "1--2",
            "a-1",
            "1-2-3",
            " 1-2",
            "١-٢",
            "1_2",
        ] {
            assert_eq!(CallId::parse(bad), Err(CallIdError::BadShape), "{bad}");
        }
    }

    #[test]
    fn twenty_characters_is_the_limit() {
        assert!(CallId::parse("12345678901234567-12").is_ok());
        assert!(CallId::parse("999999999999999999-9").is_ok());
    }
}
