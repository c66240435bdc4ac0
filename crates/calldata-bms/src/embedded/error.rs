//! Errors of the embedded call store: [`StoreError`] for changes, [`LoadError`] for files.

use std::io;
use std::path::PathBuf;

use calldata_model::CallKey;

/// Why a change to the embedded store was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A call with this key is already in progress.
    #[error("call {} already exists", describe_key(.0))]
    AlreadyExists(CallKey),
}

/// Why calls could not be loaded from a file or reader.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The file could not be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file that was being read.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },
    /// Reading from a reader (not a named file) failed.
    #[error("cannot read calls: {0}")]
    Read(#[source] io::Error),
    /// A record is not valid JSON or breaks a rule (a range, the call ID shape).
    #[error("line {line}: {message}")]
    BadRecord {
        /// 1-based line where the problem was found.
        line: usize,
        /// What is wrong, without position information.
        message: String,
    },
    /// Two records have the same (ccId, vdn, callId).
    #[error("line {line}: duplicate call {}", describe_key(key))]
    DuplicateKey {
        /// 1-based line of the second record with this key.
        line: usize,
        /// The repeated key.
        key: CallKey,
    },
}

impl LoadError {
    /// The 1-based line the error points at, if it concerns one record.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::BadRecord { line, .. } | Self::DuplicateKey { line, .. } => Some(*line),
            Self::Io { .. } | Self::Read(_) => None,
        }
    }
}

/// A key as words: `ccId 1, vdn 2, callId 1659513159000-546750`.
pub(crate) fn describe_key(key: &CallKey) -> String {
    format!(
        "ccId {}, vdn {}, callId {}",
        key.cc_id, key.vdn, key.call_id
    )
}

#[cfg(test)]
mod tests {
    use calldata_model::{CallId, CcId, Vdn};

    use super::*;

    fn key() -> CallKey {
        CallKey {
            cc_id: CcId::new(1).unwrap(),
            vdn: Vdn::new(2).unwrap(),
            call_id: CallId::parse("1659513159000-546750").unwrap(),
        }
    }

    #[test]
    fn already_exists_names_all_three_key_parts() {
        assert_eq!(
            StoreError::AlreadyExists(key()).to_string(),
            "call ccId 1, vdn 2, callId 1659513159000-546750 already exists"
        );
    }

    #[test]
    fn record_errors_start_with_their_line_number() {
        let bad = LoadError::BadRecord {
            line: 3,
            message: "vdn must be between 1 and 5000".to_owned(),
        };
        assert_eq!(bad.to_string(), "line 3: vdn must be between 1 and 5000");
        assert_eq!(bad.line(), Some(3));
        let duplicate = LoadError::DuplicateKey {
            line: 9,
            key: key(),
        };
        assert_eq!(
            duplicate.to_string(),
            "line 9: duplicate call ccId 1, vdn 2, callId 1659513159000-546750"
        );
    }

    #[test]
    fn io_errors_name_the_file() {
        let err = LoadError::Io {
            path: PathBuf::from("/data/calls.jsonl"),
            source: io::Error::new(io::ErrorKind::NotFound, "no such file"),
        };
        assert_eq!(
            err.to_string(),
            "cannot read /data/calls.jsonl: no such file"
        );
        assert_eq!(err.line(), None);
    }
}
