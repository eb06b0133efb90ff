//! Token exchange (RFC 8693, WIRE.md §3): identity providers, token providers, and the
//! exchange that turns a verified identity-provider token into a State Backed token.

mod error;
mod provider;
mod request;

pub use error::ExchangeError;
pub use provider::{
    CognitoTokenUse, IdentityProvider, IdentityProviderBuilder, ProviderError, TokenProvider,
};
pub use request::{ExchangeRequest, ExchangeResponse};

use crate::claims::Claims;
use crate::clock::{Clock, SystemClock};
use crate::expires::Expires;
use crate::issue::Issuer;
use crate::jwt::compact;
use crate::jwt::json::Context;
use crate::jwt::{Capture, Malformed, Part, Rules, VerifyError, parse_payload};
use crate::keys::KeySet;
use crate::mapping::{self, MappingError};
use provider::{ProviderKind, is_valid_name};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

/// The token-exchange grant type (RFC 8693 §2.1).
pub const TOKEN_EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// The token type of what the exchange issues.
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";
/// The subject token types accepted when a client names one.
const SUBJECT_TOKEN_TYPES: [&str; 3] = [
    "urn:ietf:params:oauth:token-type:jwt",
    "urn:ietf:params:oauth:token-type:id_token",
    ACCESS_TOKEN_TYPE,
];
/// Where `@statebacked/client` addresses its exchanges: `<prefix><org id>/<service>`.
pub const TOKENS_AUDIENCE_PREFIX: &str = "https://tokens.statebacked.dev/";
/// The default lifetime of an exchanged token.
pub const DEFAULT_EXCHANGED_LIFETIME: Duration = Duration::from_secs(3600);

/// Exchanges identity-provider tokens for State Backed tokens whose `act` is a `C`, for the
/// token providers (services) of one org.
///
/// The subject token's `iss` and `aud` pick the identity provider (every one it is
/// configured with must match), which verifies it; its claims go through the provider's
/// mapping (a document, or `C`'s derived `from` paths with the provider's name), then the
/// token provider's mapping, into a `C` that is validated and signed.
pub struct TokenExchange<C> {
    org_id: String,
    identity_providers: Vec<IdentityProvider>,
    token_providers: Vec<TokenProvider>,
    clock: Arc<dyn Clock>,
    claims: PhantomData<fn() -> C>,
}

impl<C> Clone for TokenExchange<C> {
    fn clone(&self) -> Self {
        TokenExchange {
            org_id: self.org_id.clone(),
            identity_providers: self.identity_providers.clone(),
            token_providers: self.token_providers.clone(),
            clock: Arc::clone(&self.clock),
            claims: PhantomData,
        }
    }
}

impl<C> fmt::Debug for TokenExchange<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenExchange")
            .field("org_id", &self.org_id)
            .field("identity_providers", &self.identity_providers)
            .field("token_providers", &self.token_providers)
            .finish_non_exhaustive()
    }
}

/// What the exchange reads from a subject token before verifying it, to pick the provider.
#[derive(Deserialize)]
struct Unverified {
    iss: Option<Value>,
    aud: Option<Value>,
}

impl<C: Claims> TokenExchange<C> {
    /// An exchange for org `org_id`'s services.
    pub fn new(org_id: impl Into<String>) -> Result<Self, ProviderError> {
        let org_id = org_id.into();
        if !is_valid_name(&org_id) {
            return Err(ProviderError::InvalidOrgId);
        }
        Ok(TokenExchange {
            org_id,
            identity_providers: Vec::new(),
            token_providers: Vec::new(),
            clock: Arc::new(SystemClock),
            claims: PhantomData,
        })
    }

    /// Accepts tokens from `provider`.
    pub fn identity_provider(mut self, provider: IdentityProvider) -> Result<Self, ProviderError> {
        if self
            .identity_providers
            .iter()
            .any(|p| p.name == provider.name)
        {
            return Err(ProviderError::Duplicate(provider.name));
        }
        let mut provider = provider;
        provider.set_clock(Arc::clone(&self.clock));
        self.identity_providers.push(provider);
        Ok(self)
    }

