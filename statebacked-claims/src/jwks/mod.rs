//! A JWKS fetched over HTTPS and cached (feature `jwks-http`), from a `jwks_uri` given
//! directly or found by OpenID Connect Discovery ([`discovery`]).

pub mod discovery;
mod fetch;

use crate::keys::{KeyError, KeySet, SkippedKey};
use discovery::{DiscoveryError, ProviderMetadata};
use fetch::FetchError;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
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
    /// The provider's OpenID configuration could not be fetched or is not acceptable.
    #[error("{0}")]
    Discovery(DiscoveryError),
    /// Fetching needs a Tokio runtime, and the caller runs outside one.
    #[error("fetching a JWKS needs a Tokio runtime")]
    NoRuntime,
}

impl JwksError {
    fn fetching(url: &str, err: FetchError) -> JwksError {
        match err {
            FetchError::Insecure => JwksError::InsecureUrl(url.to_owned()),
            FetchError::Invalid => JwksError::InvalidUrl(url.to_owned()),
            FetchError::Transport(reason) => JwksError::Fetch(reason),
            FetchError::Status(status) => JwksError::Status(status),
            FetchError::TooLarge { max } => JwksError::TooLarge { max },
        }
    }
}

/// What the cache holds. Read by every caller, written only by the fetch task.
#[derive(Default, Clone)]
struct State {
    keys: Arc<KeySet>,
    /// When the current keys were fetched.
    fetched_at: Option<Instant>,
    /// When the last fetch, successful or not, ended.
    attempted_at: Option<Instant>,
    /// Why the last fetch failed.
    error: Option<JwksError>,
    /// Bumped by every completed fetch, so that waiters see one happened.
    generation: u64,
}

/// Where the keys come from.
enum Source {
    /// A `jwks_uri` given directly.
    Url(String),
    /// The `jwks_uri` of the provider's OpenID configuration, with the document last read.
    Discovery {
        issuer: String,
        metadata: Mutex<Option<(ProviderMetadata, Instant)>>,
    },
}

struct Inner {
    source: Source,
    client: reqwest::Client,
    cooldown: Duration,
    max_age: Duration,
    max_stale: Duration,
    max_bytes: usize,
    state: RwLock<State>,
    /// Held by the one fetch in flight, from its start to its end, on its own task: callers
    /// wait for it and share its result, and a caller that goes away neither cancels it nor
    /// lets a second fetch start.
    fetch: Arc<tokio::sync::Mutex<()>>,
    fetches: AtomicU64,
}

/// A JWKS fetched from a URL (an identity provider's `jwks_uri`) and cached.
///
/// Keys are fetched on first use and again when the set is older than the maximum age
/// ([`DEFAULT_JWKS_MAX_AGE`]) or a token names a `kid` the set does not hold, at most once per
/// cooldown ([`DEFAULT_JWKS_COOLDOWN`]). Concurrent callers share one fetch in flight, which
/// runs on its own Tokio task: a caller that goes away (an HTTP client hanging up) does not
/// cancel it, and the cooldown after it holds all the same. A fetch is bounded in time
/// ([`DEFAULT_JWKS_TIMEOUT`]) and size ([`DEFAULT_JWKS_MAX_BYTES`]); keys this crate cannot
/// use are skipped and reported ([`skipped`](RemoteJwks::skipped)). A failed refresh (a set
/// with no usable key included) keeps the last good set, up to a staleness limit
/// ([`DEFAULT_JWKS_MAX_STALE`]).
///
/// [`discover`](RemoteJwks::discover) finds the `jwks_uri` in the provider's OpenID
/// configuration instead (see [`discovery`]). Cloning shares the cache.
#[derive(Clone)]
pub struct RemoteJwks {
    inner: Arc<Inner>,
}

impl fmt::Debug for RemoteJwks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("RemoteJwks");
        match &self.inner.source {
            Source::Url(url) => debug.field("url", url),
            Source::Discovery { issuer, .. } => debug.field("discovery", issuer),
        };
        debug
            .field("cooldown", &self.inner.cooldown)
            .field("max_age", &self.inner.max_age)
            .field("max_bytes", &self.inner.max_bytes)
            .finish_non_exhaustive()
    }
}

