//! Verifying tokens: [`Verifier`], [`Verified`] and [`VerifyError`].

use crate::STATEBACKED_AUDIENCE;
use crate::anonymous::AnonymousIdentity;
use crate::claims::{Claims, Profile};
use crate::clock::{Clock, SystemClock};
use crate::crypto;
use crate::expires::MAX_TIME;
use crate::json::{self, Context, Limits, MemberName, Members, Problem, StrictValue};
use crate::jws::{self, SplitError};
use crate::keys::{Algorithm, Key, KeySet};
use crate::scope::{ScopeError, Scopes};
use crate::validate::ValidationErrors;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor,
};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

mod typed;

/// The default leeway for clock skew, in seconds.
pub const DEFAULT_LEEWAY_SECS: u64 = 30;
/// The largest leeway a verifier accepts, in seconds (RFC 8725 asks for a small one).
pub const MAX_LEEWAY_SECS: u64 = 300;
/// The default maximum token length, in bytes.
pub const DEFAULT_MAX_TOKEN_LEN: usize = 8 * 1024;

/// The part of a token a problem was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Part {
    /// The JOSE header.
    Header,
    /// The claims set.
    Payload,
    /// The `act` claim inside the claims set.
    Act,
    /// The signature.
    Signature,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Header => "header",
            Part::Payload => "claims set",
            Part::Act => "`act` claim",
            Part::Signature => "signature",
        })
    }
}

/// How a token is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Malformed {
    /// Not exactly three segments (a JWE has five, the JSON serialization none).
    #[error("a compact JWS has exactly three segments")]
    SegmentCount,
    /// A segment is empty.
    #[error("a segment is empty")]
    EmptySegment,
    /// A character outside the base64url alphabet (padding, `+`, `/`, whitespace).
    #[error("a character outside the base64url alphabet")]
    InvalidCharacter,
    /// A segment is not canonical base64url.
    #[error("the {0} is not canonical base64url")]
    Base64(Part),
    /// A segment is not UTF-8.
    #[error("the {0} is not UTF-8")]
    Utf8(Part),
    /// A segment is not JSON (or has a lone surrogate escape, or trailing data).
    #[error("the {0} is not valid JSON")]
    Json(Part),
    /// The header or claims set is not a JSON object.
    #[error("the {0} is not a JSON object")]
    NotAnObject(Part),
    /// An object has the same member twice.
    #[error("the {0} has a duplicate member")]
    DuplicateMember(Part),
    /// Objects and arrays are nested too deeply.
    #[error("the {0} is nested too deeply")]
    TooDeep(Part),
    /// An object or array has too many members.
    #[error("the {0} has too many members")]
    TooManyMembers(Part),
    /// A header parameter has the wrong type, or `alg` is missing.
    #[error("header parameter `{0}` is missing or not a string")]
    HeaderParameter(&'static str),
}

