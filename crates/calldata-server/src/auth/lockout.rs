//! `Lockout`: after repeated signature failures from one client address, that address gets
//! 403 for a while. Both tables are bounded, so an attacker rotating addresses cannot grow
//! memory without limit, and they are kept apart, so failure counts never push out a lock:
//! the counts are a cache (an evicted count starts again from zero), the locks a
//! `LockTable` that, when full, ends its oldest lock first.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use moka::sync::Cache;

use crate::auth::lock_table::{LockTable, Placed};
use crate::config::LockoutSettings;

/// Failure counting and lockout state for client addresses.
#[derive(Debug, Clone)]
pub struct Lockout {
    max_failures: u32,
    failures: Cache<IpAddr, Arc<AtomicU32>>,
    locked: Arc<RwLock<LockTable>>,
    /// When the latest lockout ends, in ms since `epoch`: past it no address can be locked,
    /// so the common case (no lockout at all) costs one atomic load instead of a lookup.
    all_clear_at: Arc<AtomicU64>,
    epoch: Instant,
    lock_for_ms: u64,
}

/// What a failure did to its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureVerdict {
    /// Counted; the address may try again.
    Counted,
    /// This failure locked the address out.
    LockedOut {
        /// The address whose lock ended early because the lock table was full, if any.
        displaced: Option<IpAddr>,
    },
}