/// Settings for a [`RemoteJwks`].
#[derive(Debug, Clone)]
pub struct RemoteJwksConfig {
    /// The wait after a fetch before another for an unknown `kid`, or after a failed fetch.
    pub cooldown: Duration,
    /// The age after which the set (and an OpenID configuration) is fetched again.
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
        fetch::check_url(&url).map_err(|err| JwksError::fetching(&url, err))?;
        RemoteJwks::from_source(Source::Url(url), config)
    }

    /// The JWKS of the OpenID Provider `issuer`, found by OpenID Connect Discovery (see
    /// [`discovery`]), with the default settings. Nothing is fetched until keys are needed.
    ///
    /// ```
    /// use statebacked_claims::RemoteJwks;
    ///
    /// let jwks = RemoteJwks::discover("https://id.example.com/realms/main")?;
    /// assert_eq!(jwks.url(), "https://id.example.com/realms/main");
    /// assert!(RemoteJwks::discover("http://id.example.com").is_err());
    /// # Ok::<(), statebacked_claims::jwks::JwksError>(())
    /// ```
    pub fn discover(issuer: impl Into<String>) -> Result<Self, JwksError> {
        RemoteJwks::discover_with_config(issuer, RemoteJwksConfig::default())
    }

    /// [`discover`](RemoteJwks::discover) with these settings; the OpenID configuration is
    /// fetched again after the same maximum age as the keys.
    pub fn discover_with_config(
        issuer: impl Into<String>,
        config: RemoteJwksConfig,
    ) -> Result<Self, JwksError> {
        let issuer = issuer.into();
        discovery::check_issuer(&issuer).map_err(JwksError::Discovery)?;
        RemoteJwks::from_source(
            Source::Discovery {
                issuer,
                metadata: Mutex::new(None),
            },
            config,
        )
    }

    fn from_source(source: Source, config: RemoteJwksConfig) -> Result<Self, JwksError> {
        let client = fetch::client(config.timeout).map_err(JwksError::Client)?;
        Ok(RemoteJwks {
            inner: Arc::new(Inner {
                source,
                client,
                cooldown: config.cooldown,
                max_age: config.max_age,
                max_stale: config.max_stale.max(config.max_age),
                max_bytes: config.max_bytes,
                state: RwLock::new(State::default()),
                fetch: Arc::new(tokio::sync::Mutex::new(())),
                fetches: AtomicU64::new(0),
            }),
        })
    }

    /// The JWKS URL, or for a discovered JWKS the issuer.
    pub fn url(&self) -> &str {
        match &self.inner.source {
            Source::Url(url) => url,
            Source::Discovery { issuer, .. } => issuer,
        }
    }

    /// How many fetches have been started (a discovered JWKS counts one per refresh, whether
    /// or not the OpenID configuration was read again).
    pub fn fetch_count(&self) -> u64 {
        self.inner.fetches.load(Ordering::Relaxed)
    }

    /// The keys the last fetched document held that this crate skipped, each with the
    /// reason: why a token naming one of these `kid`s is refused as an unknown key.
    pub fn skipped(&self) -> Vec<SkippedKey> {
        self.inner.read().keys.skipped().to_vec()
    }

    /// The OpenID configuration last read, for a discovered JWKS.
    pub fn metadata(&self) -> Option<ProviderMetadata> {
        match &self.inner.source {
            Source::Url(_) => None,
            Source::Discovery { metadata, .. } => lock(metadata).as_ref().map(|(m, _)| m.clone()),
        }
    }

    /// The keys to verify a token naming `kid` with: the cached set when it is fresh and holds
    /// the key (or the cooldown forbids asking again), else a fetched one.
    pub async fn keys_for(&self, kid: Option<&str>) -> Result<Arc<KeySet>, JwksError> {
        let seen = self.inner.read();
        if self.inner.usable(&seen, kid) {
            return self.inner.settled(seen);
        }
        // Wait for a fetch in flight rather than answer from a set that lacks the key.
        let guard = Arc::clone(&self.inner.fetch).lock_owned().await;
        let now = self.inner.read();
        let cooling = now
            .attempted_at
            .is_some_and(|at| at.elapsed() < self.inner.cooldown);
        if now.generation != seen.generation || self.inner.usable(&now, kid) || cooling {
            // Another caller fetched while this one waited (share its result), or one did
            // too recently to ask again.
            return self.inner.settled(now);
        }
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| JwksError::NoRuntime)?;
        self.inner.fetches.fetch_add(1, Ordering::Relaxed);
        let inner = Arc::clone(&self.inner);
        // The fetch owns the lock: if this caller is dropped while it runs, it runs on, and
        // its end starts the cooldown.
        let task = runtime.spawn(async move {
            inner.refresh().await;
            drop(guard);
        });
        // A failed join (the runtime shutting down) leaves the state as it was.
        let _ = task.await;
        self.inner.settled(self.inner.read())
    }
}

