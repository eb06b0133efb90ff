//! Who a token exchange trusts and what it issues: identity providers (the subject token's
//! issuer) and token providers (the State Backed key the audience names).

use super::DEFAULT_EXCHANGED_LIFETIME;
use crate::anonymous::{AnonymousProvider, anonymous_audience};
use crate::clock::Clock;
use crate::jwt::{ConfigError, Rules};
use crate::keys::{Algorithm, Key, KeyError, KeySet};
use crate::mapping::Mapping;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Token-provider service names: `^[a-zA-Z0-9_-]{1,128}$`.
pub(super) fn is_valid_name(name: &str) -> bool {
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
    Jwks(#[from] crate::jwks::JwksError),
    /// A required claim is not a valid claim name.
    #[error("identity provider `{provider}`: {claim:?} cannot be a required claim")]
    InvalidRequiredClaim {
        /// The provider.
        provider: String,
        /// The claim.
        claim: String,
    },
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
    /// The `jwks_uri` of the issuer's OpenID configuration; with the `jwks-http` feature.
    Discovery,
    #[cfg(feature = "jwks-http")]
    Remote(crate::jwks::RemoteJwks),
    /// A legacy shared secret, checked when the provider is built.
    Secret(Secret),
}

/// A shared secret held by a builder until it is checked; never shown.
#[derive(Clone)]
struct Secret(zeroize::Zeroizing<Vec<u8>>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Which Amazon Cognito tokens a [`cognito`](IdentityProvider::cognito) provider accepts: its
/// `token_use` claim must be this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CognitoTokenUse {
    /// ID tokens (`token_use: "id"`), whose `aud` is the app client id.
    Id,
    /// Access tokens (`token_use: "access"`), which carry no `aud`; their `client_id` is the
    /// app client id.
    Access,
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
    pub(super) name: String,
    pub(super) issuer: Option<String>,
    pub(super) audience: Option<String>,
    pub(super) kind: ProviderKind,
    pub(super) mapping: Option<Mapping>,
    /// Claims its tokens must carry with exactly these string values.
    required_claims: Vec<(String, String)>,
    /// What an exchange of its tokens may issue.
    pub(super) policy: SubjectPolicy,
}

/// What an exchange of one identity provider's tokens may issue.
#[derive(Debug, Clone)]
pub(super) struct SubjectPolicy {
    /// The issued token expires no later than the subject token.
    pub(super) cap_at_subject_exp: bool,
    /// Put before the subject token's `sub` (`"auth0|"`), so that two providers' subjects
    /// cannot collide.
    pub(super) subject_prefix: Option<String>,
}

impl Default for SubjectPolicy {
    fn default() -> Self {
        SubjectPolicy {
            cap_at_subject_exp: true,
            subject_prefix: None,
        }
    }
}

impl SubjectPolicy {
    /// `claims` (the verified subject token's) as mapping reads them, and the issued token's
    /// `exp`: `exp` at most the subject's when capped.
    pub(super) fn apply(&self, claims: &mut serde_json::Value, exp: u64) -> u64 {
        if let (Some(prefix), Some(serde_json::Value::String(sub))) =
            (&self.subject_prefix, claims.get_mut("sub"))
        {
            sub.insert_str(0, prefix);
        }
        match claims.get("exp").and_then(serde_json::Value::as_u64) {
            Some(subject_exp) if self.cap_at_subject_exp => exp.min(subject_exp),
            _ => exp,
        }
    }
}

#[derive(Clone)]
pub(super) enum ProviderKind {
    Tokens(Rules),
    #[cfg(feature = "jwks-http")]
    Remote(Rules, crate::jwks::RemoteJwks),
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
            .field("required_claims", &self.required_claims)
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
    required_claims: Vec<(String, String)>,
    policy: SubjectPolicy,
    #[cfg(feature = "jwks-http")]
    jwks_config: crate::jwks::RemoteJwksConfig,
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
            required_claims: Vec::new(),
            policy: SubjectPolicy::default(),
            #[cfg(feature = "jwks-http")]
            jwks_config: crate::jwks::RemoteJwksConfig::default(),
        }
    }

    /// Any OpenID Provider (Keycloak, Okta, Google, Microsoft Entra ID, Auth0, …) configured by
    /// its issuer URL alone, through OpenID Connect Discovery (feature `jwks-http`): its
    /// OpenID configuration must state exactly this `issuer`, and gives the `jwks_uri` and the
    /// signing algorithms, which are intersected with the provider's allowed ones (every
    /// asymmetric algorithm unless [`algorithms`](IdentityProviderBuilder::algorithms) narrows
    /// them; never an HMAC one). Tokens must carry this `iss`; give the `aud` your tokens are
    /// issued for with [`audience`](IdentityProviderBuilder::audience) (the client id for ID
    /// tokens, the API's identifier for access tokens). See [`crate::jwks::discovery`].
    ///
    /// ```
    /// use statebacked_claims::IdentityProvider;
    ///
    /// let keycloak = IdentityProvider::discover("keycloak", "https://id.example.com/realms/main")
    ///     .audience("my-app")
    ///     .build();
    /// // Without `jwks-http` there is nothing to fetch keys with: a typed error.
    /// # #[cfg(feature = "jwks-http")]
    /// assert_eq!(keycloak?.name(), "keycloak");
    /// # #[cfg(not(feature = "jwks-http"))]
    /// assert!(keycloak.is_err());
    /// # Ok::<(), statebacked_claims::exchange::ProviderError>(())
    /// ```
    pub fn discover(name: impl Into<String>, issuer: impl Into<String>) -> IdentityProviderBuilder {
        let mut builder = IdentityProvider::builder(name).issuer(issuer);
        builder.keys = Some(KeySource::Discovery);
        builder
    }

    /// An Auth0 tenant's access tokens for one of its APIs. `domain` is the tenant's host
    /// (`example.us.auth0.com` or a custom domain, with or without `https://`); `api` is the
    /// API's identifier (its audience, required: Auth0 access tokens are issued for one API,
    /// and the Management API's tokens are not for you). Checks: `iss` is `https://<domain>/`
    /// with its trailing slash, `aud` contains `api`, RS256 with the tenant's keys from
    /// `https://<domain>/.well-known/jwks.json` (or given with
    /// [`keys`](IdentityProviderBuilder::keys)). Namespaced custom claims
    /// (`https://example.com/roles`), `permissions` (RBAC) and `scope` map like any claim.
    /// Named `auth0`.
    pub fn auth0(domain: &str, api: impl Into<String>) -> IdentityProviderBuilder {
        let host = domain
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/');
        let mut builder = IdentityProvider::builder("auth0")
            .issuer(format!("https://{host}/"))
            .audience(api)
            .algorithms([Algorithm::RS256]);
        builder.keys = Some(KeySource::Url(format!(
            "https://{host}/.well-known/jwks.json"
        )));
        builder
    }

    /// Amazon Cognito user pool `pool_id` in `region`, for the app client `client_id`: iss
    /// `https://cognito-idp.<region>.amazonaws.com/<pool_id>` (no trailing slash), RS256 with
    /// the pool's keys from `<iss>/.well-known/jwks.json` (or given). `token_use` must be
    /// the one configured: ID tokens must carry `aud: client_id`; access tokens, which carry
    /// no `aud`, must carry `client_id`. Groups arrive as `cognito:groups`. Named `cognito`.
    pub fn cognito(
        region: &str,
        pool_id: &str,
        token_use: CognitoTokenUse,
        client_id: impl Into<String>,
    ) -> IdentityProviderBuilder {
        let issuer = format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}");
        let client_id = client_id.into();
        let mut builder = IdentityProvider::builder("cognito")
            .issuer(issuer.clone())
            .algorithms([Algorithm::RS256]);
        builder = match token_use {
            CognitoTokenUse::Id => builder.audience(client_id).require_claim("token_use", "id"),
            CognitoTokenUse::Access => builder
                .require_claim("token_use", "access")
                .require_claim("client_id", client_id),
        };
        builder.keys = Some(KeySource::Url(format!("{issuer}/.well-known/jwks.json")));
        builder
    }

    /// A Supabase project (`project` is its reference, the `<project>` of
    /// `https://<project>.supabase.co`): aud `authenticated`, iss
    /// `https://<project>.supabase.co/auth/v1`, ES256 or RS256 with the project's signing keys
    /// from `https://<project>.supabase.co/auth/v1/.well-known/jwks.json`. A project still on
    /// the legacy JWT secret gives it with
    /// [`legacy_secret`](IdentityProviderBuilder::legacy_secret) instead. `role`,
    /// `app_metadata` and `user_metadata` map like any claim. Named `supabase`.
    pub fn supabase(project: &str) -> IdentityProviderBuilder {
        let issuer = format!("https://{project}.supabase.co/auth/v1");
        let mut builder = IdentityProvider::builder("supabase")
            .issuer(issuer.clone())
            .audience("authenticated")
            .algorithms([Algorithm::ES256, Algorithm::RS256]);
        builder.keys = Some(KeySource::Url(format!("{issuer}/.well-known/jwks.json")));
        builder
    }

    /// State Backed's anonymous sessions for `org_id` (WIRE.md §2): aud and iss
    /// `https://<org>.anonymous.auth.statebacked.dev`, HS256 with the org id. What it
    /// verifies always becomes exactly `{"sid","did","auth":"anonymous"}`, whatever else the
    /// identity token carries, and only for claims types with `#[claims(anonymous)]`.
    pub fn anonymous(org_id: &str) -> Result<IdentityProvider, ProviderError> {
        let provider = AnonymousProvider::new(org_id).map_err(|_| ProviderError::InvalidOrgId)?;
        Ok(IdentityProvider::from_anonymous(provider))
    }

    /// [`anonymous`](IdentityProvider::anonymous) with a provider configured by hand (a bound
    /// on session ids other than
    /// [`MAX_SESSION_ID_LEN`](crate::anonymous::MAX_SESSION_ID_LEN), a leeway).
    pub fn from_anonymous(provider: AnonymousProvider) -> IdentityProvider {
        let audience = anonymous_audience(provider.org_id());
        IdentityProvider {
            name: "anonymous".to_owned(),
            issuer: Some(audience.clone()),
            audience: Some(audience),
            kind: ProviderKind::Anonymous(provider),
            mapping: None,
            required_claims: Vec::new(),
            policy: SubjectPolicy::default(),
        }
    }

    /// The provider's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(super) fn set_clock(&mut self, clock: Arc<dyn Clock>) {
        match &mut self.kind {
            ProviderKind::Tokens(rules) => rules.set_clock(clock),
            #[cfg(feature = "jwks-http")]
            ProviderKind::Remote(rules, _) => rules.set_clock(clock),
            ProviderKind::Anonymous(anonymous) => anonymous.set_clock(clock),
        }
    }

    /// Checks the claims its tokens must carry exactly (after the signature and the registered
    /// claims checked out). The error names the claim, never its value.
    pub(super) fn check_required_claims(
        &self,
        claims: &serde_json::Value,
    ) -> Result<(), super::ExchangeError> {
        for (claim, expected) in &self.required_claims {
            if claims.get(claim).and_then(serde_json::Value::as_str) != Some(expected) {
                return Err(super::ExchangeError::RequiredClaim {
                    provider: self.name.clone(),
                    claim: claim.clone(),
                });
            }
        }
        Ok(())
    }

    /// Whether this provider issued a token with these `iss` and `aud`: every one it is
    /// configured with must match.
    pub(super) fn recognises(&self, iss: Option<&str>, aud: &[String]) -> bool {
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

    /// Its legacy shared secret (HS256), replacing its keys: for a provider that signs with
    /// one project-wide secret (a Supabase project's legacy JWT secret). Its tokens may name
    /// any `kid` (Supabase's do); only this provider's one secret verifies them, and every
    /// other provider's `kid` checks stay exact. The secret must be at least 32 bytes, which
    /// [`build`](IdentityProviderBuilder::build) checks.
    pub fn legacy_secret(mut self, secret: impl AsRef<[u8]>) -> Self {
        self.keys = Some(KeySource::Secret(Secret(zeroize::Zeroizing::new(
            secret.as_ref().to_vec(),
        ))));
        self.algorithms = vec![Algorithm::HS256];
        self
    }

    /// A claim its tokens must carry, a string equal to `value` (Cognito's `token_use`, say).
    /// Repeatable; a token without it is refused (`invalid_grant`) naming the claim.
    pub fn require_claim(mut self, claim: impl Into<String>, value: impl Into<String>) -> Self {
        self.required_claims.push((claim.into(), value.into()));
        self
    }

    /// The settings of its remote JWKS (cooldown, maximum age, staleness, timeout, size), for
    /// keys from a URL or discovery (feature `jwks-http`).
    #[cfg(feature = "jwks-http")]
    pub fn jwks_config(mut self, config: crate::jwks::RemoteJwksConfig) -> Self {
        self.jwks_config = config;
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
    pub fn remote_jwks(mut self, jwks: crate::jwks::RemoteJwks) -> Self {
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

    /// Whether the token an exchange issues may outlive the subject token. By default it may
    /// not: its `exp` is the token provider's lifetime from now or the subject token's `exp`,
    /// whichever comes first, so signing out at the identity provider ends the session here
    /// no later than its token would have. `true` issues the full lifetime whatever the
    /// subject's `exp`.
    pub fn outlive_subject(mut self, outlive: bool) -> Self {
        self.policy.cap_at_subject_exp = !outlive;
        self
    }

    /// Puts `prefix` before the subject token's `sub` before its claims are mapped
    /// (`namespace_subjects("corp|")` makes `u1` the user `corp|u1`). `sub` values of two
    /// identity providers can be equal for two different people; a prefix per provider keeps
    /// their users apart. By default subjects are taken as they are.
    pub fn namespace_subjects(mut self, prefix: impl Into<String>) -> Self {
        self.policy.subject_prefix = Some(prefix.into());
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
        // Keys from a provider's published JWKS are never HMAC keys: every asymmetric
        // algorithm, unless narrowed.
        #[cfg(feature = "jwks-http")]
        let remote = matches!(self.keys, Some(KeySource::Discovery | KeySource::Remote(_)));
        #[cfg(not(feature = "jwks-http"))]
        let remote = matches!(self.keys, Some(KeySource::Discovery));
        if remote && self.algorithms.is_empty() {
            self.algorithms = crate::keys::ASYMMETRIC_ALGORITHMS.to_vec();
        }
        if self.algorithms.is_empty() {
            return Err(ProviderError::NoAlgorithms(self.name));
        }
        if let Some((claim, _)) = self
            .required_claims
            .iter()
            .find(|(claim, _)| claim.is_empty() || claim == "iss" || claim == "aud")
        {
            return Err(ProviderError::InvalidRequiredClaim {
                provider: self.name.clone(),
                claim: claim.clone(),
            });
        }
        let keys = match self.keys.take() {
            None => return Err(ProviderError::NoKeys(self.name)),
            #[cfg(not(feature = "jwks-http"))]
            Some(KeySource::Url(_) | KeySource::Discovery) => {
                return Err(ProviderError::JwksUrlNeedsFeature(self.name));
            }
            #[cfg(feature = "jwks-http")]
            Some(KeySource::Url(url)) => {
                let jwks = crate::jwks::RemoteJwks::with_config(url, self.jwks_config.clone())?;
                return self.build_remote(jwks);
            }
            #[cfg(feature = "jwks-http")]
            Some(KeySource::Discovery) => {
                let issuer = self.issuer.clone().unwrap_or_default();
                let jwks = crate::jwks::RemoteJwks::discover_with_config(
                    issuer,
                    self.jwks_config.clone(),
                )?;
                return self.build_remote(jwks);
            }
            #[cfg(feature = "jwks-http")]
            Some(KeySource::Remote(jwks)) => return self.build_remote(jwks),
            Some(KeySource::Secret(secret)) => {
                let key = Key::hmac_from_jwk(None, Algorithm::HS256, &secret.0)?;
                let mut keys = KeySet::from(key);
                keys.accept_any_kid();
                keys
            }
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
            required_claims: self.required_claims,
            policy: self.policy,
        }
    }

    /// A provider whose keys come from a remote JWKS: keys whose algorithm the provider does
    /// not allow are never selected, since each key verifies only its own algorithm and the
    /// provider's allowed list is checked against every token's header.
    #[cfg(feature = "jwks-http")]
    fn build_remote(
        self,
        jwks: crate::jwks::RemoteJwks,
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
    pub(super) service: String,
    pub(super) key: Key,
    pub(super) mapping: Option<Mapping>,
    pub(super) lifetime: Duration,
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
