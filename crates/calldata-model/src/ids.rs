//! Identifiers of where a call lives: the call center (`CcId`) and the virtual call center
//! (`Vdn`). Both can only hold values in their documented range.

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
    fn decodes_digit_strings_and_rejects_out_of_range() {
        let vdn: Vdn = serde_json::from_str("\"12\"").unwrap();
        assert_eq!(vdn.get(), 12);
        let err = serde_json::from_str::<Vdn>("5001").unwrap_err().to_string();
        assert!(err.contains("between 1 and 5000"), "{err}");
    }
}
