//! `ClaimSchema` as JSON Schema (draft 2020-12) and as a TypeScript declaration, so the
//! JavaScript authorizers of `@statebacked/machine` (whose `authContext` is the token's `act`
//! claim) share the type the Rust side signs and verifies. What each rule, profile and option
//! becomes is documented on [`ClaimSchema::json_schema`], where users see it.

use crate::claims::{ClaimSchema, ClaimType, FieldSchema, Profile};
use crate::validate::{Bound, Choice, Rule};
use serde_json::Value;
use std::fmt::Write as _;

/// The dialect of the JSON Schemas [`ClaimSchema::json_schema`] writes.
const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

/// The member that marks an anonymous session's `act`, and that no other `act` may carry.
const AUTH: &str = "auth";

impl ClaimSchema {
    /// The claims as a JSON Schema (draft 2020-12): an object with the claims' wire names as
    /// `properties` and the required ones as `required`, with the rules JSON Schema can say.
    ///
    /// Members are inserted in declaration order, which serde_json keeps with its
    /// `preserve_order` feature (and sorts otherwise); `required` is always in declaration
    /// order.
    ///
    /// # What it says
    ///
    /// This schema and [`typescript`](Self::typescript) describe what a
    /// [`Verifier`](crate::Verifier) accepts as the claims (`act`, or the claims set in the flat
    /// profile), in wire names:
    ///
    /// - **Unknown members.** serde ignores members that are not fields, and so does the
    ///   verifier, so objects are open (no `additionalProperties`) unless the type has
    ///   `#[serde(deny_unknown_fields)]`, which makes them closed (`"additionalProperties":
    ///   false`). In the State Backed profile `act.auth` is reserved for anonymous sessions: the
    ///   verifier refuses a user's claims that carry it, so the JSON Schema says
    ///   `"not": {"required": ["auth"]}`.
    /// - **Anonymous sessions.** For a `#[claims(anonymous)]` type the JSON Schema is a `oneOf`
    ///   of the claims object and the anonymous session's `{"sid", "did", "auth": "anonymous"}`
    ///   (all three required, `sid` and `did` non-empty strings, nothing else); the two cannot
    ///   both match, since only the second has `auth`. The TypeScript declaration adds
    ///   `<Name>AuthContext`, the same union, with `auth?: never` on the claims side so that
    ///   `tsc` tells the two apart.
    /// - **The flat profile** (`#[claims(profile = "flat")]`): the schema describes the type's
    ///   own claims only. The registered claims (`iss`, `aud`, `exp`, `nbf`, `iat`, `jti`) sit
    ///   beside them in the claims set and are not described; the object is always open, so a
    ///   whole claims set validates against it.
    /// - **Nested types** (`#[claim(nested)]`) are described once each, under `$defs` and `$ref`
    ///   in JSON Schema and as their own `export type` in TypeScript. A type that nests itself
    ///   refers to itself. A field of a type that is not marked `nested`, or whose nested type
    ///   names a generic parameter or `Self`, is any JSON value: `{}` and `unknown`.
    /// - **Optional claims** (`Option<T>`, serde defaults) are not `required` (`?` in
    ///   TypeScript); an `Option<T>` claim may also be `null`, as serde writes `None`.
    ///
    /// # Rules
    ///
    /// Rules map to the keywords that say the same thing: `length` and `non_empty` to
    /// `minLength`/`maxLength` for strings (both count Unicode code points, as the rule counts
    /// `char`s), `minItems`/`maxItems` for collections and `minProperties`/`maxProperties` for
    /// maps; `range` to `minimum`/`maximum`; `one_of` to `enum` (a union of literal types in
    /// TypeScript); `email` and `url` to `format: "email"` and `format: "uri"`; `prefix` to a
    /// `pattern` anchored with `^` and escaped; `regex` to `pattern`; `each` to `items`. Some are
    /// approximations, and none is checked by `tsc`, which sees them as JSDoc tags:
    ///
    /// - `format` is an annotation unless the validator is told to assert formats, and the
    ///   validator's idea of an email address (RFC 5321) or a URI (RFC 3986) is close to, not
    ///   the same as, the `email_address` and `url` (WHATWG) crates' that the Rust rules use.
    /// - `pattern` is an ECMA-262 regular expression; the Rust rule uses the `regex` crate. Both
    ///   search anywhere in the string unless anchored, and the common syntax means the same,
    ///   but `\d`, `\w` and `\b` are Unicode-aware in Rust and ASCII-only in ECMA-262, and
    ///   Rust-only syntax (inline flags such as `(?i)`, `\A`, `\z`, `(?P<n>…)`, POSIX classes
    ///   such as `[[:alpha:]]`) may not compile, or may mean something else, in a JavaScript
    ///   validator. The pattern is written as given: keep the `regex` rules of shared
    ///   types to the common syntax.
    /// - `custom` rules cannot be said: they are left out, with a `$comment` (and an `@custom`
    ///   JSDoc tag) naming the function.
    /// - Integer claims are `"type": "integer"` and TypeScript `number`; the range of the Rust
    ///   integer type (`u8`: 0 to 255) is not recorded, so it is not said unless a `range` rule
    ///   says it. The length of a fixed-size array is not recorded either.
    ///
    /// # Example
    ///
    /// ```
    /// use serde::{Deserialize, Serialize};
    /// use serde_json::json;
    /// use statebacked_claims::Claims;
    ///
    /// #[derive(Serialize, Deserialize, Claims)]
    /// #[serde(rename_all = "camelCase")]
    /// struct Viewer {
    ///     #[claim(validate(length(min = 1, max = 128)))]
    ///     sub: String,
    ///     #[serde(default)]
    ///     #[claim(validate(each(one_of("admin", "member"))))]
    ///     roles: Vec<String>,
    ///     display_name: Option<String>,
    /// }
    ///
    /// assert_eq!(
    ///     Viewer::schema().json_schema(),
    ///     json!({
    ///         "$schema": "https://json-schema.org/draft/2020-12/schema",
    ///         "title": "Viewer",
    ///         "type": "object",
    ///         "properties": {
    ///             "sub": {"type": "string", "minLength": 1, "maxLength": 128},
    ///             "roles": {
    ///                 "type": "array",
    ///                 "items": {"type": "string", "enum": ["admin", "member"]}
    ///             },
    ///             "displayName": {"type": ["string", "null"]}
    ///         },
    ///         "required": ["sub"],
    ///         "not": {"required": ["auth"]}
    ///     })
    /// );
    /// ```
    pub fn json_schema(&self) -> Value {
        serde_json::to_value(self.json_tree()).unwrap_or_default()
    }

