//! Signing tokens: [`Issuer`], [`SignedToken`] and [`IssueError`].

use crate::STATEBACKED_AUDIENCE;
use crate::claims::{AdmitsAnonymous, AnonymousIdentity, Claims};
use crate::clock::{Clock, SystemClock};
use crate::expires::{Expires, MAX_TIME};
use crate::jwt::compact;
use crate::keys::Key;
use crate::schema::{ClaimSchema, Profile};
use crate::scope::{ClientClaims, Scopes};
use crate::validate::ValidationErrors;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// Why a token was not signed. Never contains a key or a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IssueError {
    /// The claims break their validation rules; nothing was signed.
    #[error("claims not signed: {0}")]
    Invalid(ValidationErrors),
    /// The expiry, or the clock, does not fit a JWT time (an integer below 2^53).
    #[error("expiry is out of range")]
    ExpiryOutOfRange,
    /// The token would already be expired when issued.
    #[error("expiry {exp} is not after the issue time {now}")]
    AlreadyExpired {
        /// The resolved `exp`.
        exp: u64,
        /// The issuer's clock.
        now: u64,
    },
    /// The claims did not serialize to a JSON object.
    #[error("claims of type {type_name} do not serialize to a JSON object")]
    ActNotObject {
        /// The claims type.
        type_name: &'static str,
    },
    /// The claims failed to serialize (a map with non-string keys, a failing `Serialize`).
    #[error("claims of type {type_name} failed to serialize: {reason}")]
    Serialize {
        /// The claims type.
        type_name: &'static str,
        /// serde's message.
        reason: String,
    },
    /// An org id is empty, longer than 128 bytes, or has a character outside `[A-Za-z0-9_-]`.
    #[error("org id must be 1 to 128 characters of [A-Za-z0-9_-]")]
    InvalidOrgId,
    /// An anonymous session's `sid` or `did` is empty, too long or has a control character
    /// ([`MAX_SESSION_ID_LEN`](crate::claims::MAX_SESSION_ID_LEN)).
    #[error("`{0}` must be 1 to {max} characters without control characters", max = crate::claims::MAX_SESSION_ID_LEN)]
    InvalidSessionId(&'static str),
    /// The claims carry a claim reserved for anonymous sessions (`auth`).
    #[error("claim `{0}` is reserved for anonymous sessions")]
    ReservedClaim(&'static str),
    /// The signed token could not be encrypted (feature `jwe`).
    #[cfg(feature = "jwe")]
    #[error("could not encrypt the token: {0}")]
    Encryption(crate::jwt::jwe::JweError),
    /// The crypto backend could not sign with the key.
    #[error("the key cannot sign")]
    Signing,
}

/// A signed token, in JWS compact serialization.
///
/// `Display` and [`as_str`](SignedToken::as_str) give the whole token; `Debug` leaves out the
/// signature so that a logged value cannot be replayed.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedToken(String);

impl SignedToken {
    /// A token assembled elsewhere in the crate (the test helpers' hostile variants).
    #[cfg(feature = "testing")]
    pub(crate) fn from_parts(token: String) -> Self {
        SignedToken(token)
    }

    /// The token.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The token, by value.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for SignedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl SignedToken {
    /// A token for `Debug` output: everything but the signature, which would let a logged
    /// value be replayed.
    pub(crate) fn debug_view(token: &str) -> impl fmt::Debug + '_ {
        struct Redacted<'a>(&'a str);
        impl fmt::Debug for Redacted<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let unsigned = self.0.rsplit_once('.').map_or("", |(unsigned, _)| unsigned);
                write!(f, "{unsigned}.<signature redacted>")
            }
        }
        Redacted(token)
    }
}

impl fmt::Debug for SignedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignedToken({:?})", SignedToken::debug_view(&self.0))
    }
}

