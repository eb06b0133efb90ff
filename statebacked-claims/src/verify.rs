//! Verifying tokens: [`Verifier`], [`Verified`] and [`VerifyError`].

use crate::STATEBACKED_AUDIENCE;
use crate::claims::Claims;
use crate::clock::{Clock, SystemClock};
use crate::crypto;
use crate::expires::MAX_TIME;
use crate::json::{self, Context, Limits, MemberName, Members, Problem, StrictValue};
use crate::jws::{self, SplitError};
use crate::keys::{Algorithm, Key, KeySet};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

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
    /// The `act` claim does not decode into the claims type.
    #[error("claim `act` does not match {type_name}: {reason}")]
    ActInvalid {
        /// The claims type.
        type_name: &'static str,
        /// What did not match.
        reason: String,
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

/// The registered claims of a verified token, and its key id.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegisteredClaims {
    /// `iss`.
    pub iss: Option<String>,
    /// Top-level `sub` (State Backed tokens put the user's `sub` inside `act`).
    pub sub: Option<String>,
    /// `aud`, one entry when the token carries a single string.
    pub aud: Vec<String>,
    /// `exp`, always present in a verified token.
    pub exp: u64,
    /// `nbf`.
    pub nbf: Option<u64>,
    /// `iat`.
    pub iat: Option<u64>,
    /// `jti`.
    pub jti: Option<String>,
    /// The header's `kid`.
    pub kid: Option<String>,
}

/// A token that passed every check, with its typed claims.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified<C> {
    claims: C,
    registered: RegisteredClaims,
}

impl<C> Verified<C> {
    /// The end-user claims (the token's `act`).
    pub fn claims(&self) -> &C {
        &self.claims
    }

    /// The registered claims (`iss`, `aud`, `exp`, …) and the key id.
    pub fn registered(&self) -> &RegisteredClaims {
        &self.registered
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
/// bounded leeway ([`DEFAULT_LEEWAY_SECS`] by default); finally `act` decoded into `C`.
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
    keys: KeySet,
    audience: String,
    issuer: Option<String>,
    leeway: u64,
    max_token_len: usize,
    required_type: Option<String>,
    limits: Limits,
    clock: Arc<dyn Clock>,
    claims: PhantomData<fn() -> C>,
}

impl<C> Clone for Verifier<C> {
    fn clone(&self) -> Self {
        Verifier {
            keys: self.keys.clone(),
            audience: self.audience.clone(),
            issuer: self.issuer.clone(),
            leeway: self.leeway,
            max_token_len: self.max_token_len,
            required_type: self.required_type.clone(),
            limits: self.limits,
            clock: Arc::clone(&self.clock),
            claims: PhantomData,
        }
    }
}

impl<C> fmt::Debug for Verifier<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("keys", &self.keys)
            .field("audience", &self.audience)
            .field("issuer", &self.issuer)
            .field("leeway", &self.leeway)
            .field("max_token_len", &self.max_token_len)
            .field("required_type", &self.required_type)
            .finish_non_exhaustive()
    }
}

impl<C: Claims> Verifier<C> {
    /// A verifier for tokens signed by `keys` (a [`Key`] or a [`KeySet`]).
    pub fn new(keys: impl Into<KeySet>) -> Self {
        Verifier {
            keys: keys.into(),
            audience: STATEBACKED_AUDIENCE.to_owned(),
            issuer: None,
            leeway: DEFAULT_LEEWAY_SECS,
            max_token_len: DEFAULT_MAX_TOKEN_LEN,
            required_type: None,
            limits: Limits::default(),
            clock: Arc::new(SystemClock),
            claims: PhantomData,
        }
    }

