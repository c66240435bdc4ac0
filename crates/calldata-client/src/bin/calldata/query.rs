//! `calldata query`: validates the IDs, queries one call and prints it as a table or as the
//! raw JSON body.

use calldata_model::{CallKey, QueryBasicCallInfo};
use clap::Args;

use crate::exit::Failure;
use crate::run::{self, JsonArg};
use crate::settings::ConnectionArgs;
use crate::table::call_table;

/// The call a command names (`query`, `detail`).
#[derive(Debug, Args)]
pub(crate) struct CallArgs {
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
}

impl CallArgs {
    /// The call, validated; nothing is sent when the IDs are invalid.
    pub(crate) fn key(&self) -> Result<CallKey, Failure> {
        QueryBasicCallInfo::new(self.cc_id, self.vdn, self.call_id.as_str())
            .to_call_key()
            .map_err(|invalid| Failure::invalid_request(&invalid))
    }
}

/// Arguments of `calldata query`.
#[derive(Debug, Args)]
pub(crate) struct QueryArgs {
    #[command(flatten)]
    call: CallArgs,
    #[command(flatten)]
    output: JsonArg,
}

/// Runs the query; nothing is sent when the IDs are invalid.
pub(crate) async fn run(args: &QueryArgs, connection: &ConnectionArgs) -> Result<(), Failure> {
    let key = args.call.key()?;
    let found = run::call(connection, |client| async move {
        client.query_with_body(&key).await
    })
    .await?
    .answer;
    if args.output.json {
        run::write_json(found.body)
    } else {
        run::write_stdout(format!("{}\n", call_table(&key, &found.call)).as_bytes())
    }
}
