//! Verifying tokens: [`Verifier`], [`Verified`] and [`AuthContext`], and what a refused token
//! is told ([`VerifyError`]).

pub use crate::jwt::{
    AnonymousViolation, ConfigError, DEFAULT_LEEWAY_SECS, DEFAULT_MAX_TOKEN_LEN, MAX_LEEWAY_SECS,
    Malformed, Part, RegisteredClaims, VerifyError,
};

use crate::STATEBACKED_AUDIENCE;
use crate::claims::{AnonymousIdentity, Claims};
use crate::clock::Clock;
use crate::jwt::{self, Decoded, Rules};
use crate::keys::KeySet;
use crate::revocation::RevocationView;
use crate::scope::{ScopeError, Scopes};
use serde::Serialize;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

/// A token that passed every check, with its typed claims.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use statebacked_claims::{AuthContext, Claims, Issuer, Key, Verifier};
///
/// #[derive(Debug, PartialEq, Serialize, Deserialize, Claims)]
/// struct User { sub: String }
///
/// let key = Key::hs256("sbk_test", "sbsec_test_secret_0123456789abcdef")?;
/// let token = Issuer::<User>::new(key.clone()).sign(&User { sub: "u1".into() }, "1h".parse()?)?;
/// let verified = Verifier::<User>::new(key).verify(token.as_str())?;
///
/// assert_eq!(verified.claims().sub, "u1");
/// assert_eq!(verified.registered().kid(), Some("sbk_test"));
/// assert!(matches!(verified.auth_context(), AuthContext::Authenticated(user) if user.sub == "u1"));
/// let user: User = verified.into_claims();
/// # let _ = user;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Verified<C> {
    claims: C,
    registered: RegisteredClaims,
    session: Option<AnonymousIdentity>,
}

/// Who a verified token speaks for: the `authContext` State Backed authorizers receive.
///
/// It serializes as authorizers see it: the claims, or `{"sid","did","auth":"anonymous"}`.
#[derive(Debug, PartialEq, Eq)]
pub enum AuthContext<'a, C> {
    /// A user the token issuer vouches for, with their claims.
    Authenticated(&'a C),
    /// An anonymous session: `act` is exactly `{"sid", "did", "auth": "anonymous"}`.
    Anonymous {
        /// The session id.
        sid: &'a str,
        /// The device id.
        did: &'a str,
    },
}

impl<C> Clone for AuthContext<'_, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C> Copy for AuthContext<'_, C> {}

impl<'a, C> AuthContext<'a, C> {
    /// The user's claims; `None` for an anonymous session.
    pub fn claims(&self) -> Option<&'a C> {
        match self {
            AuthContext::Authenticated(claims) => Some(claims),
            AuthContext::Anonymous { .. } => None,
        }
    }

    /// The anonymous session's id; `None` for a user.
    pub fn session_id(&self) -> Option<&'a str> {
        match self {
            AuthContext::Anonymous { sid, .. } => Some(sid),
            AuthContext::Authenticated(_) => None,
        }
    }

    /// Whether this is an anonymous session.
    pub fn is_anonymous(&self) -> bool {
        matches!(self, AuthContext::Anonymous { .. })
    }
}

impl<C: Serialize> Serialize for AuthContext<'_, C> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            AuthContext::Authenticated(claims) => claims.serialize(serializer),
            AuthContext::Anonymous { sid, did } => {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(Some(3))?;
                map.serialize_entry("sid", sid)?;
                map.serialize_entry("did", did)?;
                map.serialize_entry("auth", "anonymous")?;
                map.end()
            }
        }
    }
}

impl<C> Verified<C> {
    /// The end-user claims (the token's `act`). For an anonymous session, a `C` built from
    /// its `sid` and `did` alone; see [`auth_context`](Verified::auth_context).
    pub fn claims(&self) -> &C {
        &self.claims
    }

    /// The registered claims (`iss`, `aud`, `exp`, …) and the key id.
    pub fn registered(&self) -> &RegisteredClaims {
        &self.registered
    }

    /// Whether the token is an anonymous session's.
    pub fn is_anonymous(&self) -> bool {
        self.session.is_some()
    }

    /// Who the token speaks for. Only a token whose `act.auth` is exactly `"anonymous"` (and
    /// which carries nothing but `sid` and `did` besides) is [`AuthContext::Anonymous`].
    pub fn auth_context(&self) -> AuthContext<'_, C> {
        match &self.session {
            Some(session) => AuthContext::Anonymous {
                sid: session.sid(),
                did: session.did(),
            },
            None => AuthContext::Authenticated(&self.claims),
        }
    }

    /// The end-user claims, by value.
    pub fn into_claims(self) -> C {
        self.claims
    }

    /// Both parts, by value.
    pub fn into_parts(self) -> (C, RegisteredClaims) {
        (self.claims, self.registered)
    }
}

