//! Revoking tokens before they expire, on every replica: by token id (`jti`) and by subject
//! (every token of a `sub` issued until now).
//!
//! [`Revocations`] records revocations in a [`Store`] and keeps a [`RevocationView`]: an
//! in-memory copy that a [`Verifier`](crate::Verifier) consults synchronously on every verify
//! ([`Verifier::revocations`](crate::Verifier::revocations)). With [`Store::memory`] the view
//! is the store itself. With [`Store::redis`](crate::store::Store::redis) each replica's view
//! is kept current by a background task: every revocation is published on a Redis channel
//! and applied as it arrives (pub/sub), and the whole set is read again every
//! [`resync_interval`](RevocationConfig::resync_interval) (which also drops entries that no
//! longer matter).
//!
//! # Consistency
//!
//! The view knows how old it is: the time of the last full resync made while its
//! subscription was up (pub/sub then carries everything newer). While that is within the
//! [`staleness_bound`](RevocationConfig::staleness_bound), a revocation made anywhere is
//! refused here once its message arrives (milliseconds on a local network) and at the latest
//! at the next resync. Past the bound (Redis unreachable, or this replica cut off), the
//! verifier **fails closed**: every token is refused with
//! [`VerifyError::RevocationsUnavailable`] until a resync succeeds, which happens by itself
//! once Redis is back. [`RevocationConfig::fail_open`] accepts tokens instead (still refusing
//! those the view knows are revoked): availability over revocation, for services that prefer
//! it.
//!
//! # What is kept, and for how long
//!
//! - A token id is kept until the token's `exp` (plus the largest leeway,
//!   [`verify::MAX_LEEWAY_SECS`](crate::verify::MAX_LEEWAY_SECS)).
//! - A subject's watermark (the unix second it was revoked at; tokens with an `iat` at or
//!   before it are refused, and so are tokens without `iat`) is kept for
//!   [`max_token_lifetime`](RevocationConfig::max_token_lifetime) plus the leeway: the
//!   longest any token it covers can stay valid. Set it to the longest lifetime your issuers
//!   sign (the default is 7 days, `@statebacked/token`'s usual `"7d"`): a token that lives
//!   longer would be accepted again once its subject's entry is gone. A token issued in the
//!   same second as the revocation is refused too (times are whole seconds).
//!
//! Tokens carry a `jti` only where [`Issuer::token_ids`](crate::Issuer::token_ids) (or
//! [`TokenExchange::token_ids`](crate::TokenExchange::token_ids)) turns it on; by default they
//! stay byte-identical to `@statebacked/token`'s, and only revocation by subject applies.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use statebacked_claims::revocation::Revocations;
//! use statebacked_claims::store::Store;
//! use statebacked_claims::{Claims, Issuer, Key, Verifier, VerifyError};
//!
//! #[derive(Debug, Serialize, Deserialize, Claims)]
//! #[claims(profile = "flat")]
//! struct User { sub: String }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let key = Key::hs256("sbk_example", "sbsec_example_secret_0123456789abcdef")?;
//! let revocations = Revocations::new(Store::memory())?;
//! let verifier = Verifier::<User>::new(key.clone()).revocations(revocations.view());
//! let token = Issuer::<User>::new(key).sign(&User { sub: "u1".into() }, "1h".parse()?)?;
//! assert!(verifier.verify(token.as_str()).is_ok());
//!
//! revocations.revoke_subject("u1").await?;    // u1 logged out everywhere
//! assert_eq!(verifier.verify(token.as_str()).unwrap_err(), VerifyError::Revoked);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::clock::{Clock, SystemClock};
use crate::jwt::{MAX_LEEWAY_SECS, VerifyError};
use crate::store::{Revocation, RevocationSet, Store, StoreError, monotonic_ms};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The default [`RevocationConfig::staleness_bound`].
pub const DEFAULT_STALENESS_BOUND: Duration = Duration::from_secs(5);
/// The default [`RevocationConfig::resync_interval`].
pub const DEFAULT_RESYNC_INTERVAL: Duration = Duration::from_secs(1);
/// The default [`RevocationConfig::max_token_lifetime`].
pub const DEFAULT_MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// How a replica's revocation view is kept and what it does when it cannot be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationConfig {
    staleness_bound: Duration,
    resync_interval: Duration,
    max_token_lifetime: Duration,
    fail_open: bool,
}

