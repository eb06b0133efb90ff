//! The checks every kind of token goes through: size, framing, header, key, signature and
//! registered claims.

use super::claims_set::{Aud, Payload};
use super::compact;
use super::error::{ConfigError, Malformed, Part, VerifyError};
use super::header::{fast_header, parse_header};
use super::json::{Context, Limits};
use super::registered::{Checked, Text};
use crate::clock::{Clock, SystemClock};
use crate::keys::{Algorithm, Key, KeySet, crypto};
use crate::scope::Scopes;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The default leeway for clock skew, in seconds.
pub const DEFAULT_LEEWAY_SECS: u64 = 30;
/// The largest leeway a verifier accepts, in seconds (RFC 8725 asks for a small one).
pub const MAX_LEEWAY_SECS: u64 = 300;
/// The default maximum token length, in bytes.
pub const DEFAULT_MAX_TOKEN_LEN: usize = 8 * 1024;

/// The checks every kind of token goes through: size, format, header, key, signature and
/// registered claims.
#[derive(Clone)]
pub(crate) struct Rules {
    keys: KeySet,
    known_headers: KnownHeaders,
    /// `None`: `aud` is not checked (an identity provider configured by issuer alone).
    pub(crate) audience: Option<String>,
    pub(crate) issuer: Option<String>,
    leeway: u64,
    pub(crate) max_token_len: usize,
    pub(crate) required_type: Option<String>,
    pub(crate) required_scopes: Vec<String>,
    /// The oldest token accepted, in seconds since its `iat` (which it then requires).
    pub(crate) max_age: Option<u64>,
    /// When set, a token's `alg` must be one of these as well as its key's.
    allowed_algorithms: Option<Vec<Algorithm>>,
    /// Whether `typ: at+jwt` (RFC 9068 access tokens) passes beside `JWT`: for identity
    /// providers' tokens, which may be access tokens.
    accept_access_tokens: bool,
    pub(super) limits: Limits,
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
    fn of(kid: Option<Arc<str>>, payload: Vec<u8>) -> Result<Self, VerifyError> {
        // Only now, with the signature checked, is anything in the claims set looked at.
        let payload_json = String::from_utf8(payload)
            .map_err(|_| VerifyError::Malformed(Malformed::Utf8(Part::Payload)))?;
        Ok(Authentic { kid, payload_json })
    }

    /// The header's `kid` and the claims set's JSON text.
    pub(crate) fn into_parts(self) -> (Option<Arc<str>>, String) {
        (self.kid, self.payload_json)
    }
}

