//! `Client`: validates a query, signs each attempt afresh, sends it, reads the reply and
//! retries what is worth retrying.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use calldata_model::auth::SigningOptions;
use calldata_model::{
    ApiReply, BasicCallInfo, CallKey, DecodeError, QueryBasicCallInfo, read_reply,
};
use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST, HeaderValue};
use reqwest::{Method, Url};

use crate::builder::ClientBuilder;
use crate::error::{Error, excerpt};
use crate::retry::RetryPolicy;
use crate::signing::{JSON_CONTENT_TYPE, OutgoingRequest, RequestSigner};

/// Path of the platform health check, which also verifies a signature.
pub const PING_PATH: &str = "/rest/cmsapp/v1/ping";

/// Largest reply body read; a reply holds one call, a few hundred bytes.
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
    pub(crate) query: Url,
    pub(crate) ping: Url,
    pub(crate) host: String,
    /// `host` as a header value, built once.
    pub(crate) host_value: HeaderValue,
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
        Ok(self.query_with_body(key).await?.call)
    }

    /// The call `key` names, with the response body as received.
    pub async fn query_with_body(&self, key: &CallKey) -> Result<FoundCall, Error> {
        let body = Bytes::from(query_body(key)?);
        let url = &self.inner.endpoints.query;
        self.with_retries(|| async {
            let answer = self.attempt(Method::POST, url, &body).await?;
            let call = read_call(&answer)?;
            Ok(FoundCall {
                call,
                body: answer.body,
            })
        })
        .await
    }

    /// Checks that the server answers and accepts these credentials (a signed ping).
    pub async fn ping(&self) -> Result<(), Error> {
        let url = &self.inner.endpoints.ping;
        self.with_retries(|| async {
            let answer = self.attempt(Method::GET, url, &Bytes::new()).await?;
            read_pong(&answer)
        })
        .await
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

    /// Signs (with a fresh timestamp) and sends one request, then reads the whole answer.
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

/// The request body for `key`: `{"ccId":1,"vdn":1,"callId":"..."}`.
fn query_body(key: &CallKey) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(&QueryBasicCallInfo::from(*key))
        .map_err(|e| Error::Config(format!("cannot write the request body: {e}")))
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

fn read_call(answer: &Answer) -> Result<BasicCallInfo, Error> {
    check_status(answer)?;
    match read_reply(&answer.body) {
        Ok(ApiReply::Found(call)) => Ok(*call),
        Ok(ApiReply::Failed { code, message }) => Err(Error::Api { code, message }),
        Err(_) => Err(undecodable(answer)),
    }
}

/// A ping succeeds with `0100000` and any `resultDesc`.
fn read_pong(answer: &Answer) -> Result<(), Error> {
    check_status(answer)?;
    match read_reply(&answer.body) {
        Ok(ApiReply::Found(_)) | Err(DecodeError::NoCall) => Ok(()),
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