    /// The [JSON Schema](Self::json_schema) as pretty-printed JSON text (two-space indents,
    /// a final newline), its members in declaration order whatever serde_json's features:
    /// what to write to a `.schema.json` file.
    ///
    /// ```
    /// use serde::{Deserialize, Serialize};
    /// use statebacked_claims::Claims;
    ///
    /// #[derive(Serialize, Deserialize, Claims)]
    /// #[claims(profile = "flat")]
    /// struct Service {
    ///     #[claim(validate(prefix = "svc_"))]
    ///     service: String,
    ///     #[serde(default)]
    ///     tier: u8,
    /// }
    ///
    /// assert_eq!(
    ///     Service::schema().json_schema_pretty(),
    ///     r#"{
    ///   "$schema": "https://json-schema.org/draft/2020-12/schema",
    ///   "title": "Service",
    ///   "type": "object",
    ///   "properties": {
    ///     "service": {
    ///       "type": "string",
    ///       "pattern": "^svc_"
    ///     },
    ///     "tier": {
    ///       "type": "integer"
    ///     }
    ///   },
    ///   "required": [
    ///     "service"
    ///   ]
    /// }
    /// "#
    /// );
    /// ```
    pub fn json_schema_pretty(&self) -> String {
        let mut out = serde_json::to_string_pretty(&self.json_tree()).unwrap_or_default();
        out.push('\n');
        out
    }

    fn json_tree(&self) -> Json {
        let state_backed = self.profile() == Profile::StateBacked;
        let mut types = Types::new(self, &[]);
        // The flat profile's claims set also holds the registered claims: never closed.
        let object = object_schema(self, &mut types, state_backed);
        let mut defs = Obj::default();
        let mut next = 1;
        while let Some((schema, name)) = types.get(next) {
            let mut def = Obj::default().with("title", schema.type_name());
            def.extend(object_schema(schema, &mut types, true));
            defs.insert(&name, def);
            next += 1;
        }
        // A type that nests itself is referred to, so it is a definition too.
        let mut claims = if types.root_referenced {
            defs.insert_first(types.root_name(), object);
            Obj::default().with("$ref", types.reference(0))
        } else {
            object
        };
        if state_backed && !self.denies_unknown_fields() {
            claims.insert(
                "not",
                Obj::default().with("required", Json::Array(vec![AUTH.into()])),
            );
        }

        let mut out = Obj::default()
            .with("$schema", DRAFT_2020_12)
            .with("title", self.type_name());
        if state_backed && self.admits_anonymous() {
            out.insert(
                "oneOf",
                Json::Array(vec![claims.into(), anonymous_session()]),
            );
        } else {
            out.extend(claims);
        }
        if !defs.is_empty() {
            out.insert("$defs", defs);
        }
        Json::Object(out)
    }

