//! From identity-provider claims to typed claims: mapping documents (WIRE.md §4), the
//! derive's `from` paths, and [`MappingError`].

use crate::redact::redact_values;
use crate::schema::{ClaimSchema, ClaimType, FieldSchema};
use crate::validate::ValidationErrors;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};
use serde_json_path::JsonPath;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock, RwLock};

/// Why identity-provider claims did not become a claims value, or a mapping document was
/// refused. Names the claim and the path; never contains a claim's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MappingError {
    /// A required claim's path selects nothing in the identity-provider token.
    #[error("claim `{claim}`: `{path}` selects nothing in the identity token")]
    Missing {
        /// The claim's wire name.
        claim: String,
        /// The JSONPath it is read from.
        path: String,
    },
    /// The path selects a value of the wrong JSON type.
    #[error("claim `{claim}`: `{path}` selects {found}, expected {expected}")]
    WrongType {
        /// The claim's wire name.
        claim: String,
        /// The JSONPath it is read from.
        path: String,
        /// The claim's type, as the schema describes it.
        expected: String,
        /// The JSON type found.
        found: &'static str,
    },
    /// The path selects several values for a claim that holds one.
    #[error("claim `{claim}`: `{path}` selects {count} values for a single claim")]
    Multiple {
        /// The claim's wire name.
        claim: String,
        /// The JSONPath it is read from.
        path: String,
        /// How many values it selected.
        count: usize,
    },
    /// The mapped claims do not decode into the claims type (serde's message).
    #[error("mapped claims do not match {type_name}: {reason}")]
    Decode {
        /// The claims type.
        type_name: &'static str,
        /// What did not match.
        reason: String,
    },
    /// The mapped claims break their validation rules.
    #[error("mapped claims are invalid: {0}")]
    Invalid(ValidationErrors),
    /// A mapping document is malformed.
    #[error("mapping document: {0}")]
    Document(String),
}

/// A JSONPath compiled once, with what its text says about it.
struct CompiledPath {
    text: String,
    query: JsonPath,
    /// Whether it is a singular query ([`is_singular`]), worked out once.
    singular: bool,
}

impl CompiledPath {
    /// Selected values as one JSON array (what a wildcard, slice or filter yields).
    fn array_of(nodes: &[&Value]) -> Value {
        Value::Array(nodes.iter().map(|v| (*v).clone()).collect())
    }
}

/// A compiled JSONPath, shared by every mapping that uses the same text.
fn compiled(path: &str) -> Result<Arc<CompiledPath>, MappingError> {
    static CACHE: OnceLock<RwLock<HashMap<String, Arc<CompiledPath>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache.read().ok().and_then(|c| c.get(path).cloned()) {
        return Ok(found);
    }
    let query = JsonPath::parse(path).map_err(|err| {
        MappingError::Document(format!("`{path}` is not a JSONPath (RFC 9535): {err}"))
    })?;
    let parsed = Arc::new(CompiledPath {
        text: path.to_owned(),
        query,
        singular: is_singular(path),
    });
    if let Ok(mut cache) = cache.write() {
        // Bounded: paths come from the program and its configuration, not from tokens.
        cache.insert(path.to_owned(), Arc::clone(&parsed));
    }
    Ok(parsed)
}

/// Whether a (valid) JSONPath is a singular query (RFC 9535 §2.3.5.1): only name and index
/// selectors, one per segment, no descendant segments. Read from the text, outside quoted
/// names, where `*`, `..`, `?`, `:` and `,` can only be wildcards, descendants, filters,
/// slices and selector lists.
fn is_singular(path: &str) -> bool {
    let mut quote = None;
    let mut escaped = false;
    let mut previous = '\0';
    for c in path.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' => quote = Some(c),
                '*' | '?' | ':' | ',' => return false,
                '.' if previous == '.' => return false,
                _ => {}
            },
        }
        previous = if quote.is_some() { '\0' } else { c };
    }
    true
}

