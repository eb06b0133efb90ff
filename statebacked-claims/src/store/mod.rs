//! Where several replicas share state: one [`Store`] that [revocations](crate::revocation),
//! [exchange rate limits](crate::rate_limit) and [replay detection](crate::replay) all use.
//!
//! Two implementations, chosen when the store is built:
//!
//! - [`Store::memory`], the default: in this process only, no dependency. Right for one node,
//!   and for tests.
//! - [`Store::redis`] (feature `redis`): Redis or Valkey, through the `redis` crate's async
//!   connection manager (which reconnects by itself) and pub/sub, on tokio. Every replica
//!   pointed at one Redis shares what it holds.
//!
//! Keys and channels in Redis all start with [`KEY_PREFIX`]: `…rev:jti` (a sorted set of
//! revoked token ids, scored by when their token expires), `…rev:sub` (a hash of subject
//! watermarks) with `…rev:sub:until` (when each watermark may go), `…rl:…` (rate-limit
//! state, one key per bucket) and `…replay:…` (one key per exchanged subject token). The
//! channel `…rev` carries each revocation to the replicas as it is made.
//!
//! ```
//! use statebacked_claims::store::Store;
//!
//! let store = Store::memory();
//! assert!(!store.is_shared());
//! assert_eq!(format!("{store:?}"), "Store::Memory");
//! ```

mod memory;
#[cfg(feature = "redis")]
mod redis;

pub(crate) use memory::{RevocationSet, monotonic_ms};

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// What every key and channel this crate uses in Redis starts with.
pub const KEY_PREFIX: &str = "statebacked-claims:";

/// Shared state for the replicas of one service: in this process ([`Store::memory`]) or in
/// Redis ([`Store::redis`], feature `redis`). Cheap to clone; clones share one connection.
///
/// `Debug` shows the kind and, for Redis, the address without any password.
#[derive(Clone)]
pub struct Store {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Memory(Arc<memory::Memory>),
    #[cfg(feature = "redis")]
    Redis(redis::RedisStore),
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.backend {
            Backend::Memory(_) => f.write_str("Store::Memory"),
            #[cfg(feature = "redis")]
            Backend::Redis(redis) => f
                .debug_struct("Store::Redis")
                .field("address", &redis.address())
                .finish(),
        }
    }
}

impl Default for Store {
    fn default() -> Self {
        Store::memory()
    }
}

/// Why the store could not be reached or did not answer as Redis does. Each names the
/// server's address (`host:port`, never the URL: a password in it is never shown).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The URL is not a `redis://`, `rediss://` or `valkey://` URL with a host. The URL
    /// itself is not repeated: it may carry a password.
    #[error("the store URL is not a redis:// URL with a host")]
    InvalidUrl,
    /// No connection could be made or kept: nothing listens there, or it timed out.
    #[error("the store at {address} is unreachable")]
    Unreachable {
        /// `host:port`.
        address: String,
    },
    /// The server refused the credentials (or asked for some and none were given).
    #[error("the store at {address} refused the credentials")]
    Authentication {
        /// `host:port`.
        address: String,
    },
    /// What came back is not the Redis protocol (another kind of server listens there).
    #[error("the server at {address} does not speak the Redis protocol")]
    Protocol {
        /// `host:port`.
        address: String,
    },
    /// The server answered with an error.
    #[error("the store at {address} answered with an error ({code})")]
    Server {
        /// `host:port`.
        address: String,
        /// The error's code (`ERR`, `READONLY`, `NOPERM`, …).
        code: String,
    },
    /// The Redis store needs a tokio runtime to keep its local views current, and there is
    /// none on this thread.
    #[error("the Redis store needs a tokio runtime")]
    NoRuntime,
}

impl Store {
    /// A store in this process: nothing is shared with other processes.
    pub fn memory() -> Store {
        Store {
            backend: Backend::Memory(Arc::new(memory::Memory::default())),
        }
    }