impl AsRef<str> for SignedToken {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<SignedToken> for String {
    fn from(token: SignedToken) -> String {
        token.0
    }
}

/// Signs State Backed end-user tokens whose `act` claim is a `C`.
///
/// The token is exactly what `@statebacked/token`'s `signToken` makes: header
/// `{"alg":"HS256","kid":…}`, claims `{"act":…,"aud":…,"exp":…,"iss":…,"iat":…}` in that order,
/// compact JSON. The audience is `https://api.statebacked.dev/` and the issuer
/// `https://<key id>.client.statebacked.dev/` unless set.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use statebacked_claims::{Claims, FixedClock, Issuer, Key};
///
/// #[derive(Serialize, Deserialize, Claims)]
/// struct User { sub: String }
///
/// let key = Key::hs256("sbk_test", "sbsec_test_secret_0123456789abcdef")?;
/// let issuer = Issuer::<User>::new(key).clock(FixedClock::at_unix(1_700_000_000));
/// let token = issuer.sign(&User { sub: "u1".into() }, "7d".parse()?)?;
/// assert!(token.as_str().starts_with("eyJhbGciOiJIUzI1NiIsImtpZCI6InNia190ZXN0In0."));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Issuer<C> {
    key: Key,
    /// The base64url of `{"alg":…,"kid":…}`, the header of every token without a `typ`.
    header: Arc<str>,
    issuer: Option<String>,
    audience: String,
    /// `aud` and `iss` as the claims set writes them, kept with `issuer` and `audience`.
    registered: Arc<RegisteredJson>,
    clock: Arc<dyn Clock>,
    /// Whether each token gets a random `jti`.
    token_ids: bool,
    claims: PhantomData<fn(&C)>,
}

impl<C> Clone for Issuer<C> {
    fn clone(&self) -> Self {
        Issuer {
            key: self.key.clone(),
            header: Arc::clone(&self.header),
            issuer: self.issuer.clone(),
            audience: self.audience.clone(),
            registered: Arc::clone(&self.registered),
            clock: Arc::clone(&self.clock),
            token_ids: self.token_ids,
            claims: PhantomData,
        }
    }
}

impl<C> fmt::Debug for Issuer<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Issuer")
            .field("key", &self.key)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

/// The claims set of the flat profile: the claims' own members, then the registered ones.
#[derive(Serialize)]
struct FlatPayloadOut<'a, C> {
    #[serde(flatten)]
    claims: &'a C,
    aud: &'a str,
    exp: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    iss: Option<&'a str>,
    iat: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    jti: Option<String>,
}

/// The members of the claims set that are the same in every token an issuer signs, written
/// once: `"aud"` and `"iss"` and their values, and the names around the two times. Every
/// token's claims set is `{"act":…,"aud":…,"exp":…,"iss":…,"iat":…}` (then `"jti"` if it has
/// one), byte for byte what serde_json writes for a [`FlatPayloadOut`] of `{"act":…}`.
struct RegisteredJson {
    /// `,"aud":"…","exp":`.
    before_exp: String,
    /// `,"iss":"…","iat":`, or `,"iat":` without an issuer.
    before_iat: String,
}

impl RegisteredJson {
    /// What every claims set begins with; `act`'s value follows.
    const BEFORE_ACT: &[u8] = br#"{"act":"#;

