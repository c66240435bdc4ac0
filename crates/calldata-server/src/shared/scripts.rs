//! The Lua scripts of the shared state. Each runs atomically in Redis and reads Redis's own
//! clock (`TIME`), so replicas whose clocks differ still agree on windows and rates. Sent by
//! `EVALSHA`, loaded again on the first `NOSCRIPT` (after a Redis restart).

use redis::Script;

/// A signature failure of one address: count it within the window and, at `max_failures`,
/// lock the address in the sorted set of locks (ending the oldest lock when the set holds
/// `max_locks`) and publish the lock. Answers 1 when this failure placed the lock.
///
/// KEYS: the address' count, the locks. ARGV: max failures, window ms, lock ms, max locks,
/// the address, the channel.
const FAILURE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if count < tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZSCORE', KEYS[2], ARGV[5]) then return 0 end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then redis.call('ZPOPMIN', KEYS[2]) end
local lock_ms = tonumber(ARGV[3])
redis.call('ZADD', KEYS[2], now + lock_ms, ARGV[5])
redis.call('PEXPIRE', KEYS[2], lock_ms)
redis.call('PUBLISH', ARGV[6], ARGV[5] .. ' ' .. lock_ms)
return 1
";

/// The locks in force: Redis's clock in ms, then each address with when its lock ends.
///
/// KEYS: the locks. ARGV: the most locks to answer.
const LOCKS: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local locks = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[1]))
table.insert(locks, 1, tostring(now))
return locks
";

/// One request against a GCRA allowance (the semantics of `governor`'s limiter: one
/// request every `interval`, bursts of `burst`): answers 0 and records the request when it
/// fits, else the µs to wait.
///
/// KEYS: the allowance (its theoretical arrival time, µs on Redis's clock). ARGV: interval
/// µs (fractions kept), burst.
const RATE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local next_tat = tat + interval
local over = next_tat - now - interval * burst
if over > 0 then return math.ceil(over) end
redis.call('SET', KEYS[1], string.format('%.3f', next_tat), 'PX', math.ceil((next_tat - now) / 1000) + 1)
return 0
";

/// The scripts, each with its hash computed once.
#[derive(Debug)]
pub(super) struct Scripts {
    pub(super) failure: Script,
    pub(super) locks: Script,
    pub(super) rate: Script,
}

impl Scripts {
    pub(super) fn new() -> Self {
        Self {
            failure: Script::new(FAILURE),
            locks: Script::new(LOCKS),
            rate: Script::new(RATE),
        }
    }
}
