//! Where the CLI connects and with which key: flags, then environment variables, then a
//! local server's data directory (demo key and generated CA), each choice remembered so
//! messages can say where a value came from.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use calldata_client::{Client, Credentials, RetryPolicy};
use calldata_model::local_server::{
    CA_CERT_FILE, DEFAULT_URL, DEMO_ACCESS_KEY_FILE, DEMO_SECRET_KEY_FILE, default_data_dir,
};
use clap::Args;

use crate::exit::Failure;

/// Options shared by every command.
#[derive(Debug, Args)]
#[command(next_help_heading = "Connection options (every command)")]
pub(crate) struct ConnectionArgs {
    #[arg(
        long,
        env = "CALLDATA_URL",
        global = true,
        value_name = "URL",
        help = "Server base URL [default: a local server's https://127.0.0.1:8443]"
    )]
    url: Option<String>,
    /// Access key ID [default: the local server's demo key in the data directory]
    #[arg(long, env = "CALLDATA_AK", global = true, value_name = "AK")]
    ak: Option<String>,
    /// Secret key (prefer --sk-file: command lines are visible to other users)
    #[arg(
        long,
        env = "CALLDATA_SK",
        global = true,
        hide_env_values = true,
        value_name = "SK"
    )]
    sk: Option<String>,
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        help = "File holding the secret key (first line); wins over --sk and CALLDATA_SK"
    )]
    sk_file: Option<PathBuf>,
    /// PEM CA certificate to trust [default: the local server's tls/ca.pem, if present]
    #[arg(long, env = "CALLDATA_CA_CERT", global = true, value_name = "FILE")]
    ca_cert: Option<PathBuf>,
    /// DANGEROUS: accept any server certificate (anyone on the network can read and change the traffic)
    #[arg(long, global = true)]
    insecure: bool,
    #[arg(
        long,
        env = "CALLDATA_DATA_DIR",
        global = true,
        value_name = "DIR",
        help = "A local server's data directory [default: $XDG_DATA_HOME/calldata or ~/.local/share/calldata]"
    )]
    data_dir: Option<PathBuf>,
    /// Time allowed for each attempt, in milliseconds
    #[arg(long, global = true, default_value_t = 10_000, value_name = "MS")]
    timeout_ms: u64,
    /// Retries after a transport failure or 0100001 (at most 10)
    #[arg(long, global = true, default_value_t = 2, value_name = "N")]
    retries: u32,
    /// Say on stderr where the URL, key and CA came from
    #[arg(short, long, global = true)]
    pub(crate) verbose: bool,
}

/// A value and where it came from.
#[derive(Debug, Clone)]
pub(crate) struct Sourced<T> {
    pub(crate) value: T,
    pub(crate) source: String,
}

/// Everything a command needs to reach the server.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) url: Sourced<String>,
    pub(crate) credentials: Sourced<Credentials>,
    pub(crate) ca_cert: Option<Sourced<PathBuf>>,
    pub(crate) data_dir: Sourced<PathBuf>,
    pub(crate) insecure: bool,
    pub(crate) timeout: Duration,
    pub(crate) retries: u32,
}

impl ConnectionArgs {
    /// Resolves URL, key and CA; a missing key says where it was looked for.
    pub(crate) fn resolve(&self) -> Result<Settings, Failure> {
        let data_dir = match &self.data_dir {
            Some(dir) => sourced(dir.clone(), "--data-dir or CALLDATA_DATA_DIR"),
            None => sourced(
                default_data_dir(|name| std::env::var_os(name)),
                "the default data directory",
            ),
        };
        let url = match &self.url {
            Some(url) => sourced(url.clone(), "--url or CALLDATA_URL"),
            None => sourced(DEFAULT_URL.to_owned(), "the local server default"),
        };
        let credentials = self.credentials(&data_dir)?;
        let ca_cert = if let Some(path) = &self.ca_cert {
            Some(sourced(path.clone(), "--ca-cert or CALLDATA_CA_CERT"))
        } else {
            let local = data_dir.value.join(CA_CERT_FILE);
            (url.value.starts_with("https:") && local.is_file())
                .then(|| sourced(local, "the local server's CA in the data directory"))
        };
        let settings = Settings {
            url,
            credentials,
            ca_cert,
            data_dir,
            insecure: self.insecure,
            timeout: Duration::from_millis(self.timeout_ms),
            retries: self.retries,
        };
        if self.verbose {
            settings.explain();
        }
        Ok(settings)
    }

