//! `Lockout`: after repeated signature failures from one client address, that address gets
//! 403 for a while. Both tables are bounded caches, so an attacker rotating addresses cannot
//! grow memory without limit.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use moka::sync::Cache;

use crate::config::LockoutSettings;

/// Failure counting and lockout state for client addresses.
#[derive(Debug, Clone)]
pub struct Lockout {
    max_failures: u32,
    failures: Cache<IpAddr, Arc<AtomicU32>>,
    locked: Cache<IpAddr, ()>,
    /// When the latest lockout ends, in ms since `epoch`: past it no address can be locked,
    /// so the common case (no lockout at all) costs one atomic load instead of a lookup.
    all_clear_at: Arc<AtomicU64>,
    epoch: Instant,
    lock_for: Duration,
}

/// What a failure did to its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureVerdict {
    /// Counted; the address may try again.
    Counted,
    /// This failure locked the address out.
    LockedOut,
}

impl Lockout {
    /// Lockout with the configured limits.
    pub fn new(settings: &LockoutSettings) -> Self {
        Self {
            max_failures: settings.max_failures,
            failures: Cache::builder()
                .max_capacity(settings.max_tracked_addresses)
                .time_to_live(Duration::from_secs(settings.window_secs))
                .build(),
            locked: Cache::builder()
                .max_capacity(settings.max_tracked_addresses)
                .time_to_live(Duration::from_secs(settings.lock_secs))
                .build(),
            all_clear_at: Arc::new(AtomicU64::new(0)),
            epoch: Instant::now(),
            lock_for: Duration::from_secs(settings.lock_secs),
        }
    }

    /// Whether the address is locked out now.
    pub fn is_locked(&self, address: IpAddr) -> bool {
        self.millis_now() < self.all_clear_at.load(Ordering::Relaxed)
            && self.locked.contains_key(&tracked(address))
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
        if count >= self.max_failures {
            self.failures.invalidate(&address);
            self.locked.insert(address, ());
            let until = self
                .millis_now()
                .saturating_add(u64::try_from(self.lock_for.as_millis()).unwrap_or(u64::MAX));
            // One millisecond of slack: the cache's own expiry must come first.
            self.all_clear_at
                .fetch_max(until.saturating_add(1), Ordering::Relaxed);
            FailureVerdict::LockedOut
        } else {
            FailureVerdict::Counted
        }
    }
}

/// The unit an address is tracked as: IPv4 addresses alone, IPv6 by their /64 network (one
/// host usually owns a whole /64 and could rotate through it).
fn tracked(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
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
        assert_eq!(lockout.record_failure(ip), FailureVerdict::LockedOut);
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
}
