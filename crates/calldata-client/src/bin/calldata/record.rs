//! `calldata record`: the detail record of a call, also after it ended
//! (`calldata/querycalldetailbyid`), as a table of its fields (or --json).

use calldata_client::{CallDetailRecord, CallDirection, CallRecordKey};
use calldata_model::{CallId, CcId};
use clap::Args;
use comfy_table::Table;

use crate::exit::Failure;
use crate::run::{self, JsonArg};
use crate::settings::ConnectionArgs;
use crate::table::duration;

/// Arguments of `calldata record`.
#[derive(Debug, Args)]
pub(crate) struct RecordArgs {
    /// Call center ID (1-65535)
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    cc_id: i64,
    /// Call ID, <call start time>-<sequence>
    #[arg(long)]
    call_id: String,
    /// The call went out (the record of an outbound call); inbound by default
    #[arg(long)]
    outbound: bool,
    #[command(flatten)]
    output: JsonArg,
}

/// Asks for the record; nothing is sent when the IDs are invalid.
pub(crate) async fn run(args: &RecordArgs, connection: &ConnectionArgs) -> Result<(), Failure> {
    let key = CallRecordKey {
        cc_id: CcId::new(args.cc_id)
            .map_err(|e| Failure::input(format!("invalid input, nothing was sent: ccId {e}")))?,
        direction: if args.outbound {
            CallDirection::Outbound
        } else {
            CallDirection::Inbound
        },
        call_id: CallId::parse(&args.call_id)
            .map_err(|e| Failure::input(format!("invalid input, nothing was sent: callId {e}")))?,
    };
    let record = run::call(connection, |client| async move {
        client.call_detail_record(&key).await
    })
    .await?
    .answer;
    if args.output.json {
        run::write_json(serde_json::to_vec(&record).unwrap_or_default())
    } else {
        run::write_stdout(format!("{}\n", record_table(&record)).as_bytes())
    }
}

/// The record's fields in the published order, durations readable.
fn record_table(record: &CallDetailRecord) -> Table {
    let mut table = Table::new();
    table.set_header([
        "field".to_owned(),
        format!("record of call {} (vdn {})", record.call_id, record.vdn),
    ]);
    let rows = [
        ("callerNo", record.caller_no.clone()),
        ("calleeNo", record.callee_no.clone()),
        ("callType", record.call_type.to_string()),
        ("agentId", record.agent_id.to_string()),
        ("skillId", record.skill_id.to_string()),
        ("anonyCall", record.anony_call.to_string()),
        ("queueWaitTime", duration(record.queue_wait_time)),
        ("ivrCallTime", duration(record.ivr_call_time)),
        ("ackTime", duration(record.ack_time)),
        ("callTime", duration(record.call_time)),
        (
            "releaseCause",
            calldata_model::EnterReason::from_code(record.release_cause).to_string(),
        ),
    ];
    for (field, value) in rows {
        table.add_row([field.to_owned(), value]);
    }
    let campaign = [
        ("beginTime", &record.begin_time),
        ("endTime", &record.end_time),
        ("result", &record.result),
        ("resultCode", &record.result_code),
        ("busiResult", &record.busi_result),
        ("busiSubStatus", &record.busi_sub_status),
    ];
    for (field, value) in campaign {
        if let Some(value) = value {
            table.add_row([field.to_owned(), value.clone()]);
        }
    }
    table
}
