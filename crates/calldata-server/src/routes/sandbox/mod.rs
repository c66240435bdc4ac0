//! The sandbox admin API (embedded store only): `/sandbox/v1/calls` (`calls.rs`) shapes the
//! calls in progress, `/sandbox/v1/agents` (`agents.rs`) signs agents in and out,
//! `/sandbox/v1/clock` and `/sandbox/v1/simulation` (`live.rs`) move the live contact
//! center's clock and hold or pace its simulation.
//!
//! Every request goes through the signed pipeline like the interfaces, is limited to the
//! key's ccId/vdn scope (`0101003`), and is answered in the short envelope (`resultCode`,
//! `resultDesc`; no 8.13-era fields, whatever `legacy_fields` says). A change (`POST`,
//! `PUT`, `PATCH`, `DELETE`) is accepted once per signature: a replay gets 401.

// Errors here are complete answers, built at most once per request; boxing them buys nothing.
#![allow(clippy::result_large_err)]

pub mod agents;
pub mod calls;
pub mod live;

use std::sync::Arc;

use actix_web::web;
use calldata_bms::EmbeddedStore;
use calldata_model::request::Sent;
use calldata_model::{CcId, EnvelopeKind, Reach, ResultCode, Vdn};
use serde::{Deserialize, Serialize};

use crate::answer::Answer;
use crate::auth::Caller;
use crate::auth::Scope;
use crate::center::{Center, CenterChange};
use crate::errors::Refusal;
use crate::routes::signed::{self, Access, BodyRule, Rule, Signed};

pub use agents::{ListAgents, SignIn, SignOut};
pub use calls::{Add, Change, End, List, Replace};
pub use live::{AdvanceClock, ChangeSimulation, ReadClock, ReadSimulation};

/// Default page of a list.
pub const DEFAULT_LIMIT: usize = 100;
/// Largest page of a list.
pub const MAX_LIMIT: usize = 1000;

/// `0100000` with `desc`, in the short envelope (the sandbox is not a CC-CMS interface:
/// no 8.13-era fields).
fn success(desc: &impl Serialize) -> Answer {
    Answer::success(&calldata_model::Envelope {
        kind: EnvelopeKind::Short,
        legacy_fields: false,
        payload: desc,
    })
}

/// The sandbox's store, or 404 when the sandbox is off.
fn store_of(signed: &Signed<'_>) -> Result<Arc<EmbeddedStore>, Answer> {
    signed
        .state()
        .sandbox
        .clone()
        .ok_or_else(|| Answer::refused(&Refusal::not_found(), signed.request()))
}

/// The contact center the sandbox changes, or 404 when the sandbox is off.
fn center_of(signed: &Signed<'_>) -> Result<Center, Answer> {
    signed
        .state()
        .center
        .clone()
        .ok_or_else(|| Answer::refused(&Refusal::not_found(), signed.request()))
}

/// Makes `change` to the caller's center and answers what it did.
async fn submitted(center: &Center, change: CenterChange) -> Answer {
    match center.submit(change).await {
        Ok(done) => success(&done),
        Err(refused) => Answer::failed(refused.code, refused.message),
    }
}

/// `0101003` when the caller's key may not reach this VDN.
fn out_of_scope(caller: &Caller<'_>, cc_id: CcId, vdn: Vdn) -> Option<Answer> {
    let reach = Reach::Vdn(cc_id, vdn);
    (!caller.scope.permits(reach)).then(|| signed::out_of_scope(reach))
}

/// The rule of a list: a read with no body.
const LIST: Rule = Rule {
    access: Access::Read,
    body: BodyRule::None,
};

/// The rule of a change with a JSON body (`POST`, `PUT`, `PATCH`): its signature is used
/// once.
const CHANGE_WITH_BODY: Rule = Rule {
    access: Access::Change,
    body: BodyRule::Json,
};

/// The rule of a change with no body (`DELETE`): its signature is used once.
const CHANGE_WITHOUT_BODY: Rule = Rule {
    access: Access::Change,
    body: BodyRule::None,
};

/// `0100002` with `invalid parameter: <what>`.
fn invalid(what: &impl std::fmt::Display) -> Answer {
    Answer::failed(
        ResultCode::InvalidParameter,
        format!("invalid parameter: {what}"),
    )
}

/// A list request, checked: the sandbox's store, its query, and the scope of the caller's
/// key (which every listed item must pass).
fn list_request(signed: &Signed<'_>) -> Result<(Arc<EmbeddedStore>, ListQuery, Scope), Answer> {
    let store = store_of(signed)?;
    let query = ListQuery::parse(signed.request().query_string(), signed.caller())?;
    Ok((store, query, signed.caller().scope.clone()))
}

/// `0100000` with what `list` lists, made on the blocking pool (a list scans the whole
/// store, and the worker's other clients would wait for it).
async fn listed<T: Serialize + Send + 'static>(
    list: impl FnOnce() -> Vec<T> + Send + 'static,
) -> Answer {
    match web::block(list).await {
        Ok(items) => success(&items),
        Err(error) => {
            tracing::error!(%error, "a sandbox list did not finish");
            Answer::failed(ResultCode::UnknownError, "unknown error")
        }
    }
}

/// The query of a list: `?ccId=&vdn=&limit=`, all optional.
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
    /// Reads the query and checks it against the caller's scope.
    fn parse(query: &str, caller: &Caller<'_>) -> Result<Self, Answer> {
        let parsed = Self::read(query)
            .map_err(|message| Answer::failed(ResultCode::InvalidParameter, message))?;
        let outside = parsed.cc_id.is_some_and(|cc| !caller.scope.covers_cc(cc))
            || parsed.vdn.is_some_and(|vdn| !caller.scope.covers_vdn(vdn));
        if outside {
            return Err(Answer::failed(
                ResultCode::InsufficientPermission,
                "insufficient permission: access key may not list that ccId or vdn",
            ));
        }
        Ok(parsed)
    }

    fn read(query: &str) -> Result<Self, String> {
        let raw: RawListQuery = query_pairs(query)?;
        let cc_id = raw
            .cc_id
            .as_deref()
            .map(|text| {
                CcId::new(number("ccId", text)?).map_err(|e| format!("invalid parameter: ccId {e}"))
            })
            .transpose()?;
        let vdn = raw
            .vdn
            .as_deref()
            .map(|text| {
                Vdn::new(number("vdn", text)?).map_err(|e| format!("invalid parameter: vdn {e}"))
            })
            .transpose()?;
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

/// A query parameter that must be an integer.
fn number(name: &str, text: &str) -> Result<i64, String> {
    text.parse::<i64>()
        .map_err(|_| format!("invalid parameter: {name} must be an integer"))
}

/// A query parameter read the way a body's integer is: digits, or a wrong type.
fn sent_number(text: Option<String>) -> Option<Sent<i64>> {
    text.map(|t| match t.parse::<i64>() {
        Ok(n) => Sent::Value(n),
        Err(_) => Sent::WrongType("a string that is not a decimal integer"),
    })
}

/// Decodes `a=1&b=2` into a struct of optional strings.
fn query_pairs<T: serde::de::DeserializeOwned>(query: &str) -> Result<T, String> {
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