/// Why a token was rejected. Never contains the token, a key or a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The token is longer than the verifier's maximum.
    #[error("token is {len} bytes, over the limit of {max}")]
    TooLarge {
        /// The token's length.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
    /// The token is not a well-formed JWS.
    #[error("malformed token: {0}")]
    Malformed(Malformed),
    /// The header carries a parameter this verifier refuses (`crit`, `b64`, `zip`, `enc`,
    /// `epk`, `p2c`).
    #[error("header parameter `{0}` is not supported")]
    UnsupportedHeader(&'static str),
    /// The header's `typ` is not `JWT` (or not the configured type).
    #[error("token type `typ` is not accepted")]
    WrongType,
    /// The header names an algorithm this crate does not support (`none`, `hs256`, …).
    #[error("unsupported algorithm")]
    UnsupportedAlgorithm,
    /// The header names an algorithm other than the one the key is bound to.
    #[error("algorithm {found} does not match the key's algorithm {expected}")]
    AlgorithmMismatch {
        /// The key's algorithm.
        expected: Algorithm,
        /// The header's algorithm.
        found: Algorithm,
    },
    /// The token's `kid` names no configured key.
    #[error("unknown key id")]
    UnknownKey,
    /// The token has no `kid` and several keys could verify it.
    #[error("the token has no key id and several keys are configured")]
    AmbiguousKey,
    /// The signature does not verify.
    #[error("invalid signature")]
    BadSignature,
    /// `exp` has passed.
    #[error("token expired at {exp} (now {now})")]
    Expired {
        /// The token's `exp`.
        exp: u64,
        /// The verifier's clock.
        now: u64,
    },
    /// `nbf` is in the future.
    #[error("token is not valid before {nbf} (now {now})")]
    NotYetValid {
        /// The token's `nbf`.
        nbf: u64,
        /// The verifier's clock.
        now: u64,
    },
    /// `iat` is in the future.
    #[error("token is issued in the future, at {iat} (now {now})")]
    IssuedInFuture {
        /// The token's `iat`.
        iat: u64,
        /// The verifier's clock.
        now: u64,
    },
    /// The token was issued longer ago than the verifier's maximum age.
    #[error("token issued at {iat} is older than the maximum age (now {now})")]
    TooOld {
        /// The token's `iat`.
        iat: u64,
        /// The verifier's clock.
        now: u64,
    },
    /// `aud` does not contain the expected audience.
    #[error("wrong audience")]
    WrongAudience,
    /// `iss` is not the expected issuer.
    #[error("wrong issuer")]
    WrongIssuer,
    /// A registered claim the verifier requires is absent.
    #[error("missing claim `{0}`")]
    MissingClaim(&'static str),
    /// A registered claim has the wrong type or is out of range (never treated as absent).
    #[error("claim `{0}` has the wrong type or is out of range")]
    InvalidClaim(&'static str),
    /// The token has no `act` claim.
    #[error("missing claim `act`")]
    ActMissing,
    /// `act.auth` is `"anonymous"` but the claims type does not admit anonymous sessions.
    #[error("anonymous sessions are not accepted for these claims")]
    AnonymousNotAllowed,
    /// `act` breaks the anonymous-session restriction.
    #[error("anonymous session claims rejected: {0}")]
    AnonymousClaimsViolation(AnonymousViolation),
    /// The claims decoded but break their validation rules.
    #[error("{0}")]
    InvalidClaims(ValidationErrors),
    /// The `act` claim does not decode into the claims type.
    #[error("claim `act` does not match {type_name}: {reason}")]
    ActInvalid {
        /// The claims type.
        type_name: &'static str,
        /// What did not match.
        reason: String,
    },
    /// The claims set does not decode into a flat-profile claims type.
    #[error("the claims set does not match {type_name}: {reason}")]
    ClaimsInvalid {
        /// The claims type.
        type_name: &'static str,
        /// What did not match.
        reason: String,
    },
    /// An encrypted token did not open (feature `jwe`).
    #[cfg(feature = "jwe")]
    #[error("encrypted token rejected: {0}")]
    Encryption(crate::jwe::JweError),
    /// A State Backed token (with `act`) where a flat-profile token is expected.
    #[error("the token carries `act`: a State Backed token, not a flat one")]
    ProfileMismatch,
    /// The token's `scope` lacks scopes the verifier requires.
    #[error("the token lacks required scopes: {}", .missing.join(", "))]
    InsufficientScope {
        /// The required scopes the token does not grant, in the order they were required.
        missing: Vec<String>,
    },
}

impl VerifyError {
    fn malformed(problem: Option<Problem>, part: Part) -> VerifyError {
        VerifyError::Malformed(match problem {
            Some(Problem::DuplicateMember) => Malformed::DuplicateMember(part),
            Some(Problem::TooDeep) => Malformed::TooDeep(part),
            Some(Problem::TooManyMembers) => Malformed::TooManyMembers(part),
            Some(Problem::Invalid(param)) if part == Part::Header => {
                Malformed::HeaderParameter(param)
            }
            Some(Problem::Invalid(claim)) => return VerifyError::InvalidClaim(claim),
            Some(Problem::Unsupported(param)) => return VerifyError::UnsupportedHeader(param),
            None => Malformed::Json(part),
        })
    }
}

impl From<SplitError> for VerifyError {
    fn from(err: SplitError) -> Self {
        VerifyError::Malformed(match err {
            SplitError::SegmentCount => Malformed::SegmentCount,
            SplitError::EmptySegment => Malformed::EmptySegment,
            SplitError::InvalidCharacter => Malformed::InvalidCharacter,
        })
    }
}

/// How an `act` claim breaks the anonymous-session restriction (WIRE.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AnonymousViolation {
    /// An anonymous session's `act` carries a claim other than `sid`, `did` and `auth`.
    #[error("`act` of an anonymous session carries a claim other than `sid` and `did`")]
    ExtraClaim,
    /// `sid` is missing, empty or not a string.
    #[error("`act.sid` is missing, empty or not a string")]
    MissingSessionId,
    /// `did` is missing, empty or not a string.
    #[error("`act.did` is missing, empty or not a string")]
    MissingDeviceId,
    /// `auth` is present but not exactly the string `"anonymous"`: the claim is reserved.
    #[error("`act.auth` is reserved for anonymous sessions and must be exactly \"anonymous\"")]
    InvalidAuth,
}

/// Why a verifier configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The leeway is over [`MAX_LEEWAY_SECS`].
    #[error("leeway of {secs}s is over the maximum of {max}s")]
    LeewayTooLarge {
        /// The requested leeway in seconds.
        secs: u64,
        /// The maximum.
        max: u64,
    },
}

/// A string claim: a span of the claims set's JSON text, or owned when it had escapes.
#[derive(Clone, PartialEq, Eq)]
enum Text {
    Span(usize, usize),
    Owned(String),
}

impl Text {
    /// `s`, borrowed from `json`, as a span of it; owned if it was unescaped into a copy.
    fn of(s: Cow<'_, str>, json: &str) -> Text {
        match s {
            Cow::Borrowed(s) => {
                let start = (s.as_ptr() as usize).wrapping_sub(json.as_ptr() as usize);
                match json.get(start..start + s.len()) {
                    Some(found) if std::ptr::eq(found, s) => Text::Span(start, start + s.len()),
                    _ => Text::Owned(s.to_owned()),
                }
            }
            Cow::Owned(s) => Text::Owned(s),
        }
    }

    fn get<'a>(&'a self, json: &'a str) -> &'a str {
        match self {
            Text::Span(start, end) => json.get(*start..*end).unwrap_or_default(),
            Text::Owned(s) => s,
        }
    }
}

/// The registered claims of a verified token, and its key id.
///
/// Strings are read from the claims set's JSON text, which this keeps: verifying allocates no
/// string for them.
#[derive(Clone, PartialEq, Eq)]
pub struct RegisteredClaims {
    json: String,
    iss: Option<Text>,
    sub: Option<Text>,
    aud: Aud<Text>,
    exp: u64,
    nbf: Option<u64>,
    iat: Option<u64>,
    jti: Option<Text>,
    scope: Option<Text>,
    kid: Option<Arc<str>>,
}

impl RegisteredClaims {
    /// `iss`.
    pub fn iss(&self) -> Option<&str> {
        self.iss.as_ref().map(|t| t.get(&self.json))
    }

    /// Top-level `sub` (State Backed tokens put the user's `sub` inside `act`).
    pub fn sub(&self) -> Option<&str> {
        self.sub.as_ref().map(|t| t.get(&self.json))
    }

    /// `aud`: one entry when the token carries a single string.
    pub fn aud(&self) -> impl ExactSizeIterator<Item = &str> {
        self.aud.as_slice().iter().map(|t| t.get(&self.json))
    }

    /// `exp`, always present in a verified token.
    pub fn exp(&self) -> u64 {
        self.exp
    }

    /// `nbf`.
    pub fn nbf(&self) -> Option<u64> {
        self.nbf
    }

    /// `iat`.
    pub fn iat(&self) -> Option<u64> {
        self.iat
    }

    /// `jti`.
    pub fn jti(&self) -> Option<&str> {
        self.jti.as_ref().map(|t| t.get(&self.json))
    }

    /// `scope`, as the token carries it (space-delimited); [`Scopes::parse`] reads it.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_ref().map(|t| t.get(&self.json))
    }

    /// The header's `kid`.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }
}

impl fmt::Debug for RegisteredClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegisteredClaims")
            .field("iss", &self.iss())
            .field("sub", &self.sub())
            .field("aud", &self.aud().collect::<Vec<_>>())
            .field("exp", &self.exp)
            .field("nbf", &self.nbf)
            .field("iat", &self.iat)
            .field("jti", &self.jti())
            .field("scope", &self.scope())
            .field("kid", &self.kid())
            .finish()
    }
}

/// The registered claims as checked, before they take ownership of the JSON text.
pub(crate) struct Checked {
    iss: Option<Text>,
    sub: Option<Text>,
    aud: Aud<Text>,
    exp: u64,
    nbf: Option<u64>,
    iat: Option<u64>,
    jti: Option<Text>,
    scope: Option<Text>,
}

impl Checked {
    pub(crate) fn into_registered(self, json: String, kid: Option<Arc<str>>) -> RegisteredClaims {
        RegisteredClaims {
            json,
            iss: self.iss,
            sub: self.sub,
            aud: self.aud,
            exp: self.exp,
            nbf: self.nbf,
            iat: self.iat,
            jti: self.jti,
            scope: self.scope,
            kid,
        }
    }
}

