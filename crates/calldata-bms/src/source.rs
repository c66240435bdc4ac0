//! The `CallSource` seam: what the server asks of a place that knows the calls, one method per
//! CC-CMS interface (querybasiccallinfo's [`CallSource::lookup`], ctiservertime's
//! [`CallSource::cti_server_time`], the agent views' [`CallSource::agent_calls`],
//! [`CallSource::agent_private_calls`] and [`CallSource::agent_group_calls`],
//! querydetailcallinfo's [`CallSource::detail_call`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use calldata_model::{
    AgentGroupCalls, AgentGroupKey, AgentKey, BasicCallInfo, CallDetailRecord, CallFieldSink,
    CallKey, CallRecordKey, CallTrack, CcId, DetailCallInfo, ResultCode, TrackKey, VdnCalls,
    VdnCallsQuery,
};

/// The future a lookup returns.
pub type LookupFuture<'a> = Pin<Box<dyn Future<Output = Lookup> + Send + 'a>>;

/// The future of an answer of interface-specific type `T`.
pub type AnswerFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, SourceError>> + Send + 'a>>;

/// The future a readiness check returns.
pub type ReadyFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SourceError>> + Send + 'a>>;

/// A place that knows the calls in progress: the embedded store or a BMS.
///
/// There is one method per CC-CMS interface: [`lookup`](Self::lookup) answers
/// querybasiccallinfo. A method added for a new interface comes with a default body that
/// answers [`SourceError::Unsupported`] naming the interface, so a source written before it
/// still builds and answers "this call source does not answer that interface" (result code
/// `0100001`) until it implements the method.
///
/// The methods that answer without waiting, [`lookup_now`](Self::lookup_now) and the
/// fast paths [`write_now`](Self::write_now) and
/// [`write_detail_now`](Self::write_detail_now), exist for querybasiccallinfo and
/// querydetailcallinfo only (the embedded store's hot paths); other interfaces have their
/// async method alone.
pub trait CallSource: Send + Sync + 'static {
    /// querybasiccallinfo: looks up one call.
    fn lookup(&self, key: CallKey) -> LookupFuture<'_>;

    /// querybasiccallinfo without waiting, when the source can (the embedded store); `None`
    /// means "use [`lookup`](Self::lookup)". Saves the boxed future of a source that never
    /// waits.
    fn lookup_now(&self, _key: CallKey) -> Option<Lookup> {
        None
    }

    /// querybasiccallinfo's fast path: hands the call's fields to `sink` without waiting and
    /// without building a [`BasicCallInfo`], when the source can (the embedded store); `None`
    /// (and nothing handed over) means "use [`lookup`](Self::lookup)".
    fn write_now(&self, _key: CallKey, _sink: &mut dyn CallFieldSink) -> Option<Presence> {
        None
    }

    /// ctiservertime: the CTI server's clock for call center `cc_id`, in epoch
    /// milliseconds.
    fn cti_server_time(&self, _cc_id: CcId) -> AnswerFuture<'_, i64> {
        unsupported("ctiservertime")
    }

    /// agent/queryagentcalls: the IDs of the calls the agent is handling (not those in its
    /// private queue); none for an agent the source does not know.
    fn agent_calls(&self, _key: AgentKey) -> AnswerFuture<'_, Vec<String>> {
        unsupported("queryagentcalls")
    }

    /// agent/agentprivatecall: the IDs of the calls waiting in the agent's private queue.
    fn agent_private_calls(&self, _key: AgentKey) -> AnswerFuture<'_, Vec<String>> {
        unsupported("agentprivatecall")
    }

    /// agentgroup/queryagentcalls: each asked agent's calls, in the order asked.
    fn agent_group_calls(&self, _key: AgentGroupKey) -> AnswerFuture<'_, AgentGroupCalls> {
        unsupported("agentgroup/queryagentcalls")
    }

    /// querydetailcallinfo's fast path, as [`write_now`](Self::write_now) is
    /// querybasiccallinfo's: hands the call in detail to `sink` (`CallFieldSink::detail`
    /// first, then the 25 fields) without waiting, when the source can.
    fn write_detail_now(&self, _key: CallKey, _sink: &mut dyn CallFieldSink) -> Option<Presence> {
        None
    }

    /// querydetailcallinfo: the call in detail; `None` when it is not in progress.
    fn detail_call(&self, _key: CallKey) -> AnswerFuture<'_, Option<DetailCallInfo>> {
        unsupported("querydetailcallinfo")
    }

    /// querycalldetailbyid: the detail record of a call (also after it ended), `None` when
    /// none is kept. Call records are the CMS's own (family.md section 11): a source
    /// without them answers [`SourceError::NeedsEmbedded`].
    fn call_detail_record(
        &self,
        _key: CallRecordKey,
    ) -> AnswerFuture<'_, Option<CallDetailRecord>> {
        records_only("querycalldetailbyid")
    }

    /// vdn/querycalls (v1 and v2): a page of a VDN's ended calls within a window.
    fn vdn_calls(&self, _query: VdnCallsQuery) -> AnswerFuture<'_, VdnCalls> {
        records_only("vdn/querycalls")
    }

    /// querycalltracedetail: the track of a call that ended (empty when none is kept).
    fn call_track(&self, _key: TrackKey) -> AnswerFuture<'_, CallTrack> {
        records_only("querycalltracedetail")
    }
    /// Whether the source can answer now (for `/readyz`).
    fn check_ready(&self) -> ReadyFuture<'_>;

    /// Short name for logs and metrics (`embedded`, `bms`).
    fn kind(&self) -> &'static str;

    /// Extra state for `/readyz` (e.g. breaker state, last probe), if any.
    fn status_detail(&self) -> Option<String> {
        None
    }
}

