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
//! # Validation
//!
//! `#[claim(validate(...))]` puts rules on a claim; they are checked when the claims are
//! signed and when they are verified.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use statebacked_claims::Claims;
//!
//! #[derive(Serialize, Deserialize, Claims)]
//! struct Viewer {
//!     #[claim(validate(length(min = 1, max = 128)))]
//!     sub: String,
//!     #[serde(default)]
//!     #[claim(validate(each(one_of("admin", "member"))))]
//!     roles: Vec<String>,
//! }
//!
//! let viewer = Viewer { sub: "u1".into(), roles: vec!["admin".into(), "root".into()] };
//! let errors = viewer.validate().unwrap_err();
//! assert_eq!(errors.errors()[0].path(), "act.roles[1]");
//! assert_eq!(errors.errors()[0].rule(), "one_of");
//! ```
//!
//! | rule | applies to | example | fails when |
//! |---|---|---|---|
//! | `non_empty` | strings, collections | `validate(non_empty)` | `""`, `[]` |
//! | `length(min, max)` | strings (characters), collections (items) | `validate(length(min = 1, max = 128))` | too short or too long |
//! | `range(min, max)` | integers, floats (inclusive) | `validate(range(min = 13, max = 130))` | out of bounds, NaN |
//! | `email` | strings | `validate(email)` | not an email address (`email_address`) |
//! | `url` | strings | `validate(url)` | not an absolute URL (`url`) |
//! | `regex = "…"` | strings | `validate(regex = r"^\d{5}$")` | no match (`regex`, compiled once, checked at build time) |
//! | `one_of(…)` | strings, integers | `validate(one_of("admin", "member"))` | not listed |
//! | `prefix = "…"` | strings | `validate(prefix = "org_")` | does not start with it |
//! | `each(…)` | items of `Vec`, arrays, slices, sets | `validate(each(one_of("a", "b")))` | an item breaks a rule (path `act.roles[1]`) |
//! | `custom = path` | anything: `fn(&T) -> Result<(), String>` | `validate(custom = not_reserved)` | the function returns `Err` |
//! | `#[claim(nested)]` | fields (or `Option`/collections) of `Claims` types | `#[claim(nested)] address: Address` | the nested value breaks its own rules (path `act.address.zip`) |
//!
//! `Option<T>` claims are validated when present. `#[claim(sensitive)]` keeps a claim's value
//! out of every message. `Issuer::sign` returns `IssueError::Invalid` and signs nothing;
//! `Verifier::verify` returns `VerifyError::InvalidClaims`. `ValidationErrors` holds every
//! failure (claim path, rule, message) and serializes as `{"errors":[…]}` for HTTP bodies.
//!
//! # Token exchange
//!
//! [`TokenExchange`] answers the RFC 8693 request `@statebacked/client` sends: it picks the
//! [`IdentityProvider`] (Auth0, Cognito, Supabase, anonymous sessions or any issuer) by the
//! subject token's `iss`/`aud`, verifies the token, maps its claims with a [`Mapping`]
//! document or the type's `#[claim(from = "…")]` JSONPaths ([`Claims::from_identity`]), and
//! signs a State Backed token for the [`TokenProvider`] the audience names.
//!
//! # Authorizers
//!
//! The [`authorize`] module's [`Authorizer`](authorize::Authorizer) trait is
//! `@statebacked/machine`'s `allowRead`/`allowWrite`, with the machine's context and events
//! typed and the caller's [`AuthContext`] typed by the claims. JavaScript authorizers get the
//! same type from [`ClaimSchema::typescript`] (and a JSON Schema from
//! [`ClaimSchema::json_schema`]).
//!
//! # Beyond the State Backed profile
//!
//! `#[claims(profile = "flat")]` puts a type's claims beside the registered ones (the usual
//! JWT layout) instead of in `act`. [`Issuer::client_token`] signs machine-to-machine tokens
//! with [`Scopes`], which [`Verifier::require_scopes`] checks. [`Key::from_pem`],
//! [`Key::from_der`] and [`Key::from_jwk`] read RSA, RSA-PSS, ECDSA and Ed25519 keys, and
//! [`KeySet::public_jwks`] exports the public ones for other services to verify with.
//!
//! # Several replicas
//!
//! Verifying needs no shared state. What does — [`revocation`]s, [`rate_limit`]s on the
//! exchange, [`replay`] detection of subject tokens — goes through one [`store::Store`]: in
//! this process by default, in Redis with the `redis` feature.
//!
//! # Features
//!
//! - `derive` (default): `#[derive(Claims)]`.
//! - `aws-lc-rs` (default) and `rust-crypto`: the crypto backend behind jsonwebtoken. One is
//!   required; with both, aws-lc-rs is used. jsonwebtoken's process-wide provider is never
//!   consulted, so enabling both never panics.
//! - `jwks-http`: identity-provider keys fetched from a JWKS URL and cached (`RemoteJwks`),
//!   with reqwest (rustls) on tokio.
//! - `jwe`: encrypted tokens, a signed token nested in a compact JWE (`Issuer::sign_encrypted`,
//!   `Verifier::verify_encrypted`), on RustCrypto's `aes-gcm` and `aes-kw`.
//! - `axum`: axum 0.8 integration (module `axum`): the `Verified<C>` extractor, authorizer
//!   rejections and a `POST /tokens` router.
//! - `redis`: revocations, exchange rate limits and replay detection shared by several
//!   replicas through Redis (module `store`, on the `redis` crate and tokio); without it the
//!   same three work in one process.
//! - `testing`: tokens and auth contexts for tests (module `testing`).
//! - `tower`: a tower `Layer` that verifies bearer tokens into request extensions (module
//!   `tower`); `axum` turns it on.
//! - `proptest`: proptest strategies from the derive (module `generate`): valid claims,
//!   claims that break one rule, auth contexts; with `testing`, authorizer properties.