impl Rules {
    pub(crate) fn new(keys: KeySet, audience: Option<String>, issuer: Option<String>) -> Self {
        Rules {
            known_headers: KnownHeaders::of(&keys),
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
        let (kid, payload) = self.signed_payload(cx, token, &self.keys, &self.known_headers)?;
        Authentic::of(kid, payload)
    }

    /// [`authenticate`](Rules::authenticate) with keys held elsewhere (a remote JWKS cache).
    pub(crate) fn authenticate_with(
        &self,
        cx: &Context,
        token: &str,
        keys: &KeySet,
    ) -> Result<Authentic, VerifyError> {
        let (kid, payload) = self.signed_payload(cx, token, keys, &KnownHeaders::NONE)?;
        Authentic::of(kid, payload)
    }

    /// Size, format, header, key and signature, then the payload's bytes. A refused token gets
    /// the strict split's error when it has one ([`framing_error`]); a token that gets through
    /// is one the strict split accepts (see [`check_signature`](Rules::check_signature)).
    fn signed_payload(
        &self,
        cx: &Context,
        token: &str,
        keys: &KeySet,
        known_headers: &KnownHeaders,
    ) -> Result<(Option<Arc<str>>, Vec<u8>), VerifyError> {
        self.check_len(token)?;
        self.check_signature(cx, token, keys, known_headers)
            .and_then(|(kid, payload)| {
                let Some(payload) = compact::decode(payload) else {
                    return Err(VerifyError::Malformed(Malformed::Base64(Part::Payload)));
                };
                Ok((kid, payload))
            })
            .map_err(|err| framing_error(token, err))
    }

    /// Format, header, key and signature: the key id and the (still encoded) payload.
    ///
    /// The token is split at its first and last dots only: the header is compared with the
    /// key's or decoded, the signature and (after this) the claims set are decoded, and the
    /// decoders refuse every byte outside the alphabet, a dot included. So a token that gets
    /// through is one [`compact::split`] accepts; one that does not must have its error replaced by
    /// `split`'s, which comes first ([`framing_error`]).
    fn check_signature<'t>(
        &self,
        cx: &Context,
        token: &'t str,
        keys: &KeySet,
        known_headers: &KnownHeaders,
    ) -> Result<(Option<Arc<str>>, &'t str), VerifyError> {
        let Some(segments) = compact::split_at_dots(token) else {
            return Err(VerifyError::Malformed(Malformed::SegmentCount));
        };
        let (key, kid) = match known_headers.find(segments.header) {
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
        let Some(signature) = compact::decode_small(segments.signature, &mut signature_buf) else {
            return Err(VerifyError::Malformed(Malformed::Base64(Part::Signature)));
        };
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
        let header_json = compact::decode_small(segment, &mut header_buf)
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
    pub(crate) fn check_len(&self, token: &str) -> Result<(), VerifyError> {
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
    pub(crate) fn check_registered(
        &self,
        payload: &mut Payload<'_>,
        json: &str,
    ) -> Result<Checked, VerifyError> {
        let now = self.clock.now_unix();
        let Some(exp) = payload.exp else {
            return Err(VerifyError::MissingClaim("exp"));
        };
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
            let Some(aud) = &aud else {
                return Err(VerifyError::MissingClaim("aud"));
            };
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

/// The payload of a compact JWS `keys` signed, unread: the checks of [`Rules`] up to and
/// including the signature, with no audience, issuer or claims set.
pub(crate) fn verified_payload(token: &str, keys: &KeySet) -> Result<Vec<u8>, VerifyError> {
    let rules = Rules::new(KeySet::new(), None, None);
    let cx = Context::new(rules.limits);
    rules
        .signed_payload(&cx, token, keys, &KnownHeaders::NONE)
        .map(|(_, payload)| payload)
}

/// The headers a rule set's own keys sign with (`{"alg":…,"kid":…}` in base64url, as
/// [`compact::encoded_header`] writes them): a token whose header segment is one of them
/// selects that key without its header being decoded. Only small sets are searched (one
/// comparison per key); a miss sends the caller to decode the header.
#[derive(Clone)]
struct KnownHeaders(Vec<(Box<str>, Key)>);

impl KnownHeaders {
    const NONE: KnownHeaders = KnownHeaders(Vec::new());
    const SEARCHED: usize = 4;

    fn of(keys: &KeySet) -> Self {
        let named = || keys.iter().filter(|key| key.key_id().is_some());
        if named().count() > Self::SEARCHED {
            return KnownHeaders::NONE;
        }
        KnownHeaders(
            named()
                .map(|key| {
                    let header = compact::encoded_header(key.algorithm(), key.key_id(), None);
                    (header.into_boxed_str(), key.clone())
                })
                .collect(),
        )
    }

    fn find(&self, segment: &str) -> Option<&Key> {
        self.0
            .iter()
            .find(|(header, _)| **header == *segment)
            .map(|(_, key)| key)
    }
}

/// The error of a token that failed between its size check and its claims set: the strict
/// split's, when it has one (malformed framing is reported before anything found later), else
/// `err`. Only failures pay for the strict split.
#[cold]
fn framing_error(token: &str, err: VerifyError) -> VerifyError {
    match compact::split(token) {
        Err(split) => split.into(),
        Ok(_) => err,
    }
}

/// The key a token's `kid` names; without a `kid`, the only key.
fn select_key<'k>(keys: &'k KeySet, kid: Option<&str>) -> Result<&'k Key, VerifyError> {
    if keys.accepts_any_kid() {
        return keys.only().ok_or(VerifyError::UnknownKey);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "sbsec_test_secret_0123456789abcdef";

    #[test]
    fn a_key_is_found_by_the_exact_header_it_signs_with() {
        let encode = |json: &str| {
            let mut out = String::new();
            compact::encode_into(json.as_bytes(), &mut out);
            out
        };
        let mut keys = KeySet::new();
        for kid in ["k1", "k2", "k\"quoted"] {
            keys.insert(Key::hs256(kid, SECRET).unwrap()).unwrap();
        }
        let find = |keys: &KeySet, json: &str| {
            KnownHeaders::of(keys)
                .find(&encode(json))
                .cloned()
                .and_then(|key| key.key_id().map(str::to_owned))
        };
        let found = |json: &str| find(&keys, json);
        assert_eq!(
            found(r#"{"alg":"HS256","kid":"k2"}"#).as_deref(),
            Some("k2")
        );
        assert_eq!(
            found(r#"{"alg":"HS256","kid":"k\"quoted"}"#).as_deref(),
            Some("k\"quoted")
        );
        // Any other spelling of the header is decoded and parsed instead.
        for other in [
            r#"{"kid":"k2","alg":"HS256"}"#,
            r#"{"alg":"HS256","kid":"k2","typ":"JWT"}"#,
            r#"{"alg":"HS256", "kid":"k2"}"#,
            r#"{"alg":"HS384","kid":"k2"}"#,
            r#"{"alg":"HS256","kid":"k3"}"#,
            r#"{"alg":"HS256"}"#,
        ] {
            assert_eq!(found(other), None, "{other}");
        }
        // Large sets are not searched.
        for kid in ["k4", "k5"] {
            keys.insert(Key::hs256(kid, SECRET).unwrap()).unwrap();
        }
        assert_eq!(find(&keys, r#"{"alg":"HS256","kid":"k2"}"#), None);
    }
}
