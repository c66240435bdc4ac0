//! The records of calls that ended: what querycalldetailbyid, vdn/querycalls and
//! querycalltracedetail answer (family.md sections 7 to 9), and the journeys of the calls
//! still in progress that they are made from.
//!
//! [`RecordBook`] keeps each ended call once ([`EndedCall`]), found by call ID and listed
//! per (ccId, VDN, direction) in the order the calls ended, for one day and at most
//! `max_records` of them: past either bound the oldest ended call goes first. A window of a
//! VDN's calls is found by binary search, and counted without a scan when no number filter
//! applies, so a page costs the same with 100 records kept or 100,000.

mod ended;
mod journey;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, PoisonError, RwLock};

use calldata_model::{CallDirection, CallId, CcId, Vdn, VdnCalls, VdnCallsQuery};

pub use ended::{EndedCall, call_type_of};
pub use journey::{Journey, MAX_VISITS, Stop, Visit};

/// How long a record is kept.
pub const RETENTION_MS: i64 = 24 * 60 * 60 * 1000;

/// The records kept by default: about 50 MB of typical calls (about 415 bytes each as
/// [`RecordBook::bytes`] counts them, plus their indexes).
pub const DEFAULT_MAX_RECORDS: usize = 100_000;

/// The bytes a record may count for on average before the book drops the oldest: with
/// longer tracks than the simulation's, fewer records are kept, not more memory used.
pub const BYTES_PER_RECORD: usize = 640;

/// An ended call as the book holds it, with the number that orders calls that ended in the
/// same millisecond.
#[derive(Debug)]
struct Kept {
    order: (i64, u64),
    call: EndedCall,
}

/// Ended calls, for one day and up to a count.
#[derive(Debug)]
pub struct RecordBook {
    inner: RwLock<Inner>,
    max_records: usize,
}

#[derive(Debug, Default)]
struct Inner {
    /// Every kept call in the order they ended (the oldest first), for retention.
    ended: VecDeque<Arc<Kept>>,
    /// By (ccId, VDN, direction), in the order they ended.
    by_vdn: HashMap<(CcId, Vdn, CallDirection), VecDeque<Arc<Kept>>>,
    /// By (ccId, callId): usually one call, more when VDNs reuse an ID.
    by_call: HashMap<(CcId, CallId), Vec<Arc<Kept>>>,
    next: u64,
    bytes: usize,
}

/// The position at which an entry ordered `order` belongs in `list`.
fn position(list: &VecDeque<Arc<Kept>>, order: (i64, u64)) -> usize {
    list.partition_point(|kept| kept.order < order)
}

impl RecordBook {
    /// An empty book keeping at most `max_records` calls.
    pub fn new(max_records: usize) -> Self {
        Self {
            inner: RwLock::new(Inner::default()),
            max_records,
        }
    }

    /// Keeps an ended call, dropping what is past the bounds at `now_ms`.
    pub fn keep(&self, call: EndedCall, now_ms: i64) {
        if self.max_records == 0 {
            return;
        }
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        let order = (call.ended_ms, inner.next);
        inner.next += 1;
        let vdn_key = (call.key.cc_id, call.key.vdn, call.direction);
        let call_key = (call.key.cc_id, call.key.call_id);
        inner.bytes += call.bytes();
        let kept = Arc::new(Kept { order, call });
        let at = position(&inner.ended, order);
        inner.ended.insert(at, kept.clone());
        let list = inner.by_vdn.entry(vdn_key).or_default();
        let at = position(list, order);
        list.insert(at, kept.clone());
        inner.by_call.entry(call_key).or_default().push(kept);
        inner.drop_past(now_ms - RETENTION_MS, self.max_records);
    }

    /// Drops the records that ended before `now_ms` minus one day.
    pub fn expire(&self, now_ms: i64) {
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        inner.drop_past(now_ms - RETENTION_MS, self.max_records);
    }

    /// The latest record of this call and direction that ended within a day of `now_ms`,
    /// as `pick` makes of it.
    pub fn find<T>(
        &self,
        cc_id: CcId,
        call_id: &CallId,
        keep: impl Fn(&EndedCall) -> bool,
        now_ms: i64,
        pick: impl FnOnce(&EndedCall) -> T,
    ) -> Option<T> {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        inner
            .by_call
            .get(&(cc_id, *call_id))?
            .iter()
            .rev()
            .map(|kept| &kept.call)
            .find(|call| call.ended_ms >= now_ms - RETENTION_MS && keep(call))
            .map(pick)
    }

    /// vdn/querycalls: one page of the calls of the query's VDN and direction that ended
    /// within its window (and a day of `now_ms`), and how many matched.
    pub fn vdn_calls(&self, query: &VdnCallsQuery, now_ms: i64) -> VdnCalls {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        let Some(list) = inner.by_vdn.get(&(query.cc_id, query.vdn, query.direction)) else {
            return VdnCalls::default();
        };
        let from = query.begin_ms.max(now_ms - RETENTION_MS);
        let start = list.partition_point(|kept| kept.order.0 < from);
        let end = list.partition_point(|kept| kept.order.0 <= query.end_ms);
        let window = list.range(start..end.max(start));
        if query.caller_no.is_none() && query.callee_no.is_none() {
            return VdnCalls {
                count: i64::try_from(end.saturating_sub(start)).unwrap_or(i64::MAX),
                data: window
                    .skip(query.offset)
                    .take(query.limit)
                    .map(|kept| kept.call.row())
                    .collect(),
            };
        }
        let mut count = 0usize;
        let mut data = Vec::new();
        for kept in window {
            if query.matches_numbers(&kept.call.caller_no, &kept.call.callee_no) {
                if count >= query.offset && data.len() < query.limit {
                    data.push(kept.call.row());
                }
                count += 1;
            }
        }
        VdnCalls {
            data,
            count: i64::try_from(count).unwrap_or(i64::MAX),
        }
    }