/// A token that passed every check, with its typed claims.
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

/// The checks every kind of token goes through: size, format, header, key, signature and
/// registered claims.
#[derive(Clone)]
pub(crate) struct Rules {
    keys: KeySet,
    /// `None`: `aud` is not checked (an identity provider configured by issuer alone).
    audience: Option<String>,
    issuer: Option<String>,
    leeway: u64,
    max_token_len: usize,
    required_type: Option<String>,
    required_scopes: Vec<String>,
    /// The oldest token accepted, in seconds since its `iat` (which it then requires).
    max_age: Option<u64>,
    /// When set, a token's `alg` must be one of these as well as its key's.
    allowed_algorithms: Option<Vec<Algorithm>>,
    /// Whether `typ: at+jwt` (RFC 9068 access tokens) passes beside `JWT`: for identity
    /// providers' tokens, which may be access tokens.
    accept_access_tokens: bool,
    limits: Limits,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for Rules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rules")
            .field("keys", &self.keys)
            .field("audience", &self.audience)
            .field("issuer", &self.issuer)
            .field("leeway", &self.leeway)
            .field("max_token_len", &self.max_token_len)
            .field("required_type", &self.required_type)
            .field("required_scopes", &self.required_scopes)
            .finish_non_exhaustive()
    }
}

/// A token whose header and signature checked out; its claims set not yet looked at.
pub(crate) struct Authentic {
    kid: Option<Arc<str>>,
    payload_json: String,
}

impl Authentic {
    /// The header's `kid` and the claims set's JSON text.
    pub(crate) fn into_parts(self) -> (Option<Arc<str>>, String) {
        (self.kid, self.payload_json)
    }
}

impl Rules {
    pub(crate) fn new(keys: KeySet, audience: Option<String>, issuer: Option<String>) -> Self {
        Rules {
            keys,
            audience,
            issuer,
            leeway: DEFAULT_LEEWAY_SECS,
            max_token_len: DEFAULT_MAX_TOKEN_LEN,
            required_type: None,
            required_scopes: Vec::new(),
            allowed_algorithms: None,
            max_age: None,
            accept_access_tokens: false,
            limits: Limits::default(),
            clock: Arc::new(SystemClock),
        }
    }

    pub(crate) fn set_clock(&mut self, clock: Arc<dyn Clock>) {
        self.clock = clock;
    }

    pub(crate) fn set_leeway(&mut self, leeway: Duration) -> Result<(), ConfigError> {
        if leeway > Duration::from_secs(MAX_LEEWAY_SECS) {
            return Err(ConfigError::LeewayTooLarge {
                secs: leeway.as_secs(),
                max: MAX_LEEWAY_SECS,
            });
        }
        self.leeway = leeway.as_secs();
        Ok(())
    }

    /// Everything up to and including the signature.
    pub(crate) fn authenticate(&self, cx: &Context, token: &str) -> Result<Authentic, VerifyError> {
        self.authenticate_with(cx, token, &self.keys)
    }

    /// [`authenticate`](Rules::authenticate) with keys held elsewhere (a remote JWKS cache).
    pub(crate) fn authenticate_with(
        &self,
        cx: &Context,
        token: &str,
        keys: &KeySet,
    ) -> Result<Authentic, VerifyError> {
        let (kid, payload) = self.signed_payload(cx, token, keys)?;
        // Only now, with the signature checked, is anything in the claims set looked at.
        let payload_json = String::from_utf8(payload)
            .map_err(|_| VerifyError::Malformed(Malformed::Utf8(Part::Payload)))?;
        Ok(Authentic { kid, payload_json })
    }

    /// Size, format, header, key and signature, then the payload's bytes. A refused token gets
    /// the strict split's error when it has one ([`framing_error`]); a token that gets through
    /// is one the strict split accepts (see [`check_signature`](Rules::check_signature)).
    fn signed_payload(
        &self,
        cx: &Context,
        token: &str,
        keys: &KeySet,
    ) -> Result<(Option<Arc<str>>, Vec<u8>), VerifyError> {
        self.check_len(token)?;
        self.check_signature(cx, token, keys)
            .and_then(|(kid, payload)| {
                let payload = jws::decode(payload)
                    .ok_or(VerifyError::Malformed(Malformed::Base64(Part::Payload)))?;
                Ok((kid, payload))
            })
            .map_err(|err| framing_error(token, err))
    }

