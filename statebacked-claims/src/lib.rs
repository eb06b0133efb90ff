//! Typed claims for State Backed-style end-user tokens.
//!
//! Describe your users' authContext once, as a struct, and derive [`Claims`] on it beside
//! serde's derives. Then sign tokens whose `act` claim is that struct with an [`Issuer`], and
//! verify them into the same type with a [`Verifier`]. Tokens are byte-identical to what
//! State Backed's `@statebacked/token` package makes.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use statebacked_claims::{Claims, Issuer, Key, Verifier};
//!
//! #[derive(Debug, PartialEq, Serialize, Deserialize, Claims)]
//! #[serde(rename_all = "camelCase")]
//! struct Viewer {
//!     sub: String,
//!     #[serde(default)]
//!     groups: Vec<String>,
//! }
//!
//! let key = Key::hs256("sbk_example", "sbsec_example_secret_0123456789abcdef")?;
//! let issuer = Issuer::<Viewer>::new(key.clone());
//! let verifier = Verifier::<Viewer>::new(key);
//!
//! let viewer = Viewer { sub: "user-1".into(), groups: vec!["admin".into()] };
//! let token = issuer.sign(&viewer, "1h".parse()?)?;
//! let verified = verifier.verify(token.as_str())?;
//! assert_eq!(verified.claims(), &viewer);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Features
//!
//! - `derive` (default): `#[derive(Claims)]`.
//! - `aws-lc-rs` (default) and `rust-crypto`: the crypto backend behind jsonwebtoken. One is
//!   required; with both, aws-lc-rs is used. jsonwebtoken's process-wide provider is never
//!   consulted, so enabling both never panics.

#![deny(missing_docs)]

mod anonymous;
mod claims;
mod clock;
mod crypto;
mod expires;
mod issue;
mod json;
mod jws;
mod keys;
mod verify;

pub use anonymous::{
    ANONYMOUS_SERVICE, ANONYMOUS_TOKEN_LIFETIME, AnonymousExchangeError, AnonymousIdentity,
    AnonymousProvider, AnonymousSession, anonymous_audience,
};
pub use claims::{AdmitsAnonymous, ClaimSchema, ClaimType, Claims, FieldSchema};
pub use clock::{Clock, FixedClock, SystemClock};
pub use crypto::backend;
pub use expires::{Expires, ExpiresError};
pub use issue::{IssueError, Issuer, SignedToken};
pub use keys::{Algorithm, Key, KeyError, KeySet, MIN_HMAC_SECRET_LEN};
pub use verify::{
    AnonymousViolation, AuthContext, ConfigError, DEFAULT_LEEWAY_SECS, DEFAULT_MAX_TOKEN_LEN,
    MAX_LEEWAY_SECS, Malformed, Part, RegisteredClaims, Verified, Verifier, VerifyError,
};

/// `#[derive(Claims)]`: see the [`Claims`] trait.
#[cfg(feature = "derive")]
pub use statebacked_claims_derive::Claims;

/// The audience of State Backed end-user tokens.
pub const STATEBACKED_AUDIENCE: &str = "https://api.statebacked.dev/";

/// What `#[derive(Claims)]` expands to refers to; not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::claims::{AdmitsAnonymous, ClaimSchema, ClaimType, Claims, FieldSchema};
    pub use serde;
}
