//! `ResultCode`: the CC-CMS monitoring family of result codes (contract section 5).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A `resultCode` of the CC-CMS monitoring interfaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResultCode {
    /// `0100000`: success, the call was found.
    Success,
    /// `0100001`: interface call failed (BMS unreachable or failed, or call not in progress).
    InterfaceCallFailed,
    /// `0100002`: invalid parameter.
    InvalidParameter,
    /// `0100003`: the query needs CTI V300R008 and the platform runs V300R006.
    CtiVersionUnsupported,
    /// `0100999`: unknown error.
    UnknownError,
    /// `0101001`: quality-inspection relationship error (not produced by this interface).
    QualityInspectionRelationError,
    /// `0101002`: number not on the UAP (not produced by this interface).
    NumberNotOnUap,
    /// `0101003`: insufficient permission for this ccId/vdn.
    InsufficientPermission,
    /// A code this version does not know, kept as received.
    Other(String),
}

impl ResultCode {
    /// Every documented code, in table order.
    pub const DOCUMENTED: [Self; 8] = [
        Self::Success,
        Self::InterfaceCallFailed,
        Self::InvalidParameter,
        Self::CtiVersionUnsupported,
        Self::UnknownError,
        Self::QualityInspectionRelationError,
        Self::NumberNotOnUap,
        Self::InsufficientPermission,
    ];

    /// The code for its wire text; unknown text becomes `Other`.
    pub fn from_wire(code: &str) -> Self {
        match code {
            "0100000" => Self::Success,
            "0100001" => Self::InterfaceCallFailed,
            "0100002" => Self::InvalidParameter,
            "0100003" => Self::CtiVersionUnsupported,
            "0100999" => Self::UnknownError,
            "0101001" => Self::QualityInspectionRelationError,
            "0101002" => Self::NumberNotOnUap,
            "0101003" => Self::InsufficientPermission,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The wire text, e.g. `"0100002"`.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Other(code) => code,
            documented => documented.as_str_static(),
        }
    }

    /// The wire text of a documented code, or `"other"`; for labels that must be `'static`.
    pub fn as_str_static(&self) -> &'static str {
        match self {
            Self::Other(_) => "other",
            Self::Success => "0100000",
            Self::InterfaceCallFailed => "0100001",
            Self::InvalidParameter => "0100002",
            Self::CtiVersionUnsupported => "0100003",
            Self::UnknownError => "0100999",
            Self::QualityInspectionRelationError => "0101001",
            Self::NumberNotOnUap => "0101002",
            Self::InsufficientPermission => "0101003",
        }
    }

    /// The documented meaning.
    pub fn meaning(&self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::InterfaceCallFailed => "interface call failed",
            Self::InvalidParameter => "invalid parameter",
            Self::CtiVersionUnsupported => "needs CTI V300R008, found V300R006",
            Self::UnknownError => "unknown error",
            Self::QualityInspectionRelationError => "quality-inspection relationship error",
            Self::NumberNotOnUap => "number not on the UAP",
            Self::InsufficientPermission => "insufficient permission",
            Self::Other(_) => "undocumented result code",
        }
    }

    /// Whether this is `0100000`.
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Success)
    }
}

impl fmt::Display for ResultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.as_str(), self.meaning())
    }
}

impl Serialize for ResultCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ResultCode {
    /// Accepts the code as a string or, leniently, as a number (`100002` reads as `0100002`).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = crate::lenient::string(deserializer)?;
        let text = text.trim();
        if text.len() < 7 && !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Self::from_wire(&format!("{text:0>7}")));
        }
        Ok(Self::from_wire(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_code_round_trips_its_wire_text() {
        for code in ResultCode::DOCUMENTED {
            assert_eq!(ResultCode::from_wire(code.as_str()), code);
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(serde_json::from_str::<ResultCode>(&json).unwrap(), code);
        }
    }

    #[test]
    fn numeric_codes_regain_their_leading_zero() {
        let code: ResultCode = serde_json::from_str("100002").unwrap();
        assert_eq!(code, ResultCode::InvalidParameter);
    }

    #[test]
    fn unknown_codes_are_kept() {
        let code: ResultCode = serde_json::from_str("\"0109999\"").unwrap();
        assert_eq!(code, ResultCode::Other("0109999".into()));
        assert_eq!(code.as_str(), "0109999");
    }
}