/// The JSON type of a value, for messages.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Whether `value` has the JSON shape `ty` describes.
fn fits(ty: &ClaimType, value: &Value) -> bool {
    match ty {
        ClaimType::String => value.is_string(),
        ClaimType::Integer => value.is_i64() || value.is_u64(),
        ClaimType::Number => value.is_number(),
        ClaimType::Boolean => value.is_boolean(),
        ClaimType::Array(item) => value
            .as_array()
            .is_some_and(|items| items.iter().all(|v| fits(item, v))),
        ClaimType::Map(inner) => value
            .as_object()
            .is_some_and(|members| members.values().all(|v| fits(inner, v))),
        ClaimType::Optional(inner) => value.is_null() || fits(inner, value),
        ClaimType::Any | ClaimType::Named(_) => true,
    }
}

/// The claim type without an outer `Option`.
fn without_option(ty: &ClaimType) -> &ClaimType {
    match ty {
        ClaimType::Optional(inner) => inner,
        other => other,
    }
}

/// The value of one claim, read from `claims` at `path`: `None` when the path selects
/// nothing.
fn select(field: &FieldSchema, path: &str, claims: &Value) -> Result<Option<Value>, MappingError> {
    let compiled = compiled(path)?;
    let nodes = compiled.query.query(claims).all();
    let ty = without_option(field.claim_type());
    let list = matches!(ty, ClaimType::Array(_));
    let value = match nodes.as_slice() {
        [] => return Ok(None),
        // A wildcard, slice, filter or descendant query fills a list with what it selects,
        // however many that is.
        nodes if list && !compiled.singular => CompiledPath::array_of(nodes),
        [one] => match (field.split(), one, ty) {
            (Some(separator), Value::String(s), ClaimType::Array(_)) => Value::Array(
                s.split(separator)
                    .filter(|part| !part.is_empty())
                    .map(|part| Value::String(part.to_owned()))
                    .collect(),
            ),
            _ => (*one).clone(),
        },
        several => {
            return Err(MappingError::Multiple {
                claim: field.wire_name().to_owned(),
                path: path.to_owned(),
                count: several.len(),
            });
        }
    };
    if !fits(field.claim_type(), &value) {
        return Err(MappingError::WrongType {
            claim: field.wire_name().to_owned(),
            path: path.to_owned(),
            expected: field.claim_type().to_string(),
            found: json_type(&value),
        });
    }
    Ok(Some(value))
}

/// The claims `schema` describes, read from an identity-provider token's claims with each
/// claim's source for `provider` (its own `from(provider = …)` first, then its `from`, then
/// its own wire name, except for `#[claim(anonymous)]` fields, which only an explicit `from`
/// fills), then decoded.
pub(crate) fn from_identity<C: DeserializeOwned>(
    schema: &'static ClaimSchema,
    provider: Option<&str>,
    claims: &Value,
) -> Result<C, MappingError> {
    let mut out = Map::new();
    for field in schema.fields() {
        let sources = field.sources();
        let chosen = provider
            .and_then(|p| sources.iter().find(|s| s.provider() == Some(p)))
            .or_else(|| sources.iter().find(|s| s.provider().is_none()));
        let default_path;
        let path = match chosen {
            Some(source) => source.path(),
            // An identity provider's own `sid`/`did` (Auth0, Cognito and Keycloak put a
            // session id in ID tokens) is not an anonymous session's: such a field is filled
            // only by an explicit `from`.
            None if field.is_anonymous() => continue,
            None => {
                default_path = own_path(field);
                &default_path
            }
        };
        match select(field, path, claims)? {
            Some(value) => {
                out.insert(field.wire_name().to_owned(), value);
            }
            None if field.is_required() => {
                return Err(MappingError::Missing {
                    claim: field.wire_name().to_owned(),
                    path: path.to_owned(),
                });
            }
            None => {}
        }
    }
    decode(schema, Value::Object(out))
}

/// The JSONPath of the claim of a field's own wire name, `$['name']`.
fn own_path(field: &FieldSchema) -> String {
    format!("$['{}']", field.wire_name().replace('\'', "\\'"))
}

