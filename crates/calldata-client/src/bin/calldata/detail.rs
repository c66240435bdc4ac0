//! `calldata detail`: one call in progress in detail (`calldata/querydetailcallinfo`), as a
//! table of its 28 fields (or --json).

use clap::Args;

use crate::exit::Failure;
use crate::query::CallArgs;
use crate::run::{self, JsonArg};
use crate::settings::ConnectionArgs;
use crate::table::detail_table;

/// Arguments of `calldata detail`: the call, as `calldata query` names it.
#[derive(Debug, Args)]
pub(crate) struct DetailArgs {
    #[command(flatten)]
    call: CallArgs,
    #[command(flatten)]
    output: JsonArg,
}

/// Asks for the call's detail; nothing is sent when the IDs are invalid.
pub(crate) async fn run(args: &DetailArgs, connection: &ConnectionArgs) -> Result<(), Failure> {
    let key = args.call.key()?;
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