    /// Issues tokens for `provider`'s service.
    pub fn token_provider(mut self, provider: TokenProvider) -> Result<Self, ProviderError> {
        if self
            .token_providers
            .iter()
            .any(|p| p.service == provider.service)
        {
            return Err(ProviderError::Duplicate(provider.service));
        }
        self.token_providers.push(provider);
        Ok(self)
    }

    /// The clock tokens are verified and issued by.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        for provider in &mut self.identity_providers {
            provider.set_clock(Arc::clone(&self.clock));
        }
        self
    }

    /// Answers a form-encoded request body: the response, or the error to answer with.
    pub async fn exchange_form(&self, body: &[u8]) -> Result<ExchangeResponse, ExchangeError> {
        self.exchange(&ExchangeRequest::parse_form(body)?).await
    }

    /// Exchanges the request's subject token for a token of the service its audience names.
    ///
    /// Asynchronous because an identity provider's keys may have to be fetched (feature
    /// `jwks-http`); with keys given up front it never waits.
    pub async fn exchange(
        &self,
        request: &ExchangeRequest,
    ) -> Result<ExchangeResponse, ExchangeError> {
        let service = request
            .audience
            .strip_prefix(TOKENS_AUDIENCE_PREFIX)
            .and_then(|rest| rest.split_once('/'))
            .filter(|(org, _)| *org == self.org_id)
            .map(|(_, service)| service)
            .ok_or(ExchangeError::InvalidTarget(
                "the audience is not one of this org's token services",
            ))?;
        let token_provider = self
            .token_providers
            .iter()
            .find(|p| p.service == service)
            .ok_or(ExchangeError::InvalidTarget("unknown token service"))?;
        let identity_provider = self.select(&request.subject_token)?;
        let issuer =
            Issuer::<C>::new(token_provider.key.clone()).clock(ClockRef(Arc::clone(&self.clock)));
        let expires = Expires::in_(token_provider.lifetime);
        let token = match &identity_provider.kind {
            ProviderKind::Anonymous(anonymous) => {
                let session = anonymous
                    .verify(&request.subject_token)
                    .map_err(ExchangeError::SubjectToken)?;
                if !C::schema().admits_anonymous() {
                    return Err(ExchangeError::AnonymousNotAllowed);
                }
                issuer.sign_session(&session, expires)
            }
            ProviderKind::Tokens(rules) => {
                let claims = verified_claims(rules, None, &request.subject_token)?;
                identity_provider.check_required_claims(&claims)?;
                let value = self.map(identity_provider, token_provider, &claims)?;
                issuer.sign(&value, expires)
            }
            #[cfg(feature = "jwks-http")]
            ProviderKind::Remote(rules, jwks) => {
                let kid = unverified_kid(&request.subject_token);
                let keys = jwks
                    .keys_for(kid.as_deref())
                    .await
                    .map_err(ExchangeError::KeysUnavailable)?;
                let claims = verified_claims(rules, Some(&keys), &request.subject_token)?;
                identity_provider.check_required_claims(&claims)?;
                let value = self.map(identity_provider, token_provider, &claims)?;
                issuer.sign(&value, expires)
            }
        }
        .map_err(ExchangeError::Issue)?;
        Ok(ExchangeResponse {
            access_token: token.into_string(),
            issued_token_type: ACCESS_TOKEN_TYPE.to_owned(),
            token_type: "Bearer".to_owned(),
            expires_in: token_provider.lifetime.as_secs(),
        })
    }

    /// The identity provider whose `iss`/`aud` the (not yet verified) token carries.
    fn select(&self, token: &str) -> Result<&IdentityProvider, ExchangeError> {
        let max = crate::jwt::DEFAULT_MAX_TOKEN_LEN;
        if token.len() > max {
            return Err(ExchangeError::SubjectToken(VerifyError::TooLarge {
                len: token.len(),
                max,
            }));
        }
        let unverified: Unverified = unverified(token, 1).ok_or(ExchangeError::SubjectToken(
            VerifyError::Malformed(Malformed::Json(Part::Payload)),
        ))?;
        let iss = match &unverified.iss {
            Some(Value::String(iss)) => Some(iss.as_str()),
            _ => None,
        };
        let aud: Vec<String> = match unverified.aud {
            Some(Value::String(aud)) => vec![aud],
            Some(Value::Array(items)) => items
                .into_iter()
                .filter_map(|a| match a {
                    Value::String(a) => Some(a),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        // A provider that names both `iss` and `aud` is more specific than one naming one.
        let specificity =
            |p: &IdentityProvider| p.issuer.is_some() as u8 + p.audience.is_some() as u8;
        self.identity_providers
            .iter()
            .filter(|p| p.recognises(iss, &aud))
            .max_by_key(|p| specificity(p))
            .ok_or(ExchangeError::UnknownProvider)
    }

    /// The identity provider's mapping, then the token provider's, into a validated `C`.
    fn map(
        &self,
        identity_provider: &IdentityProvider,
        token_provider: &TokenProvider,
        claims: &Value,
    ) -> Result<C, ExchangeError> {
        let typed = match (&identity_provider.mapping, &token_provider.mapping) {
            (None, None) => {
                return C::from_identity(Some(&identity_provider.name), claims)
                    .map_err(ExchangeError::Mapping);
            }
            (first, second) => {
                let mut value = match first {
                    Some(mapping) => mapping.apply(claims),
                    None => claims.clone(),
                };
                if let Some(mapping) = second {
                    value = mapping.apply(&value);
                }
                mapping::decode::<C>(C::schema(), value).map_err(ExchangeError::Mapping)?
            }
        };
        typed
            .validate()
            .map_err(|errors| ExchangeError::Mapping(MappingError::Invalid(errors)))?;
        Ok(typed)
    }
}

/// Segment `index` of a token (0: header, 1: claims set) read without verifying it: only to
/// find the provider and the key that will verify it. Size-bounded like every token.
fn unverified<T: DeserializeOwned>(token: &str, index: usize) -> Option<T> {
    if token.len() > crate::jwt::DEFAULT_MAX_TOKEN_LEN {
        return None;
    }
    let bytes = compact::decode(token.split('.').nth(index)?)?;
    serde_json::from_slice(&bytes).ok()
}

/// The `kid` a token's header names.
#[cfg(feature = "jwks-http")]
fn unverified_kid(token: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Header {
        kid: Option<String>,
    }
    unverified::<Header>(token, 0)?.kid
}

/// The subject token verified by `rules` (with `keys` when they are held elsewhere), its
/// claims set as JSON.
fn verified_claims(
    rules: &Rules,
    keys: Option<&KeySet>,
    token: &str,
) -> Result<Value, ExchangeError> {
    let cx = Context::new(Default::default());
    let authentic = match keys {
        Some(keys) => rules.authenticate_with(&cx, token, keys),
        None => rules.authenticate(&cx, token),
    };
    let (_, json) = authentic.map_err(ExchangeError::SubjectToken)?.into_parts();
    let mut payload =
        parse_payload(&cx, &json, Capture::Flat).map_err(ExchangeError::SubjectToken)?;
    rules
        .check_registered(&mut payload, &json)
        .map_err(ExchangeError::SubjectToken)?;
    // Strictly checked above: this parse cannot find anything the strict one did not.
    serde_json::from_str(&json).map_err(|_| {
        ExchangeError::SubjectToken(VerifyError::Malformed(Malformed::Json(Part::Payload)))
    })
}

/// A shared clock, as an owned [`Clock`] for an [`Issuer`].
struct ClockRef(Arc<dyn Clock>);

impl Clock for ClockRef {
    fn now_unix(&self) -> u64 {
        self.0.now_unix()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_say_when_their_jwks_url_cannot_be_fetched() {
        let preset =
            IdentityProvider::cognito("eu-west-1", "pool", CognitoTokenUse::Access, "app").build();
        #[cfg(not(feature = "jwks-http"))]
        assert_eq!(
            preset.unwrap_err(),
            ProviderError::JwksUrlNeedsFeature("cognito".into())
        );
        #[cfg(feature = "jwks-http")]
        assert_eq!(
            preset.unwrap().issuer.as_deref(),
            Some("https://cognito-idp.eu-west-1.amazonaws.com/pool")
        );
    }
}