/// Decodes already-mapped claims into `C`, naming the claim when one has the wrong type.
pub(crate) fn decode<C: DeserializeOwned>(
    schema: &'static ClaimSchema,
    value: Value,
) -> Result<C, MappingError> {
    if let Value::Object(members) = &value {
        for field in schema.fields() {
            match members.get(field.wire_name()) {
                Some(v) if !fits(field.claim_type(), v) => {
                    return Err(MappingError::WrongType {
                        claim: field.wire_name().to_owned(),
                        path: own_path(field),
                        expected: field.claim_type().to_string(),
                        found: json_type(v),
                    });
                }
                None if field.is_required() => {
                    return Err(MappingError::Missing {
                        claim: field.wire_name().to_owned(),
                        path: own_path(field),
                    });
                }
                _ => {}
            }
        }
    }
    serde_json::from_value(value).map_err(|err| MappingError::Decode {
        type_name: schema.type_name(),
        reason: redact_values(&err.to_string()),
    })
}

/// A mapping document (WIRE.md §4): an object whose shape is the output's. A key ending in
/// `.$` names an output key (the key without `.$`) whose value is a JSONPath evaluated against
/// the source claims; any other key is copied literally, and object values are mappings
/// themselves.
///
/// A path that selects nothing leaves its key out (a required claim then fails by name when
/// the result is decoded). A singular path (names and indexes only) yields the one value it
/// selects, an array as that array; a wildcard, slice, filter or descendant path always
/// yields an array of its matches, even of one.
///
/// ```
/// use serde_json::json;
/// use statebacked_claims::Mapping;
///
/// let mapping = Mapping::from_value(&json!({
///     "sub.$": "$.sub",
///     "service": "my-service",
///     "special": {"role.$": "$.role.id"},
/// }))?;
/// let claims = json!({"sub": "u1", "role": {"id": "admin"}});
/// assert_eq!(
///     mapping.apply(&claims),
///     json!({"sub": "u1", "service": "my-service", "special": {"role": "admin"}}),
/// );
/// # Ok::<(), statebacked_claims::MappingError>(())
/// ```
#[derive(Clone)]
pub struct Mapping {
    entries: Vec<(String, Entry)>,
}

#[derive(Clone)]
enum Entry {
    Path(Arc<CompiledPath>),
    Literal(Value),
    Nested(Mapping),
}

impl fmt::Debug for Mapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (key, entry) in &self.entries {
            match entry {
                Entry::Path(path) => map.entry(key, &format_args!("path {:?}", path.text)),
                Entry::Literal(value) => map.entry(key, value),
                Entry::Nested(nested) => map.entry(key, nested),
            };
        }
        map.finish()
    }
}

impl Mapping {
    /// A mapping document from JSON text.
    pub fn from_json(document: &str) -> Result<Mapping, MappingError> {
        let value: Value = serde_json::from_str(document)
            .map_err(|err| MappingError::Document(format!("not JSON: {err}")))?;
        Mapping::from_value(&value)
    }

    /// A mapping document from a JSON value; it must be an object.
    pub fn from_value(document: &Value) -> Result<Mapping, MappingError> {
        let Value::Object(members) = document else {
            return Err(MappingError::Document(format!(
                "a mapping is a JSON object, not {}",
                json_type(document)
            )));
        };
        let mut entries: Vec<(String, Entry)> = Vec::with_capacity(members.len());
        for (key, value) in members {
            let (name, entry) = match key.strip_suffix(".$") {
                Some(name) => {
                    let Value::String(path) = value else {
                        return Err(MappingError::Document(format!(
                            "`{key}` names a JSONPath, but its value is {}",
                            json_type(value)
                        )));
                    };
                    (name, Entry::Path(compiled(path)?))
                }
                None => match value {
                    Value::Object(_) => (key.as_str(), Entry::Nested(Mapping::from_value(value)?)),
                    literal => (key.as_str(), Entry::Literal(literal.clone())),
                },
            };
            if entries.iter().any(|(existing, _)| existing == name) {
                return Err(MappingError::Document(format!(
                    "two entries produce the key `{name}`"
                )));
            }
            entries.push((name.to_owned(), entry));
        }
        Ok(Mapping { entries })
    }

    /// The document applied to `claims`: always a JSON object.
    pub fn apply(&self, claims: &Value) -> Value {
        let mut out = Map::new();
        for (key, entry) in &self.entries {
            let value = match entry {
                Entry::Path(path) => match path.query.query(claims).all().as_slice() {
                    [] => continue,
                    // A singular query's one value as it is; a wildcard's, slice's or filter's
                    // matches always as a list, however many there are.
                    [one] if path.singular => (*one).clone(),
                    nodes => CompiledPath::array_of(nodes),
                },
                Entry::Literal(value) => value.clone(),
                Entry::Nested(nested) => nested.apply(claims),
            };
            out.insert(key.clone(), value);
        }
        Value::Object(out)
    }
}

