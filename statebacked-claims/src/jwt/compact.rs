//! JWS compact serialization: splitting and strict base64url.

use crate::keys::{Algorithm, Key, crypto};
use base64_simd::{AsOut, URL_SAFE_NO_PAD};
use serde::Serialize;

/// A token's three segments, still encoded.
pub(crate) struct Segments<'a> {
    pub header: &'a str,
    pub payload: &'a str,
    pub signature: &'a str,
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: &'a str,
}

/// Why a token is not three segments of base64url characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SplitError {
    /// Not exactly three segments (a JWE has five; JSON serialization has none).
    SegmentCount,
    /// A segment is empty.
    EmptySegment,
    /// A byte outside `[A-Za-z0-9_-]`: padding, `+`, `/`, whitespace, JSON.
    InvalidCharacter,
}

/// Whether `b` is in the base64url alphabet or is the dot.
fn allowed(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')
}

/// Splits a compact JWS strictly, allocating nothing: every byte base64url or a dot, exactly
/// two dots, three non-empty segments, in that order of errors. The verify path splits with
/// [`split_at_dots`] and only asks this one for the error of a token it refuses.
pub(crate) fn split(token: &str) -> Result<Segments<'_>, SplitError> {
    if !token.bytes().all(allowed) {
        return Err(SplitError::InvalidCharacter);
    }
    if token.bytes().filter(|&b| b == b'.').count() != 2 {
        return Err(SplitError::SegmentCount);
    }
    // Two dots: only an empty segment makes this `None`.
    split_at_dots(token).ok_or(SplitError::EmptySegment)
}

/// Splits at the first and last dots and looks at no other byte: `None` unless there are two
/// distinct dots and three non-empty segments. For callers whose decoders check every byte of
/// the three segments (a dot in the payload included) and who ask [`split`] for the error of
/// any token they then refuse.
pub(crate) fn split_at_dots(token: &str) -> Option<Segments<'_>> {
    let first = token.find('.')?;
    let second = token.rfind('.')?;
    let (header, payload) = (token.get(..first)?, token.get(first + 1..second)?);
    let signature = token.get(second + 1..)?;
    if header.is_empty() || payload.is_empty() || signature.is_empty() {
        return None;
    }
    Some(Segments {
        header,
        payload,
        signature,
        signing_input: token.get(..second)?,
    })
}

/// Strict base64url without padding: non-canonical trailing bits are rejected.
pub(crate) fn decode(segment: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode_to_vec(segment).ok()
}

/// A decoded segment: on the stack when it fits `buf`, else on the heap.
pub(crate) enum Decoded<'b> {
    Stack(&'b [u8]),
    Heap(Vec<u8>),
}

impl AsRef<[u8]> for Decoded<'_> {
    fn as_ref(&self) -> &[u8] {
        match self {
            Decoded::Stack(bytes) => bytes,
            Decoded::Heap(bytes) => bytes,
        }
    }
}

impl std::ops::Deref for Decoded<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_ref()
    }
}

/// Strict base64url into `buf` when it fits, without allocating.
pub(crate) fn decode_small<'b>(segment: &str, buf: &'b mut [u8]) -> Option<Decoded<'b>> {
    if URL_SAFE_NO_PAD.estimated_decoded_length(segment.len()) <= buf.len() {
        let decoded = URL_SAFE_NO_PAD
            .decode(segment.as_bytes(), buf.as_out())
            .ok()?;
        Some(Decoded::Stack(decoded))
    } else {
        decode(segment).map(Decoded::Heap)
    }
}

/// Appends the base64url form of `bytes` to `out`.
pub(crate) fn encode_into(bytes: &[u8], out: &mut String) {
    URL_SAFE_NO_PAD.encode_append(bytes, out);
}

/// The base64url of a JWS header `{"alg":…,"kid":…,"typ":…}` (members present when given).
pub(crate) fn encoded_header(alg: Algorithm, kid: Option<&str>, typ: Option<&str>) -> String {
    #[derive(Serialize)]
    struct HeaderOut<'a> {
        alg: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        kid: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        typ: Option<&'a str>,
    }
    let header = HeaderOut {
        alg: alg.as_str(),
        kid,
        typ,
    };
    // Strings and a `&'static str` into a `Vec`: serde_json cannot fail here.
    let json = serde_json::to_vec(&header).unwrap_or_default();
    let mut out = String::new();
    encode_into(&json, &mut out);
    out
}

