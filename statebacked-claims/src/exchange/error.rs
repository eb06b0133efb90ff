//! Why an exchange was refused, and the RFC 6749 error each refusal is answered with.

use crate::issue::IssueError;
use crate::jwt::VerifyError;
use crate::mapping::MappingError;
use crate::store::StoreError;
use crate::validate::ValidationErrors;
use std::fmt;
use std::time::Duration;

/// Why an exchange failed, with its RFC 6749 §5.2 error code and HTTP status. Messages never
/// contain a token, a key or a claim's value: its `Display` and `Debug` name a broken rule by
/// claim path and rule only (the subject token comes from outside, and these end up in logs).
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExchangeError {
    /// The request is malformed (`invalid_request`, 400).
    #[error("invalid request: {0}")]
    InvalidRequest(&'static str),
    /// The grant type is not token exchange (`unsupported_grant_type`, 400).
    #[error("unsupported grant type")]
    UnsupportedGrantType,
    /// The audience names another org, no configured service, or a token type not issued
    /// (`invalid_target`, 400).
    #[error("invalid target: {0}")]
    InvalidTarget(&'static str),
    /// No configured identity provider issued the subject token (`invalid_grant`, 400).
    #[error("no identity provider is configured for the subject token's issuer and audience")]
    UnknownProvider,
    /// The subject token does not verify (`invalid_grant`, 400).
    #[error("subject token rejected: {0}")]
    SubjectToken(VerifyError),
    /// The subject token's claims do not map into the claims type (`invalid_grant`, 400).
    #[error("subject token claims rejected: {}", Redacted::Mapping(.0))]
    Mapping(MappingError),
    /// The subject token lacks a claim its provider requires, or carries another value
    /// (Cognito's `token_use`, say) (`invalid_grant`, 400). Names the claim, not the value.
    #[error(
        "identity provider `{provider}` requires the subject token's `{claim}` claim to have its configured value"
    )]
    RequiredClaim {
        /// The provider.
        provider: String,
        /// The claim.
        claim: String,
    },
    /// An anonymous session asked for a claims type without `#[claims(anonymous)]`
    /// (`invalid_grant`, 400).
    #[error("anonymous sessions are not accepted for these claims")]
    AnonymousNotAllowed,
    /// The identity provider's keys could not be fetched (`temporarily_unavailable`, 503).
    #[cfg(feature = "jwks-http")]
    #[error("the identity provider's keys are unavailable: {0}")]
    KeysUnavailable(crate::jwks::JwksError),
    /// The token could not be signed (`server_error`, 500).
    #[error("could not sign the token: {}", Redacted::Issue(.0))]
    Issue(IssueError),
    /// A rate limit has no room for this request (`rate_limited`, 429 with `Retry-After`):
    /// module [`rate_limit`](crate::rate_limit).
    #[error("too many token requests: retry in {} s", retry_after_secs(*.retry_after))]
    RateLimited {
        /// How long until the request would be admitted.
        retry_after: Duration,
    },
    /// The subject token was exchanged before and its provider's tokens are exchanged at
    /// most once (`invalid_grant`, 400): module [`replay`](crate::replay).
    #[error("the subject token has already been exchanged")]
    Replayed,
    /// The shared store could not tell whether the subject token was exchanged before
    /// (`temporarily_unavailable`, 503).
    #[error("the shared store is unavailable: {0}")]
    StoreUnavailable(StoreError),
}

/// Whole seconds to wait, rounded up (`Retry-After`), at least 1.
fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs()
        .saturating_add(u64::from(wait.subsec_nanos() > 0))
        .max(1)
}

/// An error inside an [`ExchangeError`], with any [`ValidationErrors`] reduced to the paths and
/// rules they name: a validation message may quote the value it refused.
enum Redacted<'a> {
    Mapping(&'a MappingError),
    Issue(&'a IssueError),
}

impl Redacted<'_> {
    fn rules(&self) -> Option<RulesOnly<'_>> {
        match self {
            Redacted::Mapping(MappingError::Invalid(errors))
            | Redacted::Issue(IssueError::Invalid(errors)) => Some(RulesOnly(errors)),
            _ => None,
        }
    }
}

impl fmt::Display for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.rules(), self) {
            (Some(rules), _) => write!(f, "rules broken: {rules}"),
            (None, Redacted::Mapping(err)) => err.fmt(f),
            (None, Redacted::Issue(err)) => err.fmt(f),
        }
    }
}

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.rules(), self) {
            (Some(rules), _) => f.debug_tuple("Invalid").field(&rules.list()).finish(),
            (None, Redacted::Mapping(err)) => err.fmt(f),
            (None, Redacted::Issue(err)) => err.fmt(f),
        }
    }
}

/// `act.role (one_of), act.email (email)`.
struct RulesOnly<'a>(&'a ValidationErrors);

impl RulesOnly<'_> {
    fn list(&self) -> Vec<(&str, &str)> {
        self.0
            .errors()
            .iter()
            .map(|e| (e.path(), e.rule()))
            .collect()
    }
}

