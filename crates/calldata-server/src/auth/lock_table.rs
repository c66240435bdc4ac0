//! `LockTable`: the client addresses locked out now, at most `capacity` of them. When it is
//! full, a new lock ends the oldest lock early: every lock lasts as long, so the oldest is
//! the one due to end first, and the addresses failing now are the ones kept out.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

/// Locks by address, each with the time it ends (ms on the owner's clock).
#[derive(Debug)]
pub(crate) struct LockTable {
    capacity: usize,
    ends: HashMap<IpAddr, u64>,
    /// The locks in the order they were placed, which is also the order they end in
    /// (every lock lasts as long and each is placed under the owner's write lock, clock
    /// read inside it). One entry per entry of `ends` once `expire` has run. A lock another
    /// replica placed may end sooner than the ones before it: it is no longer locked once
    /// ended (`is_locked` reads its end), and leaves the table with them, within one lock
    /// time.
    order: VecDeque<(IpAddr, u64)>,
}

/// What [`LockTable::lock`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placed {
    /// The address is locked now.
    Locked {
        /// The address whose lock ended early to make room, if the table was full.
        displaced: Option<IpAddr>,
    },
    /// The address was locked already (two failures raced past the lock check); its lock
    /// is left as it was.
    AlreadyLocked,
}

impl LockTable {
    /// An empty table that holds at most `capacity` locks (at least one).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            ends: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Whether `address` is locked at `now`.
    pub(crate) fn is_locked(&self, address: IpAddr, now: u64) -> bool {
        self.ends.get(&address).is_some_and(|&end| now < end)
    }

    /// Locks `address` until `end`, first dropping the locks that ended by `now` and, when
    /// the table is still full, the oldest lock.
    pub(crate) fn lock(&mut self, address: IpAddr, now: u64, end: u64) -> Placed {
        self.expire(now);
        if self.ends.contains_key(&address) {
            return Placed::AlreadyLocked;
        }
        let displaced = if self.ends.len() >= self.capacity {
            self.order.pop_front().map(|(oldest, _)| {
                self.ends.remove(&oldest);
                oldest
            })
        } else {
            None
        };
        self.ends.insert(address, end);
        self.order.push_back((address, end));
        Placed::Locked { displaced }
    }

    /// Drops the locks that ended by `now`.
    pub(crate) fn expire(&mut self, now: u64) {
        while let Some(&(address, end)) = self.order.front() {
            if now < end {
                break;
            }
            self.order.pop_front();
            self.ends.remove(&address);
        }
    }

    /// How many locks the table holds (ended ones included until the next `expire`).
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([192, 0, 2, last])
    }

    #[test]
    fn a_full_table_ends_the_oldest_lock_for_a_new_one() {
        let mut table = LockTable::new(2);
        assert_eq!(
            table.lock(ip(1), 0, 100),
            Placed::Locked { displaced: None }
        );
        assert_eq!(
            table.lock(ip(2), 1, 101),
            Placed::Locked { displaced: None }
        );
        assert_eq!(
            table.lock(ip(3), 2, 102),
            Placed::Locked {
                displaced: Some(ip(1))
            }
        );
        assert!(!table.is_locked(ip(1), 3));
        assert!(table.is_locked(ip(2), 3) && table.is_locked(ip(3), 3));
        assert_eq!(table.len(), 2);
    }

    #[test]
    fn ended_locks_make_room_before_any_lock_is_displaced() {
        let mut table = LockTable::new(2);
        table.lock(ip(1), 0, 100);
        table.lock(ip(2), 50, 150);
        assert!(!table.is_locked(ip(1), 100));
        assert_eq!(
            table.lock(ip(3), 120, 220),
            Placed::Locked { displaced: None }
        );
        assert!(table.is_locked(ip(2), 120) && table.is_locked(ip(3), 120));
        table.expire(150);
        assert_eq!(table.len(), 1);
    }

    #[test]
    fn a_second_lock_of_a_locked_address_changes_nothing() {
        let mut table = LockTable::new(2);
        table.lock(ip(1), 0, 100);
        assert_eq!(table.lock(ip(1), 10, 110), Placed::AlreadyLocked);
        assert!(!table.is_locked(ip(1), 100));
        // An address locked again after its lock ended is locked anew.
        assert_eq!(
            table.lock(ip(1), 100, 200),
            Placed::Locked { displaced: None }
        );
        assert!(table.is_locked(ip(1), 150));
        assert_eq!((table.len(), table.order.len()), (1, 1));
    }
}