/// Verifies State Backed end-user tokens whose `act` claim is a `C`.
///
/// Checks, in order: size; three base64url segments; a strict JSON header without
/// `crit`/`b64`/`zip`/`enc`/`epk`/`p2c` and with `typ` (if any) `JWT`; the key the `kid`
/// names, and only that key's algorithm; the signature; then a strict JSON claims set with
/// `exp` (required), `nbf`, `iat` (not in the future), `aud` (must contain the audience,
/// `https://api.statebacked.dev/` by default) and `iss` (exact, when configured), all with a
/// bounded leeway ([`DEFAULT_LEEWAY_SECS`] by default); finally `act`: an anonymous session's
/// (`auth: "anonymous"` with exactly `sid` and `did`, and only if `C` admits them) or a `C`.
/// A failure is reported as the first of these checks that fails.
///
/// That is the order of the errors, not of the work: after the signature, the claims set is
/// read in one pass in which `C`'s `Deserialize` reads `act` as it is checked, so it runs
/// before `exp` and `aud` are looked at (on a token the key signed). Where that pass cannot
/// vouch for the JSON (a `C` that reads byte strings or `RawValue`, member names as numbers,
/// `auth` as an enum, or that swallows an error; and any refused token), the claims set is
/// read again in two passes, the strict check first: `C`'s `Deserialize` may then run twice
/// for one token, and should have no side effects.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use statebacked_claims::{Claims, Issuer, Key, Verifier};
///
/// #[derive(Debug, PartialEq, Serialize, Deserialize, Claims)]
/// struct User { sub: String }
///
/// let key = Key::hs256("sbk_test", "sbsec_test_secret_0123456789abcdef")?;
/// let token = Issuer::<User>::new(key.clone()).sign(&User { sub: "u1".into() }, "1h".parse()?)?;
/// let verified = Verifier::<User>::new(key).verify(token.as_str())?;
/// assert_eq!(verified.claims().sub, "u1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Verifier<C> {
    /// Shared: an extractor clones the verifier per request (axum's `FromRef`).
    rules: Arc<Rules>,
    /// Checked after every other rule, when set.
    revocations: Option<RevocationView>,
    /// Where the subject a revocation names is read from, before the defaults.
    subject: Option<fn(&C) -> Option<&str>>,
    claims: PhantomData<fn() -> C>,
}

impl<C> Clone for Verifier<C> {
    fn clone(&self) -> Self {
        Verifier {
            rules: Arc::clone(&self.rules),
            revocations: self.revocations.clone(),
            subject: self.subject,
            claims: PhantomData,
        }
    }
}

impl<C> fmt::Debug for Verifier<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_tuple("Verifier");
        debug.field(&self.rules);
        if let Some(view) = &self.revocations {
            debug.field(view);
        }
        debug.finish()
    }
}

impl<C: Claims> Verifier<C> {
    /// A verifier for tokens signed by `keys` (a [`Key`](crate::Key) or a [`KeySet`]).
    pub fn new(keys: impl Into<KeySet>) -> Self {
        let mut rules = Rules::new(keys.into(), Some(STATEBACKED_AUDIENCE.to_owned()), None);
        rules.required_type = C::schema().token_type().map(str::to_owned);
        Verifier {
            rules: Arc::new(rules),
            revocations: None,
            subject: None,
            claims: PhantomData,
        }
    }

    /// Refuses tokens that `view` lists as revoked ([`VerifyError::Revoked`]), checked after
    /// every other rule; and, while the view is past its staleness bound and fails closed,
    /// every token ([`VerifyError::RevocationsUnavailable`]). See the
    /// [`revocation`](crate::revocation) module.
    ///
    /// A token is looked up by its `jti` (when it has one) and its subject: what
    /// [`revocation_subject`](Verifier::revocation_subject) reads from the claims, else the
    /// top-level `sub`, else an anonymous session's `sid`.
    pub fn revocations(mut self, view: RevocationView) -> Self {
        self.revocations = Some(view);
        self
    }

    /// Where a token's subject is read from for revocation by subject, for State Backed
    /// tokens that keep the user's `sub` in `act`: `|viewer: &Viewer| viewer.sub.as_deref()`.
    /// When it returns `None`, the top-level `sub` or the anonymous session's `sid` is used.
    pub fn revocation_subject(mut self, subject: fn(&C) -> Option<&str>) -> Self {
        self.subject = Some(subject);
        self
    }

