//! A claims value that breaks one rule on purpose, and which.

use super::value::{Segment, render};
use crate::claims::Claims;
use crate::schema::Profile;
use std::fmt;

/// Claims that break one rule of one claim: [`GenerateClaims::invalid`](super::GenerateClaims::invalid)'s
/// values.
///
/// [`validate`](Claims::validate) reports [`rule`](Invalid::rule) at [`path`](Invalid::path);
/// every other claim is valid. Other rules of the same claim may be reported beside it when
/// they cannot hold at once (an empty string breaks `non_empty` and `length(min = 1)`).
#[derive(Clone)]
pub struct Invalid<C> {
    claims: C,
    rule: &'static str,
    path: String,
    segments: Vec<Segment>,
}

impl<C: Claims> Invalid<C> {
    /// `claims`, which break `rule` at `path` (the first segment names the claim).
    pub(crate) fn new(claims: C, rule: &'static str, path: Vec<Segment>) -> Self {
        let root = match C::schema().profile() {
            Profile::StateBacked => Some("act"),
            Profile::Flat => None,
        };
        let rendered = match path.split_first() {
            Some((Segment::Field(first), rest)) => render(root, first, rest),
            _ => render(root, "", &path),
        };
        Invalid {
            claims,
            rule,
            path: rendered,
            segments: path,
        }
    }
}

impl<C> Invalid<C> {
    /// The claims.
    pub fn claims(&self) -> &C {
        &self.claims
    }

    /// The claims, owned.
    pub fn into_claims(self) -> C {
        self.claims
    }

    /// The claims, the rule and the path below the type.
    pub(crate) fn into_parts(self) -> (C, &'static str, Vec<Segment>) {
        (self.claims, self.rule, self.segments)
    }

    /// The broken rule's name, as [`ValidationError::rule`](crate::ValidationError::rule)
    /// gives it: `length`, `one_of`, …
    pub fn rule(&self) -> &'static str {
        self.rule
    }

    /// The broken claim's path, as [`ValidationError::path`](crate::ValidationError::path)
    /// gives it: `act.roles[1]`, `act.address.zip`.
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl<C: fmt::Debug> fmt::Debug for Invalid<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Invalid")
            .field("path", &self.path)
            .field("rule", &self.rule)
            .field("claims", &self.claims)
            .finish()
    }
}

/// `{"path":…,"rule":…,"claims":…}`, as a failing test reports it.
impl<C: serde::Serialize> serde::Serialize for Invalid<C> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Invalid", 3)?;
        out.serialize_field("path", &self.path)?;
        out.serialize_field("rule", self.rule)?;
        out.serialize_field("claims", &self.claims)?;
        out.end()
    }
}
