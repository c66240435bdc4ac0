//! querybasiccallinfo through the adapter: `POST /ccbms/ws/monitor/querybasecallinfo` with a
//! [`CallKey`], answered with the call (a [`Lookup`]).

use std::sync::Arc;

use calldata_model::{BasicCallInfo, CallKey};
use moka::future::Cache;

use super::operation::{BmsOperation, Flights};
use super::transport::Fault;
use crate::source::{Lookup, SourceError};
use crate::wire::{BmsQuery, BmsReply, QUERY_PATH, RetCode};

/// The BMS interface behind querybasiccallinfo.
#[derive(Debug)]
pub(crate) struct BasicCall;

impl BmsOperation for BasicCall {
    const PATH: &'static str = QUERY_PATH;
    type Request = CallKey;
    type Query = BmsQuery;
    type Data = BasicCallInfo;
    type Answer = Lookup;

    fn flights(flights: &Flights) -> &Cache<CallKey, Lookup> {
        &flights.basic_calls
    }

    fn query(key: &CallKey) -> BmsQuery {
        BmsQuery::from(key)
    }

    /// The table of `bms.md`.
    fn answer(reply: BmsReply<BasicCallInfo>) -> Result<Lookup, Fault> {
        match RetCode::of(&reply.ret_code) {
            RetCode::Found => reply
                .data
                .map(|call| Lookup::Found(Arc::new(call)))
                .ok_or(Fault::BadResponse),
            RetCode::NotInProgress => Ok(Lookup::NotInProgress),
            RetCode::ParameterRejected => Ok(Lookup::Failed(SourceError::ParameterRejected)),
            RetCode::CtiVersionUnsupported => {
                Ok(Lookup::Failed(SourceError::CtiVersionUnsupported))
            }
            RetCode::Failure => Err(Fault::BmsFailure),
        }
    }

    fn failed(error: SourceError) -> Lookup {
        Lookup::Failed(error)
    }

    fn outcome(lookup: &Lookup) -> &'static str {
        match lookup {
            Lookup::Found(_) => "found",
            Lookup::NotInProgress => "not_found",
            Lookup::Failed(SourceError::ParameterRejected) => "rejected",
            Lookup::Failed(SourceError::CtiVersionUnsupported) => "cti_unsupported",
            Lookup::Failed(_) => "failed",
        }
    }
}