impl fmt::Display for RulesOnly<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (path, rule)) in self.list().into_iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{path} ({rule})")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ExchangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExchangeError::InvalidRequest(why) => {
                f.debug_tuple("InvalidRequest").field(why).finish()
            }
            ExchangeError::UnsupportedGrantType => f.write_str("UnsupportedGrantType"),
            ExchangeError::InvalidTarget(why) => f.debug_tuple("InvalidTarget").field(why).finish(),
            ExchangeError::UnknownProvider => f.write_str("UnknownProvider"),
            ExchangeError::SubjectToken(err) => f.debug_tuple("SubjectToken").field(err).finish(),
            ExchangeError::Mapping(err) => f
                .debug_tuple("Mapping")
                .field(&Redacted::Mapping(err))
                .finish(),
            ExchangeError::RequiredClaim { provider, claim } => f
                .debug_struct("RequiredClaim")
                .field("provider", provider)
                .field("claim", claim)
                .finish(),
            ExchangeError::AnonymousNotAllowed => f.write_str("AnonymousNotAllowed"),
            #[cfg(feature = "jwks-http")]
            ExchangeError::KeysUnavailable(err) => {
                f.debug_tuple("KeysUnavailable").field(err).finish()
            }
            ExchangeError::Issue(err) => {
                f.debug_tuple("Issue").field(&Redacted::Issue(err)).finish()
            }
            ExchangeError::RateLimited { retry_after } => f
                .debug_struct("RateLimited")
                .field("retry_after", retry_after)
                .finish(),
            ExchangeError::Replayed => f.write_str("Replayed"),
            ExchangeError::StoreUnavailable(err) => {
                f.debug_tuple("StoreUnavailable").field(err).finish()
            }
        }
    }
}

impl ExchangeError {
    /// The variant, as a stable name (for traces: several variants share an RFC 6749 code).
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            ExchangeError::InvalidRequest(_) => "invalid_request",
            ExchangeError::UnsupportedGrantType => "unsupported_grant_type",
            ExchangeError::InvalidTarget(_) => "invalid_target",
            ExchangeError::UnknownProvider => "unknown_provider",
            ExchangeError::SubjectToken(_) => "subject_token",
            ExchangeError::Mapping(_) => "mapping",
            ExchangeError::RequiredClaim { .. } => "required_claim",
            ExchangeError::AnonymousNotAllowed => "anonymous_not_allowed",
            #[cfg(feature = "jwks-http")]
            ExchangeError::KeysUnavailable(_) => "keys_unavailable",
            ExchangeError::Issue(_) => "issue",
            ExchangeError::RateLimited { .. } => "rate_limited",
            ExchangeError::Replayed => "replayed",
            ExchangeError::StoreUnavailable(_) => "store_unavailable",
        }
    }

    /// The RFC 6749 §5.2 (or RFC 8693 §2.2.2) error code.
    pub fn error_code(&self) -> &'static str {
        match self {
            ExchangeError::InvalidRequest(_) => "invalid_request",
            ExchangeError::UnsupportedGrantType => "unsupported_grant_type",
            ExchangeError::InvalidTarget(_) => "invalid_target",
            ExchangeError::UnknownProvider
            | ExchangeError::SubjectToken(_)
            | ExchangeError::Mapping(_)
            | ExchangeError::RequiredClaim { .. }
            | ExchangeError::AnonymousNotAllowed => "invalid_grant",
            ExchangeError::Issue(_) => "server_error",
            #[cfg(feature = "jwks-http")]
            ExchangeError::KeysUnavailable(_) => "temporarily_unavailable",
            ExchangeError::RateLimited { .. } => "rate_limited",
            ExchangeError::Replayed => "invalid_grant",
            ExchangeError::StoreUnavailable(_) => "temporarily_unavailable",
        }
    }

    /// The HTTP status to answer with.
    pub fn status(&self) -> u16 {
        match self {
            ExchangeError::Issue(_) => 500,
            #[cfg(feature = "jwks-http")]
            ExchangeError::KeysUnavailable(_) => 503,
            ExchangeError::RateLimited { .. } => 429,
            ExchangeError::StoreUnavailable(_) => 503,
            _ => 400,
        }
    }

    /// For [`RateLimited`](ExchangeError::RateLimited), the `Retry-After` value: whole
    /// seconds, rounded up.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            ExchangeError::RateLimited { retry_after } => Some(retry_after_secs(*retry_after)),
            _ => None,
        }
    }

    /// What the error body says: the `Display` message (broken validation rules named by
    /// claim path and rule only), without a JWKS fetch's URL and network details.
    pub fn description(&self) -> String {
        match self {
            // The URL and network details are for logs, not for clients.
            #[cfg(feature = "jwks-http")]
            ExchangeError::KeysUnavailable(_) => {
                "the identity provider's keys are unavailable".to_owned()
            }
            // The store's address is for logs too.
            ExchangeError::StoreUnavailable(_) => "the shared store is unavailable".to_owned(),
            other => other.to_string(),
        }
    }

    /// The JSON error body: `{"error":…,"error_description":…}`.
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "error": self.error_code(),
            "error_description": self.description(),
        })
        .to_string()
    }
}