    /// The claims as TypeScript declarations: `export type <Name> = { … }` with the claims'
    /// wire names (quoted where they are not identifiers), `?` on optional claims, `| null`
    /// on `Option` claims, literal unions for `one_of`, one `export type` per nested type
    /// and JSDoc tags (`/** @minLength 1 */`) for the rules TypeScript cannot check. In the
    /// State Backed profile it adds `<Name>AuthContext`, the type of `authContext` in
    /// `@statebacked/machine` authorizers: the claims, or for a `#[claims(anonymous)]` type
    /// either the claims or an anonymous session's `{ sid, did, auth: "anonymous" }`.
    ///
    /// What it says is what [`json_schema`](Self::json_schema) says, less what TypeScript
    /// cannot check, which is in the JSDoc tags. Names are the Rust type names, made unique
    /// (`Address_2`) where two differ only in their module, and with `_` after a TypeScript
    /// reserved word. Integers are `number`, `serde_json::Value` is `unknown`.
    ///
    /// ```
    /// use serde::{Deserialize, Serialize};
    /// use statebacked_claims::Claims;
    ///
    /// #[derive(Serialize, Deserialize, Claims)]
    /// #[claims(anonymous)]
    /// struct Viewer {
    ///     #[claim(anonymous)]
    ///     sid: Option<String>,
    ///     #[claim(anonymous)]
    ///     did: Option<String>,
    ///     #[claim(validate(email))]
    ///     email: Option<String>,
    /// }
    ///
    /// assert_eq!(
    ///     Viewer::schema().typescript(),
    ///     r#"/** The claims of the Rust type `Viewer`. */
    /// export type Viewer = {
    ///   sid?: string | null;
    ///   did?: string | null;
    ///   /** @format email */
    ///   email?: string | null;
    /// };
    ///
    /// /** `authContext` in authorizers: a `Viewer`, or an anonymous session. */
    /// export type ViewerAuthContext =
    ///   | (Viewer & { auth?: never })
    ///   | {
    ///       /** @minLength 1 */
    ///       sid: string;
    ///       /** @minLength 1 */
    ///       did: string;
    ///       auth: "anonymous";
    ///     };
    /// "#
    /// );
    /// ```
    pub fn typescript(&self) -> String {
        let root = ts_type_name(self.type_name());
        let auth_context = format!("{root}AuthContext");
        let state_backed = self.profile() == Profile::StateBacked;
        let reserved = if state_backed {
            vec![auth_context.clone()]
        } else {
            Vec::new()
        };
        let mut types = Types::new(self, &reserved);
        let root = types.root_name().to_owned();
        let mut out = String::new();
        let mut next = 0;
        while let Some((schema, name)) = types.get(next) {
            if next > 0 {
                out.push('\n');
            }
            let what = if next == 0 && !state_backed {
                format!(
                    "The claims of the Rust type `{}`, at the top level of the claims set \
                     beside the registered claims (`iss`, `aud`, `exp`, …), which it leaves \
                     out.",
                    doc_text(schema.type_name())
                )
            } else {
                format!(
                    "The claims of the Rust type `{}`.",
                    doc_text(schema.type_name())
                )
            };
            let _ = writeln!(out, "/** {what} */");
            let _ = write!(out, "export type {name} = ");
            ts_object(&mut out, schema, &mut types);
            out.push_str(";\n");
            if next == 0 && state_backed {
                out.push('\n');
                if self.admits_anonymous() {
                    let _ = writeln!(
                        out,
                        "/** `authContext` in authorizers: a `{}`, or an anonymous session. */",
                        doc_text(self.type_name())
                    );
                    let _ = writeln!(out, "export type {auth_context} =");
                    let _ = writeln!(out, "  | ({root} & {{ auth?: never }})");
                    out.push_str(
                        "  | {\n      /** @minLength 1 */\n      sid: string;\n      \
                         /** @minLength 1 */\n      did: string;\n      \
                         auth: \"anonymous\";\n    };\n",
                    );
                } else {
                    let _ = writeln!(
                        out,
                        "/** `authContext` in authorizers: a `{}`. */",
                        doc_text(self.type_name())
                    );
                    let _ = writeln!(out, "export type {auth_context} = {root};");
                }
            }
            next += 1;
        }
        out
    }
}

