//! `bench-ceiling`: the ceiling of `cargo xtask bench`, a bare actix-web app on the query
//! route that reads the POST body and answers the pre-serialized reference example. No auth,
//! no validation, no lookup, no logging: what the framework alone costs on this machine.
//!
//! It reads the whole body on purpose: a handler that leaves the body unread makes actix
//! close the connection after the answer, which silently loses keep-alive.

use std::net::{SocketAddr, TcpListener};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use actix_web::http::header::CONTENT_TYPE;
use actix_web::web::{self, Bytes};
use actix_web::{App, HttpResponse, HttpServer};
use calldata_model::QUERY_BASIC_CALL_INFO_PATH;
use clap::Parser;

/// The reference example of the contract, as the server's tests know it.
const REFERENCE: &[u8] =
    include_bytes!("../../../crates/calldata-model/tests/data/reference-response.json");

/// The content type the real server answers with.
const JSON: &str = "application/json;charset=UTF-8";

/// Bare actix-web ceiling for `cargo xtask bench`.
#[derive(Debug, Parser)]
struct Args {
    /// Address to listen on (port 0 picks one).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Worker threads (0: actix's default, one per core).
    #[arg(long, default_value_t = 0)]
    workers: usize,
    /// Busy-wait this many nanoseconds per request (diagnostics: how the load generator and
    /// the server share the cores as a handler costs more; `docs/performance.md`).
    #[arg(long, default_value_t = 0)]
    busy_nanos: u64,
}

#[actix_web::main]
async fn main() -> ExitCode {
    match serve(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bench-ceiling: {error:#}");
            ExitCode::FAILURE
        }
    }
}

#[allow(
    clippy::print_stdout,
    reason = "the first stdout line is the address, read by cargo xtask bench"
)]
async fn serve(args: Args) -> anyhow::Result<()> {
    let value: serde_json::Value = serde_json::from_slice(REFERENCE)?;
    let answer = Bytes::from(serde_json::to_vec(&value)?);
    let listener = TcpListener::bind(args.listen)?;
    let address = listener.local_addr()?;
    let busy = Duration::from_nanos(args.busy_nanos);
    let mut server = HttpServer::new(move || {
        let answer = answer.clone();
        App::new().route(
            QUERY_BASIC_CALL_INFO_PATH,
            web::post().to(move |body: Bytes| {
                // Reading the body keeps the connection alive; its length stops the
                // optimizer from dropping the read.
                let answer = answer.clone();
                async move {
                    std::hint::black_box(body.len());
                    if !busy.is_zero() {
                        let started = Instant::now();
                        while started.elapsed() < busy {
                            std::hint::spin_loop();
                        }
                    }
                    HttpResponse::Ok()
                        .insert_header((CONTENT_TYPE, JSON))
                        .body(answer)
                }
            }),
        )
    });
    if args.workers > 0 {
        server = server.workers(args.workers);
    }
    let server = server.listen(listener)?;
    println!("bench-ceiling listening on http://{address}");
    server.run().await?;
    Ok(())
}
