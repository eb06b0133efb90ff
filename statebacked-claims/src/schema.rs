//! The schema a [`Claims`](crate::Claims) type describes: its claims, their wire names,
//! types, rules and sources, and where they sit in a token.

use crate::validate::Rule;
use std::fmt;

/// Where a [`Claims`](crate::Claims) type's claims sit in a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Profile {
    /// Inside the `act` claim, as State Backed's end-user tokens carry them: the default.
    #[default]
    StateBacked,
    /// At the top level of the claims set, beside `iss`, `aud`, `exp`, … (the usual JWT
    /// layout): `#[claims(profile = "flat")]`. The derive refuses fields wired to `iss`,
    /// `aud`, `exp`, `nbf`, `iat` or `jti`; `sub` may be a field.
    Flat,
}

/// The claims a [`Claims`](crate::Claims) type puts on the wire, in declaration order.
#[derive(Debug)]
pub struct ClaimSchema {
    type_name: &'static str,
    fields: &'static [FieldSchema],
    admits_anonymous: bool,
    profile: Profile,
    token_type: Option<&'static str>,
    deny_unknown_fields: bool,
}

impl ClaimSchema {
    #[doc(hidden)]
    pub const fn __new(
        type_name: &'static str,
        fields: &'static [FieldSchema],
        admits_anonymous: bool,
    ) -> Self {
        ClaimSchema {
            type_name,
            fields,
            admits_anonymous,
            profile: Profile::StateBacked,
            token_type: None,
            deny_unknown_fields: false,
        }
    }

    #[doc(hidden)]
    pub const fn __deny_unknown_fields(self) -> Self {
        ClaimSchema {
            deny_unknown_fields: true,
            ..self
        }
    }

    /// Whether deserializing refuses members that are not claims of the type
    /// (`#[serde(deny_unknown_fields)]`); serde ignores them otherwise.
    pub fn denies_unknown_fields(&self) -> bool {
        self.deny_unknown_fields
    }

    #[doc(hidden)]
    pub const fn __token_type(self, typ: &'static str) -> Self {
        ClaimSchema {
            token_type: Some(typ),
            ..self
        }
    }

    /// The header `typ` tokens of this type carry and verifiers of it require (client tokens:
    /// `at+jwt`, RFC 9068); `None` for end-user tokens, which carry none and whose verifiers
    /// refuse any `typ` but `JWT`. It keeps the kinds of flat tokens apart.
    pub fn token_type(&self) -> Option<&'static str> {
        self.token_type
    }

    #[doc(hidden)]
    pub const fn __flat(self) -> Self {
        ClaimSchema {
            profile: Profile::Flat,
            ..self
        }
    }

    /// Where the claims sit in a token.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// Whether tokens of anonymous sessions verify into this type (`#[claims(anonymous)]`).
    pub fn admits_anonymous(&self) -> bool {
        self.admits_anonymous
    }

    /// The name of the Rust type the schema describes.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// Every claim on the wire, in declaration order. Fields serde skips when serializing
    /// are not claims and are not listed.
    pub fn fields(&self) -> &'static [FieldSchema] {
        self.fields
    }

    /// The claim with this wire name.
    pub fn field(&self, wire_name: &str) -> Option<&'static FieldSchema> {
        self.fields
            .iter()
            .find(|field| field.wire_name == wire_name)
    }

    /// The wire names, in declaration order.
    pub fn wire_names(&self) -> impl Iterator<Item = &'static str> {
        self.fields.iter().map(|field| field.wire_name)
    }
}

