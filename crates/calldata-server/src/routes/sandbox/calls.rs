//! `/sandbox/v1/calls`: integrators create the exact call their test needs, put it at an
//! agent, in a queue or in an agent's private queue, query it through the interfaces, then
//! end it.
//!
//! | method | what | body / query |
//! |---|---|---|
//! | `GET` | list calls | `?ccId=&vdn=&limit=` (all optional; limit 1..=1000, default 100) |
//! | `POST` | add a call (`0100002` if it exists) | one call record |
//! | `PUT` | add or replace a call | one call record |
//! | `PATCH` | change some fields of a call in progress (`0100001` if absent) | its key and the fields |
//! | `DELETE` | end a call (`0100001` if absent); answers its record and track | `?ccId=&vdn=&callId=&releaseCause=` (the cause optional) |
//!
//! An ended call's record is kept at once, so querycalldetailbyid, vdn/querycalls and
//! querycalltracedetail answer it from the next request on; `releaseCause` (a code of the
//! enter/leave reason table, 0..=65535) defaults to the customer hanging up: 88 after an
//! agent answered, 89 before.
//!
//! Additions are bounded by count (`embedded.max_calls`) and by the bytes they hold
//! (`embedded.max_sandbox_bytes`). A list scans the whole store, so it runs on the blocking
//! pool, not on the worker, whose other clients would wait for it.

// Errors here are complete answers, built at most once per request; boxing them buys nothing.
#![allow(clippy::result_large_err)]

use calldata_bms::{CallRecord, ListFilter};
use calldata_model::request::Sent;
use calldata_model::{CallKey, QueryBasicCallInfo, ResultCode};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{
    CHANGE_WITH_BODY, CHANGE_WITHOUT_BODY, LIST, center_of, invalid, list_request, listed,
    out_of_scope, query_pairs, sent_number, submitted,
};
use crate::answer::Answer;
use crate::center::{Center, CenterChange};
use crate::routes::mount::SignedRoute;
use crate::routes::signed::{Rule, Signed};

/// `GET`: lists calls, filtered by `ccId` and `vdn`.
#[derive(Debug)]
pub struct List;

/// `POST`: adds a call that must not exist yet.
#[derive(Debug)]
pub struct Add;

/// `PUT`: adds or replaces a call.
#[derive(Debug)]
pub struct Replace;

/// `PATCH`: changes some fields of a call in progress (moves it, sets its status).
#[derive(Debug)]
pub struct Change;

/// `DELETE`: ends a call.
#[derive(Debug)]
pub struct End;

impl SignedRoute for List {
    const RULE: Rule = LIST;

    async fn answer(signed: Signed<'_>) -> Answer {
        let (store, query, scope) = match list_request(&signed) {
            Ok(request) => request,
            Err(answer) => return answer,
        };
        let filter = ListFilter {
            cc_id: query.cc_id,
            vdn: query.vdn,
        };
        listed(move || {
            store.list_where(
                |key| filter.matches(key) && scope.allows(key.cc_id, key.vdn),
                query.limit,
            )
        })
        .await
    }
}

impl SignedRoute for Add {
    const RULE: Rule = CHANGE_WITH_BODY;

    async fn answer(signed: Signed<'_>) -> Answer {
        match checked_record(&signed) {
            Ok((record, center)) => submitted(&center, CenterChange::AddCall { record }).await,
            Err(answer) => answer,
        }
    }
}

impl SignedRoute for Replace {
    const RULE: Rule = CHANGE_WITH_BODY;

    async fn answer(signed: Signed<'_>) -> Answer {
        match checked_record(&signed) {
            Ok((record, center)) => submitted(&center, CenterChange::PutCall { record }).await,
            Err(answer) => answer,
        }
    }
}

impl SignedRoute for End {
    const RULE: Rule = CHANGE_WITHOUT_BODY;

