//! Lenient readers for the type drifts of real CMS and BMS servers.
//!
//! The public reference disagrees with its own examples on several types (section 2 of the
//! contract), and older components send numbers as strings. Every reader we write therefore
//! accepts, for an integer: a JSON integer, an integral float, a string of decimal digits,
//! and `""` or `null` for "absent"; for a string: a string, a number (written in decimal) and
//! `null` for `""`. Anything else (a boolean, an object, letters where a number belongs) is
//! an error: garbage fails loudly rather than turning into a plausible wrong value.
//!
//! One hand-written visitor serves all fields, so decoding never buffers a value.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

/// Reads an integer that may be absent, sent as a number, a digit string, `""` or `null`.
pub fn opt_i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    deserializer.deserialize_any(OptI64)
}

/// Reads an enumeration code leniently (see [`opt_i64`]) and maps it to `T`.
pub fn opt_code<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: From<i64>,
{
    Ok(opt_i64(deserializer)?.map(T::from))
}

/// Reads an integer like [`opt_i64`], except that text which is not a number reads as
/// absent: for `mediaBillType`, which the reference types as a String.
pub fn opt_i64_or_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    deserializer.deserialize_any(OptI64OrText)
}

/// Reads a string that may be sent as a number; `null` reads as `""`.
pub fn string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    deserializer.deserialize_any(LenientString)
}

/// Reads an array of strings, each of which may be sent as a number; `null` reads as `[]`.
pub fn strings<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(serde::Deserialize)]
    struct Item(#[serde(deserialize_with = "string")] String);
    let items: Option<Vec<Item>> = serde::Deserialize::deserialize(deserializer)?;
    Ok(items
        .unwrap_or_default()
        .into_iter()
        .map(|item| item.0)
        .collect())
}

/// Reads an integer like [`opt_i64`], absent as 0: for the record interfaces' numbers,
/// which have no "absent" of their own.
pub fn i64_or_zero<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    Ok(opt_i64(deserializer)?.unwrap_or(0))
}

/// Writes an integer as a string of decimal digits (`"1605057110000"`): for the fields a
/// published example writes that way. Read back with [`i64_or_zero`].
pub fn digits<S: serde::Serializer>(value: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// Parses an integer written as text: optional sign, decimal digits, surrounding blanks
/// ignored. Returns `None` for the empty string, an error for anything else.
pub fn parse_integer_text(text: &str) -> Result<Option<i64>, &'static str> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let digits = trimmed.strip_prefix(['-', '+']).unwrap_or(trimmed);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("a string that is not a decimal integer");
    }
    trimmed
        .parse::<i64>()
        .map(Some)
        .map_err(|_| "an integer out of the 64-bit range")
}

struct OptI64;

impl<'de> Visitor<'de> for OptI64 {
    type Value = Option<i64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer, a string of decimal digits, \"\" or null")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        i64::try_from(v)
            .map(Some)
            .map_err(|_| E::custom("an integer out of the 64-bit range"))
    }

    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // 2^63 as f64; every integral float strictly inside the range converts exactly.
        const LIMIT: f64 = 9_223_372_036_854_775_808.0;
        if v.fract() == 0.0 && v > -LIMIT && v < LIMIT {
            Ok(Some(v as i64))
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        parse_integer_text(v).map_err(E::custom)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

struct OptI64OrText;

impl<'de> Visitor<'de> for OptI64OrText {
    type Value = Option<i64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        OptI64.expecting(f)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        OptI64.visit_i64(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        OptI64.visit_u64(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        OptI64.visit_f64(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(parse_integer_text(v).ok().flatten())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

struct LenientString;

impl<'de> Visitor<'de> for LenientString {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, a number or null")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(v.to_string())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(String::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(String::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(default, deserialize_with = "opt_i64")]
        n: Option<i64>,
        #[serde(default, deserialize_with = "string")]
        s: String,
    }

    fn probe(json: &str) -> Result<Probe, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn integers_arrive_in_every_documented_form() {
        for (json, expected) in [
            (r#"{"n":12}"#, Some(12)),
            (r#"{"n":"12"}"#, Some(12)),
            (r#"{"n":" 12 "}"#, Some(12)),
            (r#"{"n":"-3"}"#, Some(-3)),
            (r#"{"n":12.0}"#, Some(12)),
            (r#"{"n":""}"#, None),
            (r#"{"n":null}"#, None),
            (r"{}", None),
        ] {
            assert_eq!(probe(json).unwrap().n, expected, "{json}");
        }
    }

    #[test]
    fn garbage_where_an_integer_belongs_is_an_error() {
        for json in [
            r#"{"n":"x"}"#,
            r#"{"n":"1x"}"#,
            r#"{"n":"-"}"#,
            r#"{"n":1.5}"#,
            r#"{"n":true}"#,
            r#"{"n":{}}"#,
            r#"{"n":[]}"#,
            r#"{"n":18446744073709551615}"#,
        ] {
            assert!(probe(json).is_err(), "{json} should not decode");
        }
    }

    #[test]
    fn strings_accept_numbers_and_null() {
        for (json, expected) in [
            (r#"{"s":"defaultAudioSkill"}"#, "defaultAudioSkill"),
            (r#"{"s":7}"#, "7"),
            (r#"{"s":null}"#, ""),
            (r#"{"s":""}"#, ""),
            (r"{}", ""),
        ] {
            assert_eq!(probe(json).unwrap().s, expected, "{json}");
        }
        assert!(probe(r#"{"s":false}"#).is_err());
    }
}