    fn new(audience: &str, issuer: Option<&str>) -> Self {
        // A `&str` always serializes.
        let string = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let before_exp = format!(r#","aud":{},"exp":"#, string(audience));
        let before_iat = match issuer {
            Some(issuer) => format!(r#","iss":{},"iat":"#, string(issuer)),
            None => r#","iat":"#.to_owned(),
        };
        RegisteredJson {
            before_exp,
            before_iat,
        }
    }

    /// The claims set with `act`, the two times and `jti`.
    fn payload<A: Serialize + ?Sized>(
        &self,
        act: &A,
        exp: u64,
        iat: u64,
        jti: Option<&str>,
    ) -> serde_json::Result<Vec<u8>> {
        let mut times = itoa::Buffer::new();
        let mut payload = Vec::with_capacity(256);
        payload.extend_from_slice(Self::BEFORE_ACT);
        serde_json::to_writer(&mut payload, act)?;
        payload.extend_from_slice(self.before_exp.as_bytes());
        payload.extend_from_slice(times.format(exp).as_bytes());
        payload.extend_from_slice(self.before_iat.as_bytes());
        payload.extend_from_slice(times.format(iat).as_bytes());
        if let Some(jti) = jti {
            payload.extend_from_slice(br#","jti":"#);
            serde_json::to_writer(&mut payload, jti)?;
        }
        payload.push(b'}');
        Ok(payload)
    }
}

impl<C: Claims> Issuer<C> {
    /// An issuer signing with `key`.
    pub fn new(key: Key) -> Self {
        let issuer = key
            .key_id()
            .map(|kid| format!("https://{kid}.client.statebacked.dev/"));
        let header = compact::encoded_header(key.algorithm(), key.key_id(), None).into();
        let registered = Arc::new(RegisteredJson::new(STATEBACKED_AUDIENCE, issuer.as_deref()));
        Issuer {
            key,
            header,
            issuer,
            audience: STATEBACKED_AUDIENCE.to_owned(),
            registered,
            clock: Arc::new(SystemClock),
            token_ids: false,
            claims: PhantomData,
        }
    }

    /// Gives every token a random `jti` (a version-4 UUID, after `iat`), so that one token
    /// can be revoked ([`Revocations::revoke_token`](crate::revocation::Revocations::revoke_token)).
    /// Off by default: tokens then are byte-identical to `@statebacked/token`'s, which has
    /// no `jti`.
    pub fn token_ids(mut self) -> Self {
        self.token_ids = true;
        self
    }

    fn token_id(&self) -> Option<String> {
        self.token_ids
            .then(|| uuid::Uuid::new_v4().hyphenated().to_string())
    }

    /// The `iss` claim, verbatim (replaces the State Backed default).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self.registered = Arc::new(RegisteredJson::new(&self.audience, self.issuer.as_deref()));
        self
    }

    /// The `aud` claim (replaces `https://api.statebacked.dev/`).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = audience.into();
        self.registered = Arc::new(RegisteredJson::new(&self.audience, self.issuer.as_deref()));
        self
    }

    /// The clock `iat` and relative expiries are read from.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Signs a token carrying `claims`, issued now and expiring at `expires`: as its `act`
    /// claim in the State Backed profile, beside the registered claims in the flat one.
    ///
    /// The claims are validated first: a `C` that breaks a rule is never signed.
    pub fn sign(&self, claims: &C, expires: Expires) -> Result<SignedToken, IssueError> {
        claims.validate().map_err(IssueError::Invalid)?;
        match C::schema().profile() {
            Profile::StateBacked => {
                refuse_reserved_auth(claims)?;
                self.sign_act(claims, expires)
            }
            Profile::Flat => self.sign_flat(claims, expires),
        }
    }

    /// Signs a token as [`sign`](Issuer::sign) does and encrypts it for `key` (feature
    /// `jwe`): a compact JWE with `cty: "JWT"` whose plaintext is the signed token, so the
    /// claims are confidential from whoever holds it. Open it with
    /// [`Verifier::verify_encrypted`](crate::Verifier::verify_encrypted).
    #[cfg(feature = "jwe")]
    pub fn sign_encrypted(
        &self,
        claims: &C,
        expires: Expires,
        key: &crate::jwt::jwe::EncryptionKey,
    ) -> Result<SignedToken, IssueError> {
        let signed = self.sign(claims, expires)?;
        key.encrypt(signed.as_str().as_bytes(), Some("JWT"))
            .map(SignedToken)
            .map_err(IssueError::Encryption)
    }

    /// Signs a machine-to-machine client token: `sub` and `client_id` are `client_id`,
    /// `scope` the scopes space-delimited (RFC 8693 §4.2, RFC 9068), beside this issuer's
    /// `aud`, `iss`, `iat` and `exp`. Verify it with a
    /// [`Verifier<ClientClaims>`](crate::Verifier), which can require scopes.
    pub fn client_token(
        &self,
        client_id: impl Into<String>,
        scopes: &Scopes,
        expires: Expires,
    ) -> Result<SignedToken, IssueError> {
        let claims = ClientClaims::new(client_id, scopes.clone());
        claims.validate().map_err(IssueError::Invalid)?;
        self.sign_flat(&claims, expires)
    }

    fn sign_flat<F: Claims>(
        &self,
        claims: &F,
        expires: Expires,
    ) -> Result<SignedToken, IssueError> {
        let (now, exp) = issue_times(self.clock.as_ref(), expires)?;
        let type_name = F::schema().type_name();
        let payload = serde_json::to_vec(&FlatPayloadOut {
            claims,
            aud: &self.audience,
            exp,
            iss: self.issuer.as_deref(),
            iat: now,
            jti: self.token_id(),
        })
        .map_err(serialize_error(type_name))?;
        self.sign_payload(&payload, F::schema())
    }

    fn sign_act<A: Serialize>(&self, act: &A, expires: Expires) -> Result<SignedToken, IssueError> {
        let (now, exp) = issue_times(self.clock.as_ref(), expires)?;
        let type_name = C::schema().type_name();
        let payload = self
            .registered
            .payload(act, exp, now, self.token_id().as_deref())
            .map_err(serialize_error(type_name))?;
        // What follows `{"act":` must open an object.
        if payload.get(RegisteredJson::BEFORE_ACT.len()) != Some(&b'{') {
            return Err(IssueError::ActNotObject { type_name });
        }
        self.sign_payload(&payload, C::schema())
    }

    fn sign_payload(
        &self,
        payload: &[u8],
        schema: &'static ClaimSchema,
    ) -> Result<SignedToken, IssueError> {
        let header = match schema.token_type() {
            None => Cow::Borrowed(&*self.header),
            typ => Cow::Owned(compact::encoded_header(
                self.key.algorithm(),
                self.key.key_id(),
                typ,
            )),
        };
        compact::sign_encoded(&self.key, &header, payload)
            .map(SignedToken)
            .ok_or(IssueError::Signing)
    }
}

impl<C: AdmitsAnonymous + DeserializeOwned> Issuer<C> {
    /// Signs an anonymous session's token: `act` is exactly
    /// `{"sid":…,"did":…,"auth":"anonymous"}`, whatever else the session's identity token
    /// carried. Only types with `#[claims(anonymous)]` have this method.
    pub fn sign_anonymous(
        &self,
        session: &AnonymousIdentity,
        expires: Expires,
    ) -> Result<SignedToken, IssueError> {
        self.sign_session(session, expires)
    }
}

impl<C: Claims + DeserializeOwned> Issuer<C> {
    /// The anonymous session's token, for callers that checked at run time that `C` admits
    /// anonymous sessions (the token exchange, generic over every `C`).
    pub(crate) fn sign_session(
        &self,
        session: &AnonymousIdentity,
        expires: Expires,
    ) -> Result<SignedToken, IssueError> {
        // `C`'s own rules for `sid` and `did` (a length, a prefix) hold for sessions too:
        // nothing is signed that its verifier would refuse.
        let claims: C = session
            .claims()
            .map_err(serialize_error(C::schema().type_name()))?;
        claims.validate().map_err(IssueError::Invalid)?;
        #[derive(Serialize)]
        struct AnonymousAct<'a> {
            sid: &'a str,
            did: &'a str,
            auth: &'static str,
        }
        self.sign_act(
            &AnonymousAct {
                sid: session.sid(),
                did: session.did(),
                auth: "anonymous",
            },
            expires,
        )
    }
}

