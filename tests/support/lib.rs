//! Support for end-to-end tests beyond the test kit (`calldata-testkit`, which starts the
//! binaries, signs, speaks raw HTTP and reads metrics): the connection-level attacks
//! ([`attack`]) and the reliability records `cargo xtask reliability` collects.

pub mod attack;

use std::path::PathBuf;
use std::time::SystemTime;

use calldata_testkit::Failure;

/// The environment variable naming the directory reliability records are written to.
pub const RELIABILITY_DIR_ENV: &str = "CALLDATA_RELIABILITY_DIR";

/// When `CALLDATA_RELIABILITY_DIR` is set, writes `figures` (a JSON object) to
/// `<dir>/<test>.json`, adding `"test"` and `"recordedAtUnix"`; returns the path written.
/// `cargo xtask reliability` collects these files into `docs/reliability.md`.
pub fn write_reliability_record(
    test: &str,
    figures: serde_json::Value,
) -> Result<Option<PathBuf>, Failure> {
    let Some(dir) = std::env::var_os(RELIABILITY_DIR_ENV).filter(|d| !d.is_empty()) else {
        return Ok(None);
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir)?;
    let mut record = serde_json::Map::new();
    record.insert("test".to_owned(), test.into());
    record.insert(
        "recordedAtUnix".to_owned(),
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default()
            .into(),
    );
    match figures {
        serde_json::Value::Object(map) => record.extend(map),
        other => {
            record.insert("figures".to_owned(), other);
        }
    }
    let path = dir.join(format!("{test}.json"));
    let json = serde_json::to_string_pretty(&serde_json::Value::Object(record))?;
    std::fs::write(&path, json + "\n")?;
    Ok(Some(path))
}

/// When `CALLDATA_RELIABILITY_DIR` is set, writes `rows` (JSON objects with the same keys,
/// rendered as one table by `cargo xtask reliability`) to `<dir>/<name>.json`.
pub fn write_reliability_table(
    name: &str,
    rows: Vec<serde_json::Value>,
) -> Result<Option<PathBuf>, Failure> {
    let Some(dir) = std::env::var_os(RELIABILITY_DIR_ENV).filter(|d| !d.is_empty()) else {
        return Ok(None);
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{name}.json"));
    let json = serde_json::to_string_pretty(&serde_json::Value::Array(rows))?;
    std::fs::write(&path, json + "\n")?;
    Ok(Some(path))
}

pub use calldata_testkit::install::ensure_installed;