impl<'de> Deserialize<'de> for Mapping {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Mapping::from_value(&value).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn singular_queries_are_told_apart() {
        for singular in [
            "$",
            "$.a",
            "$.a.b[0]",
            "$['a.b']['c*d']",
            r#"$["x,y"]"#,
            "$['it\\'s..:?']",
        ] {
            assert!(is_singular(singular), "{singular}");
        }
        for not in [
            "$.*",
            "$..a",
            "$.a[*]",
            "$.a[0:2]",
            "$.a[0,1]",
            "$[?@.x]",
            "$['a','b']",
        ] {
            assert!(!is_singular(not), "{not}");
        }
    }

    #[test]
    fn the_documented_example() {
        let mapping = Mapping::from_value(&json!({
            "sub.$": "$.sub", "service": "my-service", "special": {"role.$": "$.role.id"}
        }))
        .unwrap();
        assert_eq!(
            mapping.apply(&json!({"sub": "u1", "role": {"id": "admin"}})),
            json!({"sub": "u1", "service": "my-service", "special": {"role": "admin"}})
        );
    }

    #[test]
    fn literals_arrays_missing_and_multiple_matches() {
        let mapping = Mapping::from_value(&json!({
            "groups.$": "$['https://example.com/roles']",
            "first.$": "$.list[0]",
            "all.$": "$.list[*]",
            "one.$": "$.only[*]",
            "missing.$": "$.nope",
            "tags": ["a", 1, null],
            "flag": true,
            "deep": {"inner": {"id.$": "$.sub"}, "n": 1},
        }))
        .unwrap();
        let claims = json!({
            "sub": "u1",
            "https://example.com/roles": ["admin", "member"],
            "list": [{"x": 1}, {"x": 2}],
            "only": ["not-admin"],
        });
        assert_eq!(
            mapping.apply(&claims),
            json!({
                "groups": ["admin", "member"],
                "first": {"x": 1},
                "all": [{"x": 1}, {"x": 2}],
                "one": ["not-admin"],
                "tags": ["a", 1, null],
                "flag": true,
                "deep": {"inner": {"id": "u1"}, "n": 1},
            })
        );
    }

    #[test]
    fn non_object_roots() {
        // A mapping must be an object; the claims it reads may be anything.
        for document in [json!([]), json!("$.sub"), json!(null), json!(1)] {
            assert!(matches!(
                Mapping::from_value(&document),
                Err(MappingError::Document(_))
            ));
        }
        let mapping = Mapping::from_value(&json!({"sub.$": "$.sub", "all.$": "$[*]"})).unwrap();
        assert_eq!(mapping.apply(&json!([1, 2])), json!({"all": [1, 2]}));
        assert_eq!(mapping.apply(&json!("text")), json!({}));
    }

    #[test]
    fn malformed_documents_are_refused() {
        let cases = [
            json!({"sub.$": 1}),
            json!({"sub.$": "sub"}),
            json!({"sub.$": "$.a[", "x": 1}),
            json!({"sub.$": "$.sub", "sub": "literal"}),
            json!({"inner": {"bad.$": ["$.x"]}}),
        ];
        for document in cases {
            let err = Mapping::from_value(&document).unwrap_err();
            assert!(
                matches!(err, MappingError::Document(_)),
                "{document}: {err}"
            );
        }
        assert!(Mapping::from_json("{").is_err());
        let err = Mapping::from_value(&json!({"sub.$": "$.a["})).unwrap_err();
        assert!(
            err.to_string().contains("`$.a[` is not a JSONPath"),
            "{err}"
        );
    }

    #[test]
    fn deserializes_from_configuration() {
        let mapping: Mapping = serde_json::from_str(r#"{"sub.$":"$.user.id"}"#).unwrap();
        assert_eq!(
            mapping.apply(&json!({"user": {"id": 7}})),
            json!({"sub": 7})
        );
        assert!(serde_json::from_str::<Mapping>(r#"{"sub.$":7}"#).is_err());
    }
}