/// What a failed serialization of `type_name`'s token says.
pub(crate) fn serialize_error(
    type_name: &'static str,
) -> impl Fn(serde_json::Error) -> IssueError + Copy {
    move |err| IssueError::Serialize {
        type_name,
        reason: err.to_string(),
    }
}

/// `act.auth` is reserved for anonymous sessions (SECURITY.md S22), which only
/// [`Issuer::sign_anonymous`] signs. The derive refuses a field wired to `auth`; a type
/// without a declared schema (any JSON object) is checked here, so that no other verifier is
/// handed a "session" with extra claims.
fn refuse_reserved_auth<C: Claims>(claims: &C) -> Result<(), IssueError> {
    if !C::schema().fields().is_empty() {
        return Ok(());
    }
    match serde_json::to_value(claims) {
        Ok(serde_json::Value::Object(members)) if members.contains_key("auth") => {
            Err(IssueError::ReservedClaim("auth"))
        }
        _ => Ok(()),
    }
}

/// `iat` and `exp` for a token issued now: both JSON integers, `exp` strictly later.
pub(crate) fn issue_times(clock: &dyn Clock, expires: Expires) -> Result<(u64, u64), IssueError> {
    let now = clock.now_unix();
    if now > MAX_TIME {
        return Err(IssueError::ExpiryOutOfRange);
    }
    let exp = expires.resolve(now).ok_or(IssueError::ExpiryOutOfRange)?;
    if exp <= now {
        return Err(IssueError::AlreadyExpired { exp, now });
    }
    Ok((now, exp))
}

