//! `configures/ctiservertime`: the CTI server's clock, from the call source (the embedded
//! store answers its clock plus `embedded.cti_clock_offset_ms`).

use calldata_model::{CcId, CtiServerTime, CtiTime};

use crate::answer::Answer;
use crate::routes::mount::Served;
use crate::routes::reply::answered;
use crate::routes::signed::Signed;

impl Served for CtiServerTime {
    async fn answer(signed: Signed<'_>, cc_id: CcId) -> Answer {
        let state = signed.state();
        match state.source.cti_server_time(cc_id).await {
            Ok(time) => answered::<CtiServerTime>(&CtiTime(time), state.legacy_fields),
            Err(error) => {
                tracing::warn!(%error, "call source failed on ctiservertime");
                Answer::failed(error.result_code(), error.public_message())
            }
        }
    }
}
