//! The connection layer between the socket and actix-http: limits on connections and TLS
//! handshakes, a deadline on every request (not only the first of a connection), answers
//! written before the next pipelined request is read, a write timeout for peers that do
//! not read, and request framing that never reads a body to the end of the connection.
//!
//! actix-http's HTTP/1.1 dispatcher stays in charge of HTTP; this layer only decides which
//! bytes it gets when, and closes connections past their deadlines (`registry`).

mod chunked;
mod framer;
mod head;
mod io;
pub mod limits;
pub mod listener;
mod registry;
pub mod serve;

pub use limits::{CloseReason, ConnStats, Limits};
pub use serve::{ServeOptions, serve};