    /// Format, header, key and signature: the key id and the (still encoded) payload.
    ///
    /// The token is split at its first and last dots only: the header is compared with the
    /// key's or decoded, the signature and (after this) the claims set are decoded, and the
    /// decoders refuse every byte outside the alphabet, a dot included. So a token that gets
    /// through is one [`jws::split`] accepts; one that does not must have its error replaced by
    /// `split`'s, which comes first ([`framing_error`]).
    fn check_signature<'t>(
        &self,
        cx: &Context,
        token: &'t str,
        keys: &KeySet,
    ) -> Result<(Option<Arc<str>>, &'t str), VerifyError> {
        let segments =
            jws::split_at_dots(token).ok_or(VerifyError::Malformed(Malformed::SegmentCount))?;
        let (key, kid) = match keys.by_encoded_header(segments.header) {
            // The very header the key signs with: `{"alg":…,"kid":…}` naming this key and its
            // algorithm, which decoding and parsing would only confirm.
            Some(key) => {
                self.check_type(None)?;
                (key, key.shared_key_id())
            }
            None => {
                let (key, named) = self.check_header(cx, segments.header, keys)?;
                // The header's `kid` named this key exactly: share the key's copy.
                (key, named.then(|| key.shared_key_id()).flatten())
            }
        };
        if let Some(allowed) = &self.allowed_algorithms
            && !allowed.contains(&key.algorithm())
        {
            return Err(VerifyError::UnsupportedAlgorithm);
        }
        let mut signature_buf = [0u8; SIGNATURE_BUF];
        let signature = jws::decode_small(segments.signature, &mut signature_buf)
            .ok_or(VerifyError::Malformed(Malformed::Base64(Part::Signature)))?;
        if !crypto::verify(key, segments.signing_input.as_bytes(), signature.as_ref()) {
            return Err(VerifyError::BadSignature);
        }
        Ok((kid, segments.payload))
    }

    /// Decodes and checks the header: the key it selects, and whether it named it by `kid`.
    fn check_header<'k>(
        &self,
        cx: &Context,
        segment: &str,
        keys: &'k KeySet,
    ) -> Result<(&'k Key, bool), VerifyError> {
        let mut header_buf = [0u8; HEADER_BUF];
        let header_json = jws::decode_small(segment, &mut header_buf)
            .ok_or(VerifyError::Malformed(Malformed::Base64(Part::Header)))?;
        let header_json = std::str::from_utf8(&header_json)
            .map_err(|_| VerifyError::Malformed(Malformed::Utf8(Part::Header)))?;
        let header = match fast_header(header_json) {
            Some(header) => header,
            None => parse_header(cx, header_json)?,
        };
        self.check_type(header.typ.as_deref())?;
        let key = select_key(keys, header.kid.as_deref())?;
        let algorithm =
            Algorithm::from_name(&header.alg).ok_or(VerifyError::UnsupportedAlgorithm)?;
        if algorithm != key.algorithm() {
            return Err(VerifyError::AlgorithmMismatch {
                expected: key.algorithm(),
                found: algorithm,
            });
        }
        Ok((key, header.kid.is_some()))
    }

    fn check_type(&self, typ: Option<&str>) -> Result<(), VerifyError> {
        fn normalise(typ: &str) -> &str {
            match typ.get(..12) {
                Some(prefix) if prefix.eq_ignore_ascii_case("application/") => &typ[12..],
                _ => typ,
            }
        }
        let accepted = match (&self.required_type, typ) {
            (Some(required), Some(typ)) => normalise(typ).eq_ignore_ascii_case(normalise(required)),
            (Some(_), None) => false,
            (None, Some(typ)) => {
                normalise(typ).eq_ignore_ascii_case("JWT")
                    || (self.accept_access_tokens && normalise(typ).eq_ignore_ascii_case("at+jwt"))
            }
            (None, None) => true,
        };
        if accepted {
            Ok(())
        } else {
            Err(VerifyError::WrongType)
        }
    }

    /// The first check of every token, before any work: its length.
    fn check_len(&self, token: &str) -> Result<(), VerifyError> {
        if token.len() > self.max_token_len {
            return Err(VerifyError::TooLarge {
                len: token.len(),
                max: self.max_token_len,
            });
        }
        Ok(())
    }

    /// Accepts `typ: at+jwt` beside `JWT` (identity providers' access tokens).
    pub(crate) fn accept_access_tokens(&mut self) {
        self.accept_access_tokens = true;
    }

    /// Restricts tokens to these algorithms, for keys that come from elsewhere (a remote JWKS
    /// may hold keys for algorithms the verifier does not allow).
    #[cfg_attr(not(feature = "jwks-http"), allow(dead_code))]
    pub(crate) fn set_allowed_algorithms(&mut self, algorithms: Vec<Algorithm>) {
        self.allowed_algorithms = Some(algorithms);
    }

    /// Checks the registered claims against the clock and the configured audience and issuer.
    pub(crate) fn check_registered<A>(
        &self,
        payload: &mut Payload<'_, A>,
        json: &str,
    ) -> Result<Checked, VerifyError> {
        let now = self.clock.now_unix();
        let exp = payload.exp.ok_or(VerifyError::MissingClaim("exp"))?;
        if now >= exp.saturating_add(self.leeway) {
            return Err(VerifyError::Expired { exp, now });
        }
        if let Some(nbf) = payload.nbf
            && nbf > now.saturating_add(self.leeway)
        {
            return Err(VerifyError::NotYetValid { nbf, now });
        }
        if let Some(iat) = payload.iat
            && iat > now.saturating_add(self.leeway)
        {
            return Err(VerifyError::IssuedInFuture { iat, now });
        }
        if let Some(max_age) = self.max_age {
            let iat = payload.iat.ok_or(VerifyError::MissingClaim("iat"))?;
            if now > iat.saturating_add(max_age).saturating_add(self.leeway) {
                return Err(VerifyError::TooOld { iat, now });
            }
        }
        let aud = payload.aud.take();
        if let Some(expected) = &self.audience {
            let aud = aud.as_ref().ok_or(VerifyError::MissingClaim("aud"))?;
            if expected.is_empty() || !aud.as_slice().iter().any(|a| a == expected) {
                return Err(VerifyError::WrongAudience);
            }
        }
        let aud = aud.unwrap_or(Aud::Many(Vec::new()));
        if let Some(expected) = &self.issuer {
            match &payload.iss {
                None => return Err(VerifyError::MissingClaim("iss")),
                Some(iss) if iss != expected => return Err(VerifyError::WrongIssuer),
                Some(_) => {}
            }
        }
        if !self.required_scopes.is_empty() {
            let scope = payload
                .scope
                .as_deref()
                .ok_or(VerifyError::MissingClaim("scope"))?;
            let granted = Scopes::parse(scope).map_err(|_| VerifyError::InvalidClaim("scope"))?;
            granted.require(&self.required_scopes).map_err(|missing| {
                VerifyError::InsufficientScope {
                    missing: missing.missing,
                }
            })?;
        }
        let text = |s: Option<Cow<'_, str>>| s.map(|s| Text::of(s, json));
        Ok(Checked {
            iss: text(payload.iss.take()),
            sub: text(payload.sub.take()),
            aud: aud.map(|a| Text::of(a, json)),
            exp,
            nbf: payload.nbf,
            iat: payload.iat,
            jti: text(payload.jti.take()),
            scope: text(payload.scope.take()),
        })
    }
}

/// Verifies a compact JWS whose payload is not a JWT claims set: the same size, format,
/// header, key and signature checks as [`Verifier::verify`], then the payload's bytes,
/// unread.
///
/// ```
/// use statebacked_claims::{Key, KeySet, verify_jws};
///
/// let key = Key::hs256("k", "a-shared-secret-of-at-least-32-bytes")?;
/// let token = "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsifQ.Zm9v.x";
/// assert!(verify_jws(token, &KeySet::from(key)).is_err());
/// # Ok::<(), statebacked_claims::KeyError>(())
/// ```
pub fn verify_jws(token: &str, keys: &KeySet) -> Result<Vec<u8>, VerifyError> {
    let rules = Rules::new(KeySet::new(), None, None);
    let cx = Context::new(rules.limits);
    rules
        .signed_payload(&cx, token, keys)
        .map(|(_, payload)| payload)
}

/// The error of a token that failed between its size check and its claims set: the strict
/// split's, when it has one (malformed framing is reported before anything found later), else
/// `err`. Only failures pay for the strict split.
#[cold]
fn framing_error(token: &str, err: VerifyError) -> VerifyError {
    match jws::split(token) {
        Err(split) => split.into(),
        Ok(_) => err,
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
/// use statebacked_claims::{Claims, Expires, Issuer, Key, Verifier};
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
    claims: PhantomData<fn() -> C>,
}

impl<C> Clone for Verifier<C> {
    fn clone(&self) -> Self {
        Verifier {
            rules: Arc::clone(&self.rules),
            claims: PhantomData,
        }
    }
}

impl<C> fmt::Debug for Verifier<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Verifier").field(&self.rules).finish()
    }
}

