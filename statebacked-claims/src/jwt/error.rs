//! What a rejected token is told: [`VerifyError`] and the details it carries.

use super::compact::SplitError;
use super::json::Problem;
use crate::keys::Algorithm;
use crate::validate::ValidationErrors;
use std::fmt;

/// The part of a token a problem was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Part {
    /// The JOSE header.
    Header,
    /// The claims set.
    Payload,
    /// The `act` claim inside the claims set.
    Act,
    /// The signature.
    Signature,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Header => "header",
            Part::Payload => "claims set",
            Part::Act => "`act` claim",
            Part::Signature => "signature",
        })
    }
}

/// How a token is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Malformed {
    /// Not exactly three segments (a JWE has five, the JSON serialization none).
    #[error("a compact JWS has exactly three segments")]
    SegmentCount,
    /// A segment is empty.
    #[error("a segment is empty")]
    EmptySegment,
    /// A character outside the base64url alphabet (padding, `+`, `/`, whitespace).
    #[error("a character outside the base64url alphabet")]
    InvalidCharacter,
    /// A segment is not canonical base64url.
    #[error("the {0} is not canonical base64url")]
    Base64(Part),
    /// A segment is not UTF-8.
    #[error("the {0} is not UTF-8")]
    Utf8(Part),
    /// A segment is not JSON (or has a lone surrogate escape, or trailing data).
    #[error("the {0} is not valid JSON")]
    Json(Part),
    /// The header or claims set is not a JSON object.
    #[error("the {0} is not a JSON object")]
    NotAnObject(Part),
    /// An object has the same member twice.
    #[error("the {0} has a duplicate member")]
    DuplicateMember(Part),
    /// Objects and arrays are nested too deeply.
    #[error("the {0} is nested too deeply")]
    TooDeep(Part),
    /// An object or array has too many members.
    #[error("the {0} has too many members")]
    TooManyMembers(Part),
    /// A header parameter has the wrong type, or `alg` is missing.
    #[error("header parameter `{0}` is missing or not a string")]
    HeaderParameter(&'static str),
}

