//! Verifying tokens: [`Verifier`], [`Verified`] and [`AuthContext`], and what a refused token
//! is told ([`VerifyError`]).

pub use crate::jwt::decode::ClaimsBuf;
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
use serde::de::{Deserialize, DeserializeOwned};
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
    /// Covariant: a `Verifier<User<'static>>` verifies into a `User<'b>` borrowing from a
    /// shorter-lived [`ClaimsBuf`].
    claims: PhantomData<fn() -> C>,
}

impl<C> Clone for Verifier<C> {
    fn clone(&self) -> Self {
        Verifier {
            rules: Arc::clone(&self.rules),
            revocations: self.revocations.clone(),
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
            claims: PhantomData,
        }
    }

    /// Refuses tokens that `view` lists as revoked ([`VerifyError::Revoked`]), checked after
    /// every other rule; and, while the view is past its staleness bound and fails closed,
    /// every token ([`VerifyError::RevocationsUnavailable`]). See the
    /// [`revocation`](crate::revocation) module.
    ///
    /// A token is looked up by its `jti` (when it has one) and its subject: the claim `C`
    /// marks `#[claim(subject)]` ([`Claims::subject`]; State Backed tokens keep the user's
    /// `sub` in `act`), else the top-level `sub`, else an anonymous session's `sid`.
    pub fn revocations(mut self, view: RevocationView) -> Self {
        self.revocations = Some(view);
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
    ) -> Result<Verified<C>, VerifyError>
    where
        C: DeserializeOwned,
    {
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
    pub fn verify(&self, token: &str) -> Result<Verified<C>, VerifyError>
    where
        C: DeserializeOwned,
    {
        self.traced(|| jwt::decode::<C>(&self.rules, token))
    }

    /// [`verify`](Verifier::verify) for claims that borrow from the token's claims set,
    /// which `buf` keeps: a `&'a str` claim is read without a copy. A string with escapes
    /// cannot be borrowed and fails to deserialize into `&str`; a `Cow<'a, str>` field with
    /// `#[serde(borrow)]` is borrowed where it can be and owned where it must be (serde
    /// borrows a `Cow` only as a field's whole type: inside an `Option` or a `Vec` it is
    /// always owned). Every check is the same as `verify`'s. An anonymous session's claims,
    /// and those of a token whose top-level `sub` stands in for `act`'s, are built by the
    /// decode rather than read, and allocated in `buf` ([`ClaimsBuf`]).
    ///
    /// ```
    /// use serde::{Deserialize, Serialize};
    /// use statebacked_claims::verify::ClaimsBuf;
    /// use statebacked_claims::{Claims, Issuer, Key, Verifier};
    /// use std::borrow::Cow;
    ///
    /// #[derive(Serialize, Deserialize, Claims)]
    /// struct Member<'a> {
    ///     #[claim(subject, validate(length(min = 1, max = 64)))]
    ///     sub: &'a str,
    ///     #[serde(borrow)]
    ///     #[claim(validate(email))]
    ///     email: Cow<'a, str>,
    ///     #[serde(default)]
    ///     #[claim(validate(each(one_of("admin", "member"))))]
    ///     groups: Vec<&'a str>,
    /// }
    ///
    /// let key = Key::hs256("sbk_test", "sbsec_test_secret_0123456789abcdef")?;
    /// let member = Member { sub: "u1", email: "ada@example.com".into(), groups: vec!["admin"] };
    /// let token = Issuer::<Member>::new(key.clone()).sign(&member, "1h".parse()?)?;
    ///
    /// // One verifier, one buffer reused for every token.
    /// let verifier = Verifier::<Member<'static>>::new(key);
    /// let mut buf = ClaimsBuf::default();
    /// for _ in 0..2 {
    ///     let verified = verifier.verify_in(token.as_str(), &mut buf)?;
    ///     assert_eq!(verified.claims().sub, "u1");
    ///     assert!(matches!(verified.claims().email, Cow::Borrowed("ada@example.com")));
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_in<'b>(
        &self,
        token: &str,
        buf: &'b mut ClaimsBuf,
    ) -> Result<Verified<C>, VerifyError>
    where
        C: Deserialize<'b>,
    {
        self.traced(|| jwt::decode_in::<C>(&self.rules, token, buf))
    }

    /// The rest of a verify, after `decode`, under the feature `tracing`'s span.
    fn traced(
        &self,
        decode: impl FnOnce() -> Result<Decoded<C>, VerifyError>,
    ) -> Result<Verified<C>, VerifyError> {
        #[cfg(feature = "tracing")]
        let span = tracing::debug_span!(
            "verify",
            claims = C::schema().type_name(),
            outcome = tracing::field::Empty,
            error = tracing::field::Empty,
        )
        .entered();
        let result = decode().and_then(|decoded| self.finish(decoded));
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

    /// The last steps of every verify: the claims' own rules, then revocation.
    fn finish(&self, decoded: Decoded<C>) -> Result<Verified<C>, VerifyError> {
        let Decoded {
            claims,
            session,
            registered,
        } = decoded;
        claims.validate().map_err(VerifyError::InvalidClaims)?;
        let verified = Verified {
            claims,
            registered,
            session,
        };
        if let Some(view) = &self.revocations {
            let subject = verified
                .claims
                .subject()
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
