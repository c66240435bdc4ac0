//! `GuardedIo`: the stream actix-http reads and writes. It hands over one request at a
//! time (the next only once the answer to this one is written), stops reading while an
//! answer cannot be written, and tells the registry what the connection is doing, which is
//! what the deadlines and the shedding go by.

use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;

use crate::conn::framer::{Delivery, Framer, REFUSED_HEAD};
use crate::conn::limits::MAX_TRACKED_HEAD;
use crate::conn::registry::{Conn, Phase};

/// Bytes read from the socket at a time.
const READ_SIZE: usize = 8 * 1024;

/// A client connection, plain or over TLS.
#[derive(Debug)]
pub(crate) enum Transport {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Transport {
    #[inline]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(stream) => Pin::new(stream).poll_read(cx, buf),
            Self::Tls(stream) => Pin::new(stream.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Transport {
    #[inline]
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(stream) => Pin::new(stream).poll_write(cx, bytes),
            Self::Tls(stream) => Pin::new(stream.as_mut()).poll_write(cx, bytes),
        }
    }

    #[inline]
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(stream) => Pin::new(stream).poll_flush(cx),
            Self::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(cx),
        }
    }

    #[inline]
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(stream) => Pin::new(stream).poll_shutdown(cx),
            Self::Tls(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
        }
    }
}

/// The guarded stream of one connection.
#[derive(Debug)]
pub(crate) struct GuardedIo {
    transport: Transport,
    conn: Rc<Conn>,
    framer: Framer,
    /// Bytes read from the socket and not yet handed over.
    input: BytesMut,
    /// The peer closed its side: what is left in `input` is all there is.
    eof: bool,
    /// Bytes were written since the last flush.
    wrote: bool,
    /// The current request was answered before it was all in (a refusal): when it is
    /// complete, the next one may come at once.
    answered_early: bool,
}

impl GuardedIo {
    pub(crate) fn new(transport: Transport, conn: Rc<Conn>) -> Self {
        Self {
            transport,
            conn,
            framer: Framer::new(MAX_TRACKED_HEAD),
            input: BytesMut::new(),
            eof: false,
            wrote: false,
            answered_early: false,
        }
    }

    fn closed_error(&self) -> Option<io::Error> {
        self.conn
            .closed()
            .map(|reason| io::Error::new(io::ErrorKind::TimedOut, reason.label()))
    }

    fn request_complete(&mut self) {
        if self.answered_early {
            self.answered_early = false;
            self.conn.enter(Phase::Idle);
        } else {
            self.conn.enter(Phase::Answering);
        }
    }

    /// Whether the next request can be handed over at once: bytes of it are already here,
    /// or the socket has some. Otherwise the socket's read is now pending, so the next
    /// bytes wake the connection without a turn of actix-http for nothing.
    fn next_request_waiting(&mut self, cx: &mut Context<'_>) -> bool {
        if !self.input.is_empty() || self.eof {
            return true;
        }
        match self.poll_fill(cx) {
            Poll::Pending => false,
            Poll::Ready(Ok(())) => true,
            Poll::Ready(Err(_)) => {
                // The connection is broken: actix-http gets the end of input and closes.
                self.eof = true;
                true
            }
        }
    }

    /// Reads more from the socket into `input`.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.input.capacity() - self.input.len() < READ_SIZE / 2 {
            self.input.reserve(READ_SIZE);
        }
        let read =
            tokio_util::io::poll_read_buf(Pin::new(&mut self.transport), cx, &mut self.input);
        match read {
            Poll::Ready(Ok(0)) => {
                self.eof = true;
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Ok(_)) => {
                if self.conn.phase() == Phase::Idle {
                    self.conn.enter(Phase::Reading);
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncRead for GuardedIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if let Some(error) = this.closed_error() {
                return Poll::Ready(Err(error));
            }
            if this.framer.is_refused() {
                // After the refused head, the end of input: actix-http answers and closes.
                return Poll::Ready(Ok(()));
            }
            if this.conn.phase() == Phase::Answering {
                // The next request waits for this answer; the flush that ends it wakes us.
                return Poll::Pending;
            }
            if !this.input.is_empty() && this.conn.phase() == Phase::Idle {
                this.conn.enter(Phase::Reading);
            }
            match this.framer.next(&mut this.input, out.remaining()) {
                Delivery::Bytes { len, completes } => {
                    out.put_slice(&this.input[..len]);
                    this.input.advance(len);
                    if completes {
                        this.request_complete();
                    }
                    return Poll::Ready(Ok(()));
                }
                Delivery::Refused => {
                    out.put_slice(REFUSED_HEAD);
                    return Poll::Ready(Ok(()));
                }
                Delivery::NeedMore if this.eof => {
                    if this.input.is_empty() {
                        return Poll::Ready(Ok(()));
                    }
                    // A head cut short by the end of input: actix-http sees it as it is.
                    this.framer.pass_through();
                }
                Delivery::NeedMore => {
                    if this.conn.write_blocked() {
                        return Poll::Pending;
                    }
                    std::task::ready!(this.poll_fill(cx))?;
                }
            }
        }
    }
}

impl AsyncWrite for GuardedIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Some(error) = this.closed_error() {
            return Poll::Ready(Err(error));
        }
        let written = Pin::new(&mut this.transport).poll_write(cx, bytes);
        match written {
            Poll::Ready(Ok(n)) => {
                this.wrote |= n > 0;
                Poll::Ready(Ok(n))
            }
            Poll::Pending => {
                this.conn.set_write_blocked();
                Poll::Pending
            }
            error @ Poll::Ready(Err(_)) => error,
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(error) = this.closed_error() {
            return Poll::Ready(Err(error));
        }
        let flushed = Pin::new(&mut this.transport).poll_flush(cx);
        match flushed {
            Poll::Ready(Ok(())) => {}
            Poll::Pending => {
                this.conn.set_write_blocked();
                return Poll::Pending;
            }
            error @ Poll::Ready(Err(_)) => return error,
        }
        // actix-http flushes once everything it had to write was accepted.
        let was_blocked = this.conn.write_blocked();
        this.conn.write_drained();
        let mut read_again = was_blocked;
        if std::mem::take(&mut this.wrote) {
            match this.conn.phase() {
                Phase::Answering => {
                    this.conn.enter(Phase::Idle);
                    read_again |= this.next_request_waiting(cx);
                }
                Phase::Reading if !this.framer.expect_continue() => this.answered_early = true,
                _ => {}
            }
        }
        if read_again {
            // actix-http reads before it writes in each turn: have it turn once more.
            cx.waker().wake_by_ref();
        }
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().transport).poll_shutdown(cx)
    }
}
