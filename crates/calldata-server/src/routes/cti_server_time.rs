//! `configures/ctiservertime`: the CTI server's clock, from the call source (the embedded
//! store answers its clock plus `embedded.cti_clock_offset_ms`).

use calldata_model::{CcId, CtiServerTime, CtiTime};

use crate::answer::Answer;
use crate::routes::mount::Served;
use crate::routes::reply::from_source;
use crate::routes::signed::Signed;

impl Served for CtiServerTime {
    async fn answer(signed: Signed<'_>, cc_id: CcId) -> Answer {
        let state = signed.state();
        let time = state.source.cti_server_time(cc_id).await.map(CtiTime);
        from_source::<Self>(time, state.legacy_fields)
    }
}
