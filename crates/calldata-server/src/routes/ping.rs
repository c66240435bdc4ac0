//! `ping`: the signed health check, answering `{"request": <the object sent>, "status":
//! "UP"}` (family.md section 1). Load balancers that cannot sign use `/healthz` and
//! `/readyz`.

use calldata_model::{Ping, PingEcho};

use crate::answer::Answer;
use crate::routes::mount::Served;
use crate::routes::reply::answered;
use crate::routes::signed::Signed;

impl Served for Ping {
    async fn answer(signed: Signed<'_>, ping: Ping) -> Answer {
        answered::<Ping>(&PingEcho::up(ping), signed.state().legacy_fields)
    }
}