    /// The audience `aud` must contain, exactly. An empty audience matches no token.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.rules).audience = Some(audience.into());
        self
    }

    /// Requires `iss` to be exactly this issuer (by default any string `iss` is accepted).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.rules).issuer = Some(issuer.into());
        self
    }

    /// Leeway for clock skew on `exp`, `nbf` and `iat`, in whole seconds; at most
    /// [`MAX_LEEWAY_SECS`].
    pub fn leeway(mut self, leeway: Duration) -> Result<Self, ConfigError> {
        Arc::make_mut(&mut self.rules).set_leeway(leeway)?;
        Ok(self)
    }

    /// The longest token accepted, in bytes; longer ones are rejected before any work.
    pub fn max_token_len(mut self, max: usize) -> Self {
        Arc::make_mut(&mut self.rules).max_token_len = max;
        self
    }

    /// Refuses tokens issued longer than `max_age` ago (within the leeway), whatever their
    /// `exp`, and tokens without `iat` ([`VerifyError::MissingClaim`]).
    pub fn max_age(mut self, max_age: Duration) -> Self {
        Arc::make_mut(&mut self.rules).max_age = Some(max_age.as_secs());
        self
    }

    /// Requires the header's `typ` to be this type (compared case-insensitively, with any
    /// `application/` prefix removed). Without it, a `typ` must be `JWT` when present.
    pub fn required_type(mut self, typ: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.rules).required_type = Some(typ.into());
        self
    }

    /// The clock to check times against.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        Arc::make_mut(&mut self.rules).set_clock(Arc::new(clock));
        self
    }

    /// Requires the token's `scope` claim to grant every one of `scopes`; a token without
    /// `scope` is [`VerifyError::MissingClaim`], one lacking some is
    /// [`VerifyError::InsufficientScope`] naming them. Refuses malformed scope tokens.
    pub fn require_scopes<I, S>(mut self, scopes: I) -> Result<Self, ScopeError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let scopes = Scopes::from_scopes(scopes)?;
        Arc::make_mut(&mut self.rules).required_scopes = scopes.iter().map(str::to_owned).collect();
        Ok(self)
    }

    /// Opens a compact JWE made with `key` (feature `jwe`) and verifies the signed token
    /// inside exactly as [`verify`](Verifier::verify) does. The JWE must declare `cty: "JWT"`;
    /// a plain JWS is refused ([`VerifyError::Encryption`]), as is a JWE handed to `verify`.
    #[cfg(feature = "jwe")]
    pub fn verify_encrypted(
        &self,
        token: &str,
        key: &crate::jwt::jwe::EncryptionKey,
    ) -> Result<Verified<C>, VerifyError> {
        use crate::jwt::jwe::JweError;
        self.rules.check_len(token)?;
        let (plaintext, cty) = key.open(token).map_err(VerifyError::Encryption)?;
        if !cty.is_some_and(|cty| cty.eq_ignore_ascii_case("JWT")) {
            return Err(VerifyError::Encryption(JweError::NotNested));
        }
        let nested = std::str::from_utf8(&plaintext)
            .map_err(|_| VerifyError::Encryption(JweError::NotNested))?;
        self.verify(nested)
    }
    /// Verifies `token` and decodes its claims into `C`: the `act` claim in the State Backed
    /// profile, the claims set itself in the flat one.
    ///
    /// With the feature `tracing`, each call is a `verify` span (debug level) whose fields are
    /// the claims type, the `outcome` (`verified` or `rejected`) and the `error`'s
    /// [code](VerifyError::code): never the token, a claim's value or a key.
    pub fn verify(&self, token: &str) -> Result<Verified<C>, VerifyError> {
        #[cfg(feature = "tracing")]
        let span = tracing::debug_span!(
            "verify",
            claims = C::schema().type_name(),
            outcome = tracing::field::Empty,
            error = tracing::field::Empty,
        )
        .entered();
        let result = self.verify_untraced(token);
        #[cfg(feature = "tracing")]
        match &result {
            Ok(_) => {
                span.record("outcome", "verified");
            }
            Err(err) => {
                span.record("outcome", "rejected");
                span.record("error", err.code());
            }
        }
        result
    }

    fn verify_untraced(&self, token: &str) -> Result<Verified<C>, VerifyError> {
        let Decoded {
            claims,
            session,
            registered,
        } = jwt::decode::<C>(&self.rules, token)?;
        let verified = finish(claims, session, registered)?;
        if let Some(view) = &self.revocations {
            let subject = self
                .subject
                .and_then(|subject| subject(&verified.claims))
                .or_else(|| verified.registered.sub())
                .or_else(|| verified.session.as_ref().map(AnonymousIdentity::sid));
            view.check(
                verified.registered.jti(),
                subject,
                verified.registered.iat(),
            )?;
        }
        Ok(verified)
    }
}

/// The last step of every verify: the claims' own rules.
fn finish<C: Claims>(
    claims: C,
    session: Option<AnonymousIdentity>,
    registered: RegisteredClaims,
) -> Result<Verified<C>, VerifyError> {
    claims.validate().map_err(VerifyError::InvalidClaims)?;
    Ok(Verified {
        claims,
        registered,
        session,
    })
}
