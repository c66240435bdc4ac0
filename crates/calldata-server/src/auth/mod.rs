//! The server side of `auth-v2`: the key registry with its ccId/vdn scopes, the lockout of
//! addresses that keep failing, and the guard every signed route goes through.

pub mod guard;
pub mod keys;
pub mod lockout;
pub mod rate_limit;
pub mod worker_keys;

pub use guard::{Caller, authenticate};
pub use keys::{KeyRegistry, Scope};
pub use lockout::Lockout;
pub use worker_keys::WorkerKeyCache;