/// A table of the claims: wire name, Rust type, JSON type, whether a token must carry it, and
/// its rules, under a line naming the type and where its claims sit.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use statebacked_claims::Claims;
///
/// #[derive(Serialize, Deserialize, Claims)]
/// struct Viewer {
///     #[claim(validate(length(min = 1, max = 128)))]
///     sub: String,
///     #[serde(default)]
///     groups: Vec<String>,
/// }
///
/// assert_eq!(
///     Viewer::schema().to_string(),
///     "Viewer: claims in `act`
///   sub     String       string           required  length(min = 1, max = 128)
///   groups  Vec<String>  array of string  optional"
/// );
/// ```
impl fmt::Display for ClaimSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = match self.profile() {
            Profile::StateBacked => "claims in `act`",
            Profile::Flat => "claims beside the registered claims",
        };
        write!(f, "{}: {place}", self.type_name())?;
        if self.admits_anonymous() {
            f.write_str("; admits anonymous sessions")?;
        }
        let rows: Vec<[String; 5]> = self
            .fields()
            .iter()
            .map(|field| {
                let rules: Vec<String> = field.rules().iter().map(ToString::to_string).collect();
                let mut notes = rules.join(", ");
                for (flag, note) in [
                    (field.is_anonymous(), "anonymous"),
                    (field.is_sensitive(), "sensitive"),
                ] {
                    if flag {
                        notes = if notes.is_empty() {
                            note.to_owned()
                        } else {
                            format!("{notes}, {note}")
                        };
                    }
                }
                [
                    field.wire_name().to_owned(),
                    field.rust_type().to_owned(),
                    field.claim_type().to_string(),
                    if field.is_required() {
                        "required"
                    } else {
                        "optional"
                    }
                    .to_owned(),
                    notes,
                ]
            })
            .collect();
        let width = |column: usize| {
            rows.iter()
                .map(|row| row[column].chars().count())
                .max()
                .unwrap_or(0)
        };
        let widths = [width(0), width(1), width(2), width(3)];
        for row in &rows {
            let mut line = String::from("  ");
            for (column, cell) in row.iter().enumerate().take(4) {
                line.push_str(cell);
                line.extend(std::iter::repeat_n(
                    ' ',
                    widths[column] - cell.chars().count() + 2,
                ));
            }
            line.push_str(&row[4]);
            write!(f, "\n{}", line.trim_end())?;
        }
        Ok(())
    }
}

/// One claim of a [`ClaimSchema`].
#[derive(Debug)]
#[non_exhaustive]
pub struct FieldSchema {
    rust_name: &'static str,
    wire_name: &'static str,
    rust_type: &'static str,
    claim_type: ClaimType,
    required: bool,
    anonymous: bool,
    sensitive: bool,
    rules: &'static [Rule],
    sources: &'static [Source],
    split: Option<&'static str>,
    nested: Option<fn() -> &'static ClaimSchema>,
}

