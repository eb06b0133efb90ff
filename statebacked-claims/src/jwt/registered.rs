//! The registered claims of a checked claims set, read from its JSON text.

use super::claims_set::Aud;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// A string claim: a span of the claims set's JSON text, or owned when it had escapes.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(test, derive(Debug))]
pub(super) enum Text {
    Span(usize, usize),
    Owned(String),
}

impl Text {
    /// `s`, borrowed from `json`, as a span of it; owned if it was unescaped into a copy.
    pub(super) fn of(s: Cow<'_, str>, json: &str) -> Text {
        match s {
            Cow::Borrowed(s) => {
                // A string from elsewhere may start anywhere, even where `start + len`
                // overflows.
                let start = (s.as_ptr() as usize).wrapping_sub(json.as_ptr() as usize);
                let end = start.checked_add(s.len()).filter(|&end| {
                    json.get(start..end)
                        .is_some_and(|found| std::ptr::eq(found, s))
                });
                match end {
                    Some(end) => Text::Span(start, end),
                    None => Text::Owned(s.to_owned()),
                }
            }
            Cow::Owned(s) => Text::Owned(s),
        }
    }

    pub(super) fn get<'a>(&'a self, json: &'a str) -> &'a str {
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

    /// `scope`, as the token carries it (space-delimited); [`Scopes::parse`](crate::Scopes::parse) reads it.
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
    pub(super) iss: Option<Text>,
    pub(super) sub: Option<Text>,
    pub(super) aud: Aud<Text>,
    pub(super) exp: u64,
    pub(super) nbf: Option<u64>,
    pub(super) iat: Option<u64>,
    pub(super) jti: Option<Text>,
    pub(super) scope: Option<Text>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_borrowed_string_is_a_span_only_of_the_text_it_is_in() {
        let whole = r#"{"iss":"https://issuer.example","sub":"u1"}"#;
        let json = &whole[1..];
        let iss = &json[7..29];
        assert_eq!(iss, "https://issuer.example");
        let text = Text::of(Cow::Borrowed(iss), json);
        assert_eq!(text, Text::Span(7, 29));
        assert_eq!(text.get(json), iss);
        // Equal bytes elsewhere are not a span of `json`.
        let copy = iss.to_owned();
        assert_eq!(
            Text::of(Cow::Borrowed(&copy), json),
            Text::Owned(copy.clone())
        );
        // Starting before `json` (its offset wraps to near `usize::MAX`) and running into it:
        // `start + len` would overflow.
        let before = &whole[..4];
        assert_eq!(
            Text::of(Cow::Borrowed(before), json),
            Text::Owned(before.to_owned())
        );
    }
}
