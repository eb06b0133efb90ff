//! The JSON Schema (draft 2020-12) of a [`ClaimSchema`].

use super::model::{Constraints, Json, Kind, Obj, Types};
use crate::schema::{ClaimSchema, ClaimType, FieldSchema, Profile};
use crate::validate::Rule;
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
        let mut claims = if types.root_referenced() {
            defs.insert_first(types.root_name(), object);
            Obj::default().with("$ref", reference(&types, 0))
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
}

/// `#/$defs/<name>`, the name escaped for a JSON Pointer in a URI fragment.
fn reference(types: &Types<'_>, index: usize) -> String {
    let name = types.get(index).map(|(_, name)| name).unwrap_or_default();
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
                out.insert("$ref", reference(types, index));
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
    write_keywords(&found, kind, &mut out);
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
    write_comment(&found, &mut out);
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

/// The keywords of what `found` says about a value of `kind`.
fn write_keywords(found: &Constraints, kind: Kind, out: &mut Obj) {
    if !found.choices.is_empty() {
        out.insert("enum", Json::Array(found.choices.clone()));
    }
    if let Some((min_key, max_key)) = kind.length_keywords() {
        if let Some(min) = found.min_len {
            out.insert(min_key, min);
        }
        if let Some(max) = found.max_len {
            out.insert(max_key, max);
        }
    }
    if let Some(minimum) = &found.minimum {
        out.insert("minimum", Json::Number(minimum.clone()));
    }
    if let Some(maximum) = &found.maximum {
        out.insert("maximum", Json::Number(maximum.clone()));
    }
    // One `format` and one `pattern` per schema object: any more go under `allOf`.
    let mut more = Vec::new();
    for (i, format) in found.formats.iter().enumerate() {
        if i == 0 {
            out.insert("format", *format);
        } else {
            more.push(Obj::default().with("format", *format).into());
        }
    }
    for (i, pattern) in found.patterns.iter().enumerate() {
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
fn write_comment(found: &Constraints, out: &mut Obj) {
    if !found.custom.is_empty() {
        let functions: Vec<String> = found.custom.iter().map(|f| format!("`{f}`")).collect();
        out.insert(
            "$comment",
            format!("custom rule {}: checked in Rust only", functions.join(", ")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
