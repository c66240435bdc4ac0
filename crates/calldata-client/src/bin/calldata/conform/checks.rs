//! The contract checks, grouped by interface: what `calldata conform` sends and what each
//! answer must be (`docs/api.md`, family.md). Every request only reads; nothing is sent
//! to the sandbox.

use calldata_model::{
    AgentPrivateCall, CtiServerTime, Operation, Ping, QueryAgentCalls, QueryAgentGroupCalls,
    QueryBasicCallInfo, QueryCallDetailById, QueryCallTraceDetail, QueryDetailCallInfo,
    QueryVdnCalls, QueryVdnCallsV2,
};
use reqwest::Method;
use serde_json::json;

use super::expect::{Envelope, failure, refusal, success};
use super::probe::{JSON, Probe, Signing};
use super::report::Report;
use super::shape::{
    BASIC_CALL, CAMPAIGN_FIELDS, DETAIL_CALL, DETAIL_RECORD, GROUP_AGENT, GROUP_CALL,
    GROUP_CALL_EXTRA, Kind, Ordered, TRACK_RECORD, VDN_CALL_ROW, fields_in_order,
};

/// What the checks ask about: the call center and VDN, and what exists there.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// Call center ID.
    pub(crate) cc_id: i64,
    /// VDN ID.
    pub(crate) vdn: i64,
    /// A call in progress, if known or found.
    pub(crate) call_id: Option<String>,
    /// An agent, if known or found.
    pub(crate) agent_id: Option<i64>,
    /// The agents discovery asks about when no call or agent is named.
    pub(crate) agents: Vec<i64>,
    /// Whether to lock this address out on purpose.
    pub(crate) check_lockout: bool,
}

const BASIC: &str = QueryBasicCallInfo::INTERFACE.path;
const DETAIL: &str = QueryDetailCallInfo::INTERFACE.path;
const PING: &str = Ping::INTERFACE.path;

/// Runs every check against `probe`, recording each in `report`.
pub(crate) async fn run(probe: &mut Probe, target: &mut Target, report: &mut Report) {
    signatures(probe, report).await;
    refusals(probe, report).await;
    discover(probe, target).await;
    basic_and_detail(probe, target, report).await;
    ping(probe, report).await;
    cti_time(probe, target, report).await;
    agents(probe, target, report).await;
    records(probe, target, report).await;
    lockout(probe, target, report).await;
    report.requests = probe.sent();
}

/// Each signature variant the contract allows gets ping's echo.
async fn signatures(probe: &mut Probe, report: &mut Report) {
    let variants = [
        (
            "second timestamp, content-length;content-type;host signed",
            Signing::Standard,
        ),
        ("millisecond timestamp", Signing::Milliseconds),
        (
            "empty query line in the canonical request",
            Signing::EmptyQueryLine,
        ),
        (
            "content type with a space (application/json; charset=UTF-8)",
            Signing::SpacedContentType,
        ),
        ("only host signed", Signing::HostOnly),
    ];
    for (name, signing) in variants {
        let reply = probe.post(PING, "{}", signing).await;
        let result = reply.and_then(|reply| {
            if reply.status != 200 {
                return Err(format!("HTTP {} instead of 200", reply.status));
            }
            let body = Ordered::parse(&reply.body)?;
            match body.get("status").and_then(Ordered::as_str) {
                Some("UP") => Ok(()),
                other => Err(format!("status {other:?} instead of \"UP\"")),
            }
        });
        report.record("signature", name, result);
    }
}

