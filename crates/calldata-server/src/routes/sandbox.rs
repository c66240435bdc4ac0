//! The sandbox admin API on `/sandbox/v1/calls` (embedded store only): integrators create
//! the exact call their test needs, query it through the public endpoint, then end it.
//!
//! Every request goes through the signed pipeline like the interfaces, is limited to the
//! key's ccId/vdn scope (`0101003`), and is answered in the short envelope (`resultCode`,
//! `resultDesc`; no 8.13-era fields, whatever `legacy_fields` says):
//!
//! | method | what | body / query |
//! |---|---|---|
//! | `GET` | list calls | `?ccId=&vdn=&limit=` (all optional; limit 1..=1000, default 100) |
//! | `POST` | add a call (`0100002` if it exists) | one call record |
//! | `PUT` | add or replace a call | one call record |
//! | `DELETE` | end a call (`0100001` if absent) | `?ccId=&vdn=&callId=` |
//!
//! A change (`POST`, `PUT`, `DELETE`) is accepted once per signature: a replay gets 401.
//! Additions are bounded by count (`embedded.max_calls`) and by the bytes they hold
//! (`embedded.max_sandbox_bytes`). A list scans the whole store, so it runs on the blocking
//! pool, not on the worker, whose other clients would wait for it.

// Errors here are complete answers, built at most once per request; boxing them buys nothing.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use actix_web::web;
use calldata_bms::{CallRecord, EmbeddedStore, ListFilter};
use calldata_model::request::Sent;
use calldata_model::{CallKey, CcId, EnvelopeKind, QueryBasicCallInfo, Reach, ResultCode, Vdn};
use serde::{Deserialize, Serialize};

use crate::answer::Answer;
use crate::auth::Caller;
use crate::errors::Refusal;
use crate::routes::mount::SignedRoute;
use crate::routes::signed::{self, Access, BodyRule, Rule, Signed};
use crate::state::AppState;

/// Default page of `GET`.
pub const DEFAULT_LIMIT: usize = 100;
/// Largest page of `GET`.
pub const MAX_LIMIT: usize = 1000;

/// `GET`: lists calls, filtered by `ccId` and `vdn`.
#[derive(Debug)]
pub struct List;

/// `POST`: adds a call that must not exist yet.
#[derive(Debug)]
pub struct Add;

/// `PUT`: adds or replaces a call.
#[derive(Debug)]
pub struct Replace;

/// `DELETE`: ends a call.
#[derive(Debug)]
pub struct End;

/// A change with a call record as its body.
const CHANGE_WITH_RECORD: Rule = Rule {
    access: Access::Change,
    body: BodyRule::Json,
};

impl SignedRoute for List {
    const RULE: Rule = Rule {
        access: Access::Read,
        body: BodyRule::None,
    };

    async fn answer(signed: Signed<'_>) -> Answer {
        let store = match store_of(&signed) {
            Ok(store) => store,
            Err(answer) => return answer,
        };
        let caller = signed.caller();
        let query = match ListQuery::parse(signed.request().query_string()) {
            Ok(query) => query,
            Err(message) => return Answer::failed(ResultCode::InvalidParameter, message),
        };
        let outside = query.cc_id.is_some_and(|cc| !caller.scope.covers_cc(cc))
            || query.vdn.is_some_and(|vdn| !caller.scope.covers_vdn(vdn));
        if outside {
            return Answer::failed(
                ResultCode::InsufficientPermission,
                "insufficient permission: access key may not list that ccId or vdn",
            );
        }
        let filter = ListFilter {
            cc_id: query.cc_id,
            vdn: query.vdn,
        };
        let scope = caller.scope.clone();
        let listed = web::block(move || {
            store.list_where(
                |key| filter.matches(key) && scope.allows(key.cc_id, key.vdn),
                query.limit,
            )
        })
        .await;
        match listed {
            Ok(records) => success(&records),
            Err(error) => {
                tracing::error!(%error, "the sandbox list did not finish");
                Answer::failed(ResultCode::UnknownError, "unknown error")
            }
        }
    }
}

impl SignedRoute for Add {
    const RULE: Rule = CHANGE_WITH_RECORD;

    async fn answer(signed: Signed<'_>) -> Answer {
        let (record, store) = match checked_record(&signed) {
            Ok(pair) => pair,
            Err(answer) => return answer,
        };
        let key = record.key;
        match store.add(&record) {
            Ok(()) => success(&record),
            Err(_) => Answer::failed(
                ResultCode::InvalidParameter,
                format!(
                    "invalid parameter: call {} already exists in ccId {} vdn {}; use PUT to replace it",
                    key.call_id, key.cc_id, key.vdn
                ),
            ),
        }
    }
}

impl SignedRoute for Replace {
    const RULE: Rule = CHANGE_WITH_RECORD;

    async fn answer(signed: Signed<'_>) -> Answer {
        match checked_record(&signed) {
            Ok((record, store)) => {
                store.replace(&record);
                success(&record)
            }
            Err(answer) => answer,
        }
    }
}

impl SignedRoute for End {
    const RULE: Rule = Rule {
        access: Access::Change,
        body: BodyRule::None,
    };

    async fn answer(signed: Signed<'_>) -> Answer {
        let store = match store_of(&signed) {
            Ok(store) => store,
            Err(answer) => return answer,
        };
        let key = match key_from_query(signed.request().query_string()) {
            Ok(key) => key,
            Err(message) => return Answer::failed(ResultCode::InvalidParameter, message),
        };
        if let Some(answer) = out_of_scope(signed.caller(), &key) {
            return answer;
        }
        match store.remove(&key) {
            Some(_) => success(&"call ended"),
            None => Answer::failed(
                ResultCode::InterfaceCallFailed,
                "call not found or no longer in progress",
            ),
        }
    }
}