    /// The audience `aud` must contain, exactly. An empty audience matches no token.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = audience.into();
        self
    }

    /// Requires `iss` to be exactly this issuer (by default any string `iss` is accepted).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Leeway for clock skew on `exp`, `nbf` and `iat`, in whole seconds; at most
    /// [`MAX_LEEWAY_SECS`].
    pub fn leeway(mut self, leeway: Duration) -> Result<Self, ConfigError> {
        let secs = leeway.as_secs();
        if leeway > Duration::from_secs(MAX_LEEWAY_SECS) {
            return Err(ConfigError::LeewayTooLarge {
                secs,
                max: MAX_LEEWAY_SECS,
            });
        }
        self.leeway = secs;
        Ok(self)
    }

    /// The longest token accepted, in bytes; longer ones are rejected before any work.
    pub fn max_token_len(mut self, max: usize) -> Self {
        self.max_token_len = max;
        self
    }

    /// Requires the header's `typ` to be this type (compared case-insensitively, with any
    /// `application/` prefix removed). Without it, a `typ` must be `JWT` when present.
    pub fn required_type(mut self, typ: impl Into<String>) -> Self {
        self.required_type = Some(typ.into());
        self
    }

    /// The clock to check times against.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Verifies `token` and decodes its `act` claim into `C`.
    pub fn verify(&self, token: &str) -> Result<Verified<C>, VerifyError> {
        if token.len() > self.max_token_len {
            return Err(VerifyError::TooLarge {
                len: token.len(),
                max: self.max_token_len,
            });
        }
        let segments = jws::split(token)?;
        let cx = Context::new(self.limits);

        let header_json = decode_segment(segments.header, Part::Header)?;
        let header = parse_header(&cx, &header_json)?;
        self.check_type(header.typ.as_deref())?;
        let key = self.select_key(header.kid.as_deref())?;
        let algorithm =
            Algorithm::from_name(&header.alg).ok_or(VerifyError::UnsupportedAlgorithm)?;
        if algorithm != key.algorithm() {
            return Err(VerifyError::AlgorithmMismatch {
                expected: key.algorithm(),
                found: algorithm,
            });
        }
        let signature = jws::decode(segments.signature)
            .ok_or(VerifyError::Malformed(Malformed::Base64(Part::Signature)))?;
        if !crypto::verify(key, segments.signing_input.as_bytes(), signature) {
            return Err(VerifyError::BadSignature);
        }

        // Only now, with the signature checked, is anything in the claims set looked at.
        let payload_json = decode_segment(segments.payload, Part::Payload)?;
        let payload = parse_payload(&cx, &payload_json)?;
        let now = self.clock.now_unix();
        let registered = self.check_registered(&payload, header.kid, now)?;
        let act = payload.act.ok_or(VerifyError::ActMissing)?;
        let claims = decode_act::<C>(&cx, act)?;
        Ok(Verified { claims, registered })
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
            (None, Some(typ)) => normalise(typ).eq_ignore_ascii_case("JWT"),
            (None, None) => true,
        };
        if accepted {
            Ok(())
        } else {
            Err(VerifyError::WrongType)
        }
    }

    fn select_key(&self, kid: Option<&str>) -> Result<&Key, VerifyError> {
        match kid {
            Some(kid) => self.keys.get(kid).ok_or(VerifyError::UnknownKey),
            None if self.keys.len() > 1 => Err(VerifyError::AmbiguousKey),
            None => self.keys.only().ok_or(VerifyError::UnknownKey),
        }
    }

    fn check_registered(
        &self,
        payload: &Payload<'_>,
        kid: Option<String>,
        now: u64,
    ) -> Result<RegisteredClaims, VerifyError> {
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
        let aud = payload
            .aud
            .clone()
            .ok_or(VerifyError::MissingClaim("aud"))?;
        if self.audience.is_empty() || !aud.contains(&self.audience) {
            return Err(VerifyError::WrongAudience);
        }
        if let Some(expected) = &self.issuer {
            match &payload.iss {
                None => return Err(VerifyError::MissingClaim("iss")),
                Some(iss) if iss != expected => return Err(VerifyError::WrongIssuer),
                Some(_) => {}
            }
        }
        Ok(RegisteredClaims {
            iss: payload.iss.clone(),
            sub: payload.sub.clone(),
            aud,
            exp,
            nbf: payload.nbf,
            iat: payload.iat,
            jti: payload.jti.clone(),
            kid,
        })
    }
}

fn decode_segment(segment: &str, part: Part) -> Result<String, VerifyError> {
    let bytes = jws::decode(segment).ok_or(VerifyError::Malformed(Malformed::Base64(part)))?;
    String::from_utf8(bytes).map_err(|_| VerifyError::Malformed(Malformed::Utf8(part)))
}

/// Decodes `act` into `C` after checking it strictly (it sits at nesting level 2).
fn decode_act<C: Claims>(cx: &Context, act: &RawValue) -> Result<C, VerifyError> {
    let invalid = |reason: String| VerifyError::ActInvalid {
        type_name: C::schema().type_name(),
        reason,
    };
    if !json::is_object(act.get()) {
        return Err(invalid("`act` is not a JSON object".to_owned()));
    }
    json::check(cx, act.get(), 2).map_err(|problem| VerifyError::malformed(problem, Part::Act))?;
    serde_json::from_str(act.get()).map_err(|err| invalid(err.to_string()))
}