/// The HTTP refusals: 401 for a bad signature, 404, 405, 413, 415.
async fn refusals(probe: &mut Probe, report: &mut Report) {
    let body = r#"{"ccId":1,"vdn":1,"callId":"1-1"}"#;
    for (name, signing) in [
        ("a wrong secret key is 401", Signing::WrongSecret),
        ("a timestamp 20 minutes old is 401", Signing::Stale),
        ("no Authorization header is 401", Signing::Unsigned),
    ] {
        let result = probe
            .post(BASIC, body, signing)
            .await
            .and_then(|reply| refusal(&reply, 401, BASIC));
        report.record("http", name, result);
    }
    // A path beside querybasiccallinfo's that no interface has.
    let missing = BASIC.replace("querybasiccallinfo", "nosuchinterface");
    let missing = missing.as_str();
    let result = probe
        .post(missing, body, Signing::Standard)
        .await
        .and_then(|reply| refusal(&reply, 404, missing));
    report.record("http", "an unknown path is 404", result);
    let result = probe
        .send(Method::GET, BASIC, JSON, Vec::new(), Signing::Standard)
        .await
        .and_then(|reply| {
            refusal(&reply, 405, BASIC)?;
            match reply.allow.as_deref() {
                Some("POST") => Ok(()),
                other => Err(format!("Allow is {other:?}, not \"POST\"")),
            }
        });
    report.record("http", "GET is 405 with Allow: POST", result);
    let result = probe
        .send(
            Method::POST,
            BASIC,
            "text/plain",
            body.as_bytes().to_vec(),
            Signing::Standard,
        )
        .await
        .and_then(|reply| refusal(&reply, 415, BASIC));
    report.record("http", "a text/plain body is 415", result);
    let huge = format!(
        r#"{{"ccId":1,"vdn":1,"callId":"1-1","pad":"{}"}}"#,
        "x".repeat(1 << 20)
    );
    let result = probe
        .post(BASIC, &huge, Signing::Standard)
        .await
        .and_then(|reply| refusal(&reply, 413, BASIC));
    report.record("http", "a 1 MiB body is 413", result);
}

/// Finds a call in progress and its agent, when not named: the first call at an agent of
/// the discovery range.
async fn discover(probe: &mut Probe, target: &mut Target) {
    if target.call_id.is_some() && target.agent_id.is_some() {
        return;
    }
    let agents = target
        .agent_id
        .map_or_else(|| target.agents.clone(), |agent| vec![agent]);
    let body = json!({"ccId": target.cc_id, "vdn": target.vdn, "agentIds": agents}).to_string();
    let Ok(reply) = probe
        .post(
            QueryAgentGroupCalls::INTERFACE.path,
            &body,
            Signing::Standard,
        )
        .await
    else {
        return;
    };
    let Ok(payload) = success(&reply, Envelope::Full) else {
        return;
    };
    for agent in payload.items() {
        let agent_id = match agent.get("agentId") {
            Some(Ordered::Number(n)) => n.as_i64(),
            Some(Ordered::Text(text)) => text.parse().ok(),
            _ => None,
        };
        let call = agent.get("callList").map(Ordered::items).unwrap_or_default().iter().find(|call| {
            !matches!(call.get("callStatus"), Some(Ordered::Number(n)) if n.as_i64() == Some(3))
        });
        if let (Some(agent_id), Some(call)) = (agent_id, call) {
            target.agent_id.get_or_insert(agent_id);
            if target.call_id.is_none() {
                target.call_id = call
                    .get("callId")
                    .and_then(Ordered::as_str)
                    .map(str::to_owned);
            }
            return;
        }
    }
}

/// A body of the query interfaces: `ccId`, `vdn` and `callId`.
fn call_body(target: &Target, call_id: &str) -> String {
    json!({"ccId": target.cc_id, "vdn": target.vdn, "callId": call_id}).to_string()
}

async fn basic_and_detail(probe: &mut Probe, target: &Target, report: &mut Report) {
    for (group, path, fields) in [
        ("querybasiccallinfo", BASIC, &BASIC_CALL[..]),
        ("querydetailcallinfo", DETAIL, &DETAIL_CALL[..]),
    ] {
        match &target.call_id {
            Some(call_id) => {
                let result = probe
                    .post(path, &call_body(target, call_id), Signing::Standard)
                    .await
                    .and_then(|reply| success(&reply, Envelope::Full))
                    .and_then(|call| fields_in_order(&call, fields, &[]));
                report.record(
                    group,
                    "a call in progress: its fields in order with their types",
                    result,
                );
            }
            None => report.skip(
                group,
                "a call in progress: its fields in order with their types",
                "no call in progress found: name one with --call-id",
            ),
        }
        let cases = [
            (
                "vdn 0 is 0100002 naming vdn",
                json!({"ccId": target.cc_id, "vdn": 0, "callId": "1-1"}).to_string(),
                "0100002",
                Some("vdn"),
            ),
            (
                "no callId is 0100002 naming callId",
                json!({"ccId": target.cc_id, "vdn": target.vdn}).to_string(),
                "0100002",
                Some("callId"),
            ),
            (
                "a callId of 21 characters is 0100002",
                call_body(target, "123456789012345-67890"),
                "0100002",
                Some("callId"),
            ),
            (
                "a body that is not JSON is 0100002, not a 500",
                "{\"ccId\":".to_owned(),
                "0100002",
                None,
            ),
            (
                "a call not in progress is 0100001",
                call_body(target, "1000000000-999999"),
                "0100001",
                None,
            ),
        ];
        for (name, body, code, names) in cases {
            let result = probe
                .post(path, &body, Signing::Standard)
                .await
                .and_then(|reply| failure(&reply, code, names));
            report.record(group, name, result);
        }
    }
}