#![deny(missing_docs)]
#![doc(test(attr(deny(warnings))))]

// The modules below each own one concept; ARCHITECTURE.md maps them and what each may import
// (scripts/module_cycles.py checks that the imports form no cycle).
pub mod anonymous;
#[doc = include_str!("attributes.md")]
pub mod attributes {}
pub mod authorize;
#[cfg(feature = "axum")]
pub mod axum;
pub mod claims;
pub mod clock;
pub mod exchange;
pub mod expires;
#[cfg(feature = "proptest")]
pub mod generate;
pub mod issue;
#[cfg(feature = "jwks-http")]
pub mod jwks;
pub mod jws;
mod jwt;
pub mod keys;
pub mod mapping;
pub mod rate_limit;
mod redact;
pub mod replay;
pub mod revocation;
pub mod schema;
mod schema_export;
pub mod scope;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(feature = "tower")]
pub mod tower;
pub mod validate;
pub mod verify;

pub use anonymous::{AnonymousProvider, AnonymousSession};
pub use claims::{AdmitsAnonymous, AnonymousIdentity, Claims};
pub use clock::{Clock, FixedClock, SystemClock};
pub use exchange::{ExchangeError, IdentityProvider, TokenExchange, TokenProvider};
pub use expires::Expires;
pub use issue::{IssueError, Issuer, SignedToken};
#[cfg(feature = "jwe")]
pub use jwe::EncryptionKey;
#[cfg(feature = "jwks-http")]
pub use jwks::RemoteJwks;
pub use keys::{Algorithm, Key, KeyError, KeySet};
pub use mapping::{Mapping, MappingError};
pub use schema::ClaimSchema;
pub use scope::{ClientClaims, Scopes};
pub use validate::{ValidationError, ValidationErrors};
pub use verify::{AuthContext, RegisteredClaims, Verified, Verifier, VerifyError};

/// The README's examples, compiled and run with the doctests: every snippet there runs as
/// written. (Between them they use the identity-provider presets, the generators and the
/// test helpers.)
#[cfg(all(
    doctest,
    feature = "derive",
    feature = "jwks-http",
    feature = "proptest",
    feature = "testing"
))]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// `#[derive(Claims)]`: implements [`Claims`] from a struct's fields and serde's attributes.
/// Every attribute it takes, with an example each, is on the [`attributes`] page.
#[cfg(feature = "derive")]
pub use statebacked_claims_derive::Claims;

/// The audience of State Backed end-user tokens.
pub const STATEBACKED_AUDIENCE: &str = "https://api.statebacked.dev/";

/// Encrypted tokens (feature `jwe`): a signed token nested in a compact JWE, for claims the
/// client must not read. [`Issuer::sign_encrypted`] makes them and
/// [`Verifier::verify_encrypted`] opens and verifies them.
#[cfg(feature = "jwe")]
pub mod jwe {
    pub use crate::jwt::jwe::{ContentEncryption, EncryptionKey, JweError, KeyManagement};
}

/// What `#[derive(Claims)]` expands to refers to; not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::claims::{AdmitsAnonymous, Claims, NestedClaims, SubjectClaim};
    pub use crate::schema::{ClaimSchema, ClaimType, FieldSchema, Source};
    pub use crate::validate::check;
    pub use crate::validate::{Bound, Choice, ClaimPath, Rule, ValidationErrors};
    pub use regex;
    pub use serde;

    #[cfg(feature = "proptest")]
    pub use crate::generate::__private as generate;
    #[cfg(feature = "proptest")]
    pub use crate::generate::{ClaimValue, GenerateClaims};
    #[cfg(feature = "proptest")]
    pub use proptest;

    /// What the derive emits for the feature `proptest`: kept with it on, dropped with it off.
    /// The switch lives here, in the crate whose feature it is, so the derive's output needs
    /// no knowledge of the user's features and cannot disagree with this crate's.
    #[cfg(feature = "proptest")]
    #[doc(hidden)]
    #[macro_export]
    macro_rules! __sbc_if_proptest {
        ($($item:tt)*) => { $($item)* };
    }

    #[cfg(not(feature = "proptest"))]
    #[doc(hidden)]
    #[macro_export]
    macro_rules! __sbc_if_proptest {
        ($($item:tt)*) => {};
    }

    pub use crate::__sbc_if_proptest as if_proptest;
}
