//! `normalize(s)` of the contract: keep `A-Z a-z 0-9 - . _ ~`, write every other byte `%XX`.

use super::canonical::Sink;

/// Whether a byte is written as itself.
const fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// [`is_unreserved`] for every byte, looked up instead of computed on the hot path.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        #[allow(clippy::cast_possible_truncation, reason = "b < 256")]
        let byte = b as u8;
        table[b] = is_unreserved(byte);
        b += 1;
    }
    table
};

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Normalizes `bytes` into a new string.
pub fn normalize(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len() * 3);
    normalize_into(bytes, &mut out);
    // Only ASCII is ever written.
    String::from_utf8(out).unwrap_or_default()
}

/// Streams the normalized form of `bytes` into `sink`, in chunks, without allocating.
///
/// Input is taken 85 bytes at a time, so that even all-escaped output (3 bytes each) fits
/// the buffer without a check per byte.
pub(super) fn normalize_into(bytes: &[u8], sink: &mut impl Sink) {
    const CHUNK: usize = 85;
    let mut buffer = [0u8; CHUNK * 3];
    for chunk in bytes.chunks(CHUNK) {
        let mut used = 0;
        for &b in chunk {
            if UNRESERVED[usize::from(b)] {
                buffer[used] = b;
                used += 1;
            } else {
                buffer[used] = b'%';
                buffer[used + 1] = HEX_UPPER[usize::from(b >> 4)];
                buffer[used + 2] = HEX_UPPER[usize::from(b & 0x0f)];
                used += 3;
            }
        }
        sink.put(&buffer[..used]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_unreserved_and_escapes_the_rest_upper_case() {
        assert_eq!(normalize(b"aZ09-._~"), "aZ09-._~");
        assert_eq!(normalize(b"a b/=&:;"), "a%20b%2F%3D%26%3A%3B");
        assert_eq!(normalize("é".as_bytes()), "%C3%A9");
        assert_eq!(normalize(&[0x00, 0xff]), "%00%FF");
    }

    #[test]
    fn long_inputs_cross_chunk_boundaries_intact() {
        let input: Vec<u8> = (0..2000u32)
            .map(|i| u8::try_from(i % 256).unwrap())
            .collect();
        let expected: String = input
            .iter()
            .map(|&b| {
                if is_unreserved(b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        assert_eq!(normalize(&input), expected);
    }
}
