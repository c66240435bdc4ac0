//! The signed-request pipeline: every signed route, the sandbox API included, is reached
//! only through [`admit`], so a handler cannot skip authentication (the handler receives
//! a [`Signed`], which only `admit` makes).
//!
//! Order of checks: JSON content type (415), body size and deadline (413, 408), lockout
//! (403), accepted host (421), `auth-v2` over the raw bytes (401), rate limit (429); then,
//! for an interface ([`operation`]): CTI version (`0100003`), body validation
//! (`0100002`), key scope (`0101003`).

use actix_web::HttpRequest;
use actix_web::web::{self, Bytes};
use calldata_model::{CtiSupport, Operation, Reach, ResultCode};

use crate::answer::Answer;
use crate::auth::{Caller, authenticate, authenticate_once};
use crate::config::CtiVersion;
use crate::errors::Refusal;
use crate::routes::body::{is_json, read_body};
use crate::state::AppState;

/// What a signed route reads and how its signature may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// A read's signature may be sent again within the clock-skew window; a change's is
    /// used once.
    pub access: Access,
    /// Whether a JSON body is read and signed.
    pub body: BodyRule,
}

impl Rule {
    /// Every CC-CMS interface: a read with a JSON body.
    pub const INTERFACE: Self = Self {
        access: Access::Read,
        body: BodyRule::Json,
    };
}

/// How a signature may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// An idempotent read ([`authenticate`]).
    Read,
    /// A change, accepted once per signature ([`authenticate_once`]).
    Change,
}

/// What body a signed route takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyRule {
    /// A JSON body (415 otherwise), read within the size limit and the deadline.
    Json,
    /// No body: the signature covers an empty one (sandbox `GET` and `DELETE`).
    None,
}

/// A request whose signature checked out: the only way a handler gets at a signed
/// request's caller and body.
#[derive(Debug)]
pub struct Signed<'a> {
    request: &'a HttpRequest,
    state: &'a AppState,
    caller: Caller<'a>,
    body: Bytes,
}

impl<'a> Signed<'a> {
    /// The HTTP request.
    pub fn request(&self) -> &'a HttpRequest {
        self.request
    }

    /// The service's state.
    pub fn state(&self) -> &'a AppState {
        self.state
    }

    /// Who signed.
    pub fn caller(&self) -> &Caller<'a> {
        &self.caller
    }

    /// The body the signature covers.
    pub fn body(&self) -> &Bytes {
        &self.body
    }
}

/// Reads and authenticates a signed request by `rule`; a refusal is the whole answer,
/// boxed so that the admitted request travels in a small value on the path that is taken.
pub async fn admit<'a>(
    request: &'a HttpRequest,
    payload: web::Payload,
    state: &'a AppState,
    rule: Rule,
) -> Result<Signed<'a>, Box<Answer>> {
    let body = match rule.body {
        BodyRule::Json => {
            if !is_json(request) {
                return Err(Box::new(Answer::refused(
                    &Refusal::unsupported_media_type(),
                    request,
                )));
            }
            read_body(request, payload, state.body_limit, state.body_deadline)
                .await
                .map_err(|refusal| Box::new(Answer::refused(&refusal, request)))?
        }
        BodyRule::None => Bytes::new(),
    };
    let caller = match rule.access {
        Access::Read => authenticate(request, &body, &state.auth, &state.metrics).await,
        // Boxed: a change's checks (its signature recorded once, maybe in Redis) stay out
        // of every read's future.
        Access::Change => {
            Box::pin(authenticate_once(
                request,
                &body,
                &state.auth,
                &state.metrics,
            ))
            .await
        }
    }
    .map_err(|refusal| Box::new(Answer::refused(&refusal, request)))?;
    Ok(Signed {
        request,
        state,
        caller,
        body,
    })
}

/// The interface's own checks on an admitted request: CTI version, then the body parsed
/// and validated by `Op`, then the key's scope over what it reaches.
///
/// The CTI check comes after authentication, so unauthenticated callers learn nothing
/// about the deployment.
pub fn operation<Op: Operation>(signed: &Signed<'_>) -> Result<Op::Request, Box<Answer>> {
    if Op::INTERFACE.cti == CtiSupport::V300R008 && signed.state.cti_version == CtiVersion::V300R006
    {
        return Err(Box::new(Answer::failed(
            ResultCode::CtiVersionUnsupported,
            "this interface needs CTI V300R008; the platform runs V300R006",
        )));
    }
    let request = Op::parse(&signed.body).map_err(|invalid| {
        Box::new(Answer::failed(
            ResultCode::InvalidParameter,
            format!("invalid parameter: {invalid}"),
        ))
    })?;
    let reach = Op::reach(&request);
    if !signed.caller.scope.permits(reach) {
        return Err(Box::new(out_of_scope(reach)));
    }
    Ok(request)
}

/// `0101003`, naming what the key may not reach.
pub fn out_of_scope(reach: Reach) -> Answer {
    let what = match reach {
        Reach::Vdn(cc_id, vdn) => format!("ccId {cc_id} vdn {vdn}"),
        Reach::CallCenter(cc_id) => format!("ccId {cc_id}"),
        Reach::Platform => "the platform".to_owned(),
    };
    Answer::failed(
        ResultCode::InsufficientPermission,
        format!("insufficient permission: access key may not query {what}"),
    )
}