impl Default for RevocationConfig {
    fn default() -> Self {
        RevocationConfig {
            staleness_bound: DEFAULT_STALENESS_BOUND,
            resync_interval: DEFAULT_RESYNC_INTERVAL,
            max_token_lifetime: DEFAULT_MAX_TOKEN_LIFETIME,
            fail_open: false,
        }
    }
}

impl RevocationConfig {
    /// How old the view may be before the verifier stops trusting it (default 5 s). Keep it
    /// a few times the resync interval, so one failed resync does not cross it.
    pub fn staleness_bound(mut self, bound: Duration) -> Self {
        self.staleness_bound = bound;
        self
    }

    /// How often the whole set is read again (default 1 s, at least 10 ms).
    pub fn resync_interval(mut self, interval: Duration) -> Self {
        self.resync_interval = interval.max(Duration::from_millis(10));
        self
    }

    /// The longest lifetime of the tokens verified (default 7 days): how long a subject's
    /// watermark is kept.
    pub fn max_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.max_token_lifetime = lifetime;
        self
    }

    /// Past the staleness bound, accept tokens (refusing only those the view knows are
    /// revoked) instead of refusing them all.
    pub fn fail_open(mut self) -> Self {
        self.fail_open = true;
        self
    }
}

/// Revokes tokens in a [`Store`], and hands out the [`RevocationView`] verifiers check.
///
/// With a Redis store, building it spawns the task that keeps the view current (on the
/// current tokio runtime); the task ends when the last view and handle are dropped.
#[derive(Clone)]
pub struct Revocations {
    store: Store,
    view: RevocationView,
    max_token_lifetime: Duration,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for Revocations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Revocations")
            .field("store", &self.store)
            .field("view", &self.view)
            .finish_non_exhaustive()
    }
}

impl Revocations {
    /// Revocations in `store`, with the default [`RevocationConfig`].
    pub fn new(store: Store) -> Result<Revocations, StoreError> {
        Revocations::with_config(store, RevocationConfig::default())
    }

    /// Revocations in `store`. A Redis store needs a tokio runtime on this thread
    /// ([`StoreError::NoRuntime`] otherwise); the view is stale until its first resync.
    pub fn with_config(store: Store, config: RevocationConfig) -> Result<Revocations, StoreError> {
        let bound_ms = u64::try_from(config.staleness_bound.as_millis()).unwrap_or(u64::MAX);
        let (set, fresh_at) = match store.local_revocations() {
            Some(set) => (set, ALWAYS_FRESH),
            None => (Arc::default(), NEVER),
        };
        let state = Arc::new(ViewState {
            set,
            fresh_at: AtomicU64::new(fresh_at),
            bound_ms,
            fail_open: config.fail_open,
        });
        #[cfg(feature = "redis")]
        if store.is_shared() {
            let runtime =
                tokio::runtime::Handle::try_current().map_err(|_| StoreError::NoRuntime)?;
            runtime.spawn(follow(
                store.clone(),
                Arc::downgrade(&state),
                config.resync_interval,
            ));
        }
        Ok(Revocations {
            store,
            view: RevocationView { state },
            max_token_lifetime: config.max_token_lifetime,
            clock: Arc::new(SystemClock),
        })
    }

    /// The clock revocation times are read from (default: the system's).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The view to give verifiers ([`Verifier::revocations`](crate::Verifier::revocations)).
    pub fn view(&self) -> RevocationView {
        self.view.clone()
    }

    /// Revokes the token whose `jti` is `jti` and whose `exp` is `exp` (both from
    /// [`Verified::registered`](crate::Verified::registered)); kept until it expires.
    pub async fn revoke_token(&self, jti: &str, exp: u64) -> Result<(), StoreError> {
        let revocation = Revocation::Token {
            id: jti.to_owned(),
            until: exp.saturating_add(MAX_LEEWAY_SECS),
        };
        self.record(revocation).await
    }

