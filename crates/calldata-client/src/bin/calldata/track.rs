//! `calldata track`: a call's track after it ended (`vdn/querycalltracedetail`), one row
//! per device it passed through.

use calldata_client::TrackKey;
use calldata_model::QueryCallTraceDetail;
use clap::Args;
use comfy_table::Table;

use crate::exit::Failure;
use crate::run::{self, JsonArg};
use crate::settings::ConnectionArgs;
use crate::table::local_time;

/// Arguments of `calldata track`.
#[derive(Debug, Args)]
pub(crate) struct TrackArgs {
    /// Call center ID (1-65535)
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    cc_id: i64,
    /// VDN ID (1-5000)
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    vdn: i64,
    /// Call ID, <call start time>-<sequence>
    #[arg(long)]
    call_id: String,
    /// An instant in the month the call ended, epoch ms [default: now, by this machine's clock]
    #[arg(long, allow_negative_numbers = true)]
    log_date: Option<i64>,
    #[command(flatten)]
    output: JsonArg,
}

/// Asks for the track and prints it.
pub(crate) async fn run(args: &TrackArgs, connection: &ConnectionArgs) -> Result<(), Failure> {
    let log_date = args.log_date.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| {
                i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
            })
    });
    let key: TrackKey =
        QueryCallTraceDetail::new(args.cc_id, args.vdn, args.call_id.as_str(), log_date)
            .to_key()
            .map_err(|invalid| Failure::invalid_request(&invalid))?;
    let track = run::call(
        connection,
        |client| async move { client.call_track(&key).await },
    )
    .await?
    .answer;
    if args.output.json {
        return run::write_json(serde_json::to_vec(&track).unwrap_or_default());
    }
    let mut table = Table::new();
    table.set_header([
        "#",
        "device",
        "entered",
        "answered",
        "left",
        "enter reason",
        "leave reason",
    ]);
    for record in &track {
        let device = calldata_model::DeviceType::from_code(record.device_type);
        table.add_row([
            record.call_id_num.to_string(),
            format!("{device} {}", record.device_no),
            local_time(record.wait_begin),
            if record.call_begin == 0 {
                "-".to_owned()
            } else {
                local_time(record.call_begin)
            },
            local_time(record.call_end),
            calldata_model::EnterReason::from_code(record.enter_reason).to_string(),
            calldata_model::EnterReason::from_code(record.leave_reason).to_string(),
        ]);
    }
    if track.is_empty() {
        return run::write_stdout(b"no track of that call in that month\n");
    }
    run::write_stdout(format!("{table}\n").as_bytes())
}