/// The object types one document describes: the root first, then every nested type it
/// reaches, in the order they are reached, each under a name of its own.
struct Types<'a> {
    entries: Vec<(&'a ClaimSchema, String)>,
    /// Names taken besides the entries' (`ViewerAuthContext`).
    reserved: Vec<String>,
    /// Whether a claim refers to the root type (a type that nests itself).
    root_referenced: bool,
}

impl<'a> Types<'a> {
    fn new(root: &'a ClaimSchema, reserved: &[String]) -> Self {
        let mut types = Types {
            entries: Vec::new(),
            reserved: reserved.to_vec(),
            root_referenced: false,
        };
        let name = types.unique(ts_type_name(root.type_name()));
        types.entries.push((root, name));
        types
    }

    fn get(&self, index: usize) -> Option<(&'a ClaimSchema, String)> {
        self.entries
            .get(index)
            .map(|(schema, name)| (*schema, name.clone()))
    }

    fn root_name(&self) -> &str {
        self.entries.first().map_or("", |(_, name)| name)
    }

    /// The index of `schema`, which is added when it is new. Schemas are told apart by
    /// address: the derive's are statics, one per type.
    fn index_of(&mut self, schema: &'a ClaimSchema) -> usize {
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

    fn name_of(&mut self, schema: &'a ClaimSchema) -> String {
        let index = self.index_of(schema);
        self.get(index).map(|(_, name)| name).unwrap_or_default()
    }

    /// `#/$defs/<name>`, the name escaped for a JSON Pointer in a URI fragment.
    fn reference(&self, index: usize) -> String {
        let name = self.get(index).map(|(_, name)| name).unwrap_or_default();
        let mut out = String::from("#/$defs/");
        for byte in name.bytes() {
            match byte {
                b'~' => out.push_str("~0"),
                b'/' => out.push_str("~1"),
                b if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'-' | b'.') => {
                    out.push(char::from(b))
                }
                b => {
                    let _ = write!(out, "%{b:02X}");
                }
            }
        }
        out
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

/// The JSON Schema of a claims object; closed when serde refuses unknown members and
/// `may_close` (the flat profile's claims set also holds the registered claims).
fn object_schema<'a>(schema: &'a ClaimSchema, types: &mut Types<'a>, may_close: bool) -> Obj {
    let mut properties = Obj::default();
    let mut required = Vec::new();
    for field in schema.fields() {
        properties.insert(field.wire_name(), field_schema(field, types));
        if field.is_required() {
            required.push(field.wire_name().into());
        }
    }
    let mut out = Obj::default().with("type", "object");
    if !properties.is_empty() {
        out.insert("properties", properties);
    }
    if !required.is_empty() {
        out.insert("required", Json::Array(required));
    }
    if may_close && schema.denies_unknown_fields() {
        out.insert("additionalProperties", false);
    }
    out
}

fn field_schema<'a>(field: &'static FieldSchema, types: &mut Types<'a>) -> Obj {
    value_schema(
        field.claim_type(),
        field.rules(),
        field.nested_schema(),
        types,
    )
}

/// The JSON Schema of a value of type `ty` that must pass `rules`.
fn value_schema<'a>(
    ty: &ClaimType,
    rules: &[Rule],
    nested: Option<&'static ClaimSchema>,
    types: &mut Types<'a>,
) -> Obj {
    let mut out = Obj::default();
    let json_type = match ty {
        ClaimType::Optional(inner) => return nullable(value_schema(inner, rules, nested, types)),
        ClaimType::String => Some("string"),
        ClaimType::Integer => Some("integer"),
        ClaimType::Number => Some("number"),
        ClaimType::Boolean => Some("boolean"),
        ClaimType::Array(_) => Some("array"),
        ClaimType::Map(_) => Some("object"),
        ClaimType::Any => None,
        ClaimType::Named(_) => {
            if let Some(schema) = nested {
                let index = types.index_of(schema);
                out.insert("$ref", types.reference(index));
            }
            None
        }
    };
    if let Some(json_type) = json_type {
        out.insert("type", json_type);
    }
    // Not before the `Optional` case above, which starts over with the inner type.
    let kind = Kind::of(ty);
    let found = Constraints::of(kind, rules);
    found.write_json(kind, &mut out);
    match ty {
        ClaimType::Array(item) => {
            let items = value_schema(item, &found.each, nested, types);
            if !items.is_empty() {
                out.insert("items", items);
            }
        }
        ClaimType::Map(value) => {
            let values = value_schema(value, &[], nested, types);
            if !values.is_empty() {
                out.insert("additionalProperties", values);
            }
        }
        _ => {}
    }
    found.write_comment(&mut out);
    out
}

