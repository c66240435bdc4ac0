//! `SigningKeyCache`: the last few signing keys derived, so that the requests one access key
//! signs with the same timestamp share one derivation.
//!
//! A signing key depends only on the SK and the prefix `auth-v2/{AK}/{timestamp}/{signedHeaders}`;
//! a client signing many requests per second, and a server verifying them, derive the same
//! key again and again. The cache keeps the MAC already keyed with it (two SHA-256 blocks
//! fewer per use, on top of the derivation's four or five). An entry is used only for the
//! same prefix *and* the same secret (compared in constant time), so a changed SK, a key
//! that was unknown when its prefix was first seen (checked against the decoy secret), or
//! a cache shared between key sets never verifies with a stale key.
//!
//! A hit is faster than a miss: someone who sends a prefix can tell whether that prefix
//! (access key and second) was verified recently on the same worker. Known and unknown
//! access keys are cached alike, so this does not tell which keys exist.

use hmac::Hmac;
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::sign::{mac_for, signing_key};

/// How many prefixes a default cache holds.
const DEFAULT_CAPACITY: usize = 8;

/// Recently derived signing keys, as MACs keyed with them, by prefix and secret.
pub struct SigningKeyCache {
    slots: Vec<Slot>,
    capacity: usize,
    next: usize,
}

struct Slot {
    prefix: String,
    /// The secret the key was derived from (zeroed on drop).
    secret: SecretSlice<u8>,
    mac: Hmac<Sha256>,
}

impl Slot {
    fn holds(&self, secret: &[u8], prefix: &str) -> bool {
        self.prefix == prefix && bool::from(self.secret.expose_secret().ct_eq(secret))
    }
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
    /// oldest entry makes room when the cache is full.
    pub(super) fn keyed_mac(&mut self, secret: &[u8], prefix: &str) -> Hmac<Sha256> {
        if let Some(slot) = self.slots.iter().find(|slot| slot.holds(secret, prefix)) {
            return slot.mac.clone();
        }
        let mac = mac_for(&signing_key(secret, prefix));
        if self.capacity == 0 {
            return mac;
        }
        let slot = Slot {
            prefix: prefix.to_owned(),
            secret: SecretSlice::from(secret.to_vec()),
            mac: mac.clone(),
        };
        if self.slots.len() < self.capacity {
            self.slots.push(slot);
        } else if let Some(oldest) = self.slots.get_mut(self.next) {
            *oldest = slot;
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
    fn the_same_prefix_under_another_secret_is_derived_again() {
        let mut cache = SigningKeyCache::default();
        let prefix = "auth-v2/ak/2024-01-02T03:04:05Z/host";
        // First seen while the key was unknown (the decoy secret), then with the real SK,
        // then after the SK changed: each gets its own key.
        for secret in [&b"decoy"[..], b"sk", b"new-sk", b"sk"] {
            assert_eq!(
                tag(cache.keyed_mac(secret, prefix)),
                tag(mac_for(&signing_key(secret, prefix))),
                "{secret:?}"
            );
        }
        assert_eq!(cache.len(), 3);
    }

    #[test]
    fn capacity_zero_caches_nothing() {
        let mut cache = SigningKeyCache::new(0);
        cache.keyed_mac(b"sk", "a");
        assert!(cache.is_empty());
    }
}
