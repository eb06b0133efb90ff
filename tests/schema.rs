//! The derived schema's wire names are exactly the keys serde writes.

use serde::{Deserialize, Serialize};
use statebacked_claims::{Claims, schema::ClaimType};
use std::collections::{BTreeMap, BTreeSet};

/// The keys serde writes for `value`, in order.
fn serde_keys<T: Serialize>(value: &T) -> Vec<String> {
    match serde_json::to_value(value).unwrap() {
        serde_json::Value::Object(map) => map
            .keys()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        other => panic!("not an object: {other}"),
    }
}

fn schema_keys<C: Claims>() -> Vec<String> {
    C::schema()
        .wire_names()
        .map(str::to_owned)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

macro_rules! rename_all_case {
    ($name:ident, $rule:literal, [$($wire:literal),*]) => {
        #[derive(Default, Serialize, Deserialize, Claims)]
        #[serde(rename_all = $rule)]
        struct $name {
            user_id: u64,
            display_name_2: Option<String>,
            r#type: String,
            a: bool,
        }

        #[test]
        #[allow(non_snake_case)]
        fn $name() {
            let value = $name::default();
            assert_eq!(schema_keys::<$name>(), serde_keys(&value));
            let expected: BTreeSet<String> = [$($wire),*].into_iter().map(String::from).collect();
            assert_eq!(schema_keys::<$name>(), expected.into_iter().collect::<Vec<_>>());
        }
    };
}

rename_all_case!(
    RenameLower,
    "lowercase",
    ["user_id", "display_name_2", "type", "a"]
);
rename_all_case!(
    RenameUpper,
    "UPPERCASE",
    ["USER_ID", "DISPLAY_NAME_2", "TYPE", "A"]
);
rename_all_case!(
    RenamePascal,
    "PascalCase",
    ["UserId", "DisplayName2", "Type", "A"]
);
rename_all_case!(
    RenameCamel,
    "camelCase",
    ["userId", "displayName2", "type", "a"]
);
rename_all_case!(
    RenameSnake,
    "snake_case",
    ["user_id", "display_name_2", "type", "a"]
);
rename_all_case!(
    RenameScreamingSnake,
    "SCREAMING_SNAKE_CASE",
    ["USER_ID", "DISPLAY_NAME_2", "TYPE", "A"]
);
rename_all_case!(
    RenameKebab,
    "kebab-case",
    ["user-id", "display-name-2", "type", "a"]
);
rename_all_case!(
    RenameScreamingKebab,
    "SCREAMING-KEBAB-CASE",
    ["USER-ID", "DISPLAY-NAME-2", "TYPE", "A"]
);

#[derive(Default, Serialize, Deserialize, Claims)]
#[serde(rename_all = "camelCase")]
struct Mixed {
    #[serde(rename = "https://example.com/roles")]
    roles: Vec<String>,
    #[serde(rename(serialize = "org", deserialize = "org"))]
    organisation: String,
    #[serde(skip)]
    cache: u32,
    #[serde(skip_serializing)]
    #[allow(dead_code)]
    write_only: Option<u32>,
    #[serde(skip_deserializing)]
    read_only: u32,
    #[serde(default)]
    login_count: u32,
    #[serde(alias = "mail")]
    email_address: Option<String>,
    #[serde(with = "as_string")]
    level: Option<u8>,
}

mod as_string {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &Option<u8>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.map(|v| v.to_string()).unwrap_or_default())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
        let s = String::deserialize(d)?;
        Ok(s.parse().ok())
    }
}

#[test]
fn rename_skip_default_and_with_match_serde() {
    let value = Mixed::default();
    assert_eq!(value.cache, 0);
    assert_eq!(schema_keys::<Mixed>(), serde_keys(&value));
    let schema = Mixed::schema();
    let field = |wire: &str| {
        schema
            .field(wire)
            .unwrap_or_else(|| panic!("no claim {wire}"))
    };
    assert_eq!(field("https://example.com/roles").rust_name(), "roles");
    assert!(field("https://example.com/roles").is_required());
    assert_eq!(field("org").rust_name(), "organisation");
    assert!(schema.field("cache").is_none());
    assert!(schema.field("writeOnly").is_none());
    assert!(!field("readOnly").is_required(), "serde never reads it");
    assert!(!field("loginCount").is_required(), "serde default");
    assert!(!field("emailAddress").is_required(), "Option");
    assert!(
        field("level").is_required(),
        "Option with deserialize_with is required in serde"
    );
}

#[derive(Serialize, Deserialize, Claims)]
#[serde(default)]
struct AllDefault {
    a: String,
    b: Vec<u8>,
}

impl Default for AllDefault {
    fn default() -> Self {
        AllDefault {
            a: "x".into(),
            b: vec![],
        }
    }
}

#[test]
fn container_default_makes_every_claim_optional() {
    assert!(
        AllDefault::schema()
            .fields()
            .iter()
            .all(|f| !f.is_required())
    );
    assert_eq!(
        schema_keys::<AllDefault>(),
        serde_keys(&AllDefault::default())
    );
}

#[derive(Serialize, Deserialize, Claims)]
struct Typed {
    s: String,
    n: i64,
    f: f64,
    b: bool,
    v: Vec<Option<String>>,
    m: BTreeMap<String, u8>,
    any: serde_json::Value,
    nested: Inner,
}

#[derive(Serialize, Deserialize)]
struct Inner {
    x: u8,
}

#[test]
fn schema_describes_types() {
    let schema = Typed::schema();
    assert_eq!(schema.type_name(), "Typed");
    let types: Vec<(&str, &str, ClaimType)> = schema
        .fields()
        .iter()
        .map(|f| (f.wire_name(), f.rust_type(), *f.claim_type()))
        .collect();
    assert_eq!(
        types,
        vec![
            ("s", "String", ClaimType::String),
            ("n", "i64", ClaimType::Integer),
            ("f", "f64", ClaimType::Number),
            ("b", "bool", ClaimType::Boolean),
            (
                "v",
                "Vec<Option<String>>",
                ClaimType::Array(&ClaimType::Optional(&ClaimType::String))
            ),
            (
                "m",
                "BTreeMap<String, u8>",
                ClaimType::Map(&ClaimType::Integer)
            ),
            ("any", "serde_json::Value", ClaimType::Any),
            ("nested", "Inner", ClaimType::Named("Inner")),
        ]
    );
    assert_eq!(
        ClaimType::Array(&ClaimType::Optional(&ClaimType::String)).to_string(),
        "array of string or null"
    );
}

#[derive(Serialize, Deserialize, Claims)]
struct Generic<T> {
    value: T,
    #[serde(default)]
    tags: Vec<String>,
}

#[test]
fn generic_claims_types_work() {
    let schema = Generic::<u64>::schema();
    assert_eq!(schema.wire_names().collect::<Vec<_>>(), ["value", "tags"]);
    assert_eq!(
        schema.field("value").unwrap().claim_type(),
        &ClaimType::Named("T")
    );
    assert!(std::ptr::eq(
        Generic::<u64>::schema(),
        Generic::<String>::schema()
    ));
}
