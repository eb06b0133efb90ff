//! Attribute names and keys, in one table so messages can list the valid ones.

use std::fmt::{self, Display};
use syn::{Ident, Path};

#[derive(Copy, Clone, PartialEq, Eq)]
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
pub const VALIDATE: Symbol = Symbol("validate");

/// Every key `#[claims(...)]` accepts, in the order error messages list them.
pub const CONTAINER_KEYS: &[Symbol] = &[ANONYMOUS, CRATE, PROFILE];
/// Every key `#[claim(...)]` accepts, in the order error messages list them.
pub const FIELD_KEYS: &[Symbol] = &[ANONYMOUS, FROM, NESTED, SENSITIVE, SPLIT, VALIDATE];
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