impl<C: Claims> Verifier<C> {
    /// A verifier for tokens signed by `keys` (a [`Key`] or a [`KeySet`]).
    pub fn new(keys: impl Into<KeySet>) -> Self {
        let mut rules = Rules::new(keys.into(), Some(STATEBACKED_AUDIENCE.to_owned()), None);
        rules.required_type = C::schema().token_type().map(str::to_owned);
        Verifier {
            rules: Arc::new(rules),
            claims: PhantomData,
        }
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
        key: &crate::jwe::EncryptionKey,
    ) -> Result<Verified<C>, VerifyError> {
        use crate::jwe::JweError;
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
    pub fn verify(&self, token: &str) -> Result<Verified<C>, VerifyError> {
        let cx = Context::new(self.rules.limits);
        let authentic = self.rules.authenticate(&cx, token)?;
        let (kid, json) = authentic.into_parts();
        let schema = C::schema();
        let flat = schema.profile() == Profile::Flat;
        if !flat {
            // One pass reads `act` into `C` as it checks the claims set; when it fails, the
            // two passes below find out why.
            let probe = RefCell::new(ActProbe::default());
            let read_act = Typed {
                probe: &probe,
                claims: PhantomData::<C>,
            };
            let cx = Context::new(self.rules.limits);
            let mut payload = Payload::default();
            let pass = parse_payload_into(&cx, &json, Capture::Act, read_act, &mut payload);
            // Clean as well as successful: no check failed, even under a type that swallowed
            // the error.
            if pass.is_ok() && cx.is_clean() {
                let checked = self.rules.check_registered(&mut payload, &json)?;
                let act = payload.act.take().ok_or(VerifyError::ActMissing)?;
                let sub = checked.sub.as_ref().map(|sub| sub.get(&json));
                let (claims, session) = decode_act(probe.into_inner(), Some(act), &json, sub)?;
                return finish(claims, session, checked.into_registered(json, kid));
            }
        }
        let capture = if flat { Capture::Flat } else { Capture::Act };
        let mut payload = parse_payload(&cx, &json, capture)?;
        let checked = self.rules.check_registered(&mut payload, &json)?;
        if flat && payload.has_act {
            return Err(VerifyError::ProfileMismatch);
        }
        let (claims, session) = if flat {
            let claims = serde_json::from_str(&json).map_err(|err| VerifyError::ClaimsInvalid {
                type_name: schema.type_name(),
                reason: crate::mapping::redact_values(&err.to_string()),
            })?;
            (claims, None)
        } else {
            let act = payload.act.take().ok_or(VerifyError::ActMissing)?;
            let sub = checked.sub.as_ref().map(|sub| sub.get(&json));
            decode_act::<C>(act, None, &json, sub)?
        };
        finish(claims, session, checked.into_registered(json, kid))
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

/// Decodes `act`: an anonymous session's, or a `C` read from the claims set's `act` member
/// (`typed` when the pass that probed `act` read it already).
///
/// When `act` has no `sub` and the claims set does, the top-level `sub` stands in for it
/// (`@statebacked/machine`'s authContext, WIRE.md §5), for types with a `sub` claim.
fn decode_act<C: Claims>(
    probe: ActProbe,
    typed: Option<C>,
    json: &str,
    top_level_sub: Option<&str>,
) -> Result<(C, Option<AnonymousIdentity>), VerifyError> {
    let schema = C::schema();
    let invalid = |reason: String| VerifyError::ActInvalid {
        type_name: schema.type_name(),
        reason,
    };
    if probe.not_object {
        return Err(invalid("`act` is not a JSON object".to_owned()));
    }
    match probe.auth {
        None => {
            let redact =
                |err: serde_json::Error| invalid(crate::mapping::redact_values(&err.to_string()));
            let claims = match top_level_sub {
                Some(sub) if !probe.has_sub && schema.field("sub").is_some() => {
                    let ActOf(act) = serde_json::from_str::<ActOf<serde_json::Map<_, _>>>(json)
                        .map_err(redact)?;
                    let act = act.ok_or(VerifyError::ActMissing)?;
                    let mut with_sub = act.clone();
                    with_sub.insert("sub".to_owned(), sub.into());
                    match serde_json::from_value(serde_json::Value::Object(with_sub)) {
                        Ok(claims) => Some(claims),
                        // A type that also reads `sub` under another name (`#[serde(alias)]`)
                        // finds it twice when `act` used that name: `act` had a sub after all.
                        Err(err) => Some(
                            serde_json::from_value(serde_json::Value::Object(act))
                                .map_err(|_| redact(err))?,
                        ),
                    }
                }
                _ => match typed {
                    Some(claims) => Some(claims),
                    None => serde_json::from_str::<ActOf<C>>(json).map_err(redact)?.0,
                },
            };
            claims
                .map(|claims| (claims, None))
                .ok_or(VerifyError::ActMissing)
        }
        Some(AuthValue::Other) => Err(VerifyError::AnonymousClaimsViolation(
            AnonymousViolation::InvalidAuth,
        )),
        Some(AuthValue::Anonymous) => {
            if !schema.admits_anonymous() {
                return Err(VerifyError::AnonymousNotAllowed);
            }
            if probe.other_claims {
                return Err(VerifyError::AnonymousClaimsViolation(
                    AnonymousViolation::ExtraClaim,
                ));
            }
            let sid = probe.sid.ok_or(VerifyError::AnonymousClaimsViolation(
                AnonymousViolation::MissingSessionId,
            ))?;
            let did = probe.did.ok_or(VerifyError::AnonymousClaimsViolation(
                AnonymousViolation::MissingDeviceId,
            ))?;
            // Only the claims the type marks anonymous are filled; the derive made sure every
            // other claim is optional.
            let mut fields = serde_json::Map::new();
            for field in schema.fields().iter().filter(|f| f.is_anonymous()) {
                let value = if field.wire_name() == "sid" {
                    &sid
                } else {
                    &did
                };
                fields.insert(field.wire_name().to_owned(), value.as_str().into());
            }
            let claims = serde_json::from_value(serde_json::Value::Object(fields))
                .map_err(|err| invalid(crate::mapping::redact_values(&err.to_string())))?;
            Ok((claims, Some(AnonymousIdentity::new(sid, did))))
        }
    }
}

/// The `act` member of an already checked claims set, decoded into `C`; every other member
/// is skipped.
struct ActOf<C>(Option<C>);

impl<'de, C: DeserializeOwned> Deserialize<'de> for ActOf<C> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ActOfVisitor<C>(PhantomData<C>);
        impl<'de, C: DeserializeOwned> Visitor<'de> for ActOfVisitor<C> {
            type Value = ActOf<C>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JWT claims set")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ActOf<C>, A::Error> {
                let mut act = None;
                while let Some(MemberName(name)) = map.next_key()? {
                    if name == "act" {
                        act = Some(map.next_value()?);
                    } else {
                        map.next_value::<de::IgnoredAny>()?;
                    }
                }
                Ok(ActOf(act))
            }
        }
        deserializer.deserialize_map(ActOfVisitor(PhantomData))
    }
}