/// `0100000` with `desc`, in the short envelope (the sandbox is not a CC-CMS interface:
/// no 8.13-era fields).
fn success(desc: &impl Serialize) -> Answer {
    Answer::success(&calldata_model::Envelope {
        kind: EnvelopeKind::Short,
        legacy_fields: false,
        payload: desc,
    })
}

fn store_of(signed: &Signed<'_>) -> Result<Arc<EmbeddedStore>, Answer> {
    signed
        .state()
        .sandbox
        .clone()
        .ok_or_else(|| Answer::refused(&Refusal::not_found(), signed.request()))
}

/// Reads, checks and authorizes the record of a `POST`/`PUT`.
fn checked_record(signed: &Signed<'_>) -> Result<(CallRecord, Arc<EmbeddedStore>), Answer> {
    let store = store_of(signed)?;
    let state: &AppState = signed.state();
    let text = std::str::from_utf8(signed.body()).map_err(|_| {
        Answer::failed(
            ResultCode::InvalidParameter,
            "invalid parameter: the body is not UTF-8 text",
        )
    })?;
    let record: CallRecord = serde_json::from_str(text).map_err(|error| {
        Answer::failed(
            ResultCode::InvalidParameter,
            format!("invalid parameter: {error}"),
        )
    })?;
    if let Some(answer) = out_of_scope(signed.caller(), &record.key) {
        return Err(answer);
    }
    let held = store.bytes_of(&record.key);
    if store.len() >= state.sandbox_max_calls && held.is_none() {
        return Err(Answer::failed(
            ResultCode::InvalidParameter,
            format!(
                "invalid parameter: the sandbox store is full ({} calls); end calls first",
                state.sandbox_max_calls
            ),
        ));
    }
    // What the store would hold with this record, replacing the call it may replace;
    // concurrent additions may each pass the bound by the one record they add.
    let after =
        (store.bytes_held() + EmbeddedStore::bytes_for(&record)).saturating_sub(held.unwrap_or(0));
    if after
        > state
            .sandbox_base_bytes
            .saturating_add(state.sandbox_max_bytes)
    {
        return Err(Answer::failed(
            ResultCode::InvalidParameter,
            format!(
                "invalid parameter: the sandbox store is full (its additions may hold {} bytes, \
                 embedded.max_sandbox_bytes); end calls first",
                state.sandbox_max_bytes
            ),
        ));
    }
    Ok((record, store))
}

fn out_of_scope(caller: &Caller<'_>, key: &CallKey) -> Option<Answer> {
    let reach = Reach::Vdn(key.cc_id, key.vdn);
    (!caller.scope.permits(reach)).then(|| signed::out_of_scope(reach))
}

/// Query parameters of `GET`.
#[derive(Debug)]
struct ListQuery {
    cc_id: Option<CcId>,
    vdn: Option<Vdn>,
    limit: usize,
}

#[derive(Deserialize)]
struct RawListQuery {
    #[serde(rename = "ccId")]
    cc_id: Option<String>,
    vdn: Option<String>,
    limit: Option<String>,
}

impl ListQuery {
    fn parse(query: &str) -> Result<Self, String> {
        let raw: RawListQuery = serde_urlencoded_like(query)?;
        let number = |name: &str, text: &str| {
            text.parse::<i64>()
                .map_err(|_| format!("invalid parameter: {name} must be an integer"))
        };
        let cc_id = match raw.cc_id.as_deref() {
            Some(text) => Some(
                CcId::new(number("ccId", text)?)
                    .map_err(|e| format!("invalid parameter: ccId {e}"))?,
            ),
            None => None,
        };
        let vdn = match raw.vdn.as_deref() {
            Some(text) => Some(
                Vdn::new(number("vdn", text)?)
                    .map_err(|e| format!("invalid parameter: vdn {e}"))?,
            ),
            None => None,
        };
        let limit = match raw.limit.as_deref() {
            Some(text) => usize::try_from(number("limit", text)?)
                .ok()
                .filter(|l| (1..=MAX_LIMIT).contains(l))
                .ok_or_else(|| {
                    format!("invalid parameter: limit must be between 1 and {MAX_LIMIT}")
                })?,
            None => DEFAULT_LIMIT,
        };
        Ok(Self { cc_id, vdn, limit })
    }
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
    let raw: Raw = serde_urlencoded_like(query)?;
    let number = |text: Option<String>| {
        text.map(|t| match t.parse::<i64>() {
            Ok(n) => Sent::Value(n),
            Err(_) => Sent::WrongType("a string that is not a decimal integer"),
        })
    };
    let body = QueryBasicCallInfo {
        cc_id: number(raw.cc_id),
        vdn: number(raw.vdn),
        call_id: raw.call_id.map(Sent::Value),
    };
    body.to_call_key()
        .map_err(|e| format!("invalid parameter: {e}"))
}

/// Decodes `a=1&b=2` into a struct of optional strings.
fn serde_urlencoded_like<T: serde::de::DeserializeOwned>(query: &str) -> Result<T, String> {
    let map: serde_json::Map<String, serde_json::Value> = form_urlencoded_pairs(query)
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    serde_json::from_value(serde_json::Value::Object(map))
        .map_err(|e| format!("invalid parameter: {e}"))
}

fn form_urlencoded_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query.split('&').filter(|p| !p.is_empty()).map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(k), percent_decode(v))
    })
}

fn percent_decode(text: &str) -> String {
    web::Query::<std::collections::HashMap<String, String>>::from_query(&format!("x={text}"))
        .ok()
        .and_then(|q| q.into_inner().remove("x"))
        .unwrap_or_default()
}