/// Why a token was rejected. Never contains the token, a key or a secret.
///
/// One variant per cause; [`code`](VerifyError::code) names it for logs and metrics.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use statebacked_claims::{Claims, FixedClock, Issuer, Key, Verifier, VerifyError};
///
/// #[derive(Debug, Serialize, Deserialize, Claims)]
/// struct User { sub: String }
///
/// let key = Key::hs256("sbk_test", "sbsec_test_secret_0123456789abcdef")?;
/// let issuer = Issuer::<User>::new(key.clone()).clock(FixedClock::at_unix(1_700_000_000));
/// let token = issuer.sign(&User { sub: "u1".into() }, "1h".parse()?)?;
///
/// // An hour and a minute later: past `exp` and the 30 s leeway.
/// let later = Verifier::<User>::new(key.clone()).clock(FixedClock::at_unix(1_700_003_660));
/// let err = later.verify(token.as_str()).unwrap_err();
/// assert_eq!(err, VerifyError::Expired { exp: 1_700_003_600, now: 1_700_003_660 });
/// assert_eq!(err.code(), "expired");
///
/// // Another key with the same id: the signature does not verify.
/// let other = Key::hs256("sbk_test", "sbsec_other_secret_0123456789abcdef")?;
/// let err = Verifier::<User>::new(other).verify(token.as_str()).unwrap_err();
/// assert_eq!(err, VerifyError::BadSignature);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The token is longer than the verifier's maximum.
    #[error("token is {len} bytes, over the limit of {max}")]
    TooLarge {
        /// The token's length.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
    /// The token is not a well-formed JWS.
    #[error("malformed token: {0}")]
    Malformed(Malformed),
    /// The header carries a parameter this verifier refuses (`crit`, `b64`, `zip`, `enc`,
    /// `epk`, `p2c`).
    #[error("header parameter `{0}` is not supported")]
    UnsupportedHeader(&'static str),
    /// The header's `typ` is not `JWT` (or not the configured type).
    #[error("token type `typ` is not accepted")]
    WrongType,
    /// The header names an algorithm this crate does not support (`none`, `hs256`, …).
    #[error("unsupported algorithm")]
    UnsupportedAlgorithm,
    /// The header names an algorithm other than the one the key is bound to.
    #[error("algorithm {found} does not match the key's algorithm {expected}")]
    AlgorithmMismatch {
        /// The key's algorithm.
        expected: Algorithm,
        /// The header's algorithm.
        found: Algorithm,
    },
    /// The token's `kid` names no configured key.
    #[error("unknown key id")]
    UnknownKey,
    /// The token has no `kid` and several keys could verify it.
    #[error("the token has no key id and several keys are configured")]
    AmbiguousKey,
    /// The signature does not verify.
    #[error("invalid signature")]
    BadSignature,
    /// `exp` has passed.
    #[error("token expired at {exp} (now {now})")]
    Expired {
        /// The token's `exp`.
        exp: u64,
        /// The verifier's clock.
        now: u64,
    },
    /// `nbf` is in the future.
    #[error("token is not valid before {nbf} (now {now})")]
    NotYetValid {
        /// The token's `nbf`.
        nbf: u64,
        /// The verifier's clock.
        now: u64,
    },
    /// `iat` is in the future.
    #[error("token is issued in the future, at {iat} (now {now})")]
    IssuedInFuture {
        /// The token's `iat`.
        iat: u64,
        /// The verifier's clock.
        now: u64,
    },
    /// The token was issued longer ago than the verifier's maximum age.
    #[error("token issued at {iat} is older than the maximum age (now {now})")]
    TooOld {
        /// The token's `iat`.
        iat: u64,
        /// The verifier's clock.
        now: u64,
    },
    /// `aud` does not contain the expected audience.
    #[error("wrong audience")]
    WrongAudience,
    /// `iss` is not the expected issuer.
    #[error("wrong issuer")]
    WrongIssuer,
    /// A registered claim the verifier requires is absent.
    #[error("missing claim `{0}`")]
    MissingClaim(&'static str),
    /// A registered claim has the wrong type or is out of range (never treated as absent).
    #[error("claim `{0}` has the wrong type or is out of range")]
    InvalidClaim(&'static str),
    /// The token has no `act` claim.
    #[error("missing claim `act`")]
    ActMissing,
    /// `act.auth` is `"anonymous"` but the claims type does not admit anonymous sessions.
    #[error("anonymous sessions are not accepted for these claims")]
    AnonymousNotAllowed,
    /// `act` breaks the anonymous-session restriction.
    #[error("anonymous session claims rejected: {0}")]
    AnonymousClaimsViolation(AnonymousViolation),
    /// The claims decoded but break their validation rules.
    #[error("{0}")]
    InvalidClaims(ValidationErrors),
    /// The `act` claim does not decode into the claims type.
    #[error("claim `act` does not match {type_name}: {reason}")]
    ActInvalid {
        /// The claims type.
        type_name: &'static str,
        /// What did not match.
        reason: String,
    },
    /// The claims set does not decode into a flat-profile claims type.
    #[error("the claims set does not match {type_name}: {reason}")]
    ClaimsInvalid {
        /// The claims type.
        type_name: &'static str,
        /// What did not match.
        reason: String,
    },
    /// An encrypted token did not open (feature `jwe`).
    #[cfg(feature = "jwe")]
    #[error("encrypted token rejected: {0}")]
    Encryption(super::jwe::JweError),
    /// A State Backed token (with `act`) where a flat-profile token is expected.
    #[error("the token carries `act`: a State Backed token, not a flat one")]
    ProfileMismatch,
    /// The token's `scope` lacks scopes the verifier requires.
    #[error("the token lacks required scopes: {}", .missing.join(", "))]
    InsufficientScope {
        /// The required scopes the token does not grant, in the order they were required.
        missing: Vec<String>,
    },
    /// The token was revoked: its `jti` is listed, or its subject was revoked after it was
    /// issued (`revocation` module).
    #[error("the token has been revoked")]
    Revoked,
    /// The verifier checks revocations and its view of them is older than its staleness
    /// bound (the shared store is unreachable): it fails closed (`revocation` module).
    #[error("revocations could not be confirmed within the staleness bound")]
    RevocationsUnavailable,
}

impl VerifyError {
    /// A stable machine-readable name for the cause, one per variant (`expired`,
    /// `bad_signature`, `unknown_kid`, …): for logs, metrics and JSON error bodies, where the
    /// message may change but the code does not.
    ///
    /// ```
    /// use statebacked_claims::VerifyError;
    ///
    /// assert_eq!(VerifyError::BadSignature.code(), "bad_signature");
    /// assert_eq!(VerifyError::Expired { exp: 1, now: 2 }.code(), "expired");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::TooLarge { .. } => "too_large",
            VerifyError::Malformed(_) => "malformed",
            VerifyError::UnsupportedHeader(_) => "unsupported_header",
            VerifyError::WrongType => "wrong_type",
            VerifyError::UnsupportedAlgorithm => "unsupported_algorithm",
            VerifyError::AlgorithmMismatch { .. } => "algorithm_mismatch",
            VerifyError::UnknownKey => "unknown_kid",
            VerifyError::AmbiguousKey => "ambiguous_kid",
            VerifyError::BadSignature => "bad_signature",
            VerifyError::Expired { .. } => "expired",
            VerifyError::NotYetValid { .. } => "not_yet_valid",
            VerifyError::IssuedInFuture { .. } => "issued_in_future",
            VerifyError::TooOld { .. } => "too_old",
            VerifyError::WrongAudience => "wrong_audience",
            VerifyError::WrongIssuer => "wrong_issuer",
            VerifyError::MissingClaim(_) => "missing_claim",
            VerifyError::InvalidClaim(_) => "invalid_claim",
            VerifyError::ActMissing => "act_missing",
            VerifyError::AnonymousNotAllowed => "anonymous_not_allowed",
            VerifyError::AnonymousClaimsViolation(_) => "anonymous_violation",
            VerifyError::InvalidClaims(_) => "invalid_claims",
            VerifyError::ActInvalid { .. } => "act_invalid",
            VerifyError::ClaimsInvalid { .. } => "claims_invalid",
            #[cfg(feature = "jwe")]
            VerifyError::Encryption(_) => "encryption",
            VerifyError::ProfileMismatch => "profile_mismatch",
            VerifyError::InsufficientScope { .. } => "insufficient_scope",
            VerifyError::Revoked => "revoked",
            VerifyError::RevocationsUnavailable => "revocations_unavailable",
        }
    }

    pub(super) fn malformed(problem: Option<Problem>, part: Part) -> VerifyError {
        VerifyError::Malformed(match problem {
            Some(Problem::DuplicateMember) => Malformed::DuplicateMember(part),
            Some(Problem::TooDeep) => Malformed::TooDeep(part),
            Some(Problem::TooManyMembers) => Malformed::TooManyMembers(part),
            Some(Problem::Invalid(param)) if part == Part::Header => {
                Malformed::HeaderParameter(param)
            }
            Some(Problem::Invalid(claim)) => return VerifyError::InvalidClaim(claim),
            Some(Problem::Unsupported(param)) => return VerifyError::UnsupportedHeader(param),
            None => Malformed::Json(part),
        })
    }
}

impl From<SplitError> for VerifyError {
    fn from(err: SplitError) -> Self {
        VerifyError::Malformed(match err {
            SplitError::SegmentCount => Malformed::SegmentCount,
            SplitError::EmptySegment => Malformed::EmptySegment,
            SplitError::InvalidCharacter => Malformed::InvalidCharacter,
        })
    }
}

/// How an `act` claim breaks the anonymous-session restriction (WIRE.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AnonymousViolation {
    /// An anonymous session's `act` carries a claim other than `sid`, `did` and `auth`.
    #[error("`act` of an anonymous session carries a claim other than `sid` and `did`")]
    ExtraClaim,
    /// `sid` is missing, empty or not a string.
    #[error("`act.sid` is missing, empty or not a string")]
    MissingSessionId,
    /// `did` is missing, empty or not a string.
    #[error("`act.did` is missing, empty or not a string")]
    MissingDeviceId,
    /// `auth` is present but not exactly the string `"anonymous"`: the claim is reserved.
    #[error("`act.auth` is reserved for anonymous sessions and must be exactly \"anonymous\"")]
    InvalidAuth,
}

/// Why a verifier configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The leeway is over [`MAX_LEEWAY_SECS`](super::MAX_LEEWAY_SECS).
    #[error("leeway of {secs}s is over the maximum of {max}s")]
    LeewayTooLarge {
        /// The requested leeway in seconds.
        secs: u64,
        /// The maximum.
        max: u64,
    },
}
