//! The TypeScript declarations of a [`ClaimSchema`].

use super::model::{Constraints, Json, Kind, Types, ts_type_name};
use crate::schema::{ClaimSchema, ClaimType, Profile};
use std::fmt::Write as _;

impl ClaimSchema {
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

/// The TypeScript of a claims object, its members one per line.
fn ts_object<'a>(out: &mut String, schema: &'a ClaimSchema, types: &mut Types<'a>) {
    if schema.fields().is_empty() {
        out.push_str("{}");
        return;
    }
    out.push_str("{\n");
    for field in schema.fields() {
        // Once for the field: its type and its tags read the same constraints.
        let found = Constraints::of(Kind::of(field.claim_type()), field.rules());
        let ty = ts_type(field.claim_type(), &found, field.nested_schema(), types);
        let mut tags = Vec::new();
        ts_tags(field.claim_type(), &found, "", &mut tags);
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

/// The TypeScript type of a value of type `ty` whose rules say `found`.
fn ts_type<'a>(
    ty: &ClaimType,
    found: &Constraints,
    nested: Option<&'static ClaimSchema>,
    types: &mut Types<'a>,
) -> Ts {
    match ty {
        // The inner type's constraints are the same: `Kind::of` looks through `Option`.
        ClaimType::Optional(inner) => match ts_type(inner, found, nested, types) {
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
        ClaimType::Array(item) => {
            let items = Constraints::of(Kind::of(item), &found.each);
            Ts::One(ts_type(item, &items, nested, types).array())
        }
        // An index signature rather than `Record`, which a claims type of that name would
        // shadow.
        ClaimType::Map(value) => Ts::One(format!(
            "{{ [key: string]: {} }}",
            ts_type(value, &Constraints::default(), nested, types).render()
        )),
        ClaimType::Any => Ts::One("unknown".into()),
        ClaimType::Named(_) => Ts::One(match nested {
            Some(schema) => types.name_of(schema),
            None => "unknown".into(),
        }),
    }
}

/// The JSDoc tags of a value of type `ty` whose rules say `found`; an item's are prefixed
/// `items.`.
fn ts_tags(ty: &ClaimType, found: &Constraints, prefix: &str, tags: &mut Vec<String>) {
    write_tags(found, Kind::of(ty), prefix, tags);
    let mut item = ty;
    while let ClaimType::Optional(inner) = item {
        item = inner;
    }
    if let ClaimType::Array(item) = item
        && !found.each.is_empty()
    {
        let items = Constraints::of(Kind::of(item), &found.each);
        ts_tags(item, &items, &format!("{prefix}items."), tags);
    }
}

/// JSDoc tags for what TypeScript cannot say (`one_of` is in the type itself).
fn write_tags(found: &Constraints, kind: Kind, prefix: &str, tags: &mut Vec<String>) {
    if let Some((min_key, max_key)) = kind.length_keywords() {
        if let Some(min) = found.min_len {
            tags.push(format!("@{prefix}{min_key} {min}"));
        }
        if let Some(max) = found.max_len {
            tags.push(format!("@{prefix}{max_key} {max}"));
        }
    }
    if let Some(minimum) = &found.minimum {
        tags.push(format!("@{prefix}minimum {minimum}"));
    }
    if let Some(maximum) = &found.maximum {
        tags.push(format!("@{prefix}maximum {maximum}"));
    }
    for format in &found.formats {
        tags.push(format!("@{prefix}format {format}"));
    }
    for pattern in &found.patterns {
        tags.push(format!("@{prefix}pattern {}", doc_text(pattern)));
    }
    for function in &found.custom {
        tags.push(format!("@{prefix}custom {}", doc_text(function)));
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn doc_text_never_ends_the_comment() {
        assert_eq!(doc_text("a*/b\nc"), "a*\\/b\\nc");
    }
}