impl Lockout {
    /// Lockout with the configured limits.
    pub fn new(settings: &LockoutSettings) -> Self {
        let lock_for = Duration::from_secs(settings.lock_secs);
        Self {
            max_failures: settings.max_failures,
            failures: Cache::builder()
                .max_capacity(settings.max_tracked_addresses)
                .time_to_live(Duration::from_secs(settings.window_secs))
                .build(),
            locked: Arc::new(RwLock::new(LockTable::new(
                usize::try_from(settings.max_tracked_addresses).unwrap_or(usize::MAX),
            ))),
            all_clear_at: Arc::new(AtomicU64::new(0)),
            epoch: Instant::now(),
            lock_for_ms: u64::try_from(lock_for.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// Whether the address is locked out now.
    pub fn is_locked(&self, address: IpAddr) -> bool {
        let now = self.millis_now();
        now < self.all_clear_at.load(Ordering::Relaxed)
            && self
                .locked
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .is_locked(tracked(address), now)
    }

    /// How many addresses (IPv6: /64 networks) are locked out now.
    pub fn held(&self) -> usize {
        let mut table = self.locked.write().unwrap_or_else(PoisonError::into_inner);
        table.expire(self.millis_now());
        table.len()
    }

    fn millis_now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Counts one signature failure from `address`.
    pub fn record_failure(&self, address: IpAddr) -> FailureVerdict {
        let address = tracked(address);
        let counter = self
            .failures
            .get_with(address, || Arc::new(AtomicU32::new(0)));
        let count = counter.fetch_add(1, Ordering::Relaxed) + 1;
        if count < self.max_failures {
            return FailureVerdict::Counted;
        }
        self.failures.invalidate(&address);
        match self.lock_for(address, self.lock_for_ms) {
            Placed::Locked { displaced } => FailureVerdict::LockedOut { displaced },
            Placed::AlreadyLocked => FailureVerdict::Counted,
        }
    }

    /// How long a lock lasts, in ms.
    pub fn lock_ms(&self) -> u64 {
        self.lock_for_ms
    }

    /// Locks `address` for the next `for_ms` (at most the configured lock time), as
    /// another replica did; true when it was not locked yet.
    pub fn hold(&self, address: IpAddr, for_ms: u64) -> bool {
        let for_ms = for_ms.min(self.lock_for_ms);
        for_ms > 0
            && matches!(
                self.lock_for(tracked(address), for_ms),
                Placed::Locked { .. }
            )
    }

    fn lock_for(&self, address: IpAddr, for_ms: u64) -> Placed {
        let mut table = self.locked.write().unwrap_or_else(PoisonError::into_inner);
        // The clock is read under the write lock, so that locks of the same length enter
        // the table in the order they end.
        let now = self.millis_now();
        let end = now.saturating_add(for_ms);
        let placed = table.lock(address, now, end);
        if let Placed::Locked { .. } = placed {
            self.all_clear_at.fetch_max(end, Ordering::Relaxed);
        }
        placed
    }
}

/// The unit an address is tracked as, from its canonical form (an IPv4-mapped IPv6
/// address is its IPv4 address): IPv4 addresses alone, IPv6 by their /64 network (one host
/// usually owns a whole /64 and could rotate through it).
pub(crate) fn tracked(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        v4 @ IpAddr::V4(_) => v4,
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(network.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(max_failures: u32) -> LockoutSettings {
        LockoutSettings {
            max_failures,
            window_secs: 60,
            lock_secs: 300,
            max_tracked_addresses: 100,
        }
    }

    #[test]
    fn locks_an_address_at_the_configured_failure_count() {
        let lockout = Lockout::new(&settings(3));
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        assert_eq!(lockout.record_failure(ip), FailureVerdict::Counted);
        assert_eq!(lockout.record_failure(ip), FailureVerdict::Counted);
        assert!(!lockout.is_locked(ip));
        assert_eq!(
            lockout.record_failure(ip),
            FailureVerdict::LockedOut { displaced: None }
        );
        assert!(lockout.is_locked(ip));
        assert!(!lockout.is_locked(other));
    }

    #[test]
    fn ipv6_addresses_of_one_64_network_share_a_lockout() {
        let lockout = Lockout::new(&settings(2));
        lockout.record_failure("2001:db8:1:2::1".parse().unwrap());
        lockout.record_failure("2001:db8:1:2::ffff".parse().unwrap());
        assert!(lockout.is_locked("2001:db8:1:2:aaaa::9".parse().unwrap()));
        assert!(!lockout.is_locked("2001:db8:1:3::1".parse().unwrap()));
    }

    #[test]
    fn tracked_addresses_stay_bounded() {
        let lockout = Lockout::new(&settings(1000));
        for i in 0..5_000u32 {
            lockout.record_failure(IpAddr::from(i.to_be_bytes()));
        }
        lockout.failures.run_pending_tasks();
        assert!(
            lockout.failures.entry_count() <= 100,
            "{}",
            lockout.failures.entry_count()
        );
    }

    fn settings_capped(max_failures: u32, cap: u64) -> LockoutSettings {
        LockoutSettings {
            max_tracked_addresses: cap,
            ..settings(max_failures)
        }
    }

    #[test]
    fn ipv4_mapped_addresses_are_their_ipv4_address_not_a_64() {
        let lockout = Lockout::new(&settings(2));
        lockout.record_failure("::ffff:127.0.0.1".parse().unwrap());
        lockout.record_failure("127.0.0.1".parse().unwrap());
        assert!(lockout.is_locked("127.0.0.1".parse().unwrap()));
        assert!(lockout.is_locked("::ffff:127.0.0.1".parse().unwrap()));
        for free in ["127.0.0.2", "::ffff:127.0.0.2", "::1", "::ffff:0:0"] {
            assert!(!lockout.is_locked(free.parse().unwrap()), "{free}");
        }
    }

    #[test]
    fn a_full_lock_table_keeps_the_newest_locks_and_reports_what_it_holds() {
        let lockout = Lockout::new(&settings_capped(1, 1_000));
        let address = |i: u32| IpAddr::from((0x0a00_0000 + i).to_be_bytes());
        let mut displaced = 0;
        for i in 0..3_000 {
            match lockout.record_failure(address(i)) {
                FailureVerdict::LockedOut { displaced: None } => {}
                FailureVerdict::LockedOut {
                    displaced: Some(oldest),
                } => {
                    // Each lock past the cap ends the oldest one, in the order placed.
                    assert_eq!(oldest, address(i - 1_000));
                    displaced += 1;
                }
                FailureVerdict::Counted => panic!("address {i} was not locked"),
            }
        }
        assert_eq!(displaced, 2_000);
        let kept: Vec<u32> = (0..3_000)
            .filter(|&i| lockout.is_locked(address(i)))
            .collect();
        assert_eq!(kept, (2_000..3_000).collect::<Vec<_>>());
        assert_eq!(lockout.held(), 1_000);
    }

    #[test]
    fn failure_counts_never_push_out_a_lock() {
        let lockout = Lockout::new(&settings_capped(3, 100));
        let locked: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..3 {
            lockout.record_failure(locked);
        }
        for i in 0..10_000u32 {
            lockout.record_failure(IpAddr::from((0x0a00_0000 + i).to_be_bytes()));
        }
        lockout.failures.run_pending_tasks();
        assert!(lockout.is_locked(locked));
        assert_eq!(lockout.held(), 1);
    }
}
