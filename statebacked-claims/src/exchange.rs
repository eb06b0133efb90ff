//! Token exchange (RFC 8693, WIRE.md §3): identity providers, token providers, and the
//! exchange that turns a verified identity-provider token into a State Backed token.

use crate::anonymous::{AnonymousProvider, anonymous_audience};
use crate::claims::Claims;
use crate::clock::{Clock, SystemClock};
use crate::expires::Expires;
use crate::issue::{IssueError, Issuer, SignedToken};
use crate::json::Context;
use crate::jws;
use crate::keys::{Algorithm, Key, KeyError, KeySet};
use crate::mapping::{self, Mapping, MappingError};
use crate::verify::{Capture, ConfigError, Rules, VerifyError, parse_payload};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
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

/// Token-provider service names: `^[a-zA-Z0-9_-]{1,128}$`.
fn is_valid_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Why an identity or token provider configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    /// An identity provider needs an issuer, an audience or both.
    #[error("identity provider `{0}` has neither an issuer nor an audience")]
    NoIssuerOrAudience(String),
    /// An identity provider needs at least one allowed algorithm.
    #[error("identity provider `{0}` allows no algorithm")]
    NoAlgorithms(String),
    /// An identity provider has no keys.
    #[error("identity provider `{0}` has no keys")]
    NoKeys(String),
    /// A key's algorithm is not one the provider allows.
    #[error(
        "identity provider `{provider}`: key {kid:?} is pinned to {algorithm}, which it does not allow"
    )]
    KeyAlgorithmNotAllowed {
        /// The provider.
        provider: String,
        /// The key's id.
        kid: Option<String>,
        /// The key's algorithm.
        algorithm: Algorithm,
    },
    /// The remote JWKS could not be set up.
    #[cfg(feature = "jwks-http")]
    #[error("identity provider JWKS: {0}")]
    Jwks(#[from] crate::remote_jwks::JwksError),
    /// The keys are a JWKS URL, which needs the `jwks-http` feature.
    #[error(
        "identity provider `{0}` reads its keys from a JWKS URL: enable the `jwks-http` feature or give the keys"
    )]
    JwksUrlNeedsFeature(String),
    /// A provider or service name is empty, too long or has a character outside
    /// `[A-Za-z0-9_-]`.
    #[error("{0:?} is not a valid name: 1 to 128 characters of [A-Za-z0-9_-]")]
    InvalidName(String),
    /// Two identity providers share a name, or two token providers a service.
    #[error("`{0}` is configured twice")]
    Duplicate(String),
    /// An org id is invalid.
    #[error("invalid org id")]
    InvalidOrgId,
    /// A key could not be used.
    #[error("{0}")]
    Key(#[from] KeyError),
    /// The leeway is out of range.
    #[error("{0}")]
    Config(#[from] ConfigError),
}

/// Where an identity provider's keys come from.
#[derive(Clone, Debug)]
enum KeySource {
    Keys(KeySet),
    /// A JWKS URL (the presets'); fetched with the `jwks-http` feature.
    #[cfg_attr(not(feature = "jwks-http"), allow(dead_code))]
    Url(String),
    #[cfg(feature = "jwks-http")]
    Remote(crate::remote_jwks::RemoteJwks),
}

/// An identity provider whose tokens the exchange accepts: how to recognise its tokens
/// (`iss`, `aud`), how to verify them (allowed algorithms, keys) and how to map their claims
/// (a [`Mapping`] document, or the claims type's derived `from` paths).
///
/// ```
/// use statebacked_claims::{Algorithm, IdentityProvider, Key};
///
/// let keycloak = IdentityProvider::builder("keycloak")
///     .issuer("https://id.example.com/realms/main")
///     .algorithms([Algorithm::HS256])
///     .keys(Key::hs256("kc-1", "a-shared-secret-of-at-least-32-bytes")?)
///     .build()?;
/// assert_eq!(keycloak.name(), "keycloak");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct IdentityProvider {
    name: String,
    issuer: Option<String>,
    audience: Option<String>,
    kind: ProviderKind,
    mapping: Option<Mapping>,
}

