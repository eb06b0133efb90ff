//! Attribute names and keys, in one table so messages can list the valid ones.

use std::fmt::{self, Display};
use syn::{Ident, Path};

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Symbol(pub &'static str);

// Attribute names.
pub const CLAIMS: Symbol = Symbol("claims");
pub const CLAIM: Symbol = Symbol("claim");
pub const SERDE: Symbol = Symbol("serde");

// `#[claims(...)]` and `#[claim(...)]` keys.
pub const ANONYMOUS: Symbol = Symbol("anonymous");
pub const CRATE: Symbol = Symbol("crate");
pub const NESTED: Symbol = Symbol("nested");
pub const PROFILE: Symbol = Symbol("profile");
pub const SPLIT: Symbol = Symbol("split");
pub const PROVIDER: Symbol = Symbol("provider");
pub const PATH: Symbol = Symbol("path");
pub const SENSITIVE: Symbol = Symbol("sensitive");
pub const SUBJECT: Symbol = Symbol("subject");
pub const VALIDATE: Symbol = Symbol("validate");

/// Every key `#[claims(...)]` accepts, in the order error messages list them.
pub const CONTAINER_KEYS: &[Symbol] = &[ANONYMOUS, CRATE, PROFILE];
/// Every key `#[claim(...)]` accepts, in the order error messages list them.
pub const FIELD_KEYS: &[Symbol] = &[ANONYMOUS, FROM, NESTED, SENSITIVE, SPLIT, SUBJECT, VALIDATE];
/// Every key `#[claim(from(...))]` accepts.
pub const FROM_KEYS: &[Symbol] = &[PROVIDER, PATH];

// serde keys the derive reads.
pub const RENAME: Symbol = Symbol("rename");
pub const RENAME_ALL: Symbol = Symbol("rename_all");
pub const SERIALIZE: Symbol = Symbol("serialize");
pub const DESERIALIZE: Symbol = Symbol("deserialize");
pub const ALIAS: Symbol = Symbol("alias");
pub const DEFAULT: Symbol = Symbol("default");
pub const DENY_UNKNOWN_FIELDS: Symbol = Symbol("deny_unknown_fields");
pub const SKIP: Symbol = Symbol("skip");
pub const SKIP_SERIALIZING: Symbol = Symbol("skip_serializing");
pub const SKIP_DESERIALIZING: Symbol = Symbol("skip_deserializing");
pub const FLATTEN: Symbol = Symbol("flatten");
pub const WITH: Symbol = Symbol("with");
pub const DESERIALIZE_WITH: Symbol = Symbol("deserialize_with");
pub const TRANSPARENT: Symbol = Symbol("transparent");
pub const FROM: Symbol = Symbol("from");
pub const TRY_FROM: Symbol = Symbol("try_from");
pub const INTO: Symbol = Symbol("into");
pub const TAG: Symbol = Symbol("tag");

/// Container-level serde keys that make the wire form something other than the fields.
pub const SERDE_UNSUPPORTED_CONTAINER: &[Symbol] = &[TRANSPARENT, FROM, TRY_FROM, INTO, TAG];

impl PartialEq<Symbol> for Ident {
    fn eq(&self, word: &Symbol) -> bool {
        self == word.0
    }
}

impl PartialEq<Symbol> for &Ident {
    fn eq(&self, word: &Symbol) -> bool {
        *self == word.0
    }
}

impl PartialEq<Symbol> for Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl PartialEq<Symbol> for &Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl Display for Symbol {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str(self.0)
    }
}

/// `a`, `b`, `c` for an error message.
pub fn list(keys: &[Symbol]) -> String {
    keys.iter()
        .map(|key| format!("`{key}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "expected one of: `a`, `b`, `c`" for an unknown `key`, with "; did you mean `b`?" when one
/// of them is close to it.
pub fn expected(key: &str, valid: &[Symbol]) -> String {
    let mut message = format!("expected one of: {}", list(valid));
    if let Some(close) = closest(key, valid) {
        message.push_str(&format!("; did you mean `{close}`?"));
    }
    message
}

/// The valid key closest to `key`, if at most two edits away (a swap of neighbours is one
/// edit: `emial` is one from `email`) and fewer edits than `key` has characters, so that a
/// short key is not "corrected" into an unrelated one. Ties go to the first in `valid`.
pub fn closest(key: &str, valid: &[Symbol]) -> Option<Symbol> {
    let limit = 2.min(key.chars().count().saturating_sub(1));
    valid
        .iter()
        .map(|symbol| (strsim::osa_distance(key, symbol.0), *symbol))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, symbol)| symbol)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[Symbol] = &[ANONYMOUS, CRATE, PROFILE];

    #[test]
    fn typos_find_the_key_they_meant() {
        assert_eq!(closest("anonymus", KEYS), Some(ANONYMOUS));
        assert_eq!(closest("crat", KEYS), Some(CRATE));
        assert_eq!(
            closest("porfile", KEYS),
            Some(PROFILE),
            "a swap is one edit"
        );
        assert_eq!(closest("profiles", KEYS), Some(PROFILE));
        assert_eq!(closest("Crate", KEYS), Some(CRATE), "case is an edit");
    }

    #[test]
    fn keys_far_from_every_valid_one_get_no_suggestion() {
        assert_eq!(closest("strict", KEYS), None);
        assert_eq!(closest("anonymously", KEYS), Some(ANONYMOUS), "two edits");
        assert_eq!(closest("anonymousness", KEYS), None, "four edits");
        assert_eq!(closest("", KEYS), None);
        assert_eq!(
            closest("c", &[Symbol("a"), Symbol("ab")]),
            None,
            "short keys need less"
        );
        assert_eq!(
            closest("ac", &[Symbol("a"), Symbol("ab")]),
            Some(Symbol("a"))
        );
    }

    #[test]
    fn ties_go_to_the_first_valid_key() {
        assert_eq!(
            closest("ab", &[Symbol("a"), Symbol("b")]),
            Some(Symbol("a"))
        );
        assert_eq!(
            closest("ba", &[Symbol("b"), Symbol("a")]),
            Some(Symbol("b"))
        );
    }

    #[test]
    fn the_suggestion_follows_the_list() {
        assert_eq!(
            expected("anonymus", KEYS),
            "expected one of: `anonymous`, `crate`, `profile`; did you mean `anonymous`?"
        );
        assert_eq!(
            expected("strict", KEYS),
            "expected one of: `anonymous`, `crate`, `profile`"
        );
    }
}