/// `base64url(header).base64url(payload).base64url(signature)`.
pub(crate) fn sign_compact(
    key: &Key,
    header: &[u8],
    payload: &[u8],
) -> Result<SignedToken, IssueError> {
    compact::sign(key, header, payload)
        .map(SignedToken)
        .ok_or(IssueError::Signing)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The claims set written from its parts is serde_json's of the whole, byte for byte,
    /// for issuers and audiences that need escapes, with and without `iss` and `jti`.
    #[test]
    fn the_claims_set_is_what_serde_json_writes() {
        let act = serde_json::json!({"sub": "u\"1", "groups": ["a", "é\n"], "n": 1.5});
        for (audience, issuer) in [
            (
                STATEBACKED_AUDIENCE,
                Some("https://sbk_test.client.statebacked.dev/"),
            ),
            ("a\"b\\c\u{1}\u{7f}é", None),
            ("", Some("")),
        ] {
            for jti in [None, Some("3f1c\"x")] {
                // The flat profile's claims set, its claims being `{"act":…}`: the
                // registered members after `act`, in the same order.
                let expected = serde_json::to_vec(&FlatPayloadOut {
                    claims: &serde_json::json!({ "act": act }),
                    aud: audience,
                    exp: u64::MAX,
                    iss: issuer,
                    iat: 0,
                    jti: jti.map(str::to_owned),
                })
                .unwrap();
                let written = RegisteredJson::new(audience, issuer)
                    .payload(&act, u64::MAX, 0, jti)
                    .unwrap();
                assert_eq!(
                    String::from_utf8(written).unwrap(),
                    String::from_utf8(expected).unwrap()
                );
            }
        }
    }

    /// `issuer` and `audience` rewrite the kept members whichever comes first, and a clone
    /// keeps them.
    #[test]
    fn the_builders_keep_the_registered_members_in_any_order() {
        let key = Key::hs256("sbk_test", "sbsec_test_secret_0123456789abcdef").unwrap();
        let act = serde_json::json!({"sub": "u1"});
        let claims_set = |issuer: &Issuer<ClientClaims>| {
            let written = issuer.registered.payload(&act, 2, 1, None).unwrap();
            String::from_utf8(written).unwrap()
        };
        let expected = concat!(
            r#"{"act":{"sub":"u1"},"aud":"https://aud.example/","exp":2,"#,
            r#""iss":"https://iss.example/","iat":1}"#
        );
        let issuer_first = Issuer::<ClientClaims>::new(key.clone())
            .issuer("https://iss.example/")
            .audience("https://aud.example/");
        let audience_first = Issuer::<ClientClaims>::new(key.clone())
            .audience("https://aud.example/")
            .issuer("https://iss.example/");
        assert_eq!(claims_set(&issuer_first), expected);
        assert_eq!(claims_set(&audience_first), expected);
        assert_eq!(claims_set(&issuer_first.clone()), expected);
        assert_eq!(
            claims_set(&Issuer::new(key)),
            concat!(
                r#"{"act":{"sub":"u1"},"aud":"https://api.statebacked.dev/","exp":2,"#,
                r#""iss":"https://sbk_test.client.statebacked.dev/","iat":1}"#
            )
        );
    }
}