/// `schema`, or `null`.
fn nullable(mut schema: Obj) -> Obj {
    if schema.contains_key("$ref") {
        return Obj::default().with(
            "anyOf",
            Json::Array(vec![
                schema.into(),
                Obj::default().with("type", "null").into(),
            ]),
        );
    }
    match schema.get_mut("type") {
        Some(Json::String(ty)) if ty != "null" => {
            let ty = Json::String(std::mem::take(ty));
            schema.insert("type", Json::Array(vec![ty, "null".into()]));
        }
        Some(Json::Array(types)) if !types.contains(&"null".into()) => {
            types.push("null".into());
        }
        // Only annotations (every value passes already), or `null` already.
        _ => {}
    }
    if let Some(Json::Array(choices)) = schema.get_mut("enum")
        && !choices.contains(&Json::Null)
    {
        choices.push(Json::Null);
    }
    schema
}

/// An anonymous session's `act`, as the verifier accepts it: exactly `sid` and `did`,
/// non-empty strings, and `auth: "anonymous"`.
fn anonymous_session() -> Json {
    let id = || {
        Obj::default()
            .with("type", "string")
            .with("minLength", 1_u64)
    };
    Obj::default()
        .with("type", "object")
        .with(
            "properties",
            Obj::default()
                .with("sid", id())
                .with("did", id())
                .with(AUTH, Obj::default().with("const", "anonymous")),
        )
        .with(
            "required",
            Json::Array(vec!["sid".into(), "did".into(), AUTH.into()]),
        )
        .with("additionalProperties", false)
        .into()
}

/// What a value's rules can apply to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    String,
    Integer,
    Number,
    Collection,
    Map,
    Other,
}

