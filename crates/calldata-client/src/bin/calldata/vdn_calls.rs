//! `calldata vdn-calls`: the calls of a VDN that ended within a window (`vdn/querycalls`,
//! v2 with `--direction`), one row per call, with the number that matched.

use calldata_client::{CallDirection, VdnCallsFields};
use clap::{Args, ValueEnum};
use comfy_table::Table;

use crate::exit::Failure;
use crate::run::{self, JsonArg};
use crate::settings::ConnectionArgs;
use crate::table::local_time;

/// One day in milliseconds.
const DAY_MS: i64 = 86_400_000;

/// Arguments of `calldata vdn-calls`.
#[derive(Debug, Args)]
pub(crate) struct VdnCallsArgs {
    /// Call center ID (1-65535)
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    cc_id: i64,
    /// VDN ID (1-5000)
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    vdn: i64,
    /// Start of the window, epoch ms [default: 00:00 UTC yesterday, by this machine's clock]
    #[arg(long, allow_negative_numbers = true)]
    begin: Option<i64>,
    /// End of the window, epoch ms [default: 23:59:59.999 UTC today]
    #[arg(long, allow_negative_numbers = true)]
    end: Option<i64>,
    /// Only calls from this number
    #[arg(long)]
    caller: Option<String>,
    /// Only calls to this number
    #[arg(long)]
    callee: Option<String>,
    /// Rows per page (1-100)
    #[arg(long, default_value_t = 100, allow_negative_numbers = true)]
    limit: i64,
    /// Rows to skip
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    offset: i64,
    /// Ask v2 for this direction (v1, the default, answers inbound calls)
    #[arg(long, value_enum)]
    direction: Option<Direction>,
    #[command(flatten)]
    output: JsonArg,
}

/// A call's direction, as the command line names it.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Direction {
    /// Calls that came in.
    Inbound,
    /// Calls that went out.
    Outbound,
}

/// Asks for the page and prints it.
pub(crate) async fn run(args: &VdnCallsArgs, connection: &ConnectionArgs) -> Result<(), Failure> {
    let today = now_ms().div_euclid(DAY_MS) * DAY_MS;
    let fields = VdnCallsFields::new(
        args.cc_id,
        args.vdn,
        args.begin.unwrap_or(today - DAY_MS),
        args.end.unwrap_or(today + DAY_MS - 1),
    )
    .numbers(args.caller.as_deref(), args.callee.as_deref())
    .page(args.limit, args.offset);
    let direction = args.direction.map(|direction| match direction {
        Direction::Inbound => CallDirection::Inbound,
        Direction::Outbound => CallDirection::Outbound,
    });
    fields
        .to_query(direction.is_some())
        .map_err(|invalid| Failure::invalid_request(&invalid))?;
    let page = run::call(connection, |client| {
        let fields = fields.clone();
        async move {
            match direction {
                Some(direction) => client.vdn_calls_v2(&fields, direction).await,
                None => client.vdn_calls(&fields).await,
            }
        }
    })
    .await?
    .answer;
    if args.output.json {
        return run::write_json(serde_json::to_vec(&page).unwrap_or_default());
    }
    let mut table = Table::new();
    table.set_header([
        "ended",
        "call",
        "caller",
        "callee",
        "type",
        "answered",
        "leave reason",
    ]);
    for row in &page.data {
        let answered = if row.call_begin == 0 {
            "no".to_owned()
        } else {
            local_time(row.call_begin)
        };
        table.add_row([
            local_time(row.log_date),
            row.call_id.clone(),
            row.caller_no.clone(),
            row.callee_no.clone(),
            calldata_model::CallType::from_code(row.call_type).to_string(),
            answered,
            calldata_model::EnterReason::from_code(row.leave_reason).to_string(),
        ]);
    }
    run::write_stdout(
        format!(
            "{table}\n{} of {} calls (offset {})\n",
            page.data.len(),
            page.count,
            args.offset
        )
        .as_bytes(),
    )
}

/// This machine's clock in epoch milliseconds, for the default window.
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}
