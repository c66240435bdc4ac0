//! The end of a chunked request body, found byte by byte with the same grammar as
//! actix-http's chunked decoder, so that both agree on where a request ends.

/// Where the scanner stands in a chunked body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChunkScan {
    SizeFirst,
    SizeRest { size: u64 },
    SizeLws { size: u64 },
    Extension { size: u64 },
    SizeLf { size: u64 },
    Data { left: u64 },
    DataCr,
    DataLf,
    Trailer,
    TrailerLf,
    EndCr,
    EndLf,
}

/// What one scan found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChunkStep {
    /// Every byte given belongs to the body, which goes on.
    More,
    /// The body ends after this many of the bytes given.
    Ends(usize),
    /// The body breaks the grammar (actix-http refuses it too).
    Invalid,
}

impl ChunkScan {
    /// The state at the start of a chunked body.
    pub(crate) const START: Self = Self::SizeFirst;

    /// Scans `bytes`, the next bytes of the body; data bytes are skipped in bulk.
    pub(crate) fn scan(&mut self, bytes: &[u8]) -> ChunkStep {
        let mut at = 0;
        while at < bytes.len() {
            if let Self::Data { left } = *self {
                let available = (bytes.len() - at) as u64;
                if left > available {
                    *self = Self::Data {
                        left: left - available,
                    };
                    return ChunkStep::More;
                }
                // `left` is at most `available`, a slice length.
                at += usize::try_from(left).unwrap_or(usize::MAX);
                *self = Self::DataCr;
                continue;
            }
            let byte = bytes[at];
            at += 1;
            let Some(next) = self.step(byte) else {
                return ChunkStep::Invalid;
            };
            if next == Self::SizeFirst && *self == Self::EndLf {
                return ChunkStep::Ends(at);
            }
            *self = next;
        }
        ChunkStep::More
    }

    /// The state after one byte (`SizeFirst` again after the final LF), `None` when invalid.
    fn step(self, byte: u8) -> Option<Self> {
        Some(match self {
            Self::SizeFirst => Self::SizeRest {
                size: u64::from(hex(byte)?),
            },
            Self::SizeRest { size } => match byte {
                b'\t' | b' ' => Self::SizeLws { size },
                b';' => Self::Extension { size },
                b'\r' => Self::SizeLf { size },
                _ => Self::SizeRest {
                    size: size.checked_mul(16)?.checked_add(u64::from(hex(byte)?))?,
                },
            },
            Self::SizeLws { size } => match byte {
                b'\t' | b' ' => Self::SizeLws { size },
                b';' => Self::Extension { size },
                b'\r' => Self::SizeLf { size },
                _ => return None,
            },
            Self::Extension { size } => match byte {
                b'\r' => Self::SizeLf { size },
                0x00..=0x08 | 0x0a..=0x1f | 0x7f => return None,
                _ => Self::Extension { size },
            },
            Self::SizeLf { size } => match byte {
                b'\n' if size == 0 => Self::EndCr,
                b'\n' => Self::Data { left: size },
                _ => return None,
            },
            // `scan` skips data bytes in bulk; they never come here.
            Self::Data { .. } => self,
            Self::DataCr => (byte == b'\r').then_some(Self::DataLf)?,
            Self::DataLf | Self::EndLf => (byte == b'\n').then_some(Self::SizeFirst)?,
            Self::Trailer => {
                if byte == b'\r' {
                    Self::TrailerLf
                } else {
                    Self::Trailer
                }
            }
            Self::TrailerLf => (byte == b'\n').then_some(Self::EndCr)?,
            Self::EndCr => {
                if byte == b'\r' {
                    Self::EndLf
                } else {
                    Self::Trailer
                }
            }
        })
    }
}

fn hex(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_all(parts: &[&[u8]]) -> (ChunkStep, usize) {
        let mut scan = ChunkScan::START;
        let mut offset = 0;
        for part in parts {
            match scan.scan(part) {
                ChunkStep::More => offset += part.len(),
                ChunkStep::Ends(n) => return (ChunkStep::Ends(n), offset + n),
                ChunkStep::Invalid => return (ChunkStep::Invalid, offset),
            }
        }
        (ChunkStep::More, offset)
    }

    #[test]
    fn finds_the_end_of_a_body_in_one_piece_and_byte_by_byte() {
        let body =
            b"5\r\nhello\r\n1a;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\nGET / HTTP/1.1";
        let end = body.len() - b"GET / HTTP/1.1".len();
        assert_eq!(scan_all(&[body]).1, end);
        let bytes: Vec<&[u8]> = body.chunks(1).collect();
        assert_eq!(scan_all(&bytes).1, end);
    }

    #[test]
    fn trailers_and_spaces_after_the_size_are_part_of_the_body() {
        let body = b"3 \r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\nnext";
        assert_eq!(
            scan_all(&[body]),
            (ChunkStep::Ends(body.len() - 4), body.len() - 4)
        );
    }

    #[test]
    fn an_unfinished_body_asks_for_more() {
        assert_eq!(scan_all(&[b"10\r\nabc"]).0, ChunkStep::More);
        assert_eq!(scan_all(&[b"0\r\n"]).0, ChunkStep::More);
    }

    #[test]
    fn grammar_errors_are_invalid() {
        for body in [
            &b"x\r\n"[..],
            b"5\n",
            b"3\r\nabcX",
            b"ffffffffffffffffff\r\n",
            b"3 4\r\n",
            b"0\r\n\r\r",
        ] {
            assert_eq!(scan_all(&[body]).0, ChunkStep::Invalid, "{body:?}");
        }
    }
}
