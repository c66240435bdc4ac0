//! `calldata sign`: the `Authorization` value, canonical request and a curl command for a
//! request, for people debugging with curl or writing a signer in another language.

use std::time::SystemTime;

use calldata_client::signing::{
    JSON_CONTENT_TYPE, OutgoingRequest, SignedRequest, endpoint, host_header, sign_request,
};
use calldata_client::{QueryLine, SigningOptions, TimestampPrecision};
use calldata_model::QUERY_BASIC_CALL_INFO_PATH;
use clap::Args;
use reqwest::Url;

use crate::exit::Failure;
use crate::run::write_stdout;
use crate::settings::{ConnectionArgs, Settings};

/// Arguments of `calldata sign`.
#[derive(Debug, Args)]
pub(crate) struct SignArgs {
    /// Request body, byte for byte as it will be sent
    #[arg(long, default_value = "")]
    body: String,
    /// HTTP method
    #[arg(long, default_value = "POST")]
    method: String,
    /// Path, and ?query, exactly as sent [default: the querybasiccallinfo path under --url]
    #[arg(long)]
    path: Option<String>,
    /// Host header value [default: host:port of --url, as HTTP clients send it]
    #[arg(long)]
    host: Option<String>,
    /// Content-Type sent with a non-empty body
    #[arg(long, default_value = JSON_CONTENT_TYPE)]
    content_type: String,
    /// Timestamp with milliseconds (2024-01-02T03:04:05.123Z)
    #[arg(long)]
    millis: bool,
    /// Put an empty query line in the canonical request when there is no query
    #[arg(long)]
    empty_query_line: bool,
    /// Also print a ready-to-paste curl command
    #[arg(long)]
    curl: bool,
}

/// Prints the Authorization value on stdout, and the canonical request on stderr (on
/// stdout with --verbose).
pub(crate) fn run(args: &SignArgs, connection: &ConnectionArgs) -> Result<(), Failure> {
    let settings = connection.resolve()?;
    let base = Url::parse(&settings.url.value)
        .map_err(|e| Failure::input(format!("{} is not a URL ({e}); fix --url", settings.url)))?;
    let host = match &args.host {
        Some(host) => host.clone(),
        None => host_header(&base).ok_or_else(|| {
            Failure::input(format!(
                "{} has no host; fix --url or pass --host",
                settings.url
            ))
        })?,
    };
    let path_and_query = match &args.path {
        Some(path) => path.clone(),
        None => endpoint(&base, QUERY_BASIC_CALL_INFO_PATH)
            .path()
            .to_owned(),
    };
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((&path_and_query, ""));
    let method = args.method.to_ascii_uppercase();
    let request = OutgoingRequest {
        method: &method,
        host: &host,
        path,
        query,
        content_type: &args.content_type,
        body: args.body.as_bytes(),
    };
    let options = SigningOptions {
        query_line: if args.empty_query_line {
            QueryLine::AlwaysEmit
        } else {
            QueryLine::OmitWhenEmpty
        },
        precision: if args.millis {
            TimestampPrecision::Milliseconds
        } else {
            TimestampPrecision::Seconds
        },
        ..SigningOptions::default()
    };
    let signed = sign_request(
        &settings.credentials.value,
        &options,
        &request,
        SystemTime::now(),
    )
    .map_err(|e| Failure::input(format!("cannot sign this request: {e}; fix the options")))?;

    let mut out = format!("{}\n", signed.authorization());
    let canonical = format!(
        "canonical request (between the lines):\n---\n{}\n---\n",
        signed.canonical_request
    );
    if connection.verbose {
        out.push_str(&canonical);
    } else {
        eprint!("{canonical}");
    }
    if args.curl {
        out.push_str(&curl_command(
            &base,
            &path_and_query,
            &request,
            &signed,
            &settings,
        ));
    }
    eprintln!("calldata: the signature is valid for 15 minutes (the server's default clock skew)");
    write_stdout(out.as_bytes())
}

/// A curl command sending exactly the signed request.
fn curl_command(
    base: &Url,
    path_and_query: &str,
    request: &OutgoingRequest<'_>,
    signed: &SignedRequest,
    settings: &Settings,
) -> String {
    let origin = base.origin().ascii_serialization();
    let mut words = vec!["curl -sS".to_owned()];
    if let Some(ca) = &settings.ca_cert {
        words.push(format!("--cacert {}", quote(&ca.value.to_string_lossy())));
    }
    if settings.insecure {
        words.push("--insecure".to_owned());
    }
    words.push(format!(
        "-X {} {}",
        request.method,
        quote(&format!("{origin}{path_and_query}"))
    ));
    let mut lines = vec![words.join(" ")];
    for (name, value) in &signed.headers {
        // curl computes Content-Length from the data itself, to the same value.
        let name = match *name {
            "host" => "Host",
            "content-type" => "Content-Type",
            "authorization" => "Authorization",
            _ => continue,
        };
        lines.push(format!("-H {}", quote(&format!("{name}: {value}"))));
    }
    if !request.body.is_empty() {
        lines.push(format!(
            "--data-binary {}",
            quote(&String::from_utf8_lossy(request.body))
        ));
    }
    format!("{}\n", lines.join(" \\\n  "))
}

/// Single-quotes `text` for a POSIX shell.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
