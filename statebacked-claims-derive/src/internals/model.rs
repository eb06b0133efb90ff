//! The checked model: what [`check`](super::check) builds from valid input, and the only input
//! code generation takes.
//!
//! Its types hold only combinations that passed every check: an `each` exists only on a list
//! (it carries the items' rules, not the list's), `one_of` is typed by its values' kind (there is
//! no float `one_of`), and a range's bounds are typed by the field's kind.

use super::attr::Source;
pub use super::rules::Custom;
use super::rules::{Int, Number};
use super::ty::TypeDesc;
use proc_macro2::Span;
use syn::{Generics, Ident, LitStr, Type};

/// A claims type that passed every check.
pub struct Checked<'a> {
    pub ident: &'a Ident,
    pub generics: &'a Generics,
    pub crate_path: syn::Path,
    /// Whether the type admits anonymous sessions.
    pub anonymous: bool,
    /// Whether the claims sit at the top level of the claims set (`profile = "flat"`).
    pub flat: bool,
    /// Whether serde refuses unknown members (`#[serde(deny_unknown_fields)]`).
    pub deny_unknown_fields: bool,
    /// The claims that appear on the wire, in declaration order.
    pub claims: Vec<Claim<'a>>,
    /// The fields serde never writes (`skip`, `skip_serializing`): not claims, but a value
    /// built by generators needs them.
    pub skipped: Vec<&'a Ident>,
}

pub struct Claim<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub wire_name: String,
    pub required: bool,
    /// Whether an anonymous session may carry the claim.
    pub anonymous: bool,
    pub desc: TypeDesc,
    /// What `validate` checks of the claim's value.
    pub validation: Validation,
    pub sensitive: bool,
    /// `#[claim(subject)]`: the claim names the user, for revocation by subject.
    pub subject: bool,
    /// Where the claim comes from in identity-provider tokens.
    pub sources: Vec<Source>,
    /// The separator of a delimited string that may fill this list of strings.
    pub split: Option<String>,
}

/// The checks on one claim's value: its rules, then the nested type's own validation.
pub struct Validation {
    /// How many `Option`s wrap the value the rules apply to; `None` passes every rule.
    pub options: usize,
    pub rules: Vec<Rule>,
    /// `#[claim(nested)]`.
    pub nested: Option<Nested>,
}

impl Validation {
    /// Whether `validate` has nothing to check.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty() && self.nested.is_none()
    }
}

/// Where a `#[claim(nested)]` field's own `Claims::validate_at` runs, with the span of the
/// `nested` key (where a type that is not `Claims` is reported).
pub enum Nested {
    /// On the value itself.
    Value { span: Span },
    /// On each present item of the collection, under `options` `Option`s.
    Items { options: usize, span: Span },
}

impl Nested {
    /// The span of the `nested` key.
    pub fn span(&self) -> Span {
        match self {
            Nested::Value { span } | Nested::Items { span, .. } => *span,
        }
    }
}

/// One rule that fits the value it applies to, with the span of its name.
pub struct Rule {
    pub kind: RuleKind,
    pub span: Span,
}

pub enum RuleKind {
    NonEmpty,
    Length {
        min: Option<u64>,
        max: Option<u64>,
        /// Whether the value is a string (length in chars) rather than a collection (items).
        chars: bool,
    },
    Range(Range),
    Email,
    Url,
    /// A pattern that compiles.
    Regex(LitStr),
    OneOf(OneOf),
    Prefix(LitStr),
    /// The rules of every item of a list.
    Each(Items),
    Custom(Custom),
}

/// `range(...)`, typed by the field's kind; at least one bound, and `min <= max`.
pub enum Range {
    /// On an integer field: integer bounds only.
    Int { min: Option<Int>, max: Option<Int> },
    /// On a float field: bounds as written (an integer bound is a float with no fraction).
    Float {
        min: Option<Number>,
        max: Option<Number>,
    },
}

/// `one_of(...)`: a non-empty list of strings, for a string field, or of integers, for an
/// integer field.
pub enum OneOf {
    Str(Vec<LitStr>),
    Int(Vec<Int>),
}

/// The rules of `each(...)`, on the items of a list.
pub struct Items {
    /// How many `Option`s wrap each item; a `None` item passes every rule.
    pub options: usize,
    pub rules: Vec<Rule>,
}
