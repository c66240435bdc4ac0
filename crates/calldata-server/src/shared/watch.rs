//! The watcher: keeps this replica's lock table current with the shared locks. It places
//! each published lock as it arrives, and reads every lock in force at start, after Redis
//! comes back and every `RESYNC_EVERY` (a lock published while this replica's connection
//! was down is not lost). It pings Redis every second between those reads, so that a lost
//! connection is found by the watcher rather than by a request, and a Redis that is back
//! is used again within a second.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use redis::{PushInfo, PushKind, Value};
use tokio::sync::mpsc::UnboundedReceiver;

use super::SharedState;
use crate::auth::lockout::Lockout;

/// How often the whole set of locks is read again.
const RESYNC_EVERY: Duration = Duration::from_secs(10);
/// How often the watcher looks at Redis's health.
const TICK: Duration = Duration::from_secs(1);

/// Runs until the runtime ends.
pub(super) async fn watch(
    state: Arc<SharedState>,
    lockout: Lockout,
    mut pushes: UnboundedReceiver<PushInfo>,
) {
    let mut subscribed = false;
    let mut synced_at: Option<tokio::time::Instant> = None;
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            push = pushes.recv() => match push {
                Some(push) => match push.kind {
                    PushKind::Message => place(&lockout, &push.data),
                    // The connection was lost (its resubscription follows on reconnect):
                    // read the whole set once it is back.
                    PushKind::Disconnection => synced_at = None,
                    _ => {}
                },
                None => return,
            },
            _ = tick.tick() => {
                if !subscribed {
                    subscribed = subscribe(&state).await;
                }
                let due = synced_at.is_none_or(|at| at.elapsed() >= RESYNC_EVERY)
                    || !state.health.is_up();
                ping(&state).await;
                if due && resync(&state, &lockout).await {
                    synced_at = Some(tokio::time::Instant::now());
                }
            }
        }
    }
}

/// One `PING` on each connection, which records whether Redis answers (and has a lost
/// connection found and made again here rather than by a request).
async fn ping(state: &SharedState) {
    for connection in [&state.connection, &state.background] {
        let mut connection = connection.clone();
        let answered = tokio::time::timeout(
            state.timeout,
            redis::cmd("PING").query_async::<String>(&mut connection),
        )
        .await;
        state.settle(answered);
    }
}

/// Subscribes to the channel of new locks; false when Redis did not answer.
async fn subscribe(state: &SharedState) -> bool {
    let mut connection = state.background.clone();
    let answered = tokio::time::timeout(
        state.bulk_timeout,
        connection.subscribe(&state.names.locked),
    )
    .await;
    state.settle(answered).is_some()
}

/// Places every lock in force in `lockout`'s table; false when Redis did not answer.
async fn resync(state: &SharedState, lockout: &Lockout) -> bool {
    let mut connection = state.background.clone();
    let most = state.lockout.max_tracked_addresses;
    let answered = tokio::time::timeout(
        state.bulk_timeout,
        state
            .scripts
            .locks
            .key(&state.names.locks)
            .arg(most)
            .invoke_async::<Vec<String>>(&mut connection),
    )
    .await;
    let Some(locks) = state.settle(answered) else {
        return false;
    };
    let mut locks = locks.iter();
    let Some(now) = locks.next().and_then(|now| now.parse::<u64>().ok()) else {
        return false;
    };
    let mut placed = 0usize;
    while let (Some(address), Some(end)) = (locks.next(), locks.next()) {
        let (Ok(address), Ok(end)) = (address.parse::<IpAddr>(), end.parse::<f64>()) else {
            continue;
        };
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let end = end as u64;
        if lockout.hold(address, end.saturating_sub(now)) {
            placed += 1;
        }
    }
    if placed > 0 {
        tracing::info!(placed, "placed locks other replicas made");
    }
    true
}

/// Places the lock of one message (`<address> <lock_ms>`), if it reads as one.
fn place(lockout: &Lockout, data: &[Value]) {
    // A message's data is [channel, payload].
    let Some(Value::BulkString(payload)) = data.get(1) else {
        return;
    };
    let Some((address, lock_ms)) = std::str::from_utf8(payload)
        .ok()
        .and_then(|text| text.split_once(' '))
    else {
        return;
    };
    if let (Ok(address), Ok(lock_ms)) = (address.parse::<IpAddr>(), lock_ms.parse::<u64>()) {
        lockout.hold(address, lock_ms);
    }
}