impl Inner {
    fn read(&self) -> State {
        match self.state.read() {
            Ok(state) => state.clone(),
            // A poisoned lock only means a panic elsewhere mid-update: start afresh.
            Err(_) => State::default(),
        }
    }

    /// The keys to answer with: the cached set while it is younger than the staleness limit
    /// (a failed refresh does not throw it away), else the last error.
    fn settled(&self, state: State) -> Result<Arc<KeySet>, JwksError> {
        let within_limit = state
            .fetched_at
            .is_some_and(|at| at.elapsed() < self.max_stale);
        if within_limit {
            return Ok(state.keys);
        }
        Err(state.error.unwrap_or(JwksError::Fetch(
            if state.fetched_at.is_some() {
                "the key set is older than its staleness limit"
            } else {
                "no key set has been fetched yet"
            }
            .to_owned(),
        )))
    }

    /// Whether the cached set is fresh and holds the key (or any key, without a `kid`).
    fn usable(&self, state: &State, kid: Option<&str>) -> bool {
        let fresh = state
            .fetched_at
            .is_some_and(|at| at.elapsed() < self.max_age);
        fresh
            && match kid {
                Some(kid) => state.keys.get(kid).is_some(),
                None => !state.keys.is_empty(),
            }
    }

    /// One fetch, its outcome recorded. The cooldown runs from its end.
    async fn refresh(&self) {
        let fetched = self.fetch().await;
        let now = Instant::now();
        let mut state = match self.state.write() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        };
        match fetched {
            Ok(keys) => {
                state.keys = Arc::new(keys);
                state.fetched_at = Some(now);
                state.error = None;
            }
            Err(err) => state.error = Some(err),
        }
        state.attempted_at = Some(now);
        state.generation += 1;
    }

    async fn fetch(&self) -> Result<KeySet, JwksError> {
        let (url, algorithms) = match &self.source {
            Source::Url(url) => (url.clone(), None),
            Source::Discovery { issuer, metadata } => {
                let current = self.metadata(issuer, metadata).await?;
                (current.jwks_uri().to_owned(), Some(current.algorithms()))
            }
        };
        let body = fetch::get(&self.client, &url, self.max_bytes)
            .await
            .map_err(|err| JwksError::fetching(&url, err))?;
        let text = std::str::from_utf8(&body)
            .map_err(|_| JwksError::Invalid(KeyError::InvalidJwk("the document is not UTF-8")))?;
        let mut keys = KeySet::from_jwks(text).map_err(JwksError::Invalid)?;
        if let Some(algorithms) = algorithms {
            keys.retain_algorithms(&algorithms);
        }
        // A provider publishing no key it can sign with is failing, not revoking everything
        // at once: the last good set stays in use, within its staleness limit.
        if keys.is_empty() {
            return Err(JwksError::Invalid(KeyError::InvalidJwk(
                "the set holds no usable key",
            )));
        }
        Ok(keys)
    }

    /// The provider's OpenID configuration: the one last read while younger than the maximum
    /// age, else read again.
    async fn metadata(
        &self,
        issuer: &str,
        cached: &Mutex<Option<(ProviderMetadata, Instant)>>,
    ) -> Result<ProviderMetadata, JwksError> {
        if let Some((metadata, at)) = lock(cached).as_ref()
            && at.elapsed() < self.max_age
        {
            return Ok(metadata.clone());
        }
        let metadata = discovery::fetch(&self.client, issuer, self.max_bytes)
            .await
            .map_err(JwksError::Discovery)?;
        *lock(cached) = Some((metadata.clone(), Instant::now()));
        Ok(metadata)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