#[derive(Clone)]
enum ProviderKind {
    Tokens(Rules),
    #[cfg(feature = "jwks-http")]
    Remote(Rules, crate::remote_jwks::RemoteJwks),
    Anonymous(AnonymousProvider),
}

impl fmt::Debug for IdentityProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityProvider")
            .field("name", &self.name)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field(
                "anonymous",
                &matches!(self.kind, ProviderKind::Anonymous(_)),
            )
            .field("mapping", &self.mapping)
            .finish_non_exhaustive()
    }
}

/// Builds an [`IdentityProvider`]; [`build`](IdentityProviderBuilder::build) checks it.
#[derive(Clone, Debug)]
pub struct IdentityProviderBuilder {
    name: String,
    issuer: Option<String>,
    audience: Option<String>,
    algorithms: Vec<Algorithm>,
    keys: Option<KeySource>,
    mapping: Option<Mapping>,
    leeway: Option<Duration>,
}

impl IdentityProvider {
    /// A provider named `name` (the name `#[claim(from(provider = …))]` refers to).
    pub fn builder(name: impl Into<String>) -> IdentityProviderBuilder {
        IdentityProviderBuilder {
            name: name.into(),
            issuer: None,
            audience: None,
            algorithms: Vec::new(),
            keys: None,
            mapping: None,
            leeway: None,
        }
    }

    /// Auth0 tenant `domain` (`example.auth0.com`, with or without `https://`): aud
    /// `https://<domain>/api/v2/`, iss `https://<domain>/`, RS256, keys from
    /// `https://<domain>/.well-known/jwks.json` (or given with
    /// [`keys`](IdentityProviderBuilder::keys)). Named `auth0`.
    pub fn auth0(domain: &str) -> IdentityProviderBuilder {
        let host = domain
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/');
        let mut builder = IdentityProvider::builder("auth0")
            .issuer(format!("https://{host}/"))
            .audience(format!("https://{host}/api/v2/"))
            .algorithms([Algorithm::RS256]);
        builder.keys = Some(KeySource::Url(format!(
            "https://{host}/.well-known/jwks.json"
        )));
        builder
    }

    /// Amazon Cognito user pool `pool_id` in `region`: iss
    /// `https://cognito-idp.<region>.amazonaws.com/<pool_id>`, no audience, RS256, keys from
    /// `<iss>/.well-known/jwks.json` (or given). Named `cognito`.
    pub fn cognito(region: &str, pool_id: &str) -> IdentityProviderBuilder {
        let issuer = format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}");
        let mut builder = IdentityProvider::builder("cognito")
            .issuer(issuer.clone())
            .algorithms([Algorithm::RS256]);
        builder.keys = Some(KeySource::Url(format!("{issuer}/.well-known/jwks.json")));
        builder
    }

    /// Supabase project `project` with its JWT secret: aud `authenticated`, iss
    /// `https://<project>.supabase.co/auth/v1`, HS256 with the secret. Named `supabase`.
    pub fn supabase(
        project: &str,
        jwt_secret: impl AsRef<[u8]>,
    ) -> Result<IdentityProviderBuilder, KeyError> {
        let key = Key::hmac_from_jwk(None, Algorithm::HS256, jwt_secret.as_ref())?;
        Ok(IdentityProvider::builder("supabase")
            .issuer(format!("https://{project}.supabase.co/auth/v1"))
            .audience("authenticated")
            .algorithms([Algorithm::HS256])
            .keys(key))
    }

    /// State Backed's anonymous sessions for `org_id` (WIRE.md §2): aud and iss
    /// `https://<org>.anonymous.auth.statebacked.dev`, HS256 with the org id. What it
    /// verifies always becomes exactly `{"sid","did","auth":"anonymous"}`, whatever else the
    /// identity token carries, and only for claims types with `#[claims(anonymous)]`.
    pub fn anonymous(org_id: &str) -> Result<IdentityProvider, ProviderError> {
        let provider = AnonymousProvider::new(org_id).map_err(|_| ProviderError::InvalidOrgId)?;
        let audience = anonymous_audience(org_id);
        Ok(IdentityProvider {
            name: "anonymous".to_owned(),
            issuer: Some(audience.clone()),
            audience: Some(audience),
            kind: ProviderKind::Anonymous(provider),
            mapping: None,
        })
    }

    /// The provider's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn set_clock(&mut self, clock: Arc<dyn Clock>) {
        match &mut self.kind {
            ProviderKind::Tokens(rules) => rules.set_clock(clock),
            #[cfg(feature = "jwks-http")]
            ProviderKind::Remote(rules, _) => rules.set_clock(clock),
            ProviderKind::Anonymous(anonymous) => anonymous.set_clock(clock),
        }
    }

    /// Whether this provider issued a token with these `iss` and `aud`: every one it is
    /// configured with must match.
    fn recognises(&self, iss: Option<&str>, aud: &[String]) -> bool {
        self.issuer
            .as_deref()
            .is_none_or(|expected| iss == Some(expected))
            && self
                .audience
                .as_deref()
                .is_none_or(|expected| aud.iter().any(|a| a == expected))
    }
}

