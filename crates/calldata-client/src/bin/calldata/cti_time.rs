//! `calldata cti-time`: the CTI server's clock (`configures/ctiservertime`) and how far this
//! machine's clock is from it, for callers that correct time windows or signature
//! timestamps against CTI time.

use std::time::{SystemTime, UNIX_EPOCH};

use clap::Args;

use crate::exit::Failure;
use crate::run::{self, Called, JsonArg};
use crate::settings::ConnectionArgs;

/// Arguments of `calldata cti-time`.
#[derive(Debug, Args)]
pub(crate) struct CtiTimeArgs {
    /// Call center ID (1..=65535)
    #[arg(long, default_value_t = 1)]
    cc_id: i64,
    #[command(flatten)]
    output: JsonArg,
}

/// Asks for the CTI time and prints it with this machine's offset from it.
pub(crate) async fn run(args: &CtiTimeArgs, connection: &ConnectionArgs) -> Result<(), Failure> {
    let cc_id = args.cc_id;
    let asked_at = epoch_ms();
    let Called { answer: cti, .. } = run::call(connection, |client| async move {
        client.cti_server_time(cc_id).await
    })
    .await?;
    // Measured against the middle of the exchange, so the round trip counts half each way.
    let local = asked_at.midpoint(epoch_ms());
    let ahead = local - cti;
    if args.output.json {
        return run::write_json(
            serde_json::json!({ "ccId": cc_id, "ctiServerTime": cti, "localAheadMs": ahead })
                .to_string(),
        );
    }
    run::write_stdout(
        format!(
            "CTI server time of ccId {cc_id}: {cti} (epoch ms); this machine's clock is {} by {} ms\n",
            if ahead >= 0 { "ahead" } else { "behind" },
            ahead.unsigned_abs()
        )
        .as_bytes(),
    )
}

fn epoch_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}