    /// Revokes every token of `subject` issued until now (a log-out everywhere, or a
    /// compromised account); tokens issued from the next second on are accepted. The subject
    /// is what the verifier checks: see [`Verifier::revocations`](crate::Verifier::revocations).
    pub async fn revoke_subject(&self, subject: &str) -> Result<(), StoreError> {
        let now = self.clock.now_unix();
        let revocation = Revocation::Subject {
            id: subject.to_owned(),
            before: now,
            until: now
                .saturating_add(self.max_token_lifetime.as_secs())
                .saturating_add(MAX_LEEWAY_SECS),
        };
        self.record(revocation).await
    }

    async fn record(&self, revocation: Revocation) -> Result<(), StoreError> {
        self.store.revoke(&revocation).await?;
        // This replica refuses it at once, whatever its subscription is doing.
        self.view.state.set.apply(&revocation);
        Ok(())
    }
}

/// `fresh_at` of a view that is the store itself.
const ALWAYS_FRESH: u64 = u64::MAX;
/// `fresh_at` of a view that was never synced.
const NEVER: u64 = 0;

struct ViewState {
    set: Arc<RevocationSet>,
    /// The [`monotonic_ms`] at which the last good resync started (pub/sub carried the rest).
    fresh_at: AtomicU64,
    bound_ms: u64,
    fail_open: bool,
}

/// A replica's in-memory copy of the revocations, which verifiers check synchronously.
/// Cheap to clone; clones share the copy.
#[derive(Clone)]
pub struct RevocationView {
    state: Arc<ViewState>,
}

impl fmt::Debug for RevocationView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RevocationView")
            .field("entries", &self.state.set.len())
            .field("staleness", &self.staleness())
            .field("fail_open", &self.state.fail_open)
            .finish()
    }
}

impl RevocationView {
    /// How old the view is: `Some(Duration::ZERO)` for an in-process store, `None` before its
    /// first resync.
    pub fn staleness(&self) -> Option<Duration> {
        match self.state.fresh_at.load(Ordering::Acquire) {
            ALWAYS_FRESH => Some(Duration::ZERO),
            NEVER => None,
            at => Some(Duration::from_millis(monotonic_ms().saturating_sub(at))),
        }
    }

    /// Whether the view is within its staleness bound.
    pub fn is_fresh(&self) -> bool {
        match self.state.fresh_at.load(Ordering::Acquire) {
            ALWAYS_FRESH => true,
            NEVER => false,
            at => monotonic_ms().saturating_sub(at) <= self.state.bound_ms,
        }
    }

    /// Whether a token with this `jti`, subject and `iat` may be accepted:
    /// [`VerifyError::Revoked`] if the view lists it, else
    /// [`VerifyError::RevocationsUnavailable`] if the view is past its bound and fails
    /// closed.
    pub fn check(
        &self,
        jti: Option<&str>,
        subject: Option<&str>,
        iat: Option<u64>,
    ) -> Result<(), VerifyError> {
        if self.state.set.is_revoked(jti, subject, iat) {
            return Err(VerifyError::Revoked);
        }
        if !self.state.fail_open && !self.is_fresh() {
            return Err(VerifyError::RevocationsUnavailable);
        }
        Ok(())
    }
}

/// Keeps a view current from Redis: subscribe, resync at once and then every `interval`,
/// apply each published revocation; on a lost connection, start over. Ends when the view is
/// gone.
#[cfg(feature = "redis")]
async fn follow(store: Store, state: std::sync::Weak<ViewState>, interval: Duration) {
    /// The pause before subscribing again after a failure.
    const RETRY: Duration = Duration::from_millis(100);
    loop {
        if state.strong_count() == 0 {
            return;
        }
        if let Ok(Some(mut subscription)) = store.subscribe().await {
            let mut tick = tokio::time::interval(interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    message = subscription.next() => {
                        let Some(revocation) = message else { break };
                        let Some(state) = state.upgrade() else { return };
                        state.set.apply(&revocation);
                    }
                    _ = tick.tick() => {
                        let Some(state) = state.upgrade() else { return };
                        let started = monotonic_ms().max(1);
                        if let Ok(all) = store.revocations(SystemClock.now_unix()).await {
                            state.set.replace(&all);
                            state.fresh_at.fetch_max(started, Ordering::AcqRel);
                        }
                    }
                }
            }
        }
        tokio::time::sleep(RETRY).await;
    }
}
