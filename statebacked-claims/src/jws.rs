//! JWS compact serialization: splitting and strict base64url.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

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

/// Splits a compact JWS in one pass over the bytes, allocating nothing.
pub(crate) fn split(token: &str) -> Result<Segments<'_>, SplitError> {
    let bytes = token.as_bytes();
    let mut dots = [0usize; 2];
    let mut count = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'.' {
            if count == 2 {
                return Err(SplitError::SegmentCount);
            }
            dots[count] = i;
            count += 1;
        } else if !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(SplitError::InvalidCharacter);
        }
    }
    if count != 2 {
        return Err(SplitError::SegmentCount);
    }
    let [first, second] = dots;
    let (signing_input, signature) = (&token[..second], &token[second + 1..]);
    let (header, payload) = (&token[..first], &token[first + 1..second]);
    if header.is_empty() || payload.is_empty() || signature.is_empty() {
        return Err(SplitError::EmptySegment);
    }
    Ok(Segments {
        header,
        payload,
        signature,
        signing_input,
    })
}

/// Strict base64url without padding: non-canonical trailing bits are rejected.
pub(crate) fn decode(segment: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(segment).ok()
}

/// Appends the base64url form of `bytes` to `out`.
pub(crate) fn encode_into(bytes: &[u8], out: &mut String) {
    URL_SAFE_NO_PAD.encode_string(bytes, out);
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
    }

    #[test]
    fn base64_is_strict() {
        assert_eq!(decode("YQ"), Some(b"a".to_vec()));
        // Non-canonical trailing bits: "YR" decodes to "a" under a lenient decoder.
        assert_eq!(decode("YR"), None);
        assert_eq!(decode("YQ=="), None);
        assert_eq!(decode("Y"), None);
    }
}