/// What `act` says about anonymity, read in the same strict pass that checks it.
#[derive(Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
pub(crate) struct ActProbe {
    auth: Option<AuthValue>,
    /// `sid` when it is a non-empty string.
    sid: Option<String>,
    /// `did` when it is a non-empty string.
    did: Option<String>,
    /// Any member other than `auth`, `sid` and `did`.
    other_claims: bool,
    /// A member named `sub`.
    has_sub: bool,
    /// `act` is not an object (checked strictly all the same).
    not_object: bool,
}

impl ActProbe {
    fn not_object() -> Self {
        ActProbe {
            not_object: true,
            ..ActProbe::default()
        }
    }

    /// Records one of `act`'s member names (duplicates are refused before this): the member
    /// whose string value the probe reads next, for `auth`, `sid` and `did`.
    fn member(&mut self, name: &str) -> Option<Slot> {
        match name {
            "auth" => {
                // Until its value turns out to be exactly `"anonymous"`.
                self.auth = Some(AuthValue::Other);
                Some(Slot::Auth)
            }
            "sid" => Some(Slot::Sid),
            "did" => Some(Slot::Did),
            other => {
                self.has_sub |= other == "sub";
                self.other_claims = true;
                None
            }
        }
    }

    /// Records the value of the member `slot` names, when it is a string.
    fn string(&mut self, slot: Slot, value: &str) {
        let non_empty = || (!value.is_empty()).then(|| value.to_owned());
        match slot {
            Slot::Auth if value == "anonymous" => self.auth = Some(AuthValue::Anonymous),
            Slot::Auth => {}
            Slot::Sid => self.sid = non_empty(),
            Slot::Did => self.did = non_empty(),
        }
    }
}

/// The members of `act` whose value the probe reads.
#[derive(Clone, Copy)]
enum Slot {
    Auth,
    Sid,
    Did,
}

#[cfg_attr(test, derive(Debug, PartialEq))]
pub(crate) enum AuthValue {
    /// Exactly the string `"anonymous"`.
    Anonymous,
    /// Anything else: another string, `null`, a number, an object.
    Other,
}

struct ActVisitor<'c> {
    cx: &'c Context,
}

impl<'de> DeserializeSeed<'de> for ActVisitor<'_> {
    type Value = ActProbe;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<ActProbe, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ActVisitor<'_> {
    type Value = ActProbe;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an `act` object")
    }

    fn visit_bool<E>(self, _: bool) -> Result<ActProbe, E> {
        Ok(ActProbe::not_object())
    }
    fn visit_i64<E>(self, _: i64) -> Result<ActProbe, E> {
        Ok(ActProbe::not_object())
    }
    fn visit_u64<E>(self, _: u64) -> Result<ActProbe, E> {
        Ok(ActProbe::not_object())
    }
    fn visit_f64<E>(self, _: f64) -> Result<ActProbe, E> {
        Ok(ActProbe::not_object())
    }
    fn visit_str<E>(self, _: &str) -> Result<ActProbe, E> {
        Ok(ActProbe::not_object())
    }
    fn visit_unit<E>(self) -> Result<ActProbe, E> {
        Ok(ActProbe::not_object())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<ActProbe, A::Error> {
        StrictValue {
            cx: self.cx,
            level: 2,
        }
        .visit_seq(seq)
        .map(|()| ActProbe::not_object())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ActProbe, A::Error> {
        let cx = self.cx;
        let mut probe = ActProbe::default();
        let mut members = Members::new();
        while let Some(MemberName(name)) = map.next_key()? {
            members.admit(cx, name.clone()).map_err(|p| cx.fail(p))?;
            match probe.member(&name) {
                Some(slot) => {
                    if let Some(value) = map.next_value_seed(MaybeString { cx })? {
                        probe.string(slot, &value);
                    }
                }
                None => map.next_value_seed(StrictValue { cx, level: 3 })?,
            }
        }
        Ok(probe)
    }
}

/// A member of `act` (level 3) that may be a string: the string, or `None` for any other
/// value, which is still checked strictly.
#[derive(Clone, Copy)]
struct MaybeString<'c> {
    cx: &'c Context,
}

impl<'de> DeserializeSeed<'de> for MaybeString<'_> {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MaybeString<'_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_owned()))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        StrictValue {
            cx: self.cx,
            level: 3,
        }
        .visit_seq(seq)
        .map(|()| None)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        StrictValue {
            cx: self.cx,
            level: 3,
        }
        .visit_map(map)
        .map(|()| None)
    }
}

/// The key a token's `kid` names; without a `kid`, the only key.
fn select_key<'k>(keys: &'k KeySet, kid: Option<&str>) -> Result<&'k Key, VerifyError> {
    match kid {
        Some(kid) => keys.get(kid).ok_or(VerifyError::UnknownKey),
        None if keys.len() > 1 => Err(VerifyError::AmbiguousKey),
        None => keys.only().ok_or(VerifyError::UnknownKey),
    }
}

/// Stack space for a decoded header; longer headers are decoded onto the heap.
const HEADER_BUF: usize = 256;
/// Stack space for a decoded signature: every HMAC, ECDSA and EdDSA signature fits, and RSA
/// ones up to 4096-bit keys; larger go to the heap.
const SIGNATURE_BUF: usize = 512;

/// The common header, `{"alg":"…","kid":"…"}` with a supported algorithm and a plain key id
/// (State Backed tokens are `{"alg":"HS256","kid":"sbk_…"}`), read by comparing bytes.
/// Anything else takes the general, strict parse.
fn fast_header(json: &str) -> Option<Header<'_>> {
    // Every supported algorithm name is five ASCII characters.
    let (alg, rest) = json.strip_prefix(r#"{"alg":""#)?.split_at_checked(5)?;
    Algorithm::from_name(alg)?;
    let kid = rest.strip_prefix(r#"","kid":""#)?.strip_suffix(r#""}"#)?;
    kid.bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
        .then_some(Header {
            alg: Cow::Borrowed(alg),
            kid: Some(Cow::Borrowed(kid)),
            typ: None,
        })
}

/// The header parameters the verifier reads.
struct Header<'a> {
    alg: Cow<'a, str>,
    kid: Option<Cow<'a, str>>,
    typ: Option<Cow<'a, str>>,
}

/// Header parameters that change how a JWS is processed; none is supported.
const UNSUPPORTED_HEADER: [&str; 6] = ["crit", "b64", "zip", "enc", "epk", "p2c"];

