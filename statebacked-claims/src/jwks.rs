//! A JWKS fetched over HTTPS and cached (feature `jwks-http`).

use crate::keys::{KeyError, KeySet};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// The default wait before another fetch for an unknown `kid` (or after a failed fetch).
pub const DEFAULT_JWKS_COOLDOWN: Duration = Duration::from_secs(30);
/// The default age after which a fetched JWKS is fetched again.
pub const DEFAULT_JWKS_MAX_AGE: Duration = Duration::from_secs(600);
/// The default age after which a set that cannot be refreshed stops being used.
pub const DEFAULT_JWKS_MAX_STALE: Duration = Duration::from_secs(24 * 3600);
/// The default time one fetch may take.
pub const DEFAULT_JWKS_TIMEOUT: Duration = Duration::from_secs(5);
/// The default size limit of a JWKS document, in bytes.
pub const DEFAULT_JWKS_MAX_BYTES: usize = 256 * 1024;

/// Why a JWKS could not be fetched or read. Never contains key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwksError {
    /// The URL is not `https://` (plain `http://` is accepted for loopback hosts only).
    #[error("JWKS URL must be https (http only for localhost): {0}")]
    InsecureUrl(String),
    /// The URL does not parse.
    #[error("JWKS URL is not a URL: {0}")]
    InvalidUrl(String),
    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Client(String),
    /// The request failed: connection refused, TLS, timeout.
    #[error("fetching the JWKS failed: {0}")]
    Fetch(String),
    /// The server answered with a status other than 200.
    #[error("the JWKS server answered HTTP {0}")]
    Status(u16),
    /// The document is larger than the limit.
    #[error("the JWKS document is over {max} bytes")]
    TooLarge {
        /// The limit.
        max: usize,
    },
    /// The document is not a JWKS.
    #[error("the JWKS document is invalid: {0}")]
    Invalid(KeyError),
}

#[derive(Default)]
struct State {
    keys: Arc<KeySet>,
    /// When the current keys were fetched.
    fetched_at: Option<Instant>,
    /// When the last fetch, successful or not, began.
    attempted_at: Option<Instant>,
    /// Why the last fetch failed.
    error: Option<JwksError>,
    /// Bumped by every completed fetch, so that waiters see one happened.
    generation: u64,
}

struct Inner {
    url: String,
    client: reqwest::Client,
    cooldown: Duration,
    max_age: Duration,
    max_stale: Duration,
    max_bytes: usize,
    state: RwLock<State>,
    /// One fetch in flight: concurrent callers wait for it and share its result.
    fetch: tokio::sync::Mutex<()>,
    fetches: AtomicU64,
}

/// A JWKS fetched from a URL (an identity provider's `jwks_uri`) and cached.
///
/// Keys are fetched on first use and again when the set is older than the maximum age
/// ([`DEFAULT_JWKS_MAX_AGE`]) or a token names a `kid` the set does not hold, at most once per
/// cooldown ([`DEFAULT_JWKS_COOLDOWN`]). Concurrent callers share one fetch in flight. A fetch
/// is bounded in time ([`DEFAULT_JWKS_TIMEOUT`]) and size ([`DEFAULT_JWKS_MAX_BYTES`]); keys
/// without a usable `alg` or `use` are skipped. A failed refresh keeps the last good set, up
/// to a staleness limit ([`DEFAULT_JWKS_MAX_STALE`]).
/// Cloning shares the cache.
#[derive(Clone)]
pub struct RemoteJwks {
    inner: Arc<Inner>,
}

impl fmt::Debug for RemoteJwks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteJwks")
            .field("url", &self.inner.url)
            .field("cooldown", &self.inner.cooldown)
            .field("max_age", &self.inner.max_age)
            .field("max_bytes", &self.inner.max_bytes)
            .finish_non_exhaustive()
    }
}

/// Settings for a [`RemoteJwks`].
#[derive(Debug, Clone)]
pub struct RemoteJwksConfig {
    /// The wait before another fetch for an unknown `kid`, or after a failed fetch.
    pub cooldown: Duration,
    /// The age after which the set is fetched again.
    pub max_age: Duration,
    /// The age after which a set that could not be refreshed is no longer used: a key the
    /// provider revoked stops verifying even while its JWKS endpoint is unreachable.
    pub max_stale: Duration,
    /// The time one fetch may take, connection included.
    pub timeout: Duration,
    /// The largest document accepted, in bytes.
    pub max_bytes: usize,
}

impl Default for RemoteJwksConfig {
    fn default() -> Self {
        RemoteJwksConfig {
            cooldown: DEFAULT_JWKS_COOLDOWN,
            max_age: DEFAULT_JWKS_MAX_AGE,
            max_stale: DEFAULT_JWKS_MAX_STALE,
            timeout: DEFAULT_JWKS_TIMEOUT,
            max_bytes: DEFAULT_JWKS_MAX_BYTES,
        }
    }
}

impl RemoteJwks {
    /// A JWKS at `url` with the default settings. Nothing is fetched until keys are needed.
    pub fn new(url: impl Into<String>) -> Result<Self, JwksError> {
        RemoteJwks::with_config(url, RemoteJwksConfig::default())
    }