impl Kind {
    fn of(ty: &ClaimType) -> Kind {
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
    fn length_keywords(self) -> Option<(&'static str, &'static str)> {
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
struct Constraints {
    min_len: Option<u64>,
    max_len: Option<u64>,
    minimum: Option<serde_json::Number>,
    maximum: Option<serde_json::Number>,
    choices: Vec<Json>,
    formats: Vec<&'static str>,
    patterns: Vec<String>,
    custom: Vec<&'static str>,
    /// The rules of `each(...)`, for the items.
    each: Vec<Rule>,
}

impl Constraints {
    fn of(kind: Kind, rules: &[Rule]) -> Constraints {
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

    fn write_json(&self, kind: Kind, out: &mut Obj) {
        if !self.choices.is_empty() {
            out.insert("enum", Json::Array(self.choices.clone()));
        }
        if let Some((min_key, max_key)) = kind.length_keywords() {
            if let Some(min) = self.min_len {
                out.insert(min_key, min);
            }
            if let Some(max) = self.max_len {
                out.insert(max_key, max);
            }
        }
        if let Some(minimum) = &self.minimum {
            out.insert("minimum", Json::Number(minimum.clone()));
        }
        if let Some(maximum) = &self.maximum {
            out.insert("maximum", Json::Number(maximum.clone()));
        }
        // One `format` and one `pattern` per schema object: any more go under `allOf`.
        let mut more = Vec::new();
        for (i, format) in self.formats.iter().enumerate() {
            if i == 0 {
                out.insert("format", *format);
            } else {
                more.push(Obj::default().with("format", *format).into());
            }
        }
        for (i, pattern) in self.patterns.iter().enumerate() {
            if i == 0 {
                out.insert("pattern", pattern.as_str());
            } else {
                more.push(Obj::default().with("pattern", pattern.as_str()).into());
            }
        }
        if !more.is_empty() {
            out.insert("allOf", Json::Array(more));
        }
    }

    /// A `$comment` naming the custom rules, which JSON Schema cannot say.
    fn write_comment(&self, out: &mut Obj) {
        if !self.custom.is_empty() {
            let functions: Vec<String> = self.custom.iter().map(|f| format!("`{f}`")).collect();
            out.insert(
                "$comment",
                format!("custom rule {}: checked in Rust only", functions.join(", ")),
            );
        }
    }

    /// JSDoc tags for what TypeScript cannot say (`one_of` is in the type itself).
    fn write_tags(&self, kind: Kind, prefix: &str, tags: &mut Vec<String>) {
        if let Some((min_key, max_key)) = kind.length_keywords() {
            if let Some(min) = self.min_len {
                tags.push(format!("@{prefix}{min_key} {min}"));
            }
            if let Some(max) = self.max_len {
                tags.push(format!("@{prefix}{max_key} {max}"));
            }
        }
        if let Some(minimum) = &self.minimum {
            tags.push(format!("@{prefix}minimum {minimum}"));
        }
        if let Some(maximum) = &self.maximum {
            tags.push(format!("@{prefix}maximum {maximum}"));
        }
        for format in &self.formats {
            tags.push(format!("@{prefix}format {format}"));
        }
        for pattern in &self.patterns {
            tags.push(format!("@{prefix}pattern {}", doc_text(pattern)));
        }
        for function in &self.custom {
            tags.push(format!("@{prefix}custom {}", doc_text(function)));
        }
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

/// The TypeScript of a claims object, its members one per line.
fn ts_object<'a>(out: &mut String, schema: &'a ClaimSchema, types: &mut Types<'a>) {
    if schema.fields().is_empty() {
        out.push_str("{}");
        return;
    }
    out.push_str("{\n");
    for field in schema.fields() {
        let ty = ts_type(
            field.claim_type(),
            field.rules(),
            field.nested_schema(),
            types,
        );
        let mut tags = Vec::new();
        ts_tags(field.claim_type(), field.rules(), "", &mut tags);
        match tags.as_slice() {
            [] => {}
            [tag] => {
                let _ = writeln!(out, "  /** {tag} */");
            }
            tags => {
                out.push_str("  /**\n");
                for tag in tags {
                    let _ = writeln!(out, "   * {tag}");
                }
                out.push_str("   */\n");
            }
        }
        let optional = if field.is_required() { "" } else { "?" };
        let _ = writeln!(
            out,
            "  {}{optional}: {};",
            ts_key(field.wire_name()),
            ty.render()
        );
    }
    out.push('}');
}

/// A TypeScript type, with what it takes to put it in an array.
enum Ts {
    One(String),
    Union(Vec<String>),
}

impl Ts {
    fn render(&self) -> String {
        match self {
            Ts::One(ty) => ty.clone(),
            Ts::Union(members) => members.join(" | "),
        }
    }

    fn array(&self) -> String {
        match self {
            Ts::One(ty) => format!("{ty}[]"),
            Ts::Union(members) => format!("({})[]", members.join(" | ")),
        }
    }

    /// One literal type, or their union.
    fn literals(mut literals: Vec<String>) -> Ts {
        if literals.len() == 1 {
            Ts::One(literals.remove(0))
        } else {
            Ts::Union(literals)
        }
    }
}

fn ts_type<'a>(
    ty: &ClaimType,
    rules: &[Rule],
    nested: Option<&'static ClaimSchema>,
    types: &mut Types<'a>,
) -> Ts {
    let found = Constraints::of(Kind::of(ty), rules);
    match ty {
        ClaimType::Optional(inner) => match ts_type(inner, rules, nested, types) {
            Ts::One(ty) if ty == "unknown" => Ts::One(ty),
            Ts::One(ty) => Ts::Union(vec![ty, "null".into()]),
            Ts::Union(mut members) => {
                if !members.iter().any(|m| m == "null") {
                    members.push("null".into());
                }
                Ts::Union(members)
            }
        },
        ClaimType::String | ClaimType::Integer if !found.choices.is_empty() => {
            // JSON strings and numbers are TypeScript literals.
            Ts::literals(found.choices.iter().map(Json::to_text).collect())
        }
        ClaimType::String => Ts::One("string".into()),
        ClaimType::Integer | ClaimType::Number => Ts::One("number".into()),
        ClaimType::Boolean => Ts::One("boolean".into()),
        ClaimType::Array(item) => Ts::One(ts_type(item, &found.each, nested, types).array()),
        // An index signature rather than `Record`, which a claims type of that name would
        // shadow.
        ClaimType::Map(value) => Ts::One(format!(
            "{{ [key: string]: {} }}",
            ts_type(value, &[], nested, types).render()
        )),
        ClaimType::Any => Ts::One("unknown".into()),
        ClaimType::Named(_) => Ts::One(match nested {
            Some(schema) => types.name_of(schema),
            None => "unknown".into(),
        }),
    }
}

/// The JSDoc tags of a value's rules; an item's are prefixed `items.`.
fn ts_tags(ty: &ClaimType, rules: &[Rule], prefix: &str, tags: &mut Vec<String>) {
    let kind = Kind::of(ty);
    let found = Constraints::of(kind, rules);
    found.write_tags(kind, prefix, tags);
    let mut item = ty;
    while let ClaimType::Optional(inner) = item {
        item = inner;
    }
    if let ClaimType::Array(item) = item
        && !found.each.is_empty()
    {
        ts_tags(item, &found.each, &format!("{prefix}items."), tags);
    }
}

/// A property name: bare when it is an identifier, else a string literal.
fn ts_key(name: &str) -> String {
    let mut chars = name.chars();
    let identifier = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if identifier {
        name.to_owned()
    } else {
        Json::from(name).to_text()
    }
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

/// A Rust type's name as a TypeScript type name.
fn ts_type_name(rust: &str) -> String {
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

/// `text` for a doc comment: nothing that ends it, no line breaks.
fn doc_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.replace("*/", "*\\/")
}

/// JSON whose objects keep their members in the order they were inserted, whatever
/// serde_json's features, so a schema reads in declaration order.
#[derive(Clone, Debug, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Json>),
    Object(Obj),
}

/// A JSON object's members, in insertion order.
#[derive(Clone, Debug, Default, PartialEq)]
struct Obj(Vec<(String, Json)>);

impl Obj {
    /// Sets `key`, in its place when it is there already, else last.
    fn insert(&mut self, key: &str, value: impl Into<Json>) {
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some((_, slot)) => *slot = value,
            None => self.0.push((key.to_owned(), value)),
        }
    }

    fn insert_first(&mut self, key: &str, value: impl Into<Json>) {
        self.0.retain(|(k, _)| k != key);
        self.0.insert(0, (key.to_owned(), value.into()));
    }

    fn with(mut self, key: &str, value: impl Into<Json>) -> Obj {
        self.insert(key, value);
        self
    }

    fn extend(&mut self, other: Obj) {
        for (key, value) in other.0 {
            self.insert(&key, value);
        }
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut Json> {
        self.0.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn contains_key(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    fn is_empty(&self) -> bool {
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
    fn to_text(&self) -> String {
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
    fn keys_are_quoted_unless_identifiers() {
        assert_eq!(ts_key("sub"), "sub");
        assert_eq!(ts_key("$id_2"), "$id_2");
        assert_eq!(ts_key("2fa"), "\"2fa\"");
        assert_eq!(
            ts_key("https://example.com/roles"),
            "\"https://example.com/roles\""
        );
        assert_eq!(ts_key("a\"b"), r#""a\"b""#);
        assert_eq!(ts_key(""), "\"\"");
    }

    #[test]
    fn type_names_are_typescript_names() {
        assert_eq!(ts_type_name("Viewer"), "Viewer");
        assert_eq!(ts_type_name("r#Type"), "Type");
        assert_eq!(ts_type_name("string"), "string_");
        assert_eq!(ts_type_name(""), "_");
    }

    #[test]
    fn doc_text_never_ends_the_comment() {
        assert_eq!(doc_text("a*/b\nc"), "a*\\/b\\nc");
    }

    #[test]
    fn null_joins_types_and_enums_or_wraps_references() {
        let string = Obj::default()
            .with("type", "string")
            .with("enum", Json::Array(vec!["a".into()]));
        assert_eq!(
            Json::from(nullable(string)).to_text(),
            r#"{"type":["string","null"],"enum":["a",null]}"#
        );
        let reference = Obj::default().with("$ref", "#/$defs/A");
        assert_eq!(
            Json::from(nullable(reference)).to_text(),
            r##"{"anyOf":[{"$ref":"#/$defs/A"},{"type":"null"}]}"##
        );
        assert_eq!(Json::from(nullable(Obj::default())).to_text(), "{}");
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
