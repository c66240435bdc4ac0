//! `calldata detail`: one call in progress in detail (`calldata/querydetailcallinfo`), as a
//! table of its 28 fields (or --json).

use calldata_model::QueryBasicCallInfo;
use clap::Args;

use crate::exit::Failure;
use crate::run::{self, JsonArg};
use crate::settings::ConnectionArgs;
use crate::table::detail_table;

/// Arguments of `calldata detail`: the call, as `calldata query` names it.
#[derive(Debug, Args)]
pub(crate) struct DetailArgs {
    /// Call center ID (1-65535)
    #[arg(long, allow_negative_numbers = true)]
    cc_id: i64,
    /// VDN ID (1-5000)
    #[arg(long, allow_negative_numbers = true)]
    vdn: i64,
    #[arg(
        long,
        help = "Call ID, <call start time>-<sequence>, e.g. 1659513159000-546750"
    )]
    call_id: String,
    #[command(flatten)]
    output: JsonArg,
}

/// Asks for the call's detail; nothing is sent when the IDs are invalid.
pub(crate) async fn run(args: &DetailArgs, connection: &ConnectionArgs) -> Result<(), Failure> {
    let key = QueryBasicCallInfo::new(args.cc_id, args.vdn, args.call_id.as_str())
        .to_call_key()
        .map_err(|invalid| Failure::invalid_request(&invalid))?;
    let detail = run::call(connection, |client| async move {
        client.query_detail(&key).await
    })
    .await?
    .answer;
    if args.output.json {
        run::write_json(serde_json::to_vec(&detail).unwrap_or_default())
    } else {
        run::write_stdout(format!("{}\n", detail_table(&key, &detail)).as_bytes())
    }
}