/// `base64url(header).base64url(payload).base64url(signature)`; `None` when the key cannot
/// sign.
pub(crate) fn sign(key: &Key, header: &[u8], payload: &[u8]) -> Option<String> {
    let mut token = String::with_capacity((header.len() + payload.len()) * 4 / 3 + 48);
    encode_into(header, &mut token);
    sign_after_header(key, token, payload)
}

/// [`sign`] with the header already in base64url.
pub(crate) fn sign_encoded(key: &Key, encoded_header: &str, payload: &[u8]) -> Option<String> {
    let mut token = String::with_capacity(encoded_header.len() + payload.len() * 4 / 3 + 48);
    token.push_str(encoded_header);
    sign_after_header(key, token, payload)
}

/// Appends `.payload.signature` to a token holding its encoded header.
fn sign_after_header(key: &Key, mut token: String, payload: &[u8]) -> Option<String> {
    token.push('.');
    encode_into(payload, &mut token);
    let signature = crypto::sign(key, token.as_bytes())?;
    token.push('.');
    encode_into(&signature, &mut token);
    Some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_three_segments() {
        let s = split("aGV.cGF5.c2ln").unwrap();
        assert_eq!(
            (s.header, s.payload, s.signature, s.signing_input),
            ("aGV", "cGF5", "c2ln", "aGV.cGF5")
        );
    }

    #[test]
    fn rejects_every_other_shape() {
        let cases = [
            ("", SplitError::SegmentCount),
            ("a.b", SplitError::SegmentCount),
            ("a.b.c.d.e", SplitError::SegmentCount),
            ("a.b.c.", SplitError::SegmentCount),
            ("..", SplitError::EmptySegment),
            ("a..c", SplitError::EmptySegment),
            ("a.b.", SplitError::EmptySegment),
            (".b.c", SplitError::EmptySegment),
            ("a.b.c=", SplitError::InvalidCharacter),
            ("a+.b.c", SplitError::InvalidCharacter),
            ("a/.b.c", SplitError::InvalidCharacter),
            ("a.b .c", SplitError::InvalidCharacter),
            ("a.b.c\n", SplitError::InvalidCharacter),
            ("{\"payload\":\"x\"}", SplitError::InvalidCharacter),
            ("a.é.c", SplitError::InvalidCharacter),
        ];
        for (token, expected) in cases {
            assert_eq!(split(token).err(), Some(expected), "{token:?}");
        }
        assert_eq!(
            split(&".".repeat(1 << 20)).err(),
            Some(SplitError::SegmentCount)
        );
        // 258 dots, which a count wrapping at 256 would read as 2.
        assert_eq!(
            split(&format!("{}.", "a".repeat(31)).repeat(258)).err(),
            Some(SplitError::SegmentCount)
        );
    }

    proptest::proptest! {
        /// base64-simd decides exactly as the `base64` crate's strict engine does, on text
        /// mixing the alphabet with padding, the other alphabet's symbols and spaces, at every
        /// length (so every trailing-bits case).
        #[test]
        fn decoding_agrees_with_the_base64_crate(segment in "[A-Za-z0-9_=+/ -]{0,70}") {
            use base64::Engine;
            let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&segment).ok();
            proptest::prop_assert_eq!(decode(&segment), expected.clone());
            let mut buf = [0u8; 24];
            let small = decode_small(&segment, &mut buf).map(|d| d.to_vec());
            proptest::prop_assert_eq!(small, expected);
        }

        #[test]
        fn encoding_agrees_with_the_base64_crate(bytes in proptest::collection::vec(0u8.., 0..70)) {
            use base64::Engine;
            let mut out = "prefix.".to_owned();
            encode_into(&bytes, &mut out);
            let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
            proptest::prop_assert_eq!(out, format!("prefix.{expected}"));
        }
    }

    #[test]
    fn base64_is_strict() {
        assert_eq!(decode("YQ"), Some(b"a".to_vec()));
        // Non-canonical trailing bits: "YR" decodes to "a" under a lenient decoder.
        assert_eq!(decode("YR"), None);
        assert_eq!(decode("YQ=="), None);
        assert_eq!(decode("Y"), None);
        let mut buf = [0u8; 8];
        assert_eq!(decode_small("YWJj", &mut buf).as_deref(), Some(&b"abc"[..]));
        assert_eq!(decode_small("YR", &mut buf).as_deref(), None);
        let long = "YWJj".repeat(4);
        assert_eq!(
            decode_small(&long, &mut buf).as_deref(),
            Some(&b"abc".repeat(4)[..])
        );
    }
}
