//! What both documents read: the object types a document describes and their names, what a
//! value's rules say ([`Constraints`]), and the insertion-ordered JSON ([`Json`]) that the
//! JSON Schema is built of and that TypeScript literals are written in.

use crate::schema::{ClaimSchema, ClaimType};
use crate::validate::{Bound, Choice, Rule};

/// The object types one document describes: the root first, then every nested type it
/// reaches, in the order they are reached, each under a name of its own.
pub(super) struct Types<'a> {
    entries: Vec<(&'a ClaimSchema, String)>,
    /// Names taken besides the entries' (`ViewerAuthContext`).
    reserved: Vec<String>,
    /// Whether a claim refers to the root type (a type that nests itself).
    root_referenced: bool,
}

impl<'a> Types<'a> {
    pub(super) fn new(root: &'a ClaimSchema, reserved: &[String]) -> Self {
        let mut types = Types {
            entries: Vec::new(),
            reserved: reserved.to_vec(),
            root_referenced: false,
        };
        let name = types.unique(ts_type_name(root.type_name()));
        types.entries.push((root, name));
        types
    }

    pub(super) fn get(&self, index: usize) -> Option<(&'a ClaimSchema, String)> {
        self.entries
            .get(index)
            .map(|(schema, name)| (*schema, name.clone()))
    }

    pub(super) fn root_name(&self) -> &str {
        self.entries.first().map_or("", |(_, name)| name)
    }

    /// The index of `schema`, which is added when it is new. Schemas are told apart by
    /// address: the derive's are statics, one per type.
    pub(super) fn index_of(&mut self, schema: &'a ClaimSchema) -> usize {
        if let Some(index) = self
            .entries
            .iter()
            .position(|(known, _)| std::ptr::eq(*known, schema))
        {
            self.root_referenced |= index == 0;
            return index;
        }
        let name = self.unique(ts_type_name(schema.type_name()));
        self.entries.push((schema, name));
        self.entries.len() - 1
    }

    pub(super) fn name_of(&mut self, schema: &'a ClaimSchema) -> String {
        let index = self.index_of(schema);
        self.get(index).map(|(_, name)| name).unwrap_or_default()
    }

    /// Whether a claim refers to the root type (a type that nests itself).
    pub(super) fn root_referenced(&self) -> bool {
        self.root_referenced
    }

    /// `base`, or `base_2`, `base_3`, … when it is taken.
    fn unique(&self, base: String) -> String {
        let taken = |name: &str| {
            self.entries.iter().any(|(_, taken)| taken == name)
                || self.reserved.iter().any(|taken| taken == name)
        };
        if !taken(&base) {
            return base;
        }
        (2_usize..)
            .map(|n| format!("{base}_{n}"))
            .find(|name| !taken(name))
            .unwrap_or(base)
    }
}

/// What a value's rules can apply to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    String,
    Integer,
    Number,
    Collection,
    Map,
    Other,
}

impl Kind {
    pub(super) fn of(ty: &ClaimType) -> Kind {
        match ty {
            ClaimType::Optional(inner) => Kind::of(inner),
            ClaimType::String => Kind::String,
            ClaimType::Integer => Kind::Integer,
            ClaimType::Number => Kind::Number,
            ClaimType::Array(_) => Kind::Collection,
            ClaimType::Map(_) => Kind::Map,
            ClaimType::Boolean | ClaimType::Any | ClaimType::Named(_) => Kind::Other,
        }
    }

    /// The keywords that bound a length: characters, items or members.
    pub(super) fn length_keywords(self) -> Option<(&'static str, &'static str)> {
        match self {
            Kind::String => Some(("minLength", "maxLength")),
            Kind::Collection => Some(("minItems", "maxItems")),
            Kind::Map => Some(("minProperties", "maxProperties")),
            _ => None,
        }
    }
}

