//! Identifiers of where a call lives: the call center (`CcId`), the virtual call center
//! (`Vdn`) and the agent (`AgentId`). Each can only hold values in its documented range.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a number is not a valid identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be between {min} and {max}")]
pub struct OutOfRange {
    /// Smallest allowed value.
    pub min: i64,
    /// Largest allowed value.
    pub max: i64,
}

/// Defines a range-checked numeric identifier stored as a `u16`.
macro_rules! ranged_id {
    ($(#[$meta:meta])* $name:ident, $min:literal ..= $max:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u16);

        impl $name {
            /// Smallest valid value.
            pub const MIN: u16 = $min;
            /// Largest valid value.
            pub const MAX: u16 = $max;
            /// The range as an error value, for messages.
            pub const RANGE: OutOfRange = OutOfRange { min: $min, max: $max };

            /// Checks that `value` is in the documented range.
            pub fn new(value: i64) -> Result<Self, OutOfRange> {
                match u16::try_from(value) {
                    Ok(v) if (Self::MIN..=Self::MAX).contains(&v) => Ok(Self(v)),
                    _ => Err(Self::RANGE),
                }
            }

            /// The numeric value.
            pub const fn get(self) -> u16 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl TryFrom<i64> for $name {
            type Error = OutOfRange;
            fn try_from(value: i64) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_u16(self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = crate::lenient::opt_i64(deserializer)?.ok_or_else(|| {
                    serde::de::Error::custom(concat!(stringify!($name), " is required"))
                })?;
                Self::new(value).map_err(serde::de::Error::custom)
            }
        }
    };
}

ranged_id! {
    /// Call center ID, 1..=65535.
    CcId, 1 ..= 65535
}

ranged_id! {
    /// VDN (virtual call center) ID, 1..=5000.
    Vdn, 1 ..= 5000
}

/// Agent (work number) ID: 101..=59999 or 70000..=999999 (family.md section 0; the 2025
/// edition of the reference widened the range past 59999).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AgentId(u32);

impl AgentId {
    /// The two documented ranges, in order.
    pub const RANGES: [(u32, u32); 2] = [(101, 59_999), (70_000, 999_999)];

    /// Checks that `value` is in one of the documented ranges.
    pub fn new(value: i64) -> Result<Self, AgentIdOutOfRange> {
        match u32::try_from(value) {
            Ok(v)
                if Self::RANGES
                    .iter()
                    .any(|&(min, max)| (min..=max).contains(&v)) =>
            {
                Ok(Self(v))
            }
            _ => Err(AgentIdOutOfRange),
        }
    }

    /// The numeric value.
    pub const fn get(self) -> u32 {
        self.0
    }
}

/// Why a number is not an agent ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be between 101 and 59999 or between 70000 and 999999")]
pub struct AgentIdOutOfRange;

impl fmt::Display for AgentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for AgentId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u32(self.0)
    }
}

impl<'de> Deserialize<'de> for AgentId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = crate::lenient::opt_i64(deserializer)?
            .ok_or_else(|| serde::de::Error::custom("AgentId is required"))?;
        Self::new(value).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_exactly_the_documented_ranges() {
        assert!(CcId::new(0).is_err());
        assert_eq!(CcId::new(1).unwrap().get(), 1);
        assert_eq!(CcId::new(65535).unwrap().get(), 65535);
        assert!(CcId::new(65536).is_err());
        assert!(Vdn::new(0).is_err());
        assert_eq!(Vdn::new(5000).unwrap().get(), 5000);
        assert!(Vdn::new(5001).is_err());
        assert!(Vdn::new(-1).is_err());
    }

    #[test]
    fn agent_ids_have_two_ranges() {
        for ok in [101, 59_999, 70_000, 999_999] {
            assert_eq!(AgentId::new(ok).unwrap().get(), u32::try_from(ok).unwrap());
        }
        for bad in [0, 100, 60_000, 69_999, 1_000_000, -101] {
            assert!(AgentId::new(bad).is_err(), "{bad}");
        }
        let read: AgentId = serde_json::from_str("\"1099\"").unwrap();
        assert_eq!(read.get(), 1099);
    }

    #[test]
    fn decodes_digit_strings_and_rejects_out_of_range() {
        let vdn: Vdn = serde_json::from_str("\"12\"").unwrap();
        assert_eq!(vdn.get(), 12);
        let err = serde_json::from_str::<Vdn>("5001").unwrap_err().to_string();
        assert!(err.contains("between 1 and 5000"), "{err}");
    }
}