impl IdentityProviderBuilder {
    /// The `iss` its tokens carry, exactly.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// The `aud` its tokens carry (one of), exactly.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// The algorithms its tokens may use; each key must be pinned to one of them.
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.algorithms = algorithms.into_iter().collect();
        self
    }

    /// Its verifying keys: a [`Key`] (a shared secret) or a [`KeySet`] (a static JWKS:
    /// [`KeySet::from_jwks`]). Replaces a preset's JWKS URL.
    pub fn keys(mut self, keys: impl Into<KeySet>) -> Self {
        self.keys = Some(KeySource::Keys(keys.into()));
        self
    }

    /// Keys fetched from the provider's `jwks_uri` and cached (feature `jwks-http`): see
    /// [`RemoteJwks`](crate::RemoteJwks) for the cache's rules.
    #[cfg(feature = "jwks-http")]
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.keys = Some(KeySource::Url(url.into()));
        self
    }

    /// Keys from a [`RemoteJwks`](crate::RemoteJwks) configured by hand (or shared between
    /// providers).
    #[cfg(feature = "jwks-http")]
    pub fn remote_jwks(mut self, jwks: crate::remote_jwks::RemoteJwks) -> Self {
        self.keys = Some(KeySource::Remote(jwks));
        self
    }

    /// A mapping document applied to its tokens' claims. Without one, the claims type's
    /// derived `from` paths are used, with this provider's name.
    pub fn mapping(mut self, mapping: Mapping) -> Self {
        self.mapping = Some(mapping);
        self
    }

    /// Leeway for clock skew on its tokens' times (default 30 s, at most 300 s).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = Some(leeway);
        self
    }

    /// Checks the configuration: an issuer or an audience, at least one algorithm (never
    /// `none`: there is no such [`Algorithm`]), keys, each pinned to an allowed algorithm.
    pub fn build(mut self) -> Result<IdentityProvider, ProviderError> {
        if !is_valid_name(&self.name) {
            return Err(ProviderError::InvalidName(self.name));
        }
        if self.issuer.is_none() && self.audience.is_none() {
            return Err(ProviderError::NoIssuerOrAudience(self.name));
        }
        if self.algorithms.is_empty() {
            return Err(ProviderError::NoAlgorithms(self.name));
        }
        let keys = match self.keys.take() {
            None => return Err(ProviderError::NoKeys(self.name)),
            #[cfg(not(feature = "jwks-http"))]
            Some(KeySource::Url(_)) => return Err(ProviderError::JwksUrlNeedsFeature(self.name)),
            #[cfg(feature = "jwks-http")]
            Some(KeySource::Url(url)) => {
                let jwks = crate::remote_jwks::RemoteJwks::new(url)?;
                return self.build_remote(jwks);
            }
            #[cfg(feature = "jwks-http")]
            Some(KeySource::Remote(jwks)) => return self.build_remote(jwks),
            Some(KeySource::Keys(keys)) => keys,
        };
        if keys.is_empty() {
            return Err(ProviderError::NoKeys(self.name));
        }
        if let Some(key) = keys
            .iter()
            .find(|key| !self.algorithms.contains(&key.algorithm()))
        {
            return Err(ProviderError::KeyAlgorithmNotAllowed {
                provider: self.name,
                kid: key.key_id().map(str::to_owned),
                algorithm: key.algorithm(),
            });
        }
        let rules = self.rules(keys)?;
        Ok(self.finish(ProviderKind::Tokens(rules)))
    }

    /// The checks of this provider's tokens, with these keys.
    fn rules(&self, keys: KeySet) -> Result<Rules, ProviderError> {
        let mut rules = Rules::new(keys, self.audience.clone(), self.issuer.clone());
        rules.accept_access_tokens();
        if let Some(leeway) = self.leeway {
            rules.set_leeway(leeway)?;
        }
        Ok(rules)
    }

    fn finish(self, kind: ProviderKind) -> IdentityProvider {
        IdentityProvider {
            name: self.name,
            issuer: self.issuer,
            audience: self.audience,
            kind,
            mapping: self.mapping,
        }
    }

    /// A provider whose keys come from a remote JWKS: keys whose algorithm the provider does
    /// not allow are never selected, since each key verifies only its own algorithm and the
    /// provider's allowed list is checked against every token's header.
    #[cfg(feature = "jwks-http")]
    fn build_remote(
        self,
        jwks: crate::remote_jwks::RemoteJwks,
    ) -> Result<IdentityProvider, ProviderError> {
        let mut rules = self.rules(KeySet::new())?;
        rules.set_allowed_algorithms(self.algorithms.clone());
        Ok(self.finish(ProviderKind::Remote(rules, jwks)))
    }
}

