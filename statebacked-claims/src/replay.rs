//! Replay detection on the token exchange (opt-in per identity provider): a subject token is
//! exchanged at most once within its lifetime, across every replica sharing the [`Store`].
//!
//! After the subject token verifies, the exchange claims a key for it in the store (Redis:
//! `SET key 1 NX PX <ms until the token expires, plus the largest leeway>`): a SHA-256
//! digest of its issuer and `jti`, or of the whole token when it has no `jti`. A second
//! exchange of the same token, on any replica, finds the key taken and is refused with
//! [`ExchangeError::Replayed`](crate::ExchangeError::Replayed). When the store cannot be
//! reached the exchange is refused ([`ExchangeError::StoreUnavailable`](crate::ExchangeError::StoreUnavailable),
//! `503`): a replica cannot tell a first exchange from a replay on its own, so replay
//! detection fails closed.
//!
//! ```
//! use statebacked_claims::replay::ReplayGuard;
//! use statebacked_claims::store::Store;
//!
//! let guard = ReplayGuard::new(Store::memory()).provider("auth0").provider("anonymous");
//! assert!(guard.covers("auth0"));
//! assert!(!guard.covers("cognito"));
//! ```

use crate::jwt::MAX_LEEWAY_SECS;
use crate::store::{Store, StoreError};
use sha2::{Digest, Sha256};

/// Which identity providers' tokens are exchanged at most once, and the store that
/// remembers them.
#[derive(Debug, Clone)]
pub struct ReplayGuard {
    store: Store,
    providers: Vec<String>,
}

impl ReplayGuard {
    /// A guard remembering exchanged tokens in `store`, for no provider yet.
    pub fn new(store: Store) -> ReplayGuard {
        ReplayGuard {
            store,
            providers: Vec::new(),
        }
    }

    /// Exchanges `provider`'s tokens at most once (the name it was built with;
    /// `"anonymous"` for anonymous sessions).
    pub fn provider(mut self, provider: impl Into<String>) -> Self {
        self.providers.push(provider.into());
        self
    }

    /// Whether `provider`'s tokens are checked.
    pub fn covers(&self, provider: &str) -> bool {
        self.providers.iter().any(|p| p == provider)
    }

    /// Claims the verified subject `token` (from `issuer`, with `jti`, expiring at `exp`) at
    /// unix time `now`: `Ok(false)` if it was exchanged before.
    pub(crate) async fn first_use(
        &self,
        issuer: Option<&str>,
        jti: Option<&str>,
        token: &str,
        exp: u64,
        now: u64,
    ) -> Result<bool, StoreError> {
        let mut digest = Sha256::new();
        match jti {
            Some(jti) => {
                digest.update(b"jti\0");
                digest.update(issuer.unwrap_or_default().as_bytes());
                digest.update(b"\0");
                digest.update(jti.as_bytes());
            }
            None => {
                digest.update(b"token\0");
                digest.update(token.as_bytes());
            }
        }
        let key: String = digest
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let ttl_secs = exp
            .saturating_add(MAX_LEEWAY_SECS)
            .saturating_sub(now)
            .max(1);
        self.store
            .claim_once(&key, ttl_secs.saturating_mul(1000))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    /// A token with a `jti` is the same subject token whatever its bytes (issuer and `jti`
    /// are the key), and the issuer is part of the key; one without is keyed by its bytes.
    #[test]
    fn a_jti_is_used_once_per_issuer() {
        block_on(async {
            let guard = ReplayGuard::new(Store::memory()).provider("corp");
            let first = |iss, jti, token| guard.first_use(Some(iss), jti, token, 2_000, 1_000);
            assert!(first("https://a/", Some("j-1"), "token-1").await.unwrap());
            // Another token (re-signed, other claims) with the same issuer and jti: a replay.
            assert!(!first("https://a/", Some("j-1"), "token-2").await.unwrap());
            // The same jti from another issuer is another token.
            assert!(first("https://b/", Some("j-1"), "token-3").await.unwrap());
            // Without a jti, the bytes are the key.
            assert!(first("https://a/", None, "token-4").await.unwrap());
            assert!(!first("https://a/", None, "token-4").await.unwrap());
            assert!(first("https://a/", None, "token-5").await.unwrap());
        });
    }
}
