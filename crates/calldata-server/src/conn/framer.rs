//! `Framer`: follows HTTP/1.1 request framing in the bytes a peer sends, so the connection
//! layer knows where each request ends and can hand actix-http one request at a time.

use bytes::BytesMut;

use crate::conn::chunked::{ChunkScan, ChunkStep};
use crate::conn::head::{self, BodyFraming, HeadVerdict};

/// The head actix-http gets in place of a refused one: it answers 400 and closes.
pub(crate) const REFUSED_HEAD: &[u8] = b"\0";

/// Where a connection's input stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between requests (or inside a head not yet complete).
    Head,
    /// Handing over a request whose head has been inspected.
    Request { head_left: usize, body: Body },
    /// Untracked: everything is handed over as it comes (actix-http refuses the head).
    PassThrough,
    /// The refused head was handed over; nothing else will be.
    Refused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    Length(u64),
    Chunked(ChunkScan),
}

/// What to hand to actix-http next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// The first `len` bytes of the input; `completes` when they end a request.
    Bytes { len: usize, completes: bool },
    /// [`REFUSED_HEAD`] instead of the input; after it, only the end of input.
    Refused,
    /// Nothing until more input arrives.
    NeedMore,
}

/// Request framing of one connection's input.
#[derive(Debug)]
pub(crate) struct Framer {
    state: State,
    max_head: usize,
    expect_continue: bool,
}

impl Framer {
    /// A framer at the start of a connection; heads longer than `max_head` are not tracked.
    pub(crate) fn new(max_head: usize) -> Self {
        Self {
            state: State::Head,
            max_head,
            expect_continue: false,
        }
    }

    /// Whether the current request asked for `100 Continue` (its first answer is interim).
    pub(crate) fn expect_continue(&self) -> bool {
        self.expect_continue
    }

    /// Whether a refused head was handed over (the input ends there).
    pub(crate) fn is_refused(&self) -> bool {
        self.state == State::Refused
    }

    /// Stops tracking: the rest of the input is handed over as it is.
    pub(crate) fn pass_through(&mut self) {
        if self.state != State::Refused {
            self.state = State::PassThrough;
        }
    }

    /// Decides what of `input` (the bytes read and not yet handed over) goes next, at most
    /// `room` bytes. `input` may be edited (an `Upgrade` line dropped); the caller removes
    /// the bytes it hands over.
    pub(crate) fn next(&mut self, input: &mut BytesMut, room: usize) -> Delivery {
        if input.is_empty() || room == 0 {
            return Delivery::NeedMore;
        }
        if self.state == State::Head {
            match head::inspect(input, self.max_head) {
                HeadVerdict::Partial => return Delivery::NeedMore,
                HeadVerdict::PassThrough => self.state = State::PassThrough,
                HeadVerdict::Refuse => {
                    self.state = State::Refused;
                    return Delivery::Refused;
                }
                HeadVerdict::Serve {
                    head_len,
                    body,
                    expect_continue,
                } => {
                    self.expect_continue = expect_continue;
                    let body = match body {
                        BodyFraming::None => Body::Length(0),
                        BodyFraming::Length(length) => Body::Length(length),
                        BodyFraming::Chunked => Body::Chunked(ChunkScan::START),
                    };
                    self.state = State::Request {
                        head_left: head_len,
                        body,
                    };
                }
            }
        }
        let available = input.len().min(room);
        match &mut self.state {
            State::Head => Delivery::NeedMore,
            State::PassThrough => Delivery::Bytes {
                len: available,
                completes: false,
            },
            State::Refused => Delivery::Refused,
            State::Request { head_left, body } => {
                let head_part = (*head_left).min(available);
                *head_left -= head_part;
                if *head_left > 0 {
                    return Delivery::Bytes {
                        len: head_part,
                        completes: false,
                    };
                }
                let rest = &input[head_part..available];
                let (body_part, completes) = match body {
                    Body::Length(left) => {
                        let take = usize::try_from(*left).map_or(rest.len(), |l| l.min(rest.len()));
                        *left -= take as u64;
                        (take, *left == 0)
                    }
                    Body::Chunked(scan) => match scan.scan(rest) {
                        ChunkStep::More => (rest.len(), false),
                        ChunkStep::Ends(len) => (len, true),
                        ChunkStep::Invalid => {
                            self.state = State::PassThrough;
                            (rest.len(), false)
                        }
                    },
                };
                if completes {
                    self.state = State::Head;
                }
                Delivery::Bytes {
                    len: head_part + body_part,
                    completes,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `input` in pieces of `piece` bytes with `room` per delivery; returns what was
    /// handed over, split where requests completed.
    fn run(input: &[u8], piece: usize, room: usize) -> (Vec<Vec<u8>>, Vec<u8>) {
        let mut framer = Framer::new(1024);
        let mut pending = BytesMut::new();
        let mut requests = vec![Vec::new()];
        for chunk in input.chunks(piece) {
            pending.extend_from_slice(chunk);
            loop {
                match framer.next(&mut pending, room) {
                    Delivery::Bytes { len, completes } => {
                        let bytes = pending.split_to(len);
                        requests.last_mut().unwrap().extend_from_slice(&bytes);
                        if completes {
                            requests.push(Vec::new());
                        }
                    }
                    Delivery::Refused => {
                        requests.last_mut().unwrap().extend_from_slice(REFUSED_HEAD);
                        return (requests, pending.to_vec());
                    }
                    Delivery::NeedMore => break,
                }
            }
        }
        (requests, pending.to_vec())
    }

    const PIPELINE: &[u8] = b"POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}\
GET /b HTTP/1.1\r\nUpgrade: websocket\r\n\r\n\
POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n\
GET /d HTTP/1.1\r\n\r\n";

    #[test]
    fn pipelined_requests_are_split_where_they_end_however_the_bytes_arrive() {
        let expected = vec![
            b"POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}".to_vec(),
            b"GET /b HTTP/1.1\r\n\r\n".to_vec(),
            b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n".to_vec(),
            b"GET /d HTTP/1.1\r\n\r\n".to_vec(),
            Vec::new(),
        ];
        for piece in [1, 2, 7, 64, PIPELINE.len()] {
            for room in [1, 3, 4096] {
                let (requests, left) = run(PIPELINE, piece, room);
                assert_eq!(requests, expected, "piece {piece}, room {room}");
                assert!(left.is_empty());
            }
        }
    }

    #[test]
    fn a_connect_request_is_replaced_by_the_refused_head_and_nothing_follows() {
        let (requests, left) = run(
            b"GET / HTTP/1.1\r\n\r\nCONNECT a:1 HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n",
            4096,
            4096,
        );
        assert_eq!(
            requests,
            vec![b"GET / HTTP/1.1\r\n\r\n".to_vec(), REFUSED_HEAD.to_vec()]
        );
        assert!(left.starts_with(b"CONNECT"));
    }

    #[test]
    fn a_head_actix_refuses_and_everything_after_it_pass_through() {
        let input = b"POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\nGET / HTTP/1.1\r\n\r\n";
        let (requests, _) = run(input, 4096, 4096);
        assert_eq!(requests, vec![input.to_vec()]);
    }

    #[test]
    fn an_unfinished_body_is_handed_over_as_it_comes_without_completing() {
        let (requests, _) = run(
            b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc",
            4096,
            4096,
        );
        assert_eq!(
            requests,
            vec![b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc".to_vec()]
        );
    }
}
