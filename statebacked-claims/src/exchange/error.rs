//! Why an exchange was refused, and the RFC 6749 error each refusal is answered with.

use crate::issue::IssueError;
use crate::jwt::VerifyError;
use crate::mapping::MappingError;

/// Why an exchange failed, with its RFC 6749 §5.2 error code and HTTP status. Messages never
/// contain a token, a key or a claim's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
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
    #[error("subject token claims rejected: {0}")]
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
    #[error("could not sign the token: {0}")]
    Issue(IssueError),
}

impl ExchangeError {
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
        }
    }

    /// The HTTP status to answer with.
    pub fn status(&self) -> u16 {
        match self {
            ExchangeError::Issue(_) => 500,
            #[cfg(feature = "jwks-http")]
            ExchangeError::KeysUnavailable(_) => 503,
            _ => 400,
        }
    }

    /// What the error body says: the `Display` message, except that broken validation rules
    /// are named by claim path and rule only, so no claim value reaches the client.
    pub fn description(&self) -> String {
        match self {
            // The URL and network details are for logs, not for clients.
            #[cfg(feature = "jwks-http")]
            ExchangeError::KeysUnavailable(_) => {
                "the identity provider's keys are unavailable".to_owned()
            }
            ExchangeError::Mapping(MappingError::Invalid(errors)) => {
                let broken: Vec<String> = errors
                    .errors()
                    .iter()
                    .map(|e| format!("{} ({})", e.path(), e.rule()))
                    .collect();
                format!(
                    "subject token claims break their rules: {}",
                    broken.join(", ")
                )
            }
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