    fn credentials(&self, data_dir: &Sourced<PathBuf>) -> Result<Sourced<Credentials>, Failure> {
        let secret = match &self.sk_file {
            Some(path) => Some(sourced(
                first_line(path).map_err(|e| {
                    Failure::input(format!(
                        "cannot read the secret key file {} ({e}); check --sk-file",
                        path.display()
                    ))
                })?,
                "--sk-file",
            )),
            None => self.sk.clone().map(|sk| sourced(sk, "--sk or CALLDATA_SK")),
        };
        match (&self.ak, secret) {
            (Some(ak), Some(sk)) => Ok(sourced(
                Credentials::new(ak, sk.value),
                format!("--ak or CALLDATA_AK, and {}", sk.source),
            )),
            (Some(_), None) => Err(Failure::input(
                "an access key is set but no secret key; pass --sk-file or --sk, or set CALLDATA_SK",
            )),
            (None, Some(_)) => Err(Failure::input(
                "a secret key is set but no access key; pass --ak or set CALLDATA_AK",
            )),
            (None, None) => demo_key(data_dir),
        }
    }
}

impl Settings {
    /// A client for these settings.
    pub(crate) fn client(&self) -> Result<Client, Failure> {
        let mut builder = Client::builder()
            .base_url(&self.url.value)
            .credentials(self.credentials.value.clone())
            .timeout(self.timeout)
            .connect_timeout(self.timeout.min(calldata_client::DEFAULT_CONNECT_TIMEOUT))
            .danger_accept_invalid_certs(self.insecure)
            .retry_policy(RetryPolicy::new(
                self.retries,
                RetryPolicy::default().base_backoff(),
                RetryPolicy::default().max_backoff(),
            ));
        if let Some(ca) = &self.ca_cert {
            builder = builder.ca_cert_file(&ca.value);
        }
        builder
            .build()
            .map_err(|e| Failure::input(format!("{e} (URL from {})", self.url.source)))
    }

    /// Where each setting came from, on stderr.
    fn explain(&self) {
        let ca = self.ca_cert.as_ref().map_or_else(
            || "none (system roots only)".to_owned(),
            |ca| format!("{} (from {})", ca.value.display(), ca.source),
        );
        eprintln!("calldata: url {}", self.url);
        eprintln!(
            "calldata: access key {} (from {})",
            self.credentials.value.access_key, self.credentials.source
        );
        eprintln!("calldata: CA certificate {ca}");
        eprintln!(
            "calldata: data directory {} (from {})",
            self.data_dir.value.display(),
            self.data_dir.source
        );
    }
}

impl fmt::Display for Sourced<String> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (from {})", self.value, self.source)
    }
}

fn sourced<T>(value: T, source: impl Into<String>) -> Sourced<T> {
    Sourced {
        value,
        source: source.into(),
    }
}

/// The demo key a local server wrote into its data directory.
fn demo_key(data_dir: &Sourced<PathBuf>) -> Result<Sourced<Credentials>, Failure> {
    let dir = &data_dir.value;
    let read = |name: &str| first_line(&dir.join(name));
    match (read(DEMO_ACCESS_KEY_FILE), read(DEMO_SECRET_KEY_FILE)) {
        (Ok(ak), Ok(sk)) => Ok(sourced(
            Credentials::new(ak, sk),
            format!("the demo key in {}", dir.display()),
        )),
        _ => Err(Failure::input(format!(
            "no credentials: --ak/--sk (or CALLDATA_AK/CALLDATA_SK) are not set and {} (from {}) holds no demo key; pass --ak and --sk-file, or start a local server with `cargo run -p calldata-server`, which creates the demo key there",
            dir.display(),
            data_dir.source
        ))),
    }
}

/// The first line of a file, trimmed; an empty line is an error.
fn first_line(path: &Path) -> std::io::Result<String> {
    let text = std::fs::read_to_string(path)?;
    let line = text.lines().next().unwrap_or("").trim();
    if line.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the file is empty",
        ));
    }
    Ok(line.to_owned())
}
