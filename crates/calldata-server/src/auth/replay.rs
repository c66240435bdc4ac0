//! `Replays`: the signatures already used, so that a captured sandbox change cannot be sent
//! again and a replayed query is charged to the address replaying it.
//!
//! A signature is accepted only while its timestamp is within the clock-skew window of the
//! server clock, so a signature needs remembering only until then: until its timestamp plus
//! the window. Two tables, each bounded by `replay.max_signatures`:
//!
//! - **Sandbox changes** (`POST`, `PUT`, `DELETE`) are refused when their signature was seen.
//!   The table never forgets a live signature: when it is full of them, a new change is
//!   refused (429) until the oldest expires, since forgetting one would let it be replayed.
//! - **Queries** stay replayable within the window. With the rate limit on, a query whose
//!   signature was seen is charged to the replaying address instead of the key. This table
//!   is a cache: when it is full an older signature may be dropped, and its next replay is
//!   charged to the key, as without the table.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use moka::sync::Cache;

/// A signature's value: the 32 bytes of its HMAC-SHA256.
pub type Signature = [u8; 32];

/// What the sandbox-change table says of a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstUse {
    /// Not seen before; now recorded.
    Fresh,
    /// Seen before: a replay.
    Replayed,
    /// The table is full of live signatures; the oldest expires after this wait.
    Full(Duration),
}

/// The signatures seen within the clock-skew window.
#[derive(Debug)]
pub struct Replays {
    changes: Mutex<ChangeTable>,
    /// Present only with the rate limit on: without it a replayed query costs nothing to
    /// tell apart, so nothing is recorded.
    queries: Option<Cache<Signature, ()>>,
    window: Duration,
}

impl Replays {
    /// Tables of at most `max_signatures` each, for signatures valid within `window` of the
    /// server clock; the query table only when `track_queries` (the rate limit is on).
    pub fn new(max_signatures: usize, window: Duration, track_queries: bool) -> Self {
        let queries = track_queries.then(|| {
            Cache::builder()
                .max_capacity(u64::try_from(max_signatures).unwrap_or(u64::MAX))
                // A signature dated up to one window ahead stays valid for two windows.
                .time_to_live(window.saturating_mul(2))
                .build()
        });
        Self {
            changes: Mutex::new(ChangeTable::new(max_signatures)),
            queries,
            window,
        }
    }

    /// Records the signature of a sandbox change signed at `signed_at`, unless it was seen.
    pub fn first_use(
        &self,
        signature: Signature,
        signed_at: SystemTime,
        now: SystemTime,
    ) -> FirstUse {
        let expires = millis(signed_at.checked_add(self.window).unwrap_or(signed_at));
        self.changes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .first_use(signature, expires, millis(now))
    }

    /// Forgets a change's signature again: the change was refused before it did anything
    /// (its key's rate limit), so the caller may send it again.
    pub fn forget(&self, signature: &Signature) {
        self.changes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .expires
            .remove(signature);
    }

    /// Whether a query's signature was seen before (it is recorded now if not); always
    /// `false` when queries are not tracked.
    pub fn query_seen(&self, signature: Signature) -> bool {
        self.queries
            .as_ref()
            .is_some_and(|seen| !seen.entry(signature).or_insert(()).is_fresh())
    }
}

/// Signatures of sandbox changes and when each stops being valid (ms since the epoch).
#[derive(Debug)]
struct ChangeTable {
    expires: HashMap<Signature, u64, foldhash::fast::RandomState>,
    max: usize,
    /// No entry expires before this, so a sweep before it would free nothing.
    next_expiry: u64,
}

impl ChangeTable {
    fn new(max: usize) -> Self {
        Self {
            expires: HashMap::default(),
            max,
            next_expiry: 0,
        }
    }

    fn first_use(&mut self, signature: Signature, expires: u64, now: u64) -> FirstUse {
        if let Some(&until) = self.expires.get(&signature) {
            if until >= now {
                return FirstUse::Replayed;
            }
            // Expired: the signature is no longer valid, so the verifier refused it already;
            // reaching here means the clock moved. Treat it as new.
            self.expires.remove(&signature);
        }
        if self.expires.len() >= self.max {
            if now >= self.next_expiry {
                self.sweep(now);
            }
            if self.expires.len() >= self.max {
                return FirstUse::Full(Duration::from_millis(
                    self.next_expiry.saturating_sub(now).max(1),
                ));
            }
        }
        self.next_expiry = if self.expires.is_empty() {
            expires
        } else {
            self.next_expiry.min(expires)
        };
        self.expires.insert(signature, expires);
        FirstUse::Fresh
    }

    /// Drops the expired signatures; a full scan, run only when the table is full and some
    /// entry may have expired.
    fn sweep(&mut self, now: u64) {
        self.expires.retain(|_, until| *until >= now);
        self.next_expiry = self.expires.values().copied().min().unwrap_or(u64::MAX);
    }
}

fn millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_secs(900);

    fn signature(n: u8) -> Signature {
        [n; 32]
    }

    #[test]
    fn a_change_is_fresh_once_then_replayed_until_its_window_ends() {
        let replays = Replays::new(10, WINDOW, false);
        let now = SystemTime::now();
        assert_eq!(replays.first_use(signature(1), now, now), FirstUse::Fresh);
        assert_eq!(
            replays.first_use(signature(1), now, now),
            FirstUse::Replayed
        );
        let later = now + WINDOW - Duration::from_secs(1);
        assert_eq!(
            replays.first_use(signature(1), now, later),
            FirstUse::Replayed
        );
        assert_eq!(replays.first_use(signature(2), now, now), FirstUse::Fresh);
    }

    #[test]
    fn a_forgotten_change_may_be_sent_again() {
        let replays = Replays::new(10, WINDOW, false);
        let now = SystemTime::now();
        assert_eq!(replays.first_use(signature(1), now, now), FirstUse::Fresh);
        replays.forget(&signature(1));
        assert_eq!(replays.first_use(signature(1), now, now), FirstUse::Fresh);
    }

    #[test]
    fn a_full_table_refuses_new_changes_until_its_oldest_expires() {
        let replays = Replays::new(2, WINDOW, false);
        let now = SystemTime::now();
        let earlier = now - Duration::from_secs(600);
        assert_eq!(
            replays.first_use(signature(1), earlier, now),
            FirstUse::Fresh
        );
        assert_eq!(replays.first_use(signature(2), now, now), FirstUse::Fresh);
        let FirstUse::Full(wait) = replays.first_use(signature(3), now, now) else {
            panic!("a full table must refuse");
        };
        assert_eq!(wait, Duration::from_secs(300));
        // The live signatures are still known: refusing kept them.
        assert_eq!(
            replays.first_use(signature(1), earlier, now),
            FirstUse::Replayed
        );
        let after = now + Duration::from_secs(301);
        assert_eq!(
            replays.first_use(signature(3), after, after),
            FirstUse::Fresh
        );
        assert_eq!(
            replays.first_use(signature(2), now, after),
            FirstUse::Replayed
        );
    }

    #[test]
    fn queries_are_tracked_only_when_asked() {
        let untracked = Replays::new(10, WINDOW, false);
        assert!(!untracked.query_seen(signature(1)));
        assert!(!untracked.query_seen(signature(1)));
        let tracked = Replays::new(10, WINDOW, true);
        assert!(!tracked.query_seen(signature(1)));
        assert!(tracked.query_seen(signature(1)));
        assert!(!tracked.query_seen(signature(2)));
    }
}
