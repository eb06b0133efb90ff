//! Machine-to-machine client tokens: [`Scopes`] and [`ClientClaims`].

use crate::claims::Claims;
use crate::schema::{ClaimSchema, ClaimType, FieldSchema};
use crate::validate::{ClaimPath, Rule, ValidationErrors, check};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Why a scope string or scope token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScopeError {
    /// A scope token is empty: the string has a leading, trailing or doubled space.
    #[error("a scope is empty (leading, trailing or doubled space)")]
    Empty,
    /// A scope token has a character RFC 6749 §3.3 does not allow (space, `"`, `\`, control
    /// characters or anything outside ASCII).
    #[error("scope {0:?} has a character outside RFC 6749's scope-token alphabet")]
    InvalidCharacter(String),
}

/// Scopes a token is missing, as [`Scopes::require`] reports them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("missing scopes: {}", .missing.join(", "))]
pub struct MissingScopes {
    /// The required scopes the token does not grant, in the order they were asked for.
    pub missing: Vec<String>,
}

/// The scopes of a token: the `scope` claim, space-delimited on the wire (RFC 8693 §4.2,
/// RFC 9068 §2.2.3), in the order given, without repeats.
///
/// ```
/// use statebacked_claims::Scopes;
///
/// let scopes: Scopes = "machines:read machines:write".parse()?;
/// assert!(scopes.contains("machines:read"));
/// assert_eq!(scopes.to_string(), "machines:read machines:write");
/// let missing = scopes.require(&["machines:read", "admin"]).unwrap_err();
/// assert_eq!(missing.missing, ["admin"]);
/// # Ok::<(), statebacked_claims::scope::ScopeError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Scopes(Vec<String>);

impl Scopes {
    /// No scopes.
    pub fn new() -> Self {
        Scopes::default()
    }

    /// Scopes from individual scope tokens; repeats are kept once.
    pub fn from_scopes<I, S>(scopes: I) -> Result<Self, ScopeError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut out = Scopes::new();
        for scope in scopes {
            out.insert(scope.into())?;
        }
        Ok(out)
    }

    /// A `scope` claim's value: scope tokens separated by single spaces. The empty string is
    /// no scopes.
    pub fn parse(scope: &str) -> Result<Self, ScopeError> {
        if scope.is_empty() {
            return Ok(Scopes::new());
        }
        Scopes::from_scopes(scope.split(' '))
    }

    /// Adds a scope token; a repeat is ignored.
    pub fn insert(&mut self, scope: impl Into<String>) -> Result<(), ScopeError> {
        let scope = scope.into();
        if scope.is_empty() {
            return Err(ScopeError::Empty);
        }
        // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
        if !scope
            .bytes()
            .all(|b| matches!(b, 0x21 | 0x23..=0x5b | 0x5d..=0x7e))
        {
            return Err(ScopeError::InvalidCharacter(scope));
        }
        if !self.contains(&scope) {
            self.0.push(scope);
        }
        Ok(())
    }

    /// Whether `scope` is granted.
    pub fn contains(&self, scope: &str) -> bool {
        self.0.iter().any(|s| s == scope)
    }

    /// `Ok` when every scope in `required` is granted; otherwise the ones that are not.
    pub fn require<S: AsRef<str>>(&self, required: &[S]) -> Result<(), MissingScopes> {
        let missing: Vec<String> = required
            .iter()
            .map(AsRef::as_ref)
            .filter(|scope| !self.contains(scope))
            .map(str::to_owned)
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(MissingScopes { missing })
        }
    }

    /// The scope tokens, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// How many scopes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, scope) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(scope)?;
        }
        Ok(())
    }
}

impl FromStr for Scopes {
    type Err = ScopeError;

    fn from_str(scope: &str) -> Result<Self, Self::Err> {
        Scopes::parse(scope)
    }
}

impl Serialize for Scopes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Scopes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScopesVisitor;
        impl Visitor<'_> for ScopesVisitor {
            type Value = Scopes;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a space-delimited string of scopes")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scopes, E> {
                Scopes::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(ScopesVisitor)
    }
}

