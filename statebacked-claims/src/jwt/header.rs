//! The JOSE header: the common shape read by comparing bytes, everything else strictly.

use super::claims_set::StrSeed;
use super::error::{Malformed, Part, VerifyError};
use super::json::{self, Context, MemberName, Members, Problem, StrictValue};
use crate::keys::Algorithm;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// The common header, `{"alg":"…","kid":"…"}` with a supported algorithm and a plain key id
/// (State Backed tokens are `{"alg":"HS256","kid":"sbk_…"}`), read by comparing bytes.
/// Anything else takes the general, strict parse.
pub(super) fn fast_header(json: &str) -> Option<Header<'_>> {
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
pub(super) struct Header<'a> {
    pub(super) alg: Cow<'a, str>,
    pub(super) kid: Option<Cow<'a, str>>,
    pub(super) typ: Option<Cow<'a, str>>,
}

/// Header parameters that change how a JWS is processed; none is supported.
const UNSUPPORTED_HEADER: [&str; 6] = ["crit", "b64", "zip", "enc", "epk", "p2c"];

pub(super) fn parse_header<'a>(cx: &Context, json: &'a str) -> Result<Header<'a>, VerifyError> {
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
