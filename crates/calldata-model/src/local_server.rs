//! Where a local `calldata-server` keeps its generated state, so the `calldata` CLI can
//! find the demo key and CA certificate with no setup, and where it serves its sandbox, so
//! the server and the client name one path. Names only; no file is read here.

use std::ffi::OsString;
use std::path::PathBuf;

/// Environment variable naming the data directory (server and CLI).
pub const DATA_DIR_ENV: &str = "CALLDATA_DATA_DIR";

/// The demo access key ID file.
pub const DEMO_ACCESS_KEY_FILE: &str = "demo-access-key";
/// The demo secret key file (mode 0600).
pub const DEMO_SECRET_KEY_FILE: &str = "demo-secret-key";
/// The generated CA certificate to trust.
pub const CA_CERT_FILE: &str = "tls/ca.pem";
/// The generated server certificate chain.
pub const SERVER_CERT_FILE: &str = "tls/server.pem";
/// The generated server private key (mode 0600).
pub const SERVER_KEY_FILE: &str = "tls/server-key.pem";

/// The URL of a local server started with defaults.
pub const DEFAULT_URL: &str = "https://127.0.0.1:8443";

/// Path of the sandbox's calls (docs/api.md section 7): `GET` lists the calls in progress.
pub const SANDBOX_CALLS_PATH: &str = "/sandbox/v1/calls";
/// Path of the sandbox's agents: `GET` lists the signed-in agents with their calls.
pub const SANDBOX_AGENTS_PATH: &str = "/sandbox/v1/agents";

/// The default data directory, given a way to read environment variables:
/// `$CALLDATA_DATA_DIR`, else `$XDG_DATA_HOME/calldata`, else `$HOME/.local/share/calldata`,
/// else `./calldata-data`.
pub fn default_data_dir(env: impl Fn(&str) -> Option<OsString>) -> PathBuf {
    let set = |name: &str| env(name).filter(|v| !v.is_empty());
    if let Some(dir) = set(DATA_DIR_ENV) {
        return PathBuf::from(dir);
    }
    if let Some(dir) = set("XDG_DATA_HOME") {
        return PathBuf::from(dir).join("calldata");
    }
    if let Some(home) = set("HOME") {
        return PathBuf::from(home).join(".local/share/calldata");
    }
    PathBuf::from("calldata-data")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.into())
    }

    #[test]
    fn the_data_dir_follows_the_documented_precedence() {
        let all = [
            ("CALLDATA_DATA_DIR", "/d"),
            ("XDG_DATA_HOME", "/x"),
            ("HOME", "/h"),
        ];
        assert_eq!(default_data_dir(env_of(&all)), PathBuf::from("/d"));
        assert_eq!(
            default_data_dir(env_of(&all[1..])),
            PathBuf::from("/x/calldata")
        );
        assert_eq!(
            default_data_dir(env_of(&all[2..])),
            PathBuf::from("/h/.local/share/calldata")
        );
        assert_eq!(
            default_data_dir(env_of(&[("HOME", "")])),
            PathBuf::from("calldata-data")
        );
    }
}
