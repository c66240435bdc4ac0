//! The sandbox admin API on `/sandbox/v1/calls` (embedded store only): integrators create
//! the exact call their test needs, query it through the public endpoint, then end it.
//!
//! Every request is signed with `auth-v2` like the public endpoint, limited to the key's
//! ccId/vdn scope (`0101003`), and answered in the same envelope:
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

use actix_web::{HttpRequest, HttpResponse, web};
use calldata_bms::{CallRecord, EmbeddedStore, ListFilter};
use calldata_model::request::Sent;
use calldata_model::{CallKey, CcId, QueryBasicCallInfo, ResultCode, Vdn};
use serde::Deserialize;

use crate::auth::{Caller, authenticate, authenticate_once};
use crate::errors::Refusal;
use crate::routes::body::{is_json, read_body, status_label};
use crate::routes::reply::{Answer, failed, success_with, unless_panicked};
use crate::state::AppState;

/// Default and largest page of `GET`.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

/// `GET`: lists calls, filtered by `ccId` and `vdn`.
pub async fn list(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    counted(&request, async {
        let (caller, store) = match signed_without_body(&request, &state, authenticate) {
            Ok(pair) => pair,
            Err(answer) => return answer,
        };
        let query = match ListQuery::parse(request.query_string()) {
            Ok(query) => query,
            Err(message) => return failed(ResultCode::InvalidParameter, message),
        };
        let outside = query.cc_id.is_some_and(|cc| {
            !caller.scope.cc_ids.is_empty() && !caller.scope.cc_ids.contains(&cc.get())
        }) || query.vdn.is_some_and(|vdn| {
            !caller.scope.vdns.is_empty() && !caller.scope.vdns.contains(&vdn.get())
        });
        if outside {
            return failed(
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
            Ok(records) => success_with(&records),
            Err(error) => {
                tracing::error!(%error, "the sandbox list did not finish");
                failed(ResultCode::UnknownError, "unknown error")
            }
        }
    })
    .await
}

/// `POST`: adds a call that must not exist yet.
pub async fn add(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    counted(&request, with_record(&request, payload, &state, |store, record| {
        let key = record.key;
        match store.add(key, record.call.clone()) {
            Ok(()) => success_with(record),
            Err(_) => failed(
                ResultCode::InvalidParameter,
                format!(
                    "invalid parameter: call {} already exists in ccId {} vdn {}; use PUT to replace it",
                    key.call_id, key.cc_id, key.vdn
                ),
            ),
        }
    }))
    .await
}

/// `PUT`: adds or replaces a call.
pub async fn replace(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    counted(
        &request,
        with_record(&request, payload, &state, |store, record| {
            store.replace(record.key, record.call.clone());
            success_with(record)
        }),
    )
    .await
}

/// `DELETE`: ends a call.
pub async fn end(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    counted(&request, async {
        let (caller, store) = match signed_without_body(&request, &state, authenticate_once) {
            Ok(pair) => pair,
            Err(answer) => return answer,
        };
        let key = match key_from_query(request.query_string()) {
            Ok(key) => key,
            Err(message) => return failed(ResultCode::InvalidParameter, message),
        };
        if let Some(answer) = out_of_scope(&caller, &key) {
            return answer;
        }
        match store.remove(&key) {
            Some(_) => success_with(&"call ended"),
            None => failed(
                ResultCode::InterfaceCallFailed,
                "call not found or no longer in progress",
            ),
        }
    })
    .await
}

async fn counted(request: &HttpRequest, work: impl Future<Output = Answer>) -> HttpResponse {
    unless_panicked(work).await.into_response(request)
}

fn refused(refusal: &Refusal, request: &HttpRequest) -> Answer {
    Answer {
        response: refusal.respond(request),
        outcome: status_label(refusal.status),
    }
}

fn store_of(state: &AppState, request: &HttpRequest) -> Result<Arc<EmbeddedStore>, Answer> {
    state
        .sandbox
        .clone()
        .ok_or_else(|| refused(&Refusal::not_found(), request))
}

/// How a route checks a signature: [`authenticate`] (a read) or [`authenticate_once`]
/// (a change, whose signature is used once).
type Guard = for<'s> fn(&HttpRequest, &[u8], &'s AppState) -> Result<Caller<'s>, Refusal>;

fn signed_without_body<'s>(
    request: &HttpRequest,
    state: &'s AppState,
    guard: Guard,
) -> Result<(Caller<'s>, Arc<EmbeddedStore>), Answer> {
    let store = store_of(state, request)?;
    let caller = guard(request, &[], state).map_err(|r| refused(&r, request))?;
    Ok((caller, store))
}

/// Reads, checks and authorizes the record of a `POST`/`PUT`, then applies `store_it`.
async fn with_record(
    request: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    store_it: impl FnOnce(&EmbeddedStore, &CallRecord) -> Answer,
) -> Answer {
    match signed_record(request, payload, state).await {
        Ok((record, store)) => store_it(&store, &record),
        Err(answer) => answer,
    }
}

async fn signed_record(
    request: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
) -> Result<(CallRecord, Arc<EmbeddedStore>), Answer> {
    let store = store_of(state, request)?;
    if !is_json(request) {
        return Err(refused(&Refusal::unsupported_media_type(), request));
    }
    let body = read_body(request, payload, state.body_limit, state.body_deadline)
        .await
        .map_err(|r| refused(&r, request))?;
    let caller = authenticate_once(request, &body, state).map_err(|r| refused(&r, request))?;
    let text = std::str::from_utf8(&body).map_err(|_| {
        failed(
            ResultCode::InvalidParameter,
            "invalid parameter: the body is not UTF-8 text",
        )
    })?;
    let record: CallRecord = serde_json::from_str(text).map_err(|error| {
        failed(
            ResultCode::InvalidParameter,
            format!("invalid parameter: {error}"),
        )
    })?;
    if let Some(answer) = out_of_scope(&caller, &record.key) {
        return Err(answer);
    }
    let held = store.bytes_of(&record.key);
    if store.len() >= state.sandbox_max_calls && held.is_none() {
        return Err(failed(
            ResultCode::InvalidParameter,
            format!(
                "invalid parameter: the sandbox store is full ({} calls); end calls first",
                state.sandbox_max_calls
            ),
        ));
    }
    // What the store would hold with this record, replacing the call it may replace;
    // concurrent additions may each pass the bound by the one record they add.
    let after = (store.bytes_held() + EmbeddedStore::bytes_for(&record.call))
        .saturating_sub(held.unwrap_or(0));
    if after
        > state
            .sandbox_base_bytes
            .saturating_add(state.sandbox_max_bytes)
    {
        return Err(failed(
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
    (!caller.scope.allows(key.cc_id, key.vdn)).then(|| {
        failed(
            ResultCode::InsufficientPermission,
            format!(
                "insufficient permission: access key may not use ccId {} vdn {}",
                key.cc_id, key.vdn
            ),
        )
    })
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
