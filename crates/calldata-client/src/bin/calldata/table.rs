//! A call as a readable two-column table: coded fields with their meaning and code, the
//! start time as a local date-time, durations as `2m 17s`.

use std::fmt::Display;

use calldata_client::{BasicCallInfo, CallKey, DetailCallInfo};
use calldata_model::call::CALL_IN_CAUSE_UNSET;
use comfy_table::Table;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// The table for one call, rows in the contract's field order.
pub(crate) fn call_table(key: &CallKey, call: &BasicCallInfo) -> Table {
    table_of(key, call_rows(call))
}

/// The table for one call in detail, rows in querydetailcallinfo's field order.
pub(crate) fn detail_table(key: &CallKey, detail: &DetailCallInfo) -> Table {
    let mut rows = call_rows(&detail.call).to_vec();
    let after_device_no = rows
        .iter()
        .position(|(field, _)| *field == "deviceNo")
        .map_or(rows.len(), |at| at + 1);
    rows.insert(0, ("cb", number(detail.cb)));
    // Past `cb`, inserted in front.
    let at = after_device_no + 1;
    rows.splice(
        at..at,
        [
            ("callData", text(&detail.call_data)),
            ("callDataLen", number(detail.call_data_len)),
        ],
    );
    table_of(key, rows)
}

fn table_of(key: &CallKey, rows: impl IntoIterator<Item = (&'static str, String)>) -> Table {
    let mut table = Table::new();
    table.set_header([
        "field".to_owned(),
        format!("call {} (ccId {}, vdn {})", key.call_id, key.cc_id, key.vdn),
    ]);
    for (field, value) in rows {
        table.add_row([field.to_owned(), value]);
    }
    table
}

/// A call's 25 rows, in the contract's field order.
fn call_rows(call: &BasicCallInfo) -> [(&'static str, String); 25] {
    [
        ("time", call.time.map_or_else(absent, local_time)),
        ("dsn", number(call.dsn)),
        ("handle", number(call.handle)),
        ("server", number(call.server)),
        ("keyId", text(&call.key_id)),
        ("callingNum", text(&call.calling_num)),
        ("calledNum", text(&call.called_num)),
        ("mid", number(call.mid)),
        ("trunkNo", number(call.trunk_no)),
        ("priority", number(call.priority)),
        ("deviceType", coded(call.device_type)),
        ("deviceNo", number(call.device_no)),
        ("callSkill", text(&call.call_skill)),
        ("partyNum", number(call.party_num)),
        ("callFeature", coded(call.call_feature)),
        ("orgiCalledNum", text(&call.orgi_called_num)),
        ("mediaType", coded(call.media_type)),
        ("place", number(call.place)),
        ("waitTime", call.wait_time.map_or_else(absent, duration)),
        (
            "totalTalkingTimes",
            call.total_talking_times.map_or_else(absent, duration),
        ),
        ("logonTimes", call.logon_times.map_or_else(absent, duration)),
        ("serviceType", number(call.service_type)),
        (
            "callInCause",
            call.call_in_cause.map_or_else(absent, call_in_cause),
        ),
        ("enterReason", coded(call.enter_reason)),
        ("mediaBillType", number(call.media_bill_type)),
    ]
}

/// Epoch milliseconds as a local date-time (UTC, said so, when the zone is unknown).
pub(crate) fn local_time(epoch_ms: i64) -> String {
    let format = format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:3] [offset_hour sign:mandatory]:[offset_minute]"
    );
    let Ok(utc) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(epoch_ms) * 1_000_000)
    else {
        return format!("{epoch_ms} (epoch ms, out of range)");
    };
    let (at, note) = match UtcOffset::local_offset_at(utc) {
        Ok(offset) => (utc.to_offset(offset), ""),
        Err(_) => (utc, " UTC; local time zone unknown"),
    };
    match at.format(format) {
        Ok(text) => format!("{text} ({epoch_ms}{note})"),
        Err(_) => epoch_ms.to_string(),
    }
}

/// Seconds as `1h 2m 5s`, `2m 17s` or `9s`.
pub(crate) fn duration(seconds: i64) -> String {
    if seconds < 0 {
        return format!("{seconds}s");
    }
    let (hours, minutes, seconds) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    match (hours, minutes) {
        (0, 0) => format!("{seconds}s"),
        (0, _) => format!("{minutes}m {seconds}s"),
        _ => format!("{hours}h {minutes}m {seconds}s"),
    }
}

fn call_in_cause(code: i64) -> String {
    if code == CALL_IN_CAUSE_UNSET {
        format!("unset ({code})")
    } else {
        code.to_string()
    }
}

fn coded(value: Option<impl Display>) -> String {
    value.map_or_else(absent, |v| v.to_string())
}

fn number(value: Option<i64>) -> String {
    value.map_or_else(absent, |v| v.to_string())
}

fn text(value: &str) -> String {
    if value.is_empty() {
        absent()
    } else {
        value.to_owned()
    }
}

fn absent() -> String {
    "-".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_hours_minutes_and_seconds() {
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(59), "59s");
        assert_eq!(duration(137), "2m 17s");
        assert_eq!(duration(3725), "1h 2m 5s");
        assert_eq!(duration(-3), "-3s");
    }
}
