//! The startup banner: where the server listens, which key to use, where the CA is, a few
//! calls that exist and one ready-to-paste query.

use std::fmt::Write as _;
use std::time::SystemTime;

use calldata_model::QUERY_BASIC_CALL_INFO_PATH;
use calldata_model::auth::{Credentials, SignableRequest, SigningOptions, sign};
use secrecy::ExposeSecret;

use crate::startup::StartupInfo;

/// The banner text.
pub fn render(info: &StartupInfo) -> String {
    let scheme = if info.tls { "https" } else { "http" };
    let host = if info.address.ip().is_unspecified() {
        format!("127.0.0.1:{}", info.address.port())
    } else {
        info.address.to_string()
    };
    let url = format!("{scheme}://{host}");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "calldata-server {} listening on {url}",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(
        out,
        "  call source : {} ({} calls)",
        info.source, info.calls
    );
    if info.sandbox {
        let _ = writeln!(out, "  sandbox API : {url}/sandbox/v1/calls");
    }
    let _ = writeln!(
        out,
        "  health      : {url}/healthz  {url}/readyz  {url}/metrics  {url}/openapi.json"
    );
    if let Some(ca) = &info.ca_cert {
        let _ = writeln!(out, "  CA cert     : {}", ca.display());
    }
    if let Some(key) = &info.demo_key {
        let _ = writeln!(out, "  access key  : {}", key.access_key);
        let _ = writeln!(
            out,
            "  secret key  : in {} (mode 0600)",
            key.secret_key_path.display()
        );
    }
    for call in &info.sample_calls {
        let _ = writeln!(
            out,
            "  demo call   : ccId {} vdn {} callId {}",
            call.cc_id, call.vdn, call.call_id
        );
    }
    if let (Some(key), Some(call)) = (&info.demo_key, info.sample_calls.first()) {
        let body = format!(
            r#"{{"ccId":{},"vdn":{},"callId":"{}"}}"#,
            call.cc_id, call.vdn, call.call_id
        );
        let credentials = Credentials::new(
            key.access_key.clone(),
            key.secret_key.expose_secret().to_owned(),
        );
        let headers = [
            ("host", host.clone()),
            ("content-type", "application/json;charset=UTF-8".to_owned()),
            ("content-length", body.len().to_string()),
        ];
        let request = SignableRequest {
            method: "POST",
            path: QUERY_BASIC_CALL_INFO_PATH,
            query: "",
            headers: &headers,
            body: body.as_bytes(),
        };
        if let Ok(signature) = sign(
            &credentials,
            &request,
            &SigningOptions::default(),
            SystemTime::now(),
        ) {
            let cacert = info
                .ca_cert
                .as_ref()
                .map(|ca| format!("--cacert '{}' ", ca.display()))
                .unwrap_or_default();
            let _ = writeln!(out, "  try it (signature valid for 15 minutes):");
            let _ = writeln!(
                out,
                "    curl -s {cacert}-H 'Content-Type: application/json;charset=UTF-8' \\\n      \
                 -H 'Authorization: {}' \\\n      -d '{body}' {url}{QUERY_BASIC_CALL_INFO_PATH}",
                signature.authorization
            );
        }
    }
    out
}
