//! `Client`: one private generic call holding what every interface shares (the URL from
//! the model's [`Interface`](calldata_model::Interface), a fresh signature per attempt,
//! retries, the status check and the reply read in the interface's envelope), and one
//! public method per interface over it; a signed `GET` beside it for the sandbox's lists
//! (`sandbox.rs`).

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use calldata_model::auth::SigningOptions;
use calldata_model::{
    AgentCalls, AgentFields, AgentGroupKey, AgentKey, AgentPrivateCall, ApiReply, BasicCallInfo,
    CallDetailRecord, CallDirection, CallKey, CallRecordKey, CtiServerTime, DetailCallInfo,
    EnvelopeKind, Operation, Payload, Ping, PingEcho, QueryAgentCalls, QueryAgentGroupCalls,
    QueryBasicCallInfo, QueryCallDetailById, QueryCallTraceDetail, QueryDetailCallInfo,
    QueryVdnCalls, QueryVdnCallsV2, TrackKey, TrackRecord, VdnCalls, VdnCallsFields, read_envelope,
};
use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST, HeaderValue};
use reqwest::{Method, Url};

use crate::builder::ClientBuilder;
use crate::error::{Error, excerpt};
use crate::retry::RetryPolicy;
use crate::signing::{JSON_CONTENT_TYPE, OutgoingRequest, RequestSigner, endpoint};

/// Largest reply body read: a call is a few hundred bytes, a ping's echo a little more
/// than the object sent (which servers limit to 16 KiB by default).
const MAX_REPLY_BYTES: usize = 1024 * 1024;

/// Most bytes reserved for a reply before it arrives.
const INITIAL_REPLY_BYTES: usize = 8 * 1024;

/// A client of one CC-CMS server; cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

/// What every clone of a [`Client`] shares.
pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: Url,
    pub(crate) endpoints: Endpoints,
    pub(crate) signing: SigningOptions,
    pub(crate) signer: RequestSigner,
    pub(crate) retry: RetryPolicy,
}

/// The URLs the client calls and the `Host` value they share.
pub(crate) struct Endpoints {
    /// The URL of every interface in [`calldata_model::INTERFACES`], by path, built once
    /// so that a call does not join and parse its URL again.
    pub(crate) urls: Vec<(&'static str, Url)>,
    pub(crate) host: String,
    /// `host` as a header value, built once.
    pub(crate) host_value: HeaderValue,
}

impl Endpoints {
    /// The URLs of the interfaces in `interfaces` under `base`.
    pub(crate) fn prepared_urls(
        base: &Url,
        interfaces: &[calldata_model::Interface],
    ) -> Vec<(&'static str, Url)> {
        interfaces
            .iter()
            .map(|interface| (interface.path, endpoint(base, interface.path)))
            .collect()
    }
}

/// A call and the exact response body it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundCall {
    /// The call.
    pub call: BasicCallInfo,
    /// The response body as received.
    pub body: Vec<u8>,
}

/// One answer: HTTP status and body.
struct Answer {
    status: u16,
    body: Vec<u8>,
}

/// A success payload and the response body it was read from.
struct Replied<T> {
    answer: T,
    body: Vec<u8>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Client")
            .field("base_url", &inner.base_url.as_str())
            .field("access_key", &inner.signer.access_key())
            .field("signing", &inner.signing)
            .field("retry", &inner.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder with the defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// The access key requests are signed with.
    pub fn access_key(&self) -> &str {
        self.inner.signer.access_key()
    }

    /// Basic information about the call `call_id` in progress in `cc_id`/`vdn`; the
    /// request is validated first and nothing is sent when it is invalid.
    pub async fn query_basic_call_info(
        &self,
        cc_id: i64,
        vdn: i64,
        call_id: &str,
    ) -> Result<BasicCallInfo, Error> {
        let key = QueryBasicCallInfo::new(cc_id, vdn, call_id).to_call_key()?;
        self.query(&key).await
    }

    /// Basic information about the call `key` names.
    pub async fn query(&self, key: &CallKey) -> Result<BasicCallInfo, Error> {
        Ok(self.call(&QueryBasicCallInfo::from(*key)).await?.answer)
    }

    /// The call `key` names, with the response body as received.
    pub async fn query_with_body(&self, key: &CallKey) -> Result<FoundCall, Error> {
        let Replied { answer, body } = self.call(&QueryBasicCallInfo::from(*key)).await?;
        Ok(FoundCall { call: answer, body })
    }

    /// The signed health check (a `POST` to [`PING_PATH`](calldata_model::PING_PATH)):
    /// sends `body`, a JSON object, and returns the server's echo of it,
    /// `{"request": <body>, "status": "UP"}`, which also says that the server accepted
    /// these credentials.
    ///
    /// The echo's `request` is the object's text as the server sent it back, member order
    /// kept; the status is returned as answered (`UP` when the platform is up), for the
    /// caller to judge.
    ///
    /// ```no_run
    /// # async fn run(client: calldata_client::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use calldata_client::Ping;
    ///
    /// let ping = Ping::new(&serde_json::json!({"say": "Hello world!"}))?;
    /// let echo = client.ping(&ping).await?;
    /// assert_eq!(echo.request.get(), r#"{"say":"Hello world!"}"#);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn ping(&self, body: &Ping) -> Result<PingEcho, Error> {
        Ok(self.call(body).await?.answer)
    }