/// What a value's rules say, in the terms of JSON Schema; rules that do not fit the value's
/// kind (which the derive refuses) are ignored.
#[derive(Default)]
pub(super) struct Constraints {
    pub(super) min_len: Option<u64>,
    pub(super) max_len: Option<u64>,
    pub(super) minimum: Option<serde_json::Number>,
    pub(super) maximum: Option<serde_json::Number>,
    pub(super) choices: Vec<Json>,
    pub(super) formats: Vec<&'static str>,
    pub(super) patterns: Vec<String>,
    pub(super) custom: Vec<&'static str>,
    /// The rules of `each(...)`, for the items.
    pub(super) each: Vec<Rule>,
}

impl Constraints {
    pub(super) fn of(kind: Kind, rules: &[Rule]) -> Constraints {
        let mut found = Constraints::default();
        let sized = kind.length_keywords().is_some();
        for rule in rules {
            match *rule {
                Rule::NonEmpty if sized => found.at_least(1),
                Rule::Length { min, max } if sized => {
                    if let Some(min) = min {
                        found.at_least(min);
                    }
                    if let Some(max) = max {
                        found.max_len = Some(found.max_len.map_or(max, |m| m.min(max)));
                    }
                }
                Rule::Range { min, max } if matches!(kind, Kind::Integer | Kind::Number) => {
                    found.minimum = min.and_then(bound);
                    found.maximum = max.and_then(bound);
                }
                Rule::Email if kind == Kind::String => found.formats.push("email"),
                Rule::Url if kind == Kind::String => found.formats.push("uri"),
                Rule::Regex(pattern) if kind == Kind::String => {
                    found.patterns.push(pattern.to_owned())
                }
                Rule::Prefix(prefix) if kind == Kind::String => {
                    found.patterns.push(format!("^{}", ecma_escape(prefix)))
                }
                Rule::OneOf(choices) => {
                    found.choices = choices
                        .iter()
                        .filter_map(|choice| match (*choice, kind) {
                            (Choice::Str(s), Kind::String) => Some(Json::from(s)),
                            (Choice::Int(i), Kind::Integer) => int(i).map(Json::Number),
                            _ => None,
                        })
                        .collect();
                }
                Rule::Each(inner) if kind == Kind::Collection => {
                    found.each.extend_from_slice(inner)
                }
                Rule::Custom(path) => found.custom.push(path),
                _ => {}
            }
        }
        found
    }

    fn at_least(&mut self, min: u64) {
        self.min_len = Some(self.min_len.map_or(min, |m| m.max(min)));
    }
}

/// A `range` bound as a JSON number; `None` for a float JSON cannot write.
fn bound(bound: Bound) -> Option<serde_json::Number> {
    match bound {
        Bound::Int(i) => int(i),
        Bound::Float(f) => serde_json::Number::from_f64(f),
    }
}

fn int(i: i128) -> Option<serde_json::Number> {
    serde_json::Number::from_i128(i)
        // Beyond 64 bits: the nearest double, which is what a JavaScript reader sees anyway.
        .or_else(|| serde_json::Number::from_f64(i as f64))
}

/// `text` as an ECMA-262 (and `regex` crate) pattern that matches it literally: syntax
/// characters escaped, which both dialects allow with and without the `u` flag.
fn ecma_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '^' | '$' | '\\' | '.' | '*' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Words TypeScript does not accept as a type's name.
const TS_RESERVED: &[&str] = &[
    "any",
    "await",
    "bigint",
    "boolean",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "never",
    "new",
    "null",
    "number",
    "object",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "static",
    "string",
    "super",
    "switch",
    "symbol",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "undefined",
    "unknown",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

/// A Rust type's name as a TypeScript type name: the name of its `export type`, and its key
/// under `$defs`.
pub(super) fn ts_type_name(rust: &str) -> String {
    let rust = rust.strip_prefix("r#").unwrap_or(rust);
    let mut name: String = rust
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '$' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_numeric()) {
        name.insert(0, '_');
    }
    if TS_RESERVED.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

/// JSON whose objects keep their members in the order they were inserted, whatever
/// serde_json's features, so a schema reads in declaration order.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Json {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Json>),
    Object(Obj),
}