fn parse_header<'a>(cx: &Context, json: &'a str) -> Result<Header<'a>, VerifyError> {
    if !json::is_object(json) {
        return Err(VerifyError::Malformed(Malformed::NotAnObject(Part::Header)));
    }
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let header = HeaderVisitor { cx }
        .deserialize(&mut deserializer)
        .and_then(|header| deserializer.end().map(|()| header))
        .map_err(|_| VerifyError::malformed(cx.problem(), Part::Header))?;
    header
        .alg
        .map(|alg| Header {
            alg,
            kid: header.kid,
            typ: header.typ,
        })
        .ok_or(VerifyError::Malformed(Malformed::HeaderParameter("alg")))
}

#[derive(Default)]
struct RawHeader<'de> {
    alg: Option<Cow<'de, str>>,
    kid: Option<Cow<'de, str>>,
    typ: Option<Cow<'de, str>>,
}

struct HeaderVisitor<'c> {
    cx: &'c Context,
}

impl<'de> DeserializeSeed<'de> for HeaderVisitor<'_> {
    type Value = RawHeader<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for HeaderVisitor<'_> {
    type Value = RawHeader<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JOSE header")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let cx = self.cx;
        let mut header = RawHeader::default();
        let mut members = Members::new();
        while let Some(MemberName(name)) = map.next_key()? {
            members.admit(cx, name.clone()).map_err(|p| cx.fail(p))?;
            let (slot, param) = match name.as_ref() {
                "alg" => (&mut header.alg, "alg"),
                "kid" => (&mut header.kid, "kid"),
                "typ" => (&mut header.typ, "typ"),
                other => {
                    if let Some(param) = UNSUPPORTED_HEADER.iter().find(|p| **p == other) {
                        return Err(cx.fail(Problem::Unsupported(param)));
                    }
                    // Everything else, `jku`, `x5u`, `jwk` and `x5c` included, is checked
                    // and never used.
                    map.next_value_seed(StrictValue { cx, level: 2 })?;
                    continue;
                }
            };
            *slot = Some(map.next_value_seed(StrSeed { cx, name: param })?);
        }
        Ok(header)
    }
}

/// The claims set, as read in one pass; `act` as the pass reads it: probed for the typed
/// decode ([`ActProbe`]), or already typed.
pub(crate) struct Payload<'de, A = ActProbe> {
    pub act: Option<A>,
    /// Top-level `sid` and `did`, read only for anonymous identity tokens.
    pub sid: Option<String>,
    pub did: Option<String>,
    aud: Option<Aud<Cow<'de, str>>>,
    exp: Option<u64>,
    nbf: Option<u64>,
    iat: Option<u64>,
    iss: Option<Cow<'de, str>>,
    sub: Option<Cow<'de, str>>,
    jti: Option<Cow<'de, str>>,
    scope: Option<Cow<'de, str>>,
    /// Whether a flat-profile claims set has an `act` member.
    has_act: bool,
}

impl<A> Default for Payload<'_, A> {
    fn default() -> Self {
        Payload {
            act: None,
            sid: None,
            did: None,
            aud: None,
            exp: None,
            nbf: None,
            iat: None,
            iss: None,
            sub: None,
            jti: None,
            scope: None,
            has_act: false,
        }
    }
}

/// How a claims set's `act` member is read.
trait ReadAct<'de> {
    type Act;

    fn read<A: MapAccess<'de>>(&self, cx: &Context, map: &mut A) -> Result<Self::Act, A::Error>;
}

/// Checked strictly and probed, for a typed decode afterwards.
struct Probed;

impl<'de> ReadAct<'de> for Probed {
    type Act = ActProbe;

    fn read<A: MapAccess<'de>>(&self, cx: &Context, map: &mut A) -> Result<ActProbe, A::Error> {
        map.next_value_seed(ActVisitor { cx })
    }
}

/// Read into `C` in the same pass, checked strictly and probed as it is read.
struct Typed<'p, C> {
    probe: &'p RefCell<ActProbe>,
    claims: PhantomData<C>,
}

impl<'de, C: Deserialize<'de>> ReadAct<'de> for Typed<'_, C> {
    type Act = C;

    fn read<A: MapAccess<'de>>(&self, cx: &Context, map: &mut A) -> Result<C, A::Error> {
        map.next_value_seed(typed::TypedAct {
            cx,
            probe: self.probe,
            claims: PhantomData::<C>,
        })
    }
}

/// Which claims beyond the registered ones a claims set is read for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Capture {
    /// `act`, as State Backed tokens carry it.
    Act,
    /// Top-level `sid` and `did`, as anonymous identity tokens carry them.
    Session,
    /// Nothing: the claims type reads the claims set itself (the flat profile).
    Flat,
}

pub(crate) fn parse_payload<'de>(
    cx: &Context,
    json: &'de str,
    capture: Capture,
) -> Result<Payload<'de>, VerifyError> {
    let mut payload = Payload::default();
    parse_payload_into(cx, json, capture, Probed, &mut payload)?;
    Ok(payload)
}

/// [`parse_payload`] into the caller's `payload` (which the verify path keeps in place rather
/// than moving it through every layer of serde).
fn parse_payload_into<'de, R: ReadAct<'de>>(
    cx: &Context,
    json: &'de str,
    capture: Capture,
    read_act: R,
    payload: &mut Payload<'de, R::Act>,
) -> Result<(), VerifyError> {
    if !json::is_object(json) {
        return Err(VerifyError::Malformed(Malformed::NotAnObject(
            Part::Payload,
        )));
    }
    let mut deserializer = serde_json::Deserializer::from_str(json);
    PayloadVisitor {
        cx,
        capture,
        read_act,
        payload,
    }
    .deserialize(&mut deserializer)
    .and_then(|()| deserializer.end())
    .map_err(|_| {
        let part = if cx.problem_in_act() {
            Part::Act
        } else {
            Part::Payload
        };
        VerifyError::malformed(cx.problem(), part)
    })
}

struct PayloadVisitor<'c, 'p, 'de, R: ReadAct<'de>> {
    cx: &'c Context,
    capture: Capture,
    read_act: R,
    payload: &'p mut Payload<'de, R::Act>,
}

