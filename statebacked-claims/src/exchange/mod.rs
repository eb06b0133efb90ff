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

use crate::claims::{AnonymousIdentity, Claims};
use crate::clock::{Clock, SystemClock};
use crate::expires::Expires;
use crate::issue::Issuer;
use crate::jwt::compact;
use crate::jwt::json::Context;
use crate::jwt::{Capture, Malformed, Part, Rules, VerifyError, parse_payload};
use crate::keys::KeySet;
use crate::mapping::{self, MappingError};
use crate::rate_limit::RateLimits;
use crate::replay::ReplayGuard;
use provider::{ProviderKind, is_valid_name};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt;
use std::marker::PhantomData;
use std::net::IpAddr;
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
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use statebacked_claims::exchange::ExchangeRequest;
/// use statebacked_claims::{AnonymousSession, Claims, IdentityProvider, Key, TokenExchange, TokenProvider};
///
/// #[derive(Serialize, Deserialize, Claims)]
/// #[claims(anonymous)]
/// struct Viewer {
///     sub: Option<String>,
///     #[claim(anonymous)]
///     sid: Option<String>,
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let key = Key::hs256("sbk_app", "sbsec_app_secret_0123456789abcdef0123")?;
/// let exchange = TokenExchange::<Viewer>::new("org_example")?
///     .identity_provider(IdentityProvider::anonymous("org_example")?)?
///     .token_provider(TokenProvider::new("app", key)?)?;
///
/// // What @statebacked/client sends to POST /tokens for an anonymous session.
/// let identity_token = AnonymousSession::new("org_example").identity_token()?;
/// let request = ExchangeRequest::new(
///     "https://tokens.statebacked.dev/org_example/app",
///     identity_token.as_str(),
/// );
/// let response = exchange.exchange(&request).await?;
/// assert_eq!(response.token_type, "Bearer");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct TokenExchange<C> {
    org_id: String,
    identity_providers: Vec<IdentityProvider>,
    token_providers: Vec<TokenProvider>,
    clock: Arc<dyn Clock>,
    /// Shared with other replicas through their store (module `rate_limit`, `replay`).
    limits: Option<RateLimits>,
    replay: Option<ReplayGuard>,
    token_ids: bool,
    claims: PhantomData<fn() -> C>,
}

impl<C> Clone for TokenExchange<C> {
    fn clone(&self) -> Self {
        TokenExchange {
            org_id: self.org_id.clone(),
            identity_providers: self.identity_providers.clone(),
            token_providers: self.token_providers.clone(),
            clock: Arc::clone(&self.clock),
            limits: self.limits.clone(),
            replay: self.replay.clone(),
            token_ids: self.token_ids,
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
            .field("limits", &self.limits)
            .field("replay", &self.replay)
            .finish_non_exhaustive()
    }
}

/// What the exchange reads from a subject token before verifying it, to pick the provider.
#[derive(Deserialize)]
struct Unverified {
    iss: Option<Value>,
    aud: Option<Value>,
}

impl<C: Claims + DeserializeOwned> TokenExchange<C> {
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
            limits: None,
            replay: None,
            token_ids: false,
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

    /// Limits how often tokens are exchanged, per client address and per identity provider
    /// (module [`rate_limit`](crate::rate_limit)): checked once the subject token's provider
    /// is known and before it is verified; over a limit is [`ExchangeError::RateLimited`].
    pub fn rate_limits(mut self, limits: RateLimits) -> Self {
        self.limits = Some(limits);
        self
    }

    /// Exchanges the tokens of the providers `guard` names at most once each (module
    /// [`replay`](crate::replay)): a second exchange is [`ExchangeError::Replayed`].
    pub fn reject_replays(mut self, guard: ReplayGuard) -> Self {
        self.replay = Some(guard);
        self
    }

    /// Gives every issued token a random `jti`, so single tokens can be revoked
    /// ([`Issuer::token_ids`]). Off by default (tokens as `@statebacked/token` makes them).
    pub fn token_ids(mut self) -> Self {
        self.token_ids = true;
        self
    }

    /// Answers a form-encoded request body: the response, or the error to answer with.
    pub async fn exchange_form(&self, body: &[u8]) -> Result<ExchangeResponse, ExchangeError> {
        self.exchange_form_from(body, None).await
    }