/// A JSON object's members, in insertion order.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Obj(Vec<(String, Json)>);

impl Obj {
    /// Sets `key`, in its place when it is there already, else last.
    pub(super) fn insert(&mut self, key: &str, value: impl Into<Json>) {
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some((_, slot)) => *slot = value,
            None => self.0.push((key.to_owned(), value)),
        }
    }

    pub(super) fn insert_first(&mut self, key: &str, value: impl Into<Json>) {
        self.0.retain(|(k, _)| k != key);
        self.0.insert(0, (key.to_owned(), value.into()));
    }

    pub(super) fn with(mut self, key: &str, value: impl Into<Json>) -> Obj {
        self.insert(key, value);
        self
    }

    pub(super) fn extend(&mut self, other: Obj) {
        for (key, value) in other.0 {
            self.insert(&key, value);
        }
    }

    pub(super) fn get_mut(&mut self, key: &str) -> Option<&mut Json> {
        self.0.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub(super) fn contains_key(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Obj> for Json {
    fn from(obj: Obj) -> Json {
        Json::Object(obj)
    }
}

impl From<&str> for Json {
    fn from(s: &str) -> Json {
        Json::String(s.to_owned())
    }
}

impl From<String> for Json {
    fn from(s: String) -> Json {
        Json::String(s)
    }
}

impl From<bool> for Json {
    fn from(b: bool) -> Json {
        Json::Bool(b)
    }
}

impl From<u64> for Json {
    fn from(n: u64) -> Json {
        Json::Number(n.into())
    }
}

/// Serialized in insertion order, as serde_json writes any map a `Serialize` gives it: its
/// own writer, compact or pretty, and its own escaping.
impl serde::Serialize for Json {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => serializer.serialize_unit(),
            Json::Bool(b) => serializer.serialize_bool(*b),
            Json::Number(n) => n.serialize(serializer),
            Json::String(s) => serializer.serialize_str(s),
            Json::Array(items) => serializer.collect_seq(items),
            Json::Object(obj) => serializer.collect_map(obj.0.iter().map(|(k, v)| (k, v))),
        }
    }
}

impl Json {
    /// Compact JSON text: a string's or a number's is also its TypeScript literal. Strings
    /// as keys and finite numbers cannot fail to serialize.
    pub(super) fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_become_escaped_anchored_patterns() {
        assert_eq!(ecma_escape("org_"), "org_");
        assert_eq!(
            ecma_escape("a.b*(c)[d]{e}|f+g?h^i$j\\k"),
            r"a\.b\*\(c\)\[d\]\{e\}\|f\+g\?h\^i\$j\\k"
        );
        for prefix in ["a.b", "(x)", "$1", "x\\y", "[z]"] {
            let re = regex::Regex::new(&format!("^{}", ecma_escape(prefix))).unwrap();
            assert!(re.is_match(&format!("{prefix}tail")), "{prefix}");
            assert!(!re.is_match(&format!("x{prefix}")), "{prefix}");
        }
    }

    #[test]
    fn type_names_are_typescript_names() {
        assert_eq!(ts_type_name("Viewer"), "Viewer");
        assert_eq!(ts_type_name("r#Type"), "Type");
        assert_eq!(ts_type_name("string"), "string_");
        assert_eq!(ts_type_name(""), "_");
    }

    #[test]
    fn json_text_keeps_insertion_order() {
        // Not sorted, with or without serde_json's `preserve_order`.
        let tree = Json::from(
            Obj::default()
                .with(
                    "b",
                    Json::Array(vec![1_u64.into(), Json::Null, true.into()]),
                )
                .with("a", "quote \" backslash \\")
                .with("empty", Obj::default()),
        );
        assert_eq!(
            tree.to_text(),
            r#"{"b":[1,null,true],"a":"quote \" backslash \\","empty":{}}"#
        );
    }
}