/// The header parameters the verifier reads.
struct Header {
    alg: String,
    kid: Option<String>,
    typ: Option<String>,
}

/// Header parameters that change how a JWS is processed; none is supported.
const UNSUPPORTED_HEADER: [&str; 6] = ["crit", "b64", "zip", "enc", "epk", "p2c"];

fn parse_header(cx: &Context, json: &str) -> Result<Header, VerifyError> {
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
struct RawHeader {
    alg: Option<String>,
    kid: Option<String>,
    typ: Option<String>,
}

struct HeaderVisitor<'c> {
    cx: &'c Context,
}

impl<'de> DeserializeSeed<'de> for HeaderVisitor<'_> {
    type Value = RawHeader;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<RawHeader, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for HeaderVisitor<'_> {
    type Value = RawHeader;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JOSE header")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawHeader, A::Error> {
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
            *slot = Some(map.next_value_seed(StringSeed { cx, name: param })?);
        }
        Ok(header)
    }
}

/// The claims set, as read in one pass; `act` is kept raw for the typed decode.
#[derive(Default)]
struct Payload<'de> {
    act: Option<&'de RawValue>,
    aud: Option<Vec<String>>,
    exp: Option<u64>,
    nbf: Option<u64>,
    iat: Option<u64>,
    iss: Option<String>,
    sub: Option<String>,
    jti: Option<String>,
}

fn parse_payload<'de>(cx: &Context, json: &'de str) -> Result<Payload<'de>, VerifyError> {
    if !json::is_object(json) {
        return Err(VerifyError::Malformed(Malformed::NotAnObject(
            Part::Payload,
        )));
    }
    let mut deserializer = serde_json::Deserializer::from_str(json);
    PayloadVisitor { cx }
        .deserialize(&mut deserializer)
        .and_then(|payload| deserializer.end().map(|()| payload))
        .map_err(|_| VerifyError::malformed(cx.problem(), Part::Payload))
}

struct PayloadVisitor<'c> {
    cx: &'c Context,
}

impl<'de> DeserializeSeed<'de> for PayloadVisitor<'_> {
    type Value = Payload<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Payload<'de>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PayloadVisitor<'_> {
    type Value = Payload<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JWT claims set")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Payload<'de>, A::Error> {
        let cx = self.cx;
        let mut payload = Payload::default();
        let mut members = Members::new();
        while let Some(MemberName(name)) = map.next_key()? {
            members.admit(cx, name.clone()).map_err(|p| cx.fail(p))?;
            match name.as_ref() {
                "act" => payload.act = Some(map.next_value()?),
                "aud" => payload.aud = Some(map.next_value_seed(AudienceSeed { cx })?),
                "exp" => payload.exp = Some(map.next_value_seed(TimeSeed { cx, name: "exp" })?),
                "nbf" => payload.nbf = Some(map.next_value_seed(TimeSeed { cx, name: "nbf" })?),
                "iat" => payload.iat = Some(map.next_value_seed(TimeSeed { cx, name: "iat" })?),
                "iss" => payload.iss = Some(map.next_value_seed(StringSeed { cx, name: "iss" })?),
                "sub" => payload.sub = Some(map.next_value_seed(StringSeed { cx, name: "sub" })?),
                "jti" => payload.jti = Some(map.next_value_seed(StringSeed { cx, name: "jti" })?),
                _ => map.next_value_seed(StrictValue { cx, level: 2 })?,
            }
        }
        Ok(payload)
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

/// `aud`: a string or an array of strings.
struct AudienceSeed<'c> {
    cx: &'c Context,
}

impl<'de> DeserializeSeed<'de> for AudienceSeed<'_> {
    type Value = Vec<String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<String>, D::Error> {
        let cx = self.cx;
        deserializer
            .deserialize_any(self)
            .map_err(|err| invalid_unless_recorded(cx, "aud", err))
    }
}

impl<'de> Visitor<'de> for AudienceSeed<'_> {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or an array of strings")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<String>, E> {
        Ok(vec![v.to_owned()])
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
        let item = StringSeed {
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
        Ok(audiences)
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
