//! The server: actix-server accepts on our listener; each connection is admitted by its
//! worker's registry, goes through the TLS handshake when there is one, and reaches
//! actix-http's HTTP/1.1 dispatcher through `GuardedIo` (`io.rs`).

use std::future::poll_fn;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use actix_http::{HttpService, Protocol, Request, Response};
use actix_service::{
    IntoServiceFactory, Service, ServiceFactory, ServiceFactoryExt as _, fn_factory, fn_service,
    map_config,
};
use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{AppConfig, Server};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use crate::conn::io::{GuardedIo, Transport};
use crate::conn::limits::{ConnStats, Limits};
use crate::conn::registry::{Closable, Phase, WorkerConns};

/// Time a closing connection gets to send its last bytes (actix-web's default).
const DISCONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// How the server runs.
#[derive(Debug)]
pub struct ServeOptions {
    /// Worker threads; 0 means one per core.
    pub workers: usize,
    /// The TLS configuration, or `None` for plain HTTP.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Time an idle keep-alive connection stays open.
    pub keep_alive: Duration,
    /// Time the first request head gets (actix-http answers 408 past it).
    pub client_request_timeout: Duration,
    /// Seconds in-flight requests get on shutdown.
    pub shutdown_timeout_secs: u64,
    /// The connection limits.
    pub limits: Arc<Limits>,
    /// The connection counts.
    pub stats: Arc<ConnStats>,
}

/// Serves `app` (an actix-web application factory, called once per worker) on `listener`.
pub fn serve<F, I, S, B>(listener: TcpListener, app: F, options: ServeOptions) -> io::Result<Server>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig> + 'static,
    S::Error: Into<Error> + 'static,
    S::InitError: std::fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    <S::Service as Service<Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    let address = listener.local_addr()?;
    listener.set_nonblocking(true)?;
    let ServeOptions {
        workers,
        tls,
        keep_alive,
        client_request_timeout,
        shutdown_timeout_secs,
        limits,
        stats,
    } = options;
    let mut builder = actix_server::Server::build()
        // Per worker; the registry's limit for the whole process is the one that decides.
        .max_concurrent_connections(limits.max_connections + 1)
        .shutdown_timeout(shutdown_timeout_secs);
    if workers > 0 {
        builder = builder.workers(workers);
    }
    let shutdown = builder.graceful_shutdown_signal();
    let tls = tls.map(TlsAcceptor::from);
    let host = address.to_string();
    let builder = builder.listen("calldata", listener, move || {
        let secure = tls.is_some();
        let shutdown = shutdown.clone();
        let mut http = HttpService::build()
            .keep_alive(keep_alive)
            .client_request_timeout(client_request_timeout)
            .client_disconnect_timeout(DISCONNECT_TIMEOUT)
            .local_addr(address)
            .graceful_shutdown_signal(move || {
                let shutdown = shutdown.clone();
                async move { shutdown.notified().await }
            });
        if secure {
            http = http.secure();
        }
        let host = host.clone();
        let application = app()
            .into_factory()
            .map_err(|error| error.into().error_response());
        let http = http.finish(map_config(application, move |()| {
            AppConfig::__priv_test_new(secure, host.clone(), address)
        }));
        let worker = WorkerConns::new(limits.clone(), stats.clone());
        let tls = tls.clone();
        fn_factory(move || {
            let handler = http.new_service(());
            let worker = worker.clone();
            let tls = tls.clone();
            async move {
                let handler = Rc::new(handler.await?);
                worker.start_sweeper();
                Ok::<_, ()>(fn_service(move |tcp: TcpStream| {
                    connection(tcp, handler.clone(), worker.clone(), tls.clone())
                }))
            }
        })
    })?;
    Ok(builder.run())
}

/// One connection, from admission to close.
async fn connection<H>(
    tcp: TcpStream,
    http: Rc<H>,
    worker: Rc<WorkerConns>,
    tls: Option<TlsAcceptor>,
) -> Result<(), ()>
where
    H: Service<(GuardedIo, Protocol, Option<SocketAddr>)>,
{
    let Some(admitted) = worker.admit(tls.is_some()) else {
        return Ok(());
    };
    let peer = tcp.peer_addr().ok();
    // Answers are small and written whole: send them at once.
    let _ = tcp.set_nodelay(true);
    if let Some(bytes) = worker.send_buffer() {
        let _ = socket2::SockRef::from(&tcp).set_send_buffer_size(bytes);
    }
    let conn = admitted.conn.clone();
    Closable::new(conn.clone(), async move {
        let transport = match tls {
            None => Transport::Plain(tcp),
            Some(acceptor) => {
                // A peer that never sends a byte costs its socket and this future, not a
                // TLS session.
                if tcp.readable().await.is_err() {
                    return;
                }
                worker.start_handshake(&conn);
                match acceptor.accept(tcp).await {
                    Ok(stream) => Transport::Tls(Box::new(stream)),
                    Err(_) => return,
                }
            }
        };
        worker.handshake_over(&conn);
        conn.enter(Phase::Idle);
        if poll_fn(|cx| http.poll_ready(cx)).await.is_err() {
            return;
        }
        let io = GuardedIo::new(transport, conn);
        let _ = http.call((io, Protocol::Http1, peer)).await;
    })
    .await;
    drop(admitted);
    Ok(())
}
