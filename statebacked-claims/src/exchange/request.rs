//! The RFC 8693 messages: the request `@statebacked/client` sends and the response it reads.

use super::{ACCESS_TOKEN_TYPE, ExchangeError, SUBJECT_TOKEN_TYPES, TOKEN_EXCHANGE_GRANT};
use crate::issue::SignedToken;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An RFC 8693 token-exchange request, as `@statebacked/client` sends it.
#[derive(Clone, PartialEq, Eq)]
pub struct ExchangeRequest {
    pub(super) audience: String,
    pub(super) subject_token: String,
}

impl fmt::Debug for ExchangeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExchangeRequest")
            .field("audience", &self.audience)
            .field("subject_token", &format_args!("<redacted>"))
            .finish()
    }
}

impl ExchangeRequest {
    /// A request for `audience` with `subject_token`.
    pub fn new(audience: impl Into<String>, subject_token: impl Into<String>) -> Self {
        ExchangeRequest {
            audience: audience.into(),
            subject_token: subject_token.into(),
        }
    }

    /// Parses an `application/x-www-form-urlencoded` body: `grant_type` must be the token
    /// exchange grant, `audience` and `subject_token` are required, `requested_token_type`
    /// (when present) must be an access token and `subject_token_type` (when present) a JWT,
    /// ID token or access token. A parameter given twice is refused (RFC 6749 §3.2).
    pub fn parse_form(body: &[u8]) -> Result<ExchangeRequest, ExchangeError> {
        let mut grant_type = None;
        let mut audience = None;
        let mut subject_token = None;
        let mut requested_token_type = None;
        let mut subject_token_type = None;
        for (name, value) in form_urlencoded::parse(body) {
            let slot = match name.as_ref() {
                "grant_type" => &mut grant_type,
                "audience" => &mut audience,
                "subject_token" => &mut subject_token,
                "requested_token_type" => &mut requested_token_type,
                "subject_token_type" => &mut subject_token_type,
                // RFC 8693 §2.1: delegation. Not supported, so refused rather than ignored:
                // a client that sent an actor must not get a token that does not say so.
                "actor_token" | "actor_token_type" => {
                    return Err(ExchangeError::InvalidRequest(
                        "`actor_token` is not supported: this exchange does not do delegation",
                    ));
                }
                // RFC 6749 §3.2: unknown parameters are ignored.
                _ => continue,
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(ExchangeError::InvalidRequest("a parameter appears twice"));
            }
        }
        match grant_type.as_deref() {
            None => return Err(ExchangeError::InvalidRequest("`grant_type` is missing")),
            Some(TOKEN_EXCHANGE_GRANT) => {}
            Some(_) => return Err(ExchangeError::UnsupportedGrantType),
        }
        if let Some(requested) = requested_token_type
            && requested != ACCESS_TOKEN_TYPE
        {
            return Err(ExchangeError::InvalidTarget(
                "only access tokens are issued",
            ));
        }
        if let Some(kind) = subject_token_type
            && !SUBJECT_TOKEN_TYPES.contains(&kind.as_str())
        {
            return Err(ExchangeError::InvalidRequest(
                "`subject_token_type` is not a JWT, ID token or access token",
            ));
        }
        let audience = audience.ok_or(ExchangeError::InvalidRequest("`audience` is missing"))?;
        let subject_token = subject_token
            .filter(|token| !token.is_empty())
            .ok_or(ExchangeError::InvalidRequest("`subject_token` is missing"))?;
        Ok(ExchangeRequest {
            audience,
            subject_token,
        })
    }

    /// The audience: `https://tokens.statebacked.dev/<org>/<service>`.
    pub fn audience(&self) -> &str {
        &self.audience
    }
}

/// A successful exchange: the JSON body of WIRE.md §3, with `expires_in`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeResponse {
    /// The State Backed token.
    pub access_token: String,
    /// Always [`ACCESS_TOKEN_TYPE`].
    pub issued_token_type: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
}

impl fmt::Debug for ExchangeResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExchangeResponse")
            .field("access_token", &SignedToken::debug_view(&self.access_token))
            .field("issued_token_type", &self.issued_token_type)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

impl ExchangeResponse {
    /// The body, as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}
