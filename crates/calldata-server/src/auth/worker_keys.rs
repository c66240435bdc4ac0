//! The signing-key cache of one worker: every worker thread verifies with its own, so the
//! cache takes no lock and shares no cache line with the other workers.

use std::cell::RefCell;

use calldata_model::auth::SigningKeyCache;

/// Signing keys the worker derived recently (see [`SigningKeyCache`]); registered as
/// worker-local app data, it belongs to the one key registry the server was built with.
#[derive(Debug, Default)]
pub struct WorkerKeyCache(RefCell<SigningKeyCache>);

impl WorkerKeyCache {
    /// Runs `verify` with the cache, or with an empty one when it is already in use (it
    /// never is: verification does not await).
    pub fn with<T>(&self, verify: impl FnOnce(&mut SigningKeyCache) -> T) -> T {
        match self.0.try_borrow_mut() {
            Ok(mut cache) => verify(&mut cache),
            Err(_) => verify(&mut SigningKeyCache::new(0)),
        }
    }
}
