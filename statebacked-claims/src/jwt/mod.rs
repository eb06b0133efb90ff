//! The JWT engine, crate-private: everything between a token's text and its checked claims,
//! and between claims and a signed token's text.
//!
//! The public types built on it are [`Verifier`](crate::Verifier), [`Issuer`](crate::Issuer),
//! [`AnonymousProvider`](crate::AnonymousProvider) and [`TokenExchange`](crate::TokenExchange);
//! the vocabulary it reports in ([`VerifyError`], [`RegisteredClaims`]) is re-exported from
//! [`verify`](crate::verify).
//!
//! - [`compact`]: the compact serialization (RFC 7515 §7.1): splitting, strict base64url, and
//!   assembling a signed token.
//! - [`json`]: the strict JSON every header and claims set must be (no duplicate members,
//!   bounded depth and width).
//! - [`header`]: reading the JOSE header.
//! - [`claims_set`]: reading the claims set in one strict walk; [`probe`]: what `act` says about
//!   anonymity, read in that walk; [`scan`]: the fast path that checks and reads the same in one
//!   hand-written pass over the bytes. [`decode`]: the scan, or the walk, into a claims type.
//! - [`rules`]: the checks every kind of token goes through, in order.
//! - [`registered`] and [`error`]: what a verified token reports and what a refused one is told.
//! - `jwe` (feature `jwe`): signed tokens nested in a compact JWE.
//!
//! Nothing here imports [`verify`](crate::verify), [`issue`](crate::issue),
//! [`anonymous`](crate::anonymous) or [`exchange`](crate::exchange): they import this.

pub(crate) mod claims_set;
pub(crate) mod compact;
pub(crate) mod decode;
pub(crate) mod error;
pub(crate) mod header;
pub(crate) mod json;
#[cfg(feature = "jwe")]
pub(crate) mod jwe;
pub(crate) mod probe;
pub(crate) mod registered;
pub(crate) mod rules;
pub(crate) mod scan;

pub(crate) use claims_set::{Capture, parse_payload};
pub(crate) use decode::{Decoded, decode, decode_in};
pub use error::{AnonymousViolation, ConfigError, Malformed, Part, VerifyError};
pub use registered::RegisteredClaims;
pub(crate) use rules::Rules;
pub use rules::{DEFAULT_LEEWAY_SECS, DEFAULT_MAX_TOKEN_LEN, MAX_LEEWAY_SECS};
