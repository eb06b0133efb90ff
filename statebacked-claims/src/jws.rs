//! Low-level JWS: the signature checks of a JWT without its claims set, for payloads that are
//! not JWT claims sets (the way jsonwebtoken keeps its `jws` module apart from `decode`).

use crate::jwt::{self, VerifyError};
use crate::keys::KeySet;

/// Verifies a compact JWS whose payload is not a JWT claims set: the same size, format,
/// header, key and signature checks as [`Verifier::verify`](crate::Verifier::verify), then the
/// payload's bytes, unread.
///
/// ```
/// use statebacked_claims::jws::verify_jws;
/// use statebacked_claims::{Key, KeySet};
///
/// let key = Key::hs256("k", "a-shared-secret-of-at-least-32-bytes")?;
/// let token = "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsifQ.Zm9v.x";
/// assert!(verify_jws(token, &KeySet::from(key)).is_err());
/// # Ok::<(), statebacked_claims::KeyError>(())
/// ```
pub fn verify_jws(token: &str, keys: &KeySet) -> Result<Vec<u8>, VerifyError> {
    jwt::rules::verified_payload(token, keys)
}
