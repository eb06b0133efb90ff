//! Rate limits on the token exchange, shared by every replica through a [`Store`].
//!
//! A [`Limit`] is a number of requests per period, decided by GCRA (the generic cell rate
//! algorithm): up to `count` at once, then one every `period / count`. [`RateLimits`] holds
//! four of them, each optional:
//!
//! - [`per_address`](RateLimits::per_address): exchanges of identity-provider tokens from one
//!   client address;
//! - [`per_provider`](RateLimits::per_provider): exchanges of one identity provider's tokens,
//!   from everyone;
//! - [`anonymous_per_address`](RateLimits::anonymous_per_address) and
//!   [`anonymous`](RateLimits::anonymous): the same for anonymous sessions, limited
//!   separately (their identity token is signable by anyone who knows the public org id, so
//!   `POST /tokens` is otherwise an open faucet for them).
//!
//! IPv6 clients are counted by their /64 network (one host usually holds a whole /64).
//! Every limit that applies to a request is checked and charged at once, all or none: in
//! Redis by one script, in one round trip, on the server's clock, so a limit of L across
//! any number of replicas lets exactly L through. If the store cannot be reached, the
//! limits are decided in this process instead (so each replica allows up to L while Redis is
//! down) and Redis is used again as soon as it answers.
//!
//! Attach them with [`TokenExchange::rate_limits`](crate::TokenExchange::rate_limits); a
//! refused exchange is [`ExchangeError::RateLimited`](crate::ExchangeError::RateLimited),
//! which [`axum::token_router`](crate::axum) answers `429` with `Retry-After`.
//!
//! ```
//! use statebacked_claims::rate_limit::{Limit, RateLimits};
//! use statebacked_claims::store::Store;
//! use std::time::Duration;
//!
//! let limits = RateLimits::new(Store::memory())
//!     .anonymous_per_address(Limit::per_minute(10))
//!     .anonymous(Limit::per_second(200))
//!     .per_address(Limit::new(30, Duration::from_secs(60)));
//! # let _ = limits;
//! ```

use crate::store::{Bucket, Store};
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

/// At most `count` requests per `period`: up to `count` at once, then one every
/// `period / count`. A count of 0 refuses every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    count: u32,
    period: Duration,
}

impl Limit {
    /// `count` requests per `period`.
    pub const fn new(count: u32, period: Duration) -> Limit {
        Limit { count, period }
    }

    /// `count` requests per second.
    pub const fn per_second(count: u32) -> Limit {
        Limit::new(count, Duration::from_secs(1))
    }

    /// `count` requests per minute.
    pub const fn per_minute(count: u32) -> Limit {
        Limit::new(count, Duration::from_secs(60))
    }

    /// `count` requests per hour.
    pub const fn per_hour(count: u32) -> Limit {
        Limit::new(count, Duration::from_secs(3600))
    }

    fn bucket(&self, key: String) -> Bucket {
        let period_ms = u64::try_from(self.period.as_millis()).unwrap_or(u64::MAX);
        Bucket {
            key,
            interval_ms: (period_ms / u64::from(self.count.max(1))).max(1),
            burst: u64::from(self.count),
        }
    }
}

/// The exchange's rate limits, and the store they are counted in. See the
/// [module](self).
#[derive(Clone)]
pub struct RateLimits {
    store: Store,
    /// Where limits are counted while `store` cannot be reached.
    fallback: Store,
    per_address: Option<Limit>,
    per_provider: Option<Limit>,
    anonymous_per_address: Option<Limit>,
    anonymous: Option<Limit>,
}

impl fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimits")
            .field("store", &self.store)
            .field("per_address", &self.per_address)
            .field("per_provider", &self.per_provider)
            .field("anonymous_per_address", &self.anonymous_per_address)
            .field("anonymous", &self.anonymous)
            .finish()
    }
}