/// A token provider: a service the exchange issues State Backed tokens for, with the key it
/// signs them with and an optional mapping applied after the identity provider's.
#[derive(Clone)]
pub struct TokenProvider {
    service: String,
    key: Key,
    mapping: Option<Mapping>,
    lifetime: Duration,
}

impl fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenProvider")
            .field("service", &self.service)
            .field("key", &self.key)
            .field("mapping", &self.mapping)
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

impl TokenProvider {
    /// Service `service` (`[A-Za-z0-9_-]{1,128}`), signing with `key`, tokens valid for
    /// [`DEFAULT_EXCHANGED_LIFETIME`].
    pub fn new(service: impl Into<String>, key: Key) -> Result<Self, ProviderError> {
        let service = service.into();
        if !is_valid_name(&service) {
            return Err(ProviderError::InvalidName(service));
        }
        Ok(TokenProvider {
            service,
            key,
            mapping: None,
            lifetime: DEFAULT_EXCHANGED_LIFETIME,
        })
    }

    /// A mapping document applied to what the identity provider's mapping produced.
    pub fn mapping(mut self, mapping: Mapping) -> Self {
        self.mapping = Some(mapping);
        self
    }

    /// How long exchanged tokens are valid.
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// The service name.
    pub fn service(&self) -> &str {
        &self.service
    }
}

/// An RFC 8693 token-exchange request, as `@statebacked/client` sends it.
#[derive(Clone, PartialEq, Eq)]
pub struct ExchangeRequest {
    audience: String,
    subject_token: String,
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
    /// An anonymous session asked for a claims type without `#[claims(anonymous)]`
    /// (`invalid_grant`, 400).
    #[error("anonymous sessions are not accepted for these claims")]
    AnonymousNotAllowed,
    /// The identity provider's keys could not be fetched (`temporarily_unavailable`, 503).
    #[cfg(feature = "jwks-http")]
    #[error("the identity provider's keys are unavailable: {0}")]
    KeysUnavailable(crate::remote_jwks::JwksError),
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
        let unverified: Unverified = unverified(token, 1).ok_or(ExchangeError::SubjectToken(
            VerifyError::Malformed(crate::verify::Malformed::Json(crate::verify::Part::Payload)),
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
    if token.len() > crate::verify::DEFAULT_MAX_TOKEN_LEN {
        return None;
    }
    let bytes = jws::decode(token.split('.').nth(index)?)?;
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
        ExchangeError::SubjectToken(VerifyError::Malformed(crate::verify::Malformed::Json(
            crate::verify::Part::Payload,
        )))
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
        let preset = IdentityProvider::cognito("eu-west-1", "pool").build();
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
