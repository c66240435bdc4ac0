//! The request fields only the record interfaces have (family.md sections 7 to 9): a
//! direction sent as `"true"`/`"false"` or a JSON boolean, optional phone numbers, paging,
//! and epoch-millisecond instants. Each reader names the field it refuses, like
//! `required_integer` does for the shared ones.

use serde_json::Value;

use crate::call_id::CallId;
use crate::enums::CallDirection;
use crate::request::{FieldViolation, Sent};

/// The longest phone number a filter may carry.
pub const MAX_NUMBER_LEN: usize = 32;

fn violation(field: &'static str, problem: impl Into<String>) -> FieldViolation {
    FieldViolation {
        field,
        problem: problem.into().into(),
    }
}

/// What kind of JSON value `value` is, in words.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `isCallIn`: `"true"` (inbound) or `"false"` (outbound), as a string or a JSON boolean.
pub(crate) fn direction(
    field: &'static str,
    value: Option<&Value>,
) -> Result<CallDirection, FieldViolation> {
    match value {
        None | Some(Value::Null) => Err(violation(field, "is required")),
        Some(Value::Bool(true)) => Ok(CallDirection::Inbound),
        Some(Value::Bool(false)) => Ok(CallDirection::Outbound),
        Some(Value::String(text)) if text.eq_ignore_ascii_case("true") => {
            Ok(CallDirection::Inbound)
        }
        Some(Value::String(text)) if text.eq_ignore_ascii_case("false") => {
            Ok(CallDirection::Outbound)
        }
        Some(Value::String(_)) => Err(violation(field, "must be \"true\" or \"false\"")),
        Some(other) => Err(violation(
            field,
            format!("must be \"true\" or \"false\", not {}", kind(other)),
        )),
    }
}

/// An optional phone-number filter: a string of at most [`MAX_NUMBER_LEN`] digits (a JSON
/// number is read as its digits); absent, `null` or `""` match every number.
pub(crate) fn optional_number(
    field: &'static str,
    value: Option<&Value>,
) -> Result<Option<String>, FieldViolation> {
    let text = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) if number.is_u64() => number.to_string(),
        Some(other) => {
            return Err(violation(
                field,
                format!("must be a string of digits, not {}", kind(other)),
            ));
        }
    };
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() > MAX_NUMBER_LEN || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(violation(
            field,
            format!("must be a string of at most {MAX_NUMBER_LEN} digits"),
        ));
    }
    Ok(Some(text))
}

/// A required call ID (`<start>-<sequence>`, at most 20 characters).
pub(crate) fn call_id(
    field: &'static str,
    sent: Option<&Sent<String>>,
) -> Result<CallId, FieldViolation> {
    match sent {
        None => Err(violation(field, "is required")),
        Some(Sent::WrongType(found)) => {
            Err(violation(field, format!("must be a string, not {found}")))
        }
        Some(Sent::Value(text)) => CallId::parse(text).map_err(|e| violation(field, e.to_string())),
    }
}

/// A required instant in epoch milliseconds (0 and later).
pub(crate) fn epoch_millis(
    field: &'static str,
    sent: Option<&Sent<i64>>,
) -> Result<i64, FieldViolation> {
    crate::request::required_integer(field, sent, |value| {
        if value >= 0 {
            Ok(value)
        } else {
            Err("must be epoch milliseconds, 0 or later")
        }
    })
}

/// An optional integer in `min..=max`, `default` when absent or `null`.
pub(crate) fn optional_integer(
    field: &'static str,
    sent: Option<&Sent<i64>>,
    default: i64,
    (min, max): (i64, i64),
) -> Result<i64, FieldViolation> {
    match sent {
        None => Ok(default),
        Some(sent) => crate::request::required_integer(field, Some(sent), |value| {
            if (min..=max).contains(&value) {
                Ok(value)
            } else if max == i64::MAX {
                Err(format!("must be {min} or more"))
            } else {
                Err(format!("must be between {min} and {max}"))
            }
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn directions_read_as_strings_or_booleans() {
        let read = |value: Value| direction("isCallIn", Some(&value));
        assert_eq!(read(json!("true")), Ok(CallDirection::Inbound));
        assert_eq!(read(json!(false)), Ok(CallDirection::Outbound));
        assert_eq!(read(json!("FALSE")), Ok(CallDirection::Outbound));
        assert!(
            read(json!("yes"))
                .unwrap_err()
                .to_string()
                .contains("\"true\"")
        );
        assert!(read(json!(1)).unwrap_err().to_string().contains("a number"));
        assert_eq!(
            direction("isCallIn", None).unwrap_err().to_string(),
            "isCallIn is required"
        );
    }

    #[test]
    fn numbers_are_digits_and_empty_matches_all() {
        let read = |value: Value| optional_number("callerNo", Some(&value));
        assert_eq!(read(json!("")), Ok(None));
        assert_eq!(read(json!(null)), Ok(None));
        assert_eq!(read(json!("88880001")), Ok(Some("88880001".into())));
        assert_eq!(read(json!(123)), Ok(Some("123".into())));
        assert!(read(json!("12a")).is_err());
        assert!(read(json!("1".repeat(33))).is_err());
        assert!(read(json!(-1)).is_err());
    }

    #[test]
    fn paging_defaults_and_ranges() {
        assert_eq!(optional_integer("limit", None, 100, (1, 100)), Ok(100));
        let five = Sent::Value(5);
        assert_eq!(optional_integer("limit", Some(&five), 100, (1, 100)), Ok(5));
        let zero = Sent::Value(0);
        assert_eq!(
            optional_integer("limit", Some(&zero), 100, (1, 100))
                .unwrap_err()
                .to_string(),
            "limit must be between 1 and 100"
        );
        let negative = Sent::Value(-1);
        assert_eq!(
            optional_integer("offset", Some(&negative), 0, (0, i64::MAX))
                .unwrap_err()
                .to_string(),
            "offset must be 0 or more"
        );
    }
}
