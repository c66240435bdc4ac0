//! Request IDs: an incoming `X-Request-ID` is honoured by the request log when it is sane;
//! otherwise one is made here, unique within the process and cheap to make on the hot
//! path.

use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::http::header::HeaderValue;

use crate::metrics::{Padded, SHARDS, Shard};

/// Makes request IDs: a random per-process prefix and a counter, counted per metrics shard
/// (each worker counts on its own cache line) and interleaved: shard `s` hands out
/// `s`, `s + 16`, `s + 32`, ... so the IDs stay unique within the process.
#[derive(Debug)]
pub struct RequestIds {
    prefix: u32,
    next: [Padded<AtomicU64>; SHARDS],
}

impl RequestIds {
    /// A generator with a random prefix.
    pub fn new() -> Self {
        let mut bytes = [0u8; 4];
        // Without randomness the prefix is 0: IDs stay unique within the process.
        let _ = getrandom::fill(&mut bytes);
        Self::starting_at(u32::from_le_bytes(bytes), 0)
    }

    /// A generator with this prefix whose every shard starts at its `first`th ID.
    fn starting_at(prefix: u32, first: u64) -> Self {
        Self {
            prefix,
            next: std::array::from_fn(|_| Padded(AtomicU64::new(first))),
        }
    }

    #[cfg(test)]
    fn make(&self, shard: Shard) -> String {
        self.header(shard).to_str().unwrap_or_default().to_owned()
    }

    /// A new ID from `shard`, `{prefix:08x}-{counter:010x}`, as a header value.
    pub fn header(&self, shard: Shard) -> HeaderValue {
        let Some(Padded(next)) = self.next.get(shard.index()) else {
            return HeaderValue::from_static("");
        };
        let sequence = next.fetch_add(1, Ordering::Relaxed);
        let counter = sequence
            .wrapping_mul(SHARDS as u64)
            .wrapping_add(shard.index() as u64);
        if counter >> 40 != 0 {
            // Past 16^10 IDs the counter needs more than ten digits.
            let text = format!("{:08x}-{counter:010x}", self.prefix);
            return HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static(""));
        }
        let mut id = [b'-'; 19];
        write_hex(&mut id[..8], u64::from(self.prefix));
        write_hex(&mut id[9..], counter);
        HeaderValue::from_bytes(&id).unwrap_or(HeaderValue::from_static(""))
    }
}

/// Writes `value` as lower-case hex filling `out` (leading zeros; higher digits dropped).
fn write_hex(out: &mut [u8], mut value: u64) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for slot in out.iter_mut().rev() {
        #[allow(clippy::cast_possible_truncation, reason = "masked to 4 bits")]
        let digit = (value & 0xf) as usize;
        *slot = DIGITS[digit];
        value >>= 4;
    }
}

impl Default for RequestIds {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_unique_across_shards_and_share_the_process_prefix() {
        let ids = RequestIds::new();
        let mut seen = std::collections::HashSet::new();
        for round in 0..3 {
            for worker in 0..SHARDS + 2 {
                let id = ids.make(Shard::of_worker(worker));
                assert!(seen.insert(id.clone()), "{id} twice (round {round})");
            }
        }
        let prefixes: std::collections::HashSet<_> =
            seen.iter().map(|id| id[..8].to_owned()).collect();
        assert_eq!(prefixes.len(), 1, "{prefixes:?}");
    }

    #[test]
    fn request_ids_are_hex_with_a_fixed_shape() {
        let ids = RequestIds::starting_at(0xdead_beef, 0xab);
        assert_eq!(ids.make(Shard::default()), "deadbeef-0000000ab0");
        assert_eq!(ids.make(Shard::of_worker(1)), "deadbeef-0000000ab1");
        assert_eq!(ids.make(Shard::default()), "deadbeef-0000000ac0");
        let far = RequestIds::starting_at(1, 1 << 40);
        assert_eq!(far.make(Shard::of_worker(3)), "00000001-100000000003");
    }
}