/// The answer of a call-record method a source without records leaves at its default.
fn records_only<'a, T: Send + 'a>(interface: &'static str) -> AnswerFuture<'a, T> {
    Box::pin(std::future::ready(Err(SourceError::NeedsEmbedded {
        interface,
    })))
}

/// The answer of a method a source leaves at its default.
fn unsupported<'a, T: Send + 'a>(interface: &'static str) -> AnswerFuture<'a, T> {
    Box::pin(std::future::ready(Err(SourceError::Unsupported {
        interface,
    })))
}

/// The outcome of a lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The call is in progress; here it is.
    Found(Arc<BasicCallInfo>),
    /// No such call in progress (never existed, or already ended).
    NotInProgress,
    /// The source could not answer.
    Failed(SourceError),
}

/// Whether [`CallSource::write_now`] found the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// In progress: its fields were handed over.
    InProgress,
    /// No such call in progress; nothing was handed over.
    NotInProgress,
}

/// Why a call source could not answer. Messages name the fault class, never an address
/// or a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The source is unreachable, timed out, or answered something unusable.
    #[error("call source unavailable: {0}")]
    Unavailable(&'static str),
    /// The source refused the parameters.
    #[error("call source rejected the parameters")]
    ParameterRejected,
    /// The platform runs CTI 3.6 (V300R006), which cannot answer this query.
    #[error("the platform runs CTI V300R006; this query needs V300R008")]
    CtiVersionUnsupported,
    /// This source does not answer this interface (a method it leaves at its default).
    #[error("this call source does not answer {interface}")]
    Unsupported {
        /// The open API name of the interface (`queryagentcalls`, ...).
        interface: &'static str,
    },
    /// A call-record interface asked of a source without records (the BMS adapter).
    #[error(
        "{interface} needs the embedded backend: call records are kept by the CMS itself, and no BMS interface serves them"
    )]
    NeedsEmbedded {
        /// The interface asked.
        interface: &'static str,
    },
    /// The request is valid JSON but not something this source can answer (a window
    /// outside the records kept); the text names the field.
    #[error("invalid parameter: {0}")]
    Invalid(String),
    /// Something unexpected; details stay in the logs.
    #[error("unexpected call source failure: {0}")]
    Internal(String),
}

impl SourceError {
    /// The result code the open API answers with.
    pub fn result_code(&self) -> ResultCode {
        match self {
            Self::Unavailable(_) | Self::Unsupported { .. } | Self::NeedsEmbedded { .. } => {
                ResultCode::InterfaceCallFailed
            }
            Self::ParameterRejected | Self::Invalid(_) => ResultCode::InvalidParameter,
            Self::CtiVersionUnsupported => ResultCode::CtiVersionUnsupported,
            Self::Internal(_) => ResultCode::UnknownError,
        }
    }

    /// The text that may be sent to callers (`Internal` details are withheld).
    pub fn public_message(&self) -> String {
        match self {
            Self::Internal(_) => "unknown error".to_owned(),
            other => other.to_string(),
        }
    }
}

impl<T: CallSource + ?Sized> CallSource for Arc<T> {
    fn lookup(&self, key: CallKey) -> LookupFuture<'_> {
        (**self).lookup(key)
    }

    fn lookup_now(&self, key: CallKey) -> Option<Lookup> {
        (**self).lookup_now(key)
    }

    fn write_now(&self, key: CallKey, sink: &mut dyn CallFieldSink) -> Option<Presence> {
        (**self).write_now(key, sink)
    }

    fn cti_server_time(&self, cc_id: CcId) -> AnswerFuture<'_, i64> {
        (**self).cti_server_time(cc_id)
    }

    fn agent_calls(&self, key: AgentKey) -> AnswerFuture<'_, Vec<String>> {
        (**self).agent_calls(key)
    }

    fn agent_private_calls(&self, key: AgentKey) -> AnswerFuture<'_, Vec<String>> {
        (**self).agent_private_calls(key)
    }

    fn agent_group_calls(&self, key: AgentGroupKey) -> AnswerFuture<'_, AgentGroupCalls> {
        (**self).agent_group_calls(key)
    }

    fn detail_call(&self, key: CallKey) -> AnswerFuture<'_, Option<DetailCallInfo>> {
        (**self).detail_call(key)
    }

    fn write_detail_now(&self, key: CallKey, sink: &mut dyn CallFieldSink) -> Option<Presence> {
        (**self).write_detail_now(key, sink)
    }

    fn call_detail_record(&self, key: CallRecordKey) -> AnswerFuture<'_, Option<CallDetailRecord>> {
        (**self).call_detail_record(key)
    }

    fn vdn_calls(&self, query: VdnCallsQuery) -> AnswerFuture<'_, VdnCalls> {
        (**self).vdn_calls(query)
    }

    fn call_track(&self, key: TrackKey) -> AnswerFuture<'_, CallTrack> {
        (**self).call_track(key)
    }

    fn check_ready(&self) -> ReadyFuture<'_> {
        (**self).check_ready()
    }

    fn kind(&self) -> &'static str {
        (**self).kind()
    }

    fn status_detail(&self) -> Option<String> {
        (**self).status_detail()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unsupported_interface_is_an_interface_call_failure_that_names_it() {
        let error = SourceError::Unsupported {
            interface: "queryagentcalls",
        };
        assert_eq!(error.result_code(), ResultCode::InterfaceCallFailed);
        assert_eq!(error.result_code().as_str(), "0100001");
        assert_eq!(
            error.public_message(),
            "this call source does not answer queryagentcalls"
        );
    }
}