    /// A JWKS at `url` with these settings.
    pub fn with_config(
        url: impl Into<String>,
        config: RemoteJwksConfig,
    ) -> Result<Self, JwksError> {
        let url = url.into();
        let parsed = url::Url::parse(&url).map_err(|_| JwksError::InvalidUrl(url.clone()))?;
        let loopback = matches!(parsed.host(), Some(url::Host::Domain("localhost")))
            || matches!(parsed.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
            || matches!(parsed.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback());
        match parsed.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => return Err(JwksError::InsecureUrl(url)),
        }
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|err| JwksError::Client(err.to_string()))?;
        Ok(RemoteJwks {
            inner: Arc::new(Inner {
                url,
                client,
                cooldown: config.cooldown,
                max_age: config.max_age,
                max_stale: config.max_stale.max(config.max_age),
                max_bytes: config.max_bytes,
                state: RwLock::new(State::default()),
                fetch: tokio::sync::Mutex::new(()),
                fetches: AtomicU64::new(0),
            }),
        })
    }

    /// The URL.
    pub fn url(&self) -> &str {
        &self.inner.url
    }

    /// How many fetches have been made.
    pub fn fetch_count(&self) -> u64 {
        self.inner.fetches.load(Ordering::Relaxed)
    }

    fn read(
        &self,
    ) -> (
        Arc<KeySet>,
        Option<Instant>,
        Option<Instant>,
        Option<JwksError>,
        u64,
    ) {
        match self.inner.state.read() {
            Ok(state) => (
                Arc::clone(&state.keys),
                state.fetched_at,
                state.attempted_at,
                state.error.clone(),
                state.generation,
            ),
            // A poisoned lock only means a panic elsewhere mid-update: start afresh.
            Err(_) => (Arc::default(), None, None, None, 0),
        }
    }

    /// The keys to verify a token naming `kid` with: the cached set when it is fresh and holds
    /// the key (or the cooldown forbids asking again), else a fetched one.
    pub async fn keys_for(&self, kid: Option<&str>) -> Result<Arc<KeySet>, JwksError> {
        let (keys, fetched_at, _, error, generation) = self.read();
        if self.usable(&keys, kid, fetched_at) {
            return self.settled(keys, fetched_at, error);
        }
        // Wait for a fetch in flight rather than answer from a set that lacks the key. A
        // fetch whose caller went away releases the lock without starting the cooldown, so
        // a hung-up request can never keep keys from loading.
        let _in_flight = self.inner.fetch.lock().await;
        let (keys, fetched_at, attempted_at, error, now_generation) = self.read();
        let cooling = attempted_at.is_some_and(|at| at.elapsed() < self.inner.cooldown);
        if now_generation != generation || self.usable(&keys, kid, fetched_at) || cooling {
            // Another caller fetched while this one waited (share its result), or one did
            // too recently to ask again.
            return self.settled(keys, fetched_at, error);
        }
        self.inner.fetches.fetch_add(1, Ordering::Relaxed);
        let fetched = self.fetch().await;
        // The cooldown runs from a completed attempt.
        let now = Instant::now();
        match fetched {
            Ok(fetched) => {
                let fetched = Arc::new(fetched);
                self.set(|state| {
                    state.keys = Arc::clone(&fetched);
                    state.fetched_at = Some(now);
                    state.attempted_at = Some(now);
                    state.error = None;
                    state.generation += 1;
                });
                Ok(fetched)
            }
            Err(err) => {
                self.set(|state| {
                    state.attempted_at = Some(now);
                    state.error = Some(err.clone());
                    state.generation += 1;
                });
                // The last good set stays in use, within its staleness limit.
                self.settled(keys, fetched_at, Some(err))
            }
        }
    }

    /// The keys to answer with: the cached set while it is younger than the staleness limit
    /// (a failed refresh does not throw it away), else the last error.
    fn settled(
        &self,
        keys: Arc<KeySet>,
        fetched_at: Option<Instant>,
        error: Option<JwksError>,
    ) -> Result<Arc<KeySet>, JwksError> {
        let within_limit = fetched_at.is_some_and(|at| at.elapsed() < self.inner.max_stale);
        if within_limit {
            return Ok(keys);
        }
        Err(error.unwrap_or(JwksError::Fetch(if fetched_at.is_some() {
            "the key set is older than its staleness limit".to_owned()
        } else {
            "no key set has been fetched yet".to_owned()
        })))
    }

    /// Whether the cached set is fresh and holds the key (or any key, without a `kid`).
    fn usable(&self, keys: &KeySet, kid: Option<&str>, fetched_at: Option<Instant>) -> bool {
        let fresh = fetched_at.is_some_and(|at| at.elapsed() < self.inner.max_age);
        fresh
            && match kid {
                Some(kid) => keys.get(kid).is_some(),
                None => !keys.is_empty(),
            }
    }

    fn set(&self, update: impl FnOnce(&mut State)) {
        let mut state = match self.inner.state.write() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        };
        update(&mut state);
    }

    async fn fetch(&self) -> Result<KeySet, JwksError> {
        let fetch_error = |err: reqwest::Error| {
            // reqwest's message names the URL, which is configuration, not a secret.
            JwksError::Fetch(if err.is_timeout() {
                "timed out".to_owned()
            } else {
                err.to_string()
            })
        };
        let mut response = self
            .inner
            .client
            .get(&self.inner.url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(fetch_error)?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(JwksError::Status(response.status().as_u16()));
        }
        let max = self.inner.max_bytes;
        if response
            .content_length()
            .is_some_and(|len| len > max as u64)
        {
            return Err(JwksError::TooLarge { max });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(fetch_error)? {
            if body.len() + chunk.len() > max {
                return Err(JwksError::TooLarge { max });
            }
            body.extend_from_slice(&chunk);
        }
        let text = std::str::from_utf8(&body)
            .map_err(|_| JwksError::Invalid(KeyError::InvalidJwk("the document is not UTF-8")))?;
        KeySet::from_jwks(text).map_err(JwksError::Invalid)
    }
}
