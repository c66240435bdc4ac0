//! One accepted connection: HTTP/1.1 keep-alive served by hyper, resettable on demand.

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;

use crate::service;
use crate::state::Shared;

/// A request, made by a handler, to drop its connection with a TCP RST.
#[derive(Debug, Default)]
pub(crate) struct ResetSignal {
    /// Set once a reset is requested; read when the socket is dropped.
    requested: AtomicBool,
    /// Wakes the connection task so that it drops the connection.
    wake: Notify,
}

impl ResetSignal {
    /// Asks for the connection to be reset now.
    pub(crate) fn request(&self) {
        self.requested.store(true, Ordering::SeqCst);
        // `notify_one` keeps a permit if the connection task is not waiting yet.
        self.wake.notify_one();
    }
}

/// A TCP stream that, when dropped after a reset request, closes with RST instead of FIN.
///
/// `SO_LINGER 0` is set only at that moment: set on every socket, it would also discard
/// answers still in the send buffer when a client asks for `Connection: close`.
#[derive(Debug)]
struct ResettableStream {
    /// The socket.
    inner: TcpStream,
    /// Whether to reset on drop.
    signal: Arc<ResetSignal>,
}

impl Drop for ResettableStream {
    fn drop(&mut self) {
        if self.signal.requested.load(Ordering::SeqCst) {
            // Linger 0: closing the socket sends RST. If the call fails the client sees a FIN,
            // which is still a connection closed without an answer.
            let _ = socket2::SockRef::from(&self.inner).set_linger(Some(Duration::ZERO));
        }
    }
}

impl AsyncRead for ResettableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Serves one connection until the client closes it, a handler resets it, or the task is
/// aborted (emulator stopped); dropping it closes the socket.
pub(crate) async fn serve(stream: TcpStream, shared: Arc<Shared>) {
    // Small answers should leave at once; a failure here only costs latency.
    let _ = stream.set_nodelay(true);
    let signal = Arc::new(ResetSignal::default());
    let io = TokioIo::new(ResettableStream {
        inner: stream,
        signal: Arc::clone(&signal),
    });
    let handler_signal = Arc::clone(&signal);
    let service = service_fn(move |request| {
        let shared = Arc::clone(&shared);
        let signal = Arc::clone(&handler_signal);
        async move { Ok::<_, Infallible>(service::handle(&shared, &signal, request).await) }
    });
    let connection = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(io, service);
    tokio::select! {
        // A client that goes away or sends garbage just ends the connection.
        _ = connection => {}
        () = signal.wake.notified() => {}
    }
}