    /// Connects to Redis (or Valkey) at `url` (`redis://[:password@]host[:port][/db]`,
    /// `rediss://` for TLS where the `redis` crate is built with it) and checks that it
    /// answers `PING`. Fails with a typed error naming the address, never the password:
    /// [`StoreError::Unreachable`], [`StoreError::Authentication`],
    /// [`StoreError::Protocol`]. Once connected, a lost connection is re-established by
    /// itself; each operation that fails meanwhile says so, and the component using it does
    /// what its documentation says.
    #[cfg(feature = "redis")]
    pub async fn redis(url: &str) -> Result<Store, StoreError> {
        Ok(Store {
            backend: Backend::Redis(redis::RedisStore::connect(url).await?),
        })
    }

    /// Whether other processes share this store (Redis), or it lives in this one (memory).
    pub fn is_shared(&self) -> bool {
        !matches!(self.backend, Backend::Memory(_))
    }

    /// The Redis server's `host:port`; `None` for the in-process store.
    pub fn address(&self) -> Option<&str> {
        match &self.backend {
            Backend::Memory(_) => None,
            #[cfg(feature = "redis")]
            Backend::Redis(redis) => Some(redis.address()),
        }
    }

    /// The in-process revocation set, for a memory store: its views read it directly.
    pub(crate) fn local_revocations(&self) -> Option<Arc<RevocationSet>> {
        match &self.backend {
            Backend::Memory(memory) => Some(memory.revocations()),
            #[cfg(feature = "redis")]
            Backend::Redis(_) => None,
        }
    }

    /// Takes one request from each GCRA bucket in `buckets`, all or none: `Ok(None)` when
    /// every bucket had room (and each now holds the request), `Ok(Some(ms))` when at least
    /// one had none (and none changed), with the wait until all would have room. In Redis,
    /// one script, one round trip, on the server's clock.
    pub(crate) async fn take(&self, buckets: &[Bucket]) -> Result<Option<u64>, StoreError> {
        match &self.backend {
            Backend::Memory(memory) => Ok(memory.take(buckets, monotonic_ms())),
            #[cfg(feature = "redis")]
            Backend::Redis(redis) => redis.take(buckets).await,
        }
    }

    /// Claims `key` for `ttl_ms` milliseconds: `true` the first time, `false` while an earlier
    /// claim holds (Redis `SET key 1 NX PX ttl`).
    pub(crate) async fn claim_once(&self, key: &str, ttl_ms: u64) -> Result<bool, StoreError> {
        match &self.backend {
            Backend::Memory(memory) => Ok(memory.claim_once(key, ttl_ms, monotonic_ms())),
            #[cfg(feature = "redis")]
            Backend::Redis(redis) => redis.claim_once(key, ttl_ms).await,
        }
    }

    /// Records a revocation and tells every replica's view about it.
    pub(crate) async fn revoke(&self, revocation: &Revocation) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Memory(memory) => {
                memory.revocations().apply(revocation);
                Ok(())
            }
            #[cfg(feature = "redis")]
            Backend::Redis(redis) => redis.revoke(revocation).await,
        }
    }

    #[cfg_attr(not(feature = "redis"), allow(dead_code))] // the Redis view's resync
    /// Every revocation that may still matter at unix time `now` (older ones are dropped).
    pub(crate) async fn revocations(&self, now: u64) -> Result<Vec<Revocation>, StoreError> {
        match &self.backend {
            Backend::Memory(memory) => Ok(memory.revocations().list(now)),
            #[cfg(feature = "redis")]
            Backend::Redis(redis) => redis.revocations(now).await,
        }
    }

    /// The stream of revocations as they are made (Redis pub/sub).
    #[cfg(feature = "redis")]
    pub(crate) async fn subscribe(&self) -> Result<Option<redis::Subscription>, StoreError> {
        match &self.backend {
            Backend::Memory(_) => Ok(None),
            Backend::Redis(redis) => redis.subscribe().await.map(Some),
        }
    }
}

/// One GCRA bucket: `key` admits a request every `interval_ms` on average, and up to `burst`
/// at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bucket {
    pub(crate) key: String,
    pub(crate) interval_ms: u64,
    pub(crate) burst: u64,
}

/// A revocation, as stored and as published to the replicas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub(crate) enum Revocation {
    /// The token whose `jti` is `id`; kept until `until` (its `exp`, unix seconds).
    Token { id: String, until: u64 },
    /// Every token of subject `id` issued at or before `before` (unix seconds); kept until
    /// `until`, when no token it covers can still be valid.
    Subject { id: String, before: u64, until: u64 },
}