    /// [`exchange_form`](TokenExchange::exchange_form) for a request from `client`, the
    /// address per-address rate limits count it under (`None`: unknown, all such requests
    /// share one count).
    pub async fn exchange_form_from(
        &self,
        body: &[u8],
        client: Option<IpAddr>,
    ) -> Result<ExchangeResponse, ExchangeError> {
        match ExchangeRequest::parse_form(body) {
            Ok(request) => self.exchange_from(&request, client).await,
            Err(err) => refused_early(err),
        }
    }

    /// Exchanges the request's subject token for a token of the service its audience names.
    ///
    /// Asynchronous because an identity provider's keys may have to be fetched (feature
    /// `jwks-http`), and rate limits and replays may be checked in a shared store; with keys
    /// given up front and neither configured it never waits.
    ///
    /// There is deliberately no blocking twin. Without a runtime, drive this future with any
    /// executor (`futures::executor::block_on`, `pollster::block_on`): with static keys and the
    /// in-process store it completes on its first poll. A blocking method could not keep that
    /// promise for the configurations that do wait: a remote JWKS and Redis run on tokio, and
    /// a blocking call would have to start a runtime of its own inside the caller's, or refuse
    /// them at run time.
    pub async fn exchange(
        &self,
        request: &ExchangeRequest,
    ) -> Result<ExchangeResponse, ExchangeError> {
        self.exchange_from(request, None).await
    }

    /// [`exchange`](TokenExchange::exchange) for a request from `client` (see
    /// [`exchange_form_from`](TokenExchange::exchange_form_from)).
    ///
    /// With the feature `tracing`, each exchange is an `exchange` span (debug level) whose
    /// fields are the `outcome` (`issued` or `refused`) and the `error`'s RFC 6749
    /// [code](ExchangeError::error_code) with the refusal's kind: never a token, a claim's
    /// value or a key.
    pub async fn exchange_from(
        &self,
        request: &ExchangeRequest,
        client: Option<IpAddr>,
    ) -> Result<ExchangeResponse, ExchangeError> {
        #[cfg(feature = "tracing")]
        {
            use tracing::Instrument;
            let span = exchange_span();
            let result = self
                .exchange_untraced(request, client)
                .instrument(span.clone())
                .await;
            record_exchange(&span, &result);
            result
        }
        #[cfg(not(feature = "tracing"))]
        self.exchange_untraced(request, client).await
    }

    async fn exchange_untraced(
        &self,
        request: &ExchangeRequest,
        client: Option<IpAddr>,
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
        let anonymous = matches!(identity_provider.kind, ProviderKind::Anonymous(_));
        if let Some(limits) = &self.limits {
            limits
                .take(&identity_provider.name, anonymous, client)
                .await
                .map_err(|retry_after| ExchangeError::RateLimited { retry_after })?;
        }
        let mut issuer =
            Issuer::<C>::new(token_provider.key.clone()).clock(ClockRef(Arc::clone(&self.clock)));
        if self.token_ids {
            issuer = issuer.token_ids();
        }
        let now = self.clock.now_unix();
        let mut exp = now.saturating_add(token_provider.lifetime.as_secs());
        let token = match &identity_provider.kind {
            ProviderKind::Anonymous(anonymous) => {
                let session = anonymous
                    .verify(&request.subject_token)
                    .map_err(ExchangeError::SubjectToken)?;
                if !C::schema().admits_anonymous() {
                    return Err(ExchangeError::AnonymousNotAllowed);
                }
                // The claims type's own rules for `sid` and `did` hold before anything is
                // signed, as they would when the token is verified.
                // (In a function of its own: a `C` held across the await below would make the
                // future as `Send` as `C`.)
                session_claims::<C>(&session)?;
                self.reject_replay(identity_provider, &request.subject_token, None)
                    .await?;
                issuer.sign_session(&session, Expires::at_unix(exp))
            }
            ProviderKind::Tokens(rules) => {
                let mut claims = verified_claims(rules, None, &request.subject_token)?;
                identity_provider.check_required_claims(&claims)?;
                self.reject_replay(identity_provider, &request.subject_token, Some(&claims))
                    .await?;
                exp = capped(identity_provider.policy.apply(&mut claims, exp), now)?;
                let value = self.map(identity_provider, token_provider, &claims)?;
                issuer.sign(&value, Expires::at_unix(exp))
            }
            #[cfg(feature = "jwks-http")]
            ProviderKind::Remote(rules, jwks) => {
                let kid = unverified_kid(&request.subject_token);
                let keys = jwks
                    .keys_for(kid.as_deref())
                    .await
                    .map_err(ExchangeError::KeysUnavailable)?;
                let mut claims = verified_claims(rules, Some(&keys), &request.subject_token)?;
                identity_provider.check_required_claims(&claims)?;
                self.reject_replay(identity_provider, &request.subject_token, Some(&claims))
                    .await?;
                exp = capped(identity_provider.policy.apply(&mut claims, exp), now)?;
                let value = self.map(identity_provider, token_provider, &claims)?;
                issuer.sign(&value, Expires::at_unix(exp))
            }
        }
        .map_err(ExchangeError::Issue)?;
        Ok(ExchangeResponse {
            access_token: token.into_string(),
            issued_token_type: ACCESS_TOKEN_TYPE.to_owned(),
            token_type: "Bearer".to_owned(),
            expires_in: exp.saturating_sub(now),
        })
    }