impl<'de, R: ReadAct<'de>> DeserializeSeed<'de> for PayloadVisitor<'_, '_, 'de, R> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, R: ReadAct<'de>> Visitor<'de> for PayloadVisitor<'_, '_, 'de, R> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JWT claims set")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let cx = self.cx;
        let payload = self.payload;
        let mut members = Members::new();
        while let Some(MemberName(name)) = map.next_key()? {
            members.admit(cx, name.clone()).map_err(|p| cx.fail(p))?;
            let session = self.capture == Capture::Session;
            match name.as_ref() {
                "act" if self.capture == Capture::Flat => {
                    payload.has_act = true;
                    map.next_value_seed(StrictValue { cx, level: 2 })?;
                }
                "act" if self.capture == Capture::Act => {
                    cx.set_in_act(true);
                    let act = self.read_act.read(cx, &mut map);
                    cx.set_in_act(false);
                    payload.act = Some(act?);
                }
                "sid" if session => {
                    payload.sid = Some(map.next_value_seed(StringSeed { cx, name: "sid" })?);
                }
                "did" if session => {
                    payload.did = Some(map.next_value_seed(StringSeed { cx, name: "did" })?);
                }
                "aud" => payload.aud = Some(map.next_value_seed(AudienceSeed { cx })?),
                "exp" => payload.exp = Some(map.next_value_seed(TimeSeed { cx, name: "exp" })?),
                "nbf" => payload.nbf = Some(map.next_value_seed(TimeSeed { cx, name: "nbf" })?),
                "iat" => payload.iat = Some(map.next_value_seed(TimeSeed { cx, name: "iat" })?),
                "iss" => payload.iss = Some(map.next_value_seed(StrSeed { cx, name: "iss" })?),
                "sub" => payload.sub = Some(map.next_value_seed(StrSeed { cx, name: "sub" })?),
                "jti" => payload.jti = Some(map.next_value_seed(StrSeed { cx, name: "jti" })?),
                "scope" => {
                    payload.scope = Some(map.next_value_seed(StrSeed { cx, name: "scope" })?);
                }
                _ => map.next_value_seed(StrictValue { cx, level: 2 })?,
            }
        }
        Ok(())
    }
}

/// A JWT time: an integer in [0, 2^53). Floats, strings, negatives and `null` are invalid.
struct TimeSeed<'c> {
    cx: &'c Context,
    name: &'static str,
}

impl<'de> DeserializeSeed<'de> for TimeSeed<'_> {
    type Value = u64;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<u64, D::Error> {
        let (cx, name) = (self.cx, self.name);
        deserializer
            .deserialize_any(self)
            .map_err(|err| invalid_unless_recorded(cx, name, err))
    }
}

impl<'de> Visitor<'de> for TimeSeed<'_> {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an integer time")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        if v <= MAX_TIME {
            Ok(v)
        } else {
            Err(self.cx.fail(Problem::Invalid(self.name)))
        }
    }
}

/// `aud` as read: one string, or an array of them.
pub(crate) enum Aud<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> Aud<T> {
    fn as_slice(&self) -> &[T] {
        match self {
            Aud::One(one) => std::slice::from_ref(one),
            Aud::Many(many) => many,
        }
    }

    fn map<U>(self, mut f: impl FnMut(T) -> U) -> Aud<U> {
        match self {
            Aud::One(one) => Aud::One(f(one)),
            Aud::Many(many) => Aud::Many(many.into_iter().map(f).collect()),
        }
    }
}

impl<T: Clone> Clone for Aud<T> {
    fn clone(&self) -> Self {
        match self {
            Aud::One(one) => Aud::One(one.clone()),
            Aud::Many(many) => Aud::Many(many.clone()),
        }
    }
}

impl<T: PartialEq> PartialEq for Aud<T> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: Eq> Eq for Aud<T> {}

/// `aud`: a string or an array of strings.
struct AudienceSeed<'c> {
    cx: &'c Context,
}

impl<'de> DeserializeSeed<'de> for AudienceSeed<'_> {
    type Value = Aud<Cow<'de, str>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let cx = self.cx;
        deserializer
            .deserialize_any(self)
            .map_err(|err| invalid_unless_recorded(cx, "aud", err))
    }
}

impl<'de> Visitor<'de> for AudienceSeed<'_> {
    type Value = Aud<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or an array of strings")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Aud::One(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Aud::One(Cow::Owned(v.to_owned())))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let item = StrSeed {
            cx: self.cx,
            name: "aud",
        };
        let mut audiences = Vec::new();
        while let Some(audience) = seq.next_element_seed(item)? {
            if audiences.len() >= self.cx.limits.max_members {
                return Err(self.cx.fail(Problem::TooManyMembers));
            }
            audiences.push(audience);
        }
        Ok(Aud::Many(audiences))
    }
}

/// A string-valued claim, borrowed from the JSON text when it has no escapes.
#[derive(Clone, Copy)]
struct StrSeed<'c> {
    cx: &'c Context,
    name: &'static str,
}

impl<'de> DeserializeSeed<'de> for StrSeed<'_> {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let (cx, name) = (self.cx, self.name);
        deserializer
            .deserialize_any(self)
            .map_err(|err| invalid_unless_recorded(cx, name, err))
    }
}

impl<'de> Visitor<'de> for StrSeed<'_> {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
}

/// A string-valued claim or header parameter.
#[derive(Clone, Copy)]
struct StringSeed<'c> {
    cx: &'c Context,
    name: &'static str,
}

impl<'de> DeserializeSeed<'de> for StringSeed<'_> {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        let (cx, name) = (self.cx, self.name);
        deserializer
            .deserialize_any(self)
            .map_err(|err| invalid_unless_recorded(cx, name, err))
    }
}

impl<'de> Visitor<'de> for StringSeed<'_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
}

/// A value of the wrong type makes serde fail without a recorded problem: record that the
/// named claim is invalid. Syntax errors (`1e309`, a lone surrogate) land here too, which is
/// right: the claim is present and unusable, never absent.
fn invalid_unless_recorded<E: de::Error>(cx: &Context, name: &'static str, err: E) -> E {
    if cx.problem().is_some() {
        err
    } else {
        cx.fail(Problem::Invalid(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_header_reads_only_the_plain_shape() {
        for alg in ["HS256", "RS256", "PS512", "ES384", "EdDSA"] {
            let json = format!(r#"{{"alg":"{alg}","kid":"k-1"}}"#);
            let header = fast_header(&json).expect(alg);
            assert_eq!(header.alg, alg);
            assert_eq!(header.kid.as_deref(), Some("k-1"));
        }
        // Everything else is left to the strict parse, which decides.
        for json in [
            r#"{"alg":"none1","kid":"k"}"#,
            r#"{"alg":"hs256","kid":"k"}"#,
            r#"{"alg":"HS256","kid":"k","typ":"JWT"}"#,
            r#"{"alg":"HS256","kid":"k\"x"}"#,
            r#"{"alg":"HS256","kid":"k\u0041"}"#,
            r#"{"alg":"HS256"}"#,
            r#"{"alg":"é€","kid":"k"}"#,
            r#"{"alg":"HS256","kid":"k"} "#,
        ] {
            assert!(fast_header(json).is_none(), "{json}");
        }
    }
}
