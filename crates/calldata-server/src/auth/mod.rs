//! The server side of `auth-v2`: the key registry with its ccId/vdn scopes, the lockout of
//! addresses that keep failing, the client address they are charged to, the accepted hosts,
//! the signatures already seen (replays), and the guard every signed route goes through.

pub mod accepted_hosts;
pub mod client_address;
pub mod guard;
pub mod keys;
mod lock_table;
pub mod lockout;
pub mod rate_limit;
pub mod replay;
pub mod worker_keys;

pub use accepted_hosts::AcceptedHosts;
pub use client_address::client_address;
pub use guard::{AuthGuard, Caller, authenticate, authenticate_once};
pub use keys::{KeyRegistry, Scope};
pub use lockout::Lockout;
pub use worker_keys::WorkerKeyCache;