async fn ping(probe: &mut Probe, report: &mut Report) {
    let result = probe
        .post(PING, r#"{"say":"Hello world!","n":1}"#, Signing::Standard)
        .await
        .and_then(|reply| {
            let body = Ordered::parse(&reply.body)?;
            if body.keys() != ["request", "status"] {
                return Err(format!(
                    "the echo is request, status; found {:?}",
                    body.keys()
                ));
            }
            let echoed = body.get("request").map(Ordered::keys).unwrap_or_default();
            if echoed != ["say", "n"] {
                return Err(format!(
                    "the request is echoed with members {echoed:?}, not [\"say\", \"n\"]"
                ));
            }
            Ok(())
        });
    report.record("ping", "the body is echoed in order with status UP", result);
    let result = probe
        .send(Method::GET, PING, JSON, Vec::new(), Signing::Standard)
        .await
        .and_then(|reply| refusal(&reply, 405, PING));
    report.record("ping", "GET is 405", result);
}

async fn cti_time(probe: &mut Probe, target: &Target, report: &mut Report) {
    let path = CtiServerTime::INTERFACE.path;
    let reply = probe
        .post(
            path,
            &json!({"ccId": target.cc_id}).to_string(),
            Signing::Standard,
        )
        .await;
    let result = reply.and_then(|reply| {
        if reply.status == 200 && reply.body.contains("\"0100003\"") {
            return Err("the platform runs CTI V300R006 (0100003): not checked".to_owned());
        }
        let time = success(&reply, Envelope::Full)?;
        if time.is(Kind::Integer) {
            Ok(())
        } else {
            Err(format!(
                "resultDesc must be epoch milliseconds as a bare integer, not {}",
                time.kind_name()
            ))
        }
    });
    report.record(
        "ctiservertime",
        "the time is a bare integer in the full envelope",
        result,
    );
    let result = probe
        .post(path, r#"{"ccId":0}"#, Signing::Standard)
        .await
        .and_then(|reply| failure(&reply, "0100002", Some("ccId")));
    report.record("ctiservertime", "ccId 0 is 0100002 naming ccId", result);
}

/// The call IDs an agent view answers: an array of strings.
fn call_ids(payload: &Ordered) -> Result<(), String> {
    let Ordered::Array(items) = payload else {
        return Err(format!(
            "resultDesc must be an array of call IDs, not {}",
            payload.kind_name()
        ));
    };
    match items.iter().find(|item| !item.is(Kind::Text)) {
        Some(item) => Err(format!(
            "a call ID must be a string, not {}",
            item.kind_name()
        )),
        None => Ok(()),
    }
}

async fn agents(probe: &mut Probe, target: &Target, report: &mut Report) {
    let agent = target.agent_id.unwrap_or(101);
    let body = json!({"ccId": target.cc_id, "vdn": target.vdn, "agentId": agent}).to_string();
    for (group, path) in [
        ("queryagentcalls", QueryAgentCalls::INTERFACE.path),
        ("agentprivatecall", AgentPrivateCall::INTERFACE.path),
    ] {
        let result = probe
            .post(path, &body, Signing::Standard)
            .await
            .and_then(|reply| success(&reply, Envelope::Full))
            .and_then(|payload| call_ids(&payload));
        report.record(
            group,
            format!("agent {agent}'s calls are an array of call IDs"),
            result,
        );
        let bad = json!({"ccId": target.cc_id, "vdn": target.vdn, "agentId": 100}).to_string();
        let result = probe
            .post(path, &bad, Signing::Standard)
            .await
            .and_then(|reply| failure(&reply, "0100002", Some("agentId")));
        report.record(group, "agentId 100 is 0100002 naming agentId", result);
    }
    let group = "agentgroup/queryagentcalls";
    let path = QueryAgentGroupCalls::INTERFACE.path;
    let ids = vec![agent, 101];
    let body = json!({"ccId": target.cc_id, "vdn": target.vdn, "agentIds": ids}).to_string();
    let result = probe
        .post(path, &body, Signing::Standard)
        .await
        .and_then(|reply| success(&reply, Envelope::Full))
        .and_then(|payload| {
            let items = payload.items();
            if items.len() != ids.len() {
                return Err(format!(
                    "{} agents answered for {} asked",
                    items.len(),
                    ids.len()
                ));
            }
            for item in items {
                if item.keys() != ["agentId", "callList"] {
                    return Err(format!(
                        "an agent is agentId, callList; found {:?}",
                        item.keys()
                    ));
                }
                if !item
                    .get("agentId")
                    .is_some_and(|id| id.is(GROUP_AGENT[0].1))
                {
                    return Err(format!("field agentId must be {}", GROUP_AGENT[0].1));
                }
                for call in item.get("callList").map(Ordered::items).unwrap_or_default() {
                    fields_in_order(call, &GROUP_CALL, &GROUP_CALL_EXTRA)?;
                }
            }
            Ok(())
        });
    report.record(
        group,
        "one agent per ID asked, in order, each call's fields with their types",
        result,
    );
    let empty = json!({"ccId": target.cc_id, "vdn": target.vdn, "agentIds": []}).to_string();
    let result = probe
        .post(path, &empty, Signing::Standard)
        .await
        .and_then(|reply| failure(&reply, "0100002", Some("agentIds")));
    report.record(group, "no agentIds is 0100002 naming agentIds", result);
}

/// Today and yesterday in UTC by this machine's clock: the widest window the record
/// interfaces take.
fn window() -> (i64, i64) {
    const DAY: i64 = 86_400_000;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| i64::try_from(since.as_millis()).unwrap_or(0));
    let today = now.div_euclid(DAY) * DAY;
    (today - DAY, today + DAY - 1)
}

async fn records(probe: &mut Probe, target: &Target, report: &mut Report) {
    let (begin, end) = window();
    let page = json!({"ccId": target.cc_id, "vdn": target.vdn, "beginDate": begin, "endDate": end, "limit": 5});
    let mut first_row: Option<Ordered> = None;
    for (group, path, body) in [
        (
            "vdn/querycalls",
            QueryVdnCalls::INTERFACE.path,
            page.clone(),
        ),
        ("v2/vdn/querycalls", QueryVdnCallsV2::INTERFACE.path, {
            let mut v2 = page.clone();
            v2["isCallIn"] = json!("true");
            v2
        }),
    ] {
        let reply = probe.post(path, &body.to_string(), Signing::Standard).await;
        let result = reply.and_then(|reply| {
            if reply.body.contains("needs the embedded backend") {
                return Err(
                    "this endpoint keeps no call records (a calldata-server on a BMS)".to_owned(),
                );
            }
            let payload = success(&reply, Envelope::Short)?;
            if payload.keys() != ["data", "count"] {
                return Err(format!(
                    "resultDesc is data, count; found {:?}",
                    payload.keys()
                ));
            }
            if !payload
                .get("count")
                .is_some_and(|count| count.is(Kind::Integer))
            {
                return Err("count must be an integer".to_owned());
            }
            for row in payload.get("data").map(Ordered::items).unwrap_or_default() {
                fields_in_order(row, &VDN_CALL_ROW, &[])?;
            }
            if first_row.is_none() {
                first_row = payload
                    .get("data")
                    .and_then(|data| data.items().first().cloned());
            }
            Ok(())
        });
        report.record(
            group,
            "a page in the short envelope, each row's fields with their types",
            result,
        );
        let mut bad = body.clone();
        bad["limit"] = json!(101);
        let result = probe
            .post(path, &bad.to_string(), Signing::Standard)
            .await
            .and_then(|reply| failure(&reply, "0100002", Some("limit")));
        report.record(group, "limit 101 is 0100002 naming limit", result);
    }
    let ended = first_row.as_ref().and_then(|row| {
        let call_id = row.get("callId").and_then(Ordered::as_str)?.to_owned();
        // The track is asked for the month the call ended in, from its row.
        let log_date = row.get("logDate").and_then(Ordered::as_str)?.parse().ok()?;
        Some((call_id, log_date))
    });
    record_and_track(
        probe,
        target,
        report,
        ended.as_ref().map(|(id, at)| (id.as_str(), *at)),
    )
    .await;
}

/// querycalldetailbyid and querycalltracedetail of `ended`, a call that ended today or
/// yesterday (their answers are skipped without one), and their validation.
async fn record_and_track(
    probe: &mut Probe,
    target: &Target,
    report: &mut Report,
    ended: Option<(&str, i64)>,
) {
    let group = "querycalldetailbyid";
    let path = QueryCallDetailById::INTERFACE.path;
    match ended {
        Some((call_id, _)) => {
            let body = json!({"queryParam": {"ccId": target.cc_id, "isCallin": "true", "callId": call_id}});
            let result = probe
                .post(path, &body.to_string(), Signing::Standard)
                .await
                .and_then(|reply| success(&reply, Envelope::Full))
                .and_then(|record| fields_in_order(&record, &DETAIL_RECORD, &CAMPAIGN_FIELDS));
            report.record(
                group,
                "an ended call's record: its fields in order with their types",
                result,
            );
        }
        None => report.skip(
            group,
            "an ended call's record: its fields in order with their types",
            "no call ended today or yesterday in this VDN",
        ),
    }
    let bad = json!({"ccId": target.cc_id, "isCallin": "maybe", "callId": "1-1"});
    let result = probe
        .post(path, &bad.to_string(), Signing::Standard)
        .await
        .and_then(|reply| failure(&reply, "0100002", Some("isCallin")));
    report.record(
        group,
        "isCallin \"maybe\" is 0100002 naming isCallin",
        result,
    );

    let group = "querycalltracedetail";
    let path = QueryCallTraceDetail::INTERFACE.path;
    match ended {
        Some((call_id, log_date)) => {
            let body = json!({"ccId": target.cc_id, "vdn": target.vdn, "callId": call_id, "logDate": log_date});
            let result = probe
                .post(path, &body.to_string(), Signing::Standard)
                .await
                .and_then(|reply| success(&reply, Envelope::Short))
                .and_then(|track| {
                    let records = track.items();
                    if records.is_empty() {
                        return Err("an ended call's track is empty".to_owned());
                    }
                    for record in records {
                        fields_in_order(record, &TRACK_RECORD, &[])?;
                    }
                    match records.last().and_then(|last| last.get("callIdNum")) {
                        Some(Ordered::Number(n)) if n.as_i64() == Some(-1) => Ok(()),
                        _ => Err("the last record's callIdNum must be -1".to_owned()),
                    }
                });
            report.record(
                group,
                "an ended call's track: each record's fields with their types",
                result,
            );
        }
        None => report.skip(
            group,
            "an ended call's track: each record's fields with their types",
            "no call ended today or yesterday in this VDN",
        ),
    }
    let bad = json!({"ccId": target.cc_id, "vdn": target.vdn, "callId": "1-1"});
    let result = probe
        .post(path, &bad.to_string(), Signing::Standard)
        .await
        .and_then(|reply| failure(&reply, "0100002", Some("logDate")));
    report.record(group, "no logDate is 0100002 naming logDate", result);
}

/// With `--check-lockout`, wrong signatures until the address is locked out (403).
async fn lockout(probe: &mut Probe, target: &Target, report: &mut Report) {
    let name = "repeated bad signatures lock the address out (403)";
    if !target.check_lockout {
        report.skip(
            "lockout",
            name,
            "pass --check-lockout (it locks this address out)",
        );
        return;
    }
    for _ in 0..30 {
        match probe.post(PING, "{}", Signing::WrongSecret).await {
            Ok(reply) if reply.status == 403 => {
                report.record("lockout", name, refusal(&reply, 403, PING));
                return;
            }
            Ok(reply) if reply.status == 401 => {}
            Ok(reply) => {
                report.record(
                    "lockout",
                    name,
                    Err(format!("HTTP {} to a bad signature", reply.status)),
                );
                return;
            }
            Err(error) => {
                report.record("lockout", name, Err(error));
                return;
            }
        }
    }
    report.record(
        "lockout",
        name,
        Err("no 403 after 30 bad signatures".to_owned()),
    );
}