impl FieldSchema {
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)] // called only by generated code, one argument per field
    pub const fn __new(
        rust_name: &'static str,
        wire_name: &'static str,
        rust_type: &'static str,
        claim_type: ClaimType,
        required: bool,
        anonymous: bool,
        sensitive: bool,
        rules: &'static [Rule],
    ) -> Self {
        FieldSchema {
            rust_name,
            wire_name,
            rust_type,
            claim_type,
            required,
            anonymous,
            sensitive,
            rules,
            sources: &[],
            split: None,
            nested: None,
        }
    }

    #[doc(hidden)]
    pub const fn __nested(self, schema: fn() -> &'static ClaimSchema) -> Self {
        FieldSchema {
            nested: Some(schema),
            ..self
        }
    }

    /// The schema of the `Claims` type a `#[claim(nested)]` claim holds (through an `Option`
    /// and a collection): the [`ClaimType::Named`] in its [`claim_type`](Self::claim_type).
    /// `None` for other claims, and for a nested type that names one of the outer type's
    /// generic parameters or `Self`, whose schema the derive cannot record.
    ///
    /// ```
    /// use serde::{Deserialize, Serialize};
    /// use statebacked_claims::Claims;
    ///
    /// #[derive(Serialize, Deserialize, Claims)]
    /// struct Address {
    ///     zip: String,
    /// }
    ///
    /// #[derive(Serialize, Deserialize, Claims)]
    /// struct Viewer {
    ///     #[claim(nested)]
    ///     home: Option<Address>,
    /// }
    ///
    /// let home = Viewer::schema().field("home").and_then(|f| f.nested_schema());
    /// assert_eq!(home.map(|s| s.type_name()), Some("Address"));
    /// ```
    pub fn nested_schema(&self) -> Option<&'static ClaimSchema> {
        self.nested.map(|schema| schema())
    }

    #[doc(hidden)]
    pub const fn __from(self, sources: &'static [Source]) -> Self {
        FieldSchema { sources, ..self }
    }

    #[doc(hidden)]
    pub const fn __split(self, separator: &'static str) -> Self {
        FieldSchema {
            split: Some(separator),
            ..self
        }
    }

    /// Where the claim comes from in identity-provider tokens (`#[claim(from ...)]`); empty
    /// when it is read from the claim of its own name.
    pub fn sources(&self) -> &'static [Source] {
        self.sources
    }

    /// The separator of a delimited string that may fill this list of strings
    /// (`#[claim(split = " ")]`).
    pub fn split(&self) -> Option<&'static str> {
        self.split
    }

    /// Whether validation messages leave the value out (`#[claim(sensitive)]`).
    pub fn is_sensitive(&self) -> bool {
        self.sensitive
    }

    /// The claim's validation rules, in the order written (`nested` last).
    pub fn rules(&self) -> &'static [Rule] {
        self.rules
    }

    /// Whether an anonymous session fills this claim (`#[claim(anonymous)]`: `sid` or `did`).
    pub fn is_anonymous(&self) -> bool {
        self.anonymous
    }

    /// The Rust field name (raw identifiers without `r#`).
    pub fn rust_name(&self) -> &'static str {
        self.rust_name
    }

    /// The claim's name in the token, as serde writes it.
    pub fn wire_name(&self) -> &'static str {
        self.wire_name
    }

    /// The field's Rust type as written in the source.
    pub fn rust_type(&self) -> &'static str {
        self.rust_type
    }

    /// The claim's JSON shape.
    pub fn claim_type(&self) -> &ClaimType {
        &self.claim_type
    }

    /// Whether a token must carry the claim: `false` for `Option` fields (without
    /// `deserialize_with`), fields with a serde default and fields serde does not deserialize.
    pub fn is_required(&self) -> bool {
        self.required
    }
}

/// The JSON shape of a claim, read from the field's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClaimType {
    /// A JSON string (`String`, `&str`, `Cow<str>`).
    String,
    /// A JSON integer (any Rust integer type).
    Integer,
    /// A JSON number (`f32`, `f64`).
    Number,
    /// `true` or `false`.
    Boolean,
    /// A JSON array of the given items (`Vec`, sets, arrays, slices).
    Array(&'static ClaimType),
    /// A JSON object with string keys and the given values (`HashMap`, `BTreeMap`).
    Map(&'static ClaimType),
    /// The inner type or `null` (`Option`).
    Optional(&'static ClaimType),
    /// Any JSON value (`serde_json::Value`).
    Any,
    /// Another type, by name: a nested struct or a type parameter.
    Named(&'static str),
}

impl fmt::Display for ClaimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClaimType::String => f.write_str("string"),
            ClaimType::Integer => f.write_str("integer"),
            ClaimType::Number => f.write_str("number"),
            ClaimType::Boolean => f.write_str("boolean"),
            ClaimType::Array(item) => write!(f, "array of {item}"),
            ClaimType::Map(value) => write!(f, "map of {value}"),
            ClaimType::Optional(inner) => write!(f, "{inner} or null"),
            ClaimType::Any => f.write_str("any"),
            ClaimType::Named(name) => f.write_str(name),
        }
    }
}

/// Where a claim comes from in an identity-provider token: `#[claim(from = "…")]`, or
/// `#[claim(from(provider = "…", path = "…"))]` for one provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    provider: Option<&'static str>,
    path: &'static str,
}

impl Source {
    #[doc(hidden)]
    pub const fn __new(provider: Option<&'static str>, path: &'static str) -> Self {
        Source { provider, path }
    }

    /// The provider this source is for; `None` for every provider.
    pub fn provider(&self) -> Option<&'static str> {
        self.provider
    }

    /// The JSONPath (RFC 9535).
    pub fn path(&self) -> &'static str {
        self.path
    }
}