/// The claims of a machine-to-machine client token, as
/// [`Issuer::client_token`](crate::Issuer::client_token) signs them: flat profile, header
/// `typ: "at+jwt"` (RFC 9068), `sub` and `client_id` the client's id, `scope` its scopes.
/// A `Verifier<ClientClaims>` requires that `typ`, so a user token is never taken for a
/// client token, and user-token verifiers refuse it the other way round.
///
/// ```
/// use statebacked_claims::{ClientClaims, Issuer, Key, Scopes, Verifier};
///
/// let key = Key::hs256("svc", "sbsec_test_secret_0123456789abcdef")?;
/// let scopes = Scopes::parse("machines:read machines:write")?;
/// let token = Issuer::<ClientClaims>::new(key.clone()).client_token("billing", &scopes, "5m".parse()?)?;
///
/// let verifier = Verifier::<ClientClaims>::new(key).require_scopes(["machines:read"])?;
/// let verified = verifier.verify(token.as_str())?;
/// assert_eq!(verified.claims().client_id(), "billing");
/// assert!(verified.claims().scopes().contains("machines:write"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientClaims {
    sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    #[serde(default)]
    scope: Scopes,
}

impl ClientClaims {
    /// Claims for `client_id` with `scopes`.
    pub fn new(client_id: impl Into<String>, scopes: Scopes) -> Self {
        let client_id = client_id.into();
        ClientClaims {
            sub: client_id.clone(),
            client_id: Some(client_id),
            scope: scopes,
        }
    }

    /// The client: the `client_id` claim (RFC 9068), or `sub` when a token leaves it out.
    pub fn client_id(&self) -> &str {
        self.client_id.as_deref().unwrap_or(&self.sub)
    }

    /// The scopes granted.
    pub fn scopes(&self) -> &Scopes {
        &self.scope
    }
}

static CLIENT_SCHEMA: ClaimSchema = ClaimSchema::__new(
    "ClientClaims",
    &[
        FieldSchema::__new(
            "sub",
            "sub",
            "String",
            ClaimType::String,
            true,
            false,
            false,
            &[Rule::NonEmpty],
        ),
        FieldSchema::__new(
            "client_id",
            "client_id",
            "Option<String>",
            ClaimType::Optional(&ClaimType::String),
            false,
            false,
            false,
            &[Rule::NonEmpty],
        ),
        FieldSchema::__new(
            "scope",
            "scope",
            "Scopes",
            ClaimType::String,
            false,
            false,
            false,
            &[],
        ),
    ],
    false,
)
.__flat()
.__token_type("at+jwt");

impl Claims for ClientClaims {
    fn schema() -> &'static ClaimSchema {
        &CLIENT_SCHEMA
    }

    fn validate_at(&self, path: &ClaimPath<'_>, errors: &mut ValidationErrors) {
        check::non_empty(self.sub.as_str(), &path.field("sub"), errors);
        if let Some(client_id) = &self.client_id {
            check::non_empty(client_id.as_str(), &path.field("client_id"), errors);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display_round_trip() {
        let scopes = Scopes::parse("a b:c d/e").unwrap();
        assert_eq!(scopes.iter().collect::<Vec<_>>(), ["a", "b:c", "d/e"]);
        assert_eq!(scopes.to_string(), "a b:c d/e");
        assert_eq!(Scopes::parse("").unwrap(), Scopes::new());
        assert_eq!(Scopes::parse("a a b").unwrap().len(), 2);
    }

    #[test]
    fn malformed_scope_strings_are_refused() {
        for bad in [" a", "a ", "a  b", " "] {
            assert_eq!(Scopes::parse(bad), Err(ScopeError::Empty), "{bad:?}");
        }
        for bad in ["a\"b", "a\\b", "caf\u{e9}", "a\tb", "a\nb"] {
            assert!(
                matches!(Scopes::parse(bad), Err(ScopeError::InvalidCharacter(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn require_reports_every_missing_scope() {
        let scopes = Scopes::parse("read write").unwrap();
        assert_eq!(scopes.require(&["read"]), Ok(()));
        assert_eq!(
            scopes
                .require(&["admin", "read", "delete"])
                .unwrap_err()
                .missing,
            ["admin", "delete"]
        );
        assert_eq!(
            scopes.require(&["x", "y"]).unwrap_err().to_string(),
            "missing scopes: x, y"
        );
    }

    #[test]
    fn serde_uses_the_space_delimited_string() {
        let scopes = Scopes::parse("a b").unwrap();
        assert_eq!(serde_json::to_string(&scopes).unwrap(), r#""a b""#);
        assert_eq!(serde_json::from_str::<Scopes>(r#""a b""#).unwrap(), scopes);
        assert!(serde_json::from_str::<Scopes>(r#""a  b""#).is_err());
        assert!(serde_json::from_str::<Scopes>(r#"["a","b"]"#).is_err());
    }
}
