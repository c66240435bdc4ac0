//! `SigningKeyCache`: the last few signing keys derived, so that the requests one access key
//! signs with the same timestamp share one derivation.
//!
//! A signing key depends only on the SK and the prefix `auth-v2/{AK}/{timestamp}/{signedHeaders}`;
//! a client signing many requests per second, and a server verifying them, derive the same
//! key again and again. The cache keeps the MAC already keyed with it (two SHA-256 blocks
//! fewer per use, on top of the derivation's four or five). A cache belongs to one set of
//! keys: the prefix names the AK, not the SK, so a cache must not outlive a change of SK.

use hmac::Hmac;
use sha2::Sha256;

use super::sign::{mac_for, signing_key};

/// How many prefixes a default cache holds.
const DEFAULT_CAPACITY: usize = 8;

/// Recently derived signing keys, as MACs keyed with them, by prefix.
#[derive(Clone)]
pub struct SigningKeyCache {
    slots: Vec<Slot>,
    capacity: usize,
    next: usize,
}

#[derive(Clone)]
struct Slot {
    prefix: String,
    mac: Hmac<Sha256>,
}

impl SigningKeyCache {
    /// A cache of at most `capacity` prefixes; `0` disables caching.
    pub fn new(capacity: usize) -> Self {
        Self {
            slots: Vec::new(),
            capacity,
            next: 0,
        }
    }

    /// How many prefixes the cache holds now.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// A MAC keyed with the signing key of `prefix` under `secret`, derived on a miss; the
    /// oldest prefix makes room when the cache is full.
    pub(super) fn keyed_mac(&mut self, secret: &[u8], prefix: &str) -> Hmac<Sha256> {
        if let Some(slot) = self.slots.iter().find(|slot| slot.prefix == prefix) {
            return slot.mac.clone();
        }
        let mac = mac_for(&signing_key(secret, prefix));
        if self.capacity == 0 {
            return mac;
        }
        if self.slots.len() < self.capacity {
            self.slots.push(Slot {
                prefix: prefix.to_owned(),
                mac: mac.clone(),
            });
        } else if let Some(slot) = self.slots.get_mut(self.next) {
            slot.prefix.clear();
            slot.prefix.push_str(prefix);
            slot.mac = mac.clone();
            self.next = (self.next + 1) % self.capacity;
        }
        mac
    }
}

impl Default for SigningKeyCache {
    /// Eight prefixes: a few access keys, each across a second boundary.
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

impl std::fmt::Debug for SigningKeyCache {
    /// Shows the size only: the keyed MACs are derived from secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyCache")
            .field("len", &self.slots.len())
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use hmac::Mac;

    use super::*;

    fn tag(mut mac: Hmac<Sha256>) -> Vec<u8> {
        mac.update(b"canonical request");
        mac.finalize().into_bytes().to_vec()
    }

    #[test]
    fn a_cached_key_signs_like_a_fresh_one() {
        let mut cache = SigningKeyCache::default();
        let fresh = tag(mac_for(&signing_key(b"sk", "auth-v2/ak/t/host")));
        assert_eq!(tag(cache.keyed_mac(b"sk", "auth-v2/ak/t/host")), fresh);
        assert_eq!(tag(cache.keyed_mac(b"sk", "auth-v2/ak/t/host")), fresh);
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn the_oldest_prefix_makes_room() {
        let mut cache = SigningKeyCache::new(2);
        for prefix in ["a", "b", "c"] {
            cache.keyed_mac(b"sk", prefix);
        }
        assert_eq!(cache.len(), 2);
        assert!(cache.slots.iter().all(|slot| slot.prefix != "a"));
        assert_eq!(
            tag(cache.keyed_mac(b"sk", "a")),
            tag(mac_for(&signing_key(b"sk", "a")))
        );
    }

    #[test]
    fn capacity_zero_caches_nothing() {
        let mut cache = SigningKeyCache::new(0);
        cache.keyed_mac(b"sk", "a");
        assert!(cache.is_empty());
    }
}