    /// Refuses a verified subject token exchanged before, when its provider is guarded.
    /// `claims` is its claims set (read again from the token when not at hand).
    async fn reject_replay(
        &self,
        provider: &IdentityProvider,
        token: &str,
        claims: Option<&Value>,
    ) -> Result<(), ExchangeError> {
        let Some(guard) = self.replay.as_ref().filter(|g| g.covers(&provider.name)) else {
            return Ok(());
        };
        let read;
        let claims = match claims {
            Some(claims) => claims,
            None => {
                // Verified already: this reads what the verifier checked.
                read = unverified::<Value>(token, 1).unwrap_or_default();
                &read
            }
        };
        let first = guard
            .first_use(
                claims.get("iss").and_then(Value::as_str),
                claims.get("jti").and_then(Value::as_str),
                token,
                claims.get("exp").and_then(Value::as_u64).unwrap_or(0),
                self.clock.now_unix(),
            )
            .await
            .map_err(ExchangeError::StoreUnavailable)?;
        if first {
            Ok(())
        } else {
            Err(ExchangeError::Replayed)
        }
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
#[cfg(feature = "tracing")]
fn exchange_span() -> tracing::Span {
    tracing::debug_span!(
        "exchange",
        outcome = tracing::field::Empty,
        error = tracing::field::Empty,
        kind = tracing::field::Empty,
    )
}

/// The exchange's outcome on its span: the error's code and its variant, never its message
/// (which may name a provider's URL).
#[cfg(feature = "tracing")]
fn record_exchange(span: &tracing::Span, result: &Result<ExchangeResponse, ExchangeError>) {
    match result {
        Ok(_) => {
            span.record("outcome", "issued");
        }
        Err(err) => {
            span.record("outcome", "refused");
            span.record("error", err.error_code());
            let kind = match err {
                ExchangeError::SubjectToken(verify) => verify.code(),
                other => other.kind(),
            };
            span.record("kind", kind);
        }
    }
}

/// A refusal before any exchange began (a malformed form), on a span of its own.
fn refused_early(err: ExchangeError) -> Result<ExchangeResponse, ExchangeError> {
    let result = Err(err);
    #[cfg(feature = "tracing")]
    record_exchange(&exchange_span(), &result);
    result
}

/// The issued token's `exp`, capped at the subject token's: a subject token inside its
/// leeway but past its `exp` leaves nothing to issue.
fn capped(exp: u64, now: u64) -> Result<u64, ExchangeError> {
    if exp <= now {
        return Err(ExchangeError::SubjectToken(VerifyError::Expired {
            exp,
            now,
        }));
    }
    Ok(exp)
}

/// The claims type's own rules for an anonymous session's `sid` and `did`.
fn session_claims<C: Claims + DeserializeOwned>(
    session: &AnonymousIdentity,
) -> Result<(), ExchangeError> {
    let claims: C = session
        .claims()
        .map_err(|_| ExchangeError::SubjectToken(VerifyError::InvalidClaim("sid")))?;
    claims
        .validate()
        .map_err(|errors| ExchangeError::Mapping(MappingError::Invalid(errors)))
}

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
