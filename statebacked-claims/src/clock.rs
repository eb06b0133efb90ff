//! Time, injectable so that golden tests are exact.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where issuers and verifiers read the current time.
pub trait Clock: Send + Sync {
    /// Seconds since the Unix epoch (whole seconds, as JWT times are).
    fn now_unix(&self) -> u64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> u64 {
        // A system clock set before 1970 reads as the epoch: every token is then "not yet
        // valid" or rejected by its `iat`, which fails closed.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs())
    }
}

/// A clock stopped at one instant, for tests and golden vectors.
///
/// ```
/// use statebacked_claims::{Clock, FixedClock};
/// assert_eq!(FixedClock::at_unix(1_700_000_000).now_unix(), 1_700_000_000);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(u64);

impl FixedClock {
    /// A clock that always reads `unix_seconds`.
    pub const fn at_unix(unix_seconds: u64) -> Self {
        FixedClock(unix_seconds)
    }
}

impl Clock for FixedClock {
    fn now_unix(&self) -> u64 {
        self.0
    }
}

impl fmt::Debug for FixedClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FixedClock({})", self.0)
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now_unix(&self) -> u64 {
        (**self).now_unix()
    }
}
