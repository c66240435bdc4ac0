//! The tracing subscriber, built once by the binary. Request logs never carry the
//! `Authorization` header, a secret key or a request body.

use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, LogSettings};

/// Installs the process-wide subscriber; `RUST_LOG`, when set, overrides the setting.
pub fn init(settings: &LogSettings) -> Result<(), String> {
    // actix logs every malformed request head at ERROR; any client can cause those lines,
    // so they are off unless RUST_LOG asks for them (the 400 answer still goes out).
    let filter = match std::env::var("RUST_LOG") {
        Ok(value) if !value.is_empty() => EnvFilter::try_new(value),
        _ => EnvFilter::try_new(format!(
            "{},actix_http::h1::dispatcher=off",
            settings.filter
        )),
    }
    .map_err(|e| format!("invalid log filter: {e}"))?;
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    let result = match settings.format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    result.map_err(|e| format!("could not install the logger: {e}"))
}