    /// [`ping`](Self::ping) with the empty object `{}`: is the server there, and does it
    /// accept these credentials?
    pub async fn ping_empty(&self) -> Result<PingEcho, Error> {
        self.ping(&Ping::empty()).await
    }

    /// `configures/ctiservertime`: the CTI server's clock for call center `cc_id`, in
    /// epoch milliseconds (a number or a string of digits on the wire). A `cc_id` outside
    /// 1..=65535 is [`Error::InvalidRequest`] without a request sent.
    pub async fn cti_server_time(&self, cc_id: i64) -> Result<i64, Error> {
        let request = CtiServerTime::new(cc_id);
        request.to_cc_id()?;
        Ok(self.call(&request).await?.answer.0)
    }

    /// `agent/queryagentcalls`: the IDs of the calls the agent is handling now (not those
    /// in its private queue); `[]` for an agent with none, or one the platform does not
    /// know. The first step of a screen-pop: agent → call ID → [`query`](Self::query).
    pub async fn agent_calls(&self, key: &AgentKey) -> Result<Vec<String>, Error> {
        Ok(self
            .call(&QueryAgentCalls(AgentFields::from(*key)))
            .await?
            .answer
            .0)
    }

    /// `agent/agentprivatecall`: the IDs of the calls waiting in the agent's private queue.
    pub async fn agent_private_calls(&self, key: &AgentKey) -> Result<Vec<String>, Error> {
        Ok(self
            .call(&AgentPrivateCall(AgentFields::from(*key)))
            .await?
            .answer
            .0)
    }

    /// `agentgroup/queryagentcalls`: the calls of 1 to 3000 agents with each call's
    /// status, direction and media type, one element per agent in the order asked.
    pub async fn agent_group_calls(&self, key: &AgentGroupKey) -> Result<Vec<AgentCalls>, Error> {
        let request = QueryAgentGroupCalls::from(key);
        request.to_group_key()?;
        Ok(self.call(&request).await?.answer.0)
    }

    /// `calldata/querydetailcallinfo`: the call `key` names in detail (the basic call plus
    /// its control block and call data).
    pub async fn query_detail(&self, key: &CallKey) -> Result<DetailCallInfo, Error> {
        let request = QueryDetailCallInfo(QueryBasicCallInfo::from(*key));
        Ok(self.call(&request).await?.answer)
    }

    /// `calldata/querycalldetailbyid`: the detail record of a call, also after it ended
    /// (records are kept one day); sent wrapped in `queryParam`, as the reference shows.
    pub async fn call_detail_record(&self, key: &CallRecordKey) -> Result<CallDetailRecord, Error> {
        let request = QueryCallDetailById::new(
            i64::from(key.cc_id.get()),
            key.direction,
            key.call_id.as_str(),
        );
        Ok(self.call(&request).await?.answer)
    }

    /// `vdn/querycalls` (v1): one page of the inbound calls of a VDN that ended within the
    /// window of `fields`, and how many matched. A body that breaks a rule is
    /// [`Error::InvalidRequest`] without a request sent (the window is the server's to
    /// check, against its clock).
    pub async fn vdn_calls(&self, fields: &VdnCallsFields) -> Result<VdnCalls, Error> {
        fields.to_query(false)?;
        Ok(self.call(&QueryVdnCalls(fields.clone())).await?.answer)
    }

    /// `v2/.../vdn/querycalls`: as [`vdn_calls`](Self::vdn_calls), in either direction.
    pub async fn vdn_calls_v2(
        &self,
        fields: &VdnCallsFields,
        direction: CallDirection,
    ) -> Result<VdnCalls, Error> {
        let request = QueryVdnCallsV2::new(fields.clone(), direction);
        request.0.to_query(true)?;
        Ok(self.call(&request).await?.answer)
    }

    /// `vdn/querycalltracedetail`: the track of a call that ended in the month of
    /// `key.log_date_ms`, one record per device in order (`[]` when none is kept).
    pub async fn call_track(&self, key: &TrackKey) -> Result<Vec<TrackRecord>, Error> {
        let request = QueryCallTraceDetail::new(
            i64::from(key.cc_id.get()),
            i64::from(key.vdn.get()),
            key.call_id.as_str(),
            key.log_date_ms,
        );
        Ok(self.call(&request).await?.answer.0)
    }

    /// Sends `request` to the interface `Op` and reads its answer: the body is written
    /// once, every attempt is signed afresh, and what is retryable is retried by the
    /// policy.
    async fn call<Op: Operation>(&self, request: &Op) -> Result<Replied<Op::Answer>, Error> {
        let body = serde_json::to_vec(request)
            .map(Bytes::from)
            .map_err(|e| Error::Config(format!("cannot write the request body: {e}")))?;
        let url = self.url_of(Op::INTERFACE.path);
        self.with_retries(|| async {
            let answer = self.attempt(Method::POST, &url, &body).await?;
            let payload = read_answer::<Op::Answer>(Op::INTERFACE.envelope, &answer)?;
            Ok(Replied {
                answer: payload,
                body: answer.body,
            })
        })
        .await
    }