impl RateLimits {
    /// No limits yet, counted in `store`.
    pub fn new(store: Store) -> RateLimits {
        RateLimits {
            store,
            fallback: Store::memory(),
            per_address: None,
            per_provider: None,
            anonymous_per_address: None,
            anonymous: None,
        }
    }

    /// Exchanges of identity-provider tokens from one client address.
    pub fn per_address(mut self, limit: Limit) -> Self {
        self.per_address = Some(limit);
        self
    }

    /// Exchanges of one identity provider's tokens, from all clients (each provider has its
    /// own count).
    pub fn per_provider(mut self, limit: Limit) -> Self {
        self.per_provider = Some(limit);
        self
    }

    /// Anonymous-session exchanges from one client address.
    pub fn anonymous_per_address(mut self, limit: Limit) -> Self {
        self.anonymous_per_address = Some(limit);
        self
    }

    /// Anonymous-session exchanges from all clients.
    pub fn anonymous(mut self, limit: Limit) -> Self {
        self.anonymous = Some(limit);
        self
    }

    /// Takes one request for `provider` from `client` (`None`: the address is unknown, and
    /// all such requests share one count): `Err` with the time to wait when a limit has no
    /// room, and then nothing is counted.
    pub(crate) async fn take(
        &self,
        provider: &str,
        anonymous: bool,
        client: Option<IpAddr>,
    ) -> Result<(), Duration> {
        let address = client.map_or_else(|| "unknown".to_owned(), |ip| counted(ip).to_string());
        let (per_address, total) = if anonymous {
            (self.anonymous_per_address, self.anonymous)
        } else {
            (self.per_address, self.per_provider)
        };
        let class = if anonymous { "anon" } else { "idp" };
        let mut buckets = Vec::with_capacity(2);
        if let Some(limit) = per_address {
            buckets.push(limit.bucket(format!("{class}:addr:{address}")));
        }
        if let Some(limit) = total {
            buckets.push(limit.bucket(format!("{class}:provider:{provider}")));
        }
        if buckets.is_empty() {
            return Ok(());
        }
        let wait = match self.store.take(&buckets).await {
            Ok(wait) => wait,
            Err(_) => self.fallback.take(&buckets).await.unwrap_or(None),
        };
        match wait {
            None => Ok(()),
            Some(ms) => Err(Duration::from_millis(ms)),
        }
    }
}

/// The address a client is counted under: itself for IPv4, its /64 for IPv6.
fn counted(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(bits.into())
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .map(|rt| rt.block_on(future))
            .unwrap()
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(counted(a), counted(b));
        assert_eq!(counted(a).to_string(), "2001:db8:1:2::");
        assert_eq!(counted(mapped).to_string(), "192.0.2.7");
    }

    #[test]
    fn anonymous_sessions_and_providers_are_counted_apart() {
        let limits = RateLimits::new(Store::memory())
            .per_address(Limit::per_hour(2))
            .anonymous_per_address(Limit::per_hour(1));
        let ip: Option<IpAddr> = Some("192.0.2.1".parse().unwrap());
        block_on(async {
            assert_eq!(limits.take("anonymous", true, ip).await, Ok(()));
            assert!(limits.take("anonymous", true, ip).await.is_err());
            assert_eq!(limits.take("auth0", false, ip).await, Ok(()));
            assert_eq!(limits.take("auth0", false, ip).await, Ok(()));
            let wait = limits.take("auth0", false, ip).await.unwrap_err();
            assert_eq!(wait, Duration::from_secs(1800));
            // Another address has its own count.
            let other = Some("192.0.2.2".parse().unwrap());
            assert_eq!(limits.take("auth0", false, other).await, Ok(()));
        });
    }

    #[test]
    fn a_zero_limit_refuses_everything() {
        let limits = RateLimits::new(Store::memory()).anonymous(Limit::per_minute(0));
        block_on(async {
            assert!(limits.take("anonymous", true, None).await.is_err());
        });
    }
}