    /// Number of records kept.
    pub fn len(&self) -> usize {
        self.inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .ended
            .len()
    }

    /// Whether no record is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes the kept records hold (their structs, strings and visits).
    pub fn bytes(&self) -> usize {
        self.inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .bytes
    }

    /// The most records kept.
    pub fn max_records(&self) -> usize {
        self.max_records
    }
}

impl Inner {
    /// Drops the oldest records while they ended before `before_ms`, more than `max` are
    /// kept, or they count for more than `max` × [`BYTES_PER_RECORD`] bytes.
    fn drop_past(&mut self, before_ms: i64, max: usize) {
        let max_bytes = max.saturating_mul(BYTES_PER_RECORD);
        while let Some(oldest) = self.ended.front() {
            if oldest.order.0 >= before_ms && self.ended.len() <= max && self.bytes <= max_bytes {
                break;
            }
            let Some(oldest) = self.ended.pop_front() else {
                break;
            };
            let call = &oldest.call;
            self.bytes = self.bytes.saturating_sub(call.bytes());
            let vdn_key = (call.key.cc_id, call.key.vdn, call.direction);
            if let Some(list) = self.by_vdn.get_mut(&vdn_key) {
                // The oldest overall is the oldest of its VDN: both lists share one order.
                if list
                    .front()
                    .is_some_and(|first| Arc::ptr_eq(first, &oldest))
                {
                    list.pop_front();
                } else {
                    list.retain(|kept| !Arc::ptr_eq(kept, &oldest));
                }
                if list.is_empty() {
                    self.by_vdn.remove(&vdn_key);
                }
            }
            let call_key = (call.key.cc_id, call.key.call_id);
            if let Some(list) = self.by_call.get_mut(&call_key) {
                list.retain(|kept| !Arc::ptr_eq(kept, &oldest));
                if list.is_empty() {
                    self.by_call.remove(&call_key);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calldata_model::{BasicCallInfo, CallKey, QueryBasicCallInfo, VdnCallsFields};

    use crate::embedded::placement::CallExtras;

    const T0: i64 = 1_764_590_400_000;

    fn ended(vdn: i64, sequence: usize, ended_ms: i64, caller: &str) -> EndedCall {
        let key: CallKey = QueryBasicCallInfo::new(1, vdn, format!("1764590400-{sequence}"))
            .to_call_key()
            .unwrap();
        let call = BasicCallInfo {
            time: Some(ended_ms - 60_000),
            calling_num: caller.into(),
            ..BasicCallInfo::default()
        };
        let extras = CallExtras::default();
        let journey = Journey::start(&call, &extras, ended_ms - 60_000);
        EndedCall::new(key, &call, &extras, journey, ended_ms, 89)
    }

    fn query(body: &VdnCallsFields) -> VdnCallsQuery {
        use calldata_model::Operation;
        calldata_model::QueryVdnCalls::parse(serde_json::to_vec(body).unwrap().as_slice()).unwrap()
    }

    #[test]
    fn pages_count_and_filter_in_end_order() {
        let book = RecordBook::new(1000);
        for n in 0..250 {
            let caller = if n % 5 == 0 { "111" } else { "222" };
            book.keep(
                ended(1, n, T0 + i64::try_from(n).unwrap() * 1000, caller),
                T0,
            );
        }
        book.keep(ended(2, 999, T0, "111"), T0);
        let all = book.vdn_calls(&query(&VdnCallsFields::new(1, 1, T0, T0 + 1_000_000)), T0);
        assert_eq!((all.count, all.data.len()), (250, 100));
        let third = book.vdn_calls(
            &query(&VdnCallsFields::new(1, 1, T0, T0 + 1_000_000).page(100, 200)),
            T0,
        );
        assert_eq!(third.data.len(), 50);
        assert_eq!(third.data[0].log_date, T0 + 200_000);
        let window = book.vdn_calls(
            &query(&VdnCallsFields::new(1, 1, T0 + 10_000, T0 + 19_999)),
            T0,
        );
        assert_eq!(window.count, 10);
        let filtered = book.vdn_calls(
            &query(
                &VdnCallsFields::new(1, 1, T0, T0 + 1_000_000)
                    .numbers(Some("111"), None)
                    .page(10, 5),
            ),
            T0,
        );
        assert_eq!(filtered.count, 50);
        assert_eq!(filtered.data.len(), 10);
        assert!(filtered.data.iter().all(|row| row.caller_no == "111"));
        assert_eq!(filtered.data[0].log_date, T0 + 25_000);
    }

    #[test]
    fn the_oldest_go_first_past_the_count_and_after_a_day() {
        let book = RecordBook::new(3);
        for n in 0..5 {
            book.keep(ended(1, n, T0 + i64::try_from(n).unwrap(), "1"), T0);
        }
        assert_eq!(book.len(), 3);
        let id = |n: usize| CallId::parse(&format!("1764590400-{n}")).unwrap();
        let cc = CcId::new(1).unwrap();
        assert!(book.find(cc, &id(1), |_| true, T0, |_| ()).is_none());
        assert!(book.find(cc, &id(4), |_| true, T0, |_| ()).is_some());
        assert!(
            book.find(cc, &id(4), |_| true, T0 + RETENTION_MS + 5, |_| ())
                .is_none()
        );
        book.expire(T0 + RETENTION_MS + 3);
        assert_eq!(book.len(), 2);
        assert!(book.bytes() > 0);
        book.expire(T0 + 2 * RETENTION_MS);
        assert!(book.is_empty());
        assert_eq!(book.bytes(), 0);
    }
}