    /// A signed `GET` of `path` with the query `pairs` (no body), its answer read in the
    /// short envelope: the sandbox's lists. Retried like an interface: a list is a read.
    pub(crate) async fn list<T: Payload>(
        &self,
        path: &str,
        pairs: &[(&str, &str)],
    ) -> Result<T, Error> {
        let mut url = endpoint(&self.inner.base_url, path);
        url.query_pairs_mut().extend_pairs(pairs);
        let body = Bytes::new();
        self.with_retries(|| async {
            let answer = self.attempt(Method::GET, &url, &body).await?;
            read_answer::<T>(EnvelopeKind::Short, &answer)
        })
        .await
    }

    /// The URL of the interface served on `path`: prepared when the interface is in
    /// [`calldata_model::INTERFACES`], joined to the base URL otherwise.
    fn url_of(&self, path: &str) -> Cow<'_, Url> {
        let inner = &self.inner;
        inner
            .endpoints
            .urls
            .iter()
            .find(|(known, _)| *known == path)
            .map_or_else(
                || Cow::Owned(endpoint(&inner.base_url, path)),
                |(_, url)| Cow::Borrowed(url),
            )
    }

    /// Runs `once` until it succeeds, fails for good, or the retry policy is used up.
    async fn with_retries<T, F, Fut>(&self, mut once: F) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let policy = &self.inner.retry;
        let mut retry = 0;
        loop {
            match once().await {
                Err(error) if error.is_retryable() && retry < policy.max_retries() => {
                    let wait = policy.backoff(retry);
                    tracing::debug!(%error, retry = retry + 1, ?wait, "retrying");
                    tokio::time::sleep(wait).await;
                    retry += 1;
                }
                result => return result,
            }
        }
    }

    /// Signs (with a fresh timestamp) and sends one request (`POST` for every interface,
    /// `GET` for a sandbox list), then reads the whole answer.
    ///
    /// The headers are those of [`sign_request`](crate::signing::sign_request): `host`,
    /// then `content-type` and `content-length` when there is a body, then `authorization`.
    async fn attempt(&self, method: Method, url: &Url, body: &Bytes) -> Result<Answer, Error> {
        let inner = &self.inner;
        let request = OutgoingRequest {
            method: method.as_str(),
            host: &inner.endpoints.host,
            path: url.path(),
            query: url.query().unwrap_or(""),
            content_type: JSON_CONTENT_TYPE,
            body,
        };
        let authorization = inner
            .signer
            .authorization(&request, SystemTime::now())
            .map_err(|e| Error::Config(format!("cannot sign the request: {e}")))?;
        let mut builder = inner
            .http
            .request(method, url.clone())
            .header(HOST, inner.endpoints.host_value.clone());
        if !body.is_empty() {
            builder = builder
                .header(CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE))
                .header(CONTENT_LENGTH, body.len())
                .body(body.clone());
        }
        let mut response = builder
            .header(AUTHORIZATION, authorization)
            .send()
            .await
            .map_err(Error::from_reqwest)?;
        let status = response.status().as_u16();
        // Sized from the declared length, but never more than a few replies' worth up
        // front: the length is the server's word, the bytes have to arrive.
        let expected = response.content_length().unwrap_or(0);
        let mut body = Vec::with_capacity(
            usize::try_from(expected).map_or(INITIAL_REPLY_BYTES, |n| n.min(INITIAL_REPLY_BYTES)),
        );
        while let Some(chunk) = response.chunk().await.map_err(Error::from_reqwest)? {
            if body.len() + chunk.len() > MAX_REPLY_BYTES {
                body.extend_from_slice(&chunk);
                return Err(undecodable(&Answer { status, body }));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer { status, body })
    }
}

/// Refuses every status but 200: 401, 403, busy statuses, anything else.
fn check_status(answer: &Answer) -> Result<(), Error> {
    match answer.status {
        200 => Ok(()),
        401 => Err(Error::Unauthorized),
        403 => Err(Error::LockedOut),
        status => Err(Error::from_status(status, &answer.body)),
    }
}

/// The payload of a 200 answer, read in the envelope of `kind`; a failure envelope is
/// [`Error::Api`] whatever the envelope.
fn read_answer<T: Payload>(kind: EnvelopeKind, answer: &Answer) -> Result<T, Error> {
    check_status(answer)?;
    match read_envelope::<T>(kind, &answer.body) {
        Ok(ApiReply::Answered(payload)) => Ok(payload),
        Ok(ApiReply::Failed { code, message }) => Err(Error::Api { code, message }),
        Err(_) => Err(undecodable(answer)),
    }
}

fn undecodable(answer: &Answer) -> Error {
    Error::Undecodable {
        status: answer.status,
        excerpt: excerpt(&answer.body),
    }
}
