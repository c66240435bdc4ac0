//! Queries one call and prints it: `CALLDATA_URL`, `CALLDATA_AK`, `CALLDATA_SK` (and
//! optionally `CALLDATA_CA_CERT`) from the environment, the call from the arguments.
//!
//! ```sh
//! CALLDATA_URL=https://127.0.0.1:8443 CALLDATA_AK=... CALLDATA_SK=... \
//! CALLDATA_CA_CERT=~/.local/share/calldata/tls/ca.pem \
//!   cargo run -p calldata-client --example query -- 1 1 1659513159000-546750
//! ```

#![allow(clippy::print_stdout, reason = "an example program prints its result")]

use std::process::ExitCode;

use calldata_client::Client;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [cc_id, vdn, call_id] = args.as_slice() else {
        eprintln!("usage: query <ccId> <vdn> <callId>");
        return ExitCode::from(2);
    };
    let (Ok(cc_id), Ok(vdn)) = (cc_id.parse::<i64>(), vdn.parse::<i64>()) else {
        eprintln!("ccId and vdn must be integers");
        return ExitCode::from(2);
    };
    let Ok(url) = std::env::var("CALLDATA_URL") else {
        eprintln!("set CALLDATA_URL, e.g. https://127.0.0.1:8443");
        return ExitCode::from(2);
    };

    let mut builder = Client::builder().base_url(url).credentials_from_env();
    if let Some(ca) = std::env::var_os("CALLDATA_CA_CERT") {
        builder = builder.ca_cert_file(ca);
    }
    let client = match builder.build() {
        Ok(client) => client,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };

    match client.query_basic_call_info(cc_id, vdn, call_id).await {
        Ok(call) => {
            println!("{call:#?}");
            ExitCode::SUCCESS
        }
        Err(error) if error.is_not_found() => {
            eprintln!("call {call_id} is not in progress: {error}");
            ExitCode::from(3)
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}