    async fn answer(signed: Signed<'_>) -> Answer {
        let center = match center_of(&signed) {
            Ok(center) => center,
            Err(answer) => return answer,
        };
        let query = signed.request().query_string();
        let (key, release_cause) = match key_from_query(query)
            .and_then(|key| release_cause_from_query(query).map(|cause| (key, cause)))
        {
            Ok(pair) => pair,
            Err(message) => return Answer::failed(ResultCode::InvalidParameter, message),
        };
        if let Some(answer) = out_of_scope(signed.caller(), key.cc_id, key.vdn) {
            return answer;
        }
        submitted(&center, CenterChange::EndCall { key, release_cause }).await
    }
}

impl SignedRoute for Change {
    const RULE: Rule = CHANGE_WITH_BODY;

    async fn answer(signed: Signed<'_>) -> Answer {
        let center = match center_of(&signed) {
            Ok(center) => center,
            Err(answer) => return answer,
        };
        match patch(&signed) {
            Ok((key, fields)) => submitted(&center, CenterChange::PatchCall { key, fields }).await,
            Err(answer) => answer,
        }
    }
}

/// Reads and authorizes the record of a `POST`/`PUT` (whether it fits is the center's
/// to say when it applies).
fn checked_record(signed: &Signed<'_>) -> Result<(CallRecord, Center), Answer> {
    let center = center_of(signed)?;
    let record: CallRecord =
        serde_json::from_str(body_text(signed)?).map_err(|error| invalid(&error))?;
    if let Some(answer) = out_of_scope(signed.caller(), record.key.cc_id, record.key.vdn) {
        return Err(answer);
    }
    Ok((record, center))
}

/// The body as text.
fn body_text<'a>(signed: &'a Signed<'_>) -> Result<&'a str, Answer> {
    std::str::from_utf8(signed.body()).map_err(|_| {
        Answer::failed(
            ResultCode::InvalidParameter,
            "invalid parameter: the body is not UTF-8 text",
        )
    })
}

/// The key a `PATCH` body names, authorized, and its members (laid over the stored call
/// when the change applies).
fn patch(signed: &Signed<'_>) -> Result<(CallKey, Map<String, Value>), Answer> {
    let Value::Object(changes) =
        serde_json::from_str::<Value>(body_text(signed)?).map_err(|error| invalid(&error))?
    else {
        return Err(invalid(&"the body is not a JSON object"));
    };
    let key = QueryBasicCallInfo::deserialize(&changes)
        .map_err(|error| invalid(&error))?
        .to_call_key()
        .map_err(|error| invalid(&error))?;
    if let Some(answer) = out_of_scope(signed.caller(), key.cc_id, key.vdn) {
        return Err(answer);
    }
    Ok((key, changes))
}

/// The optional `releaseCause` of a `DELETE`: 0..=65535.
fn release_cause_from_query(query: &str) -> Result<Option<i64>, String> {
    #[derive(Deserialize)]
    struct Raw {
        #[serde(rename = "releaseCause")]
        release_cause: Option<String>,
    }
    let raw: Raw = query_pairs(query)?;
    raw.release_cause
        .map(|text| {
            text.parse::<i64>()
                .ok()
                .filter(|cause| (0..=65_535).contains(cause))
                .ok_or_else(|| {
                    "invalid parameter: releaseCause must be an integer between 0 and 65535"
                        .to_owned()
                })
        })
        .transpose()
}

/// The call named by `?ccId=&vdn=&callId=`, validated like a query body.
fn key_from_query(query: &str) -> Result<CallKey, String> {
    #[derive(Deserialize)]
    struct Raw {
        #[serde(rename = "ccId")]
        cc_id: Option<String>,
        vdn: Option<String>,
        #[serde(rename = "callId")]
        call_id: Option<String>,
    }
    let raw: Raw = query_pairs(query)?;
    let body = QueryBasicCallInfo {
        cc_id: sent_number(raw.cc_id),
        vdn: sent_number(raw.vdn),
        call_id: raw.call_id.map(Sent::Value),
    };
    body.to_call_key()
        .map_err(|e| format!("invalid parameter: {e}"))
}
