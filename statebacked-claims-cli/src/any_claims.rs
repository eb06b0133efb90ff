//! The claims the command line signs and verifies: any JSON object, since a command-line tool
//! has no Rust type for them. Anonymous sessions are accepted; the verifier still enforces
//! their restriction.
//!
//! The object keeps its members in the order JavaScript gives them, so `sbclaims sign` writes
//! the claims set `signToken` writes for the same JSON: `JSON.parse` keeps a duplicate
//! member's first position and last value, and `JSON.stringify` writes array-index keys
//! (`"0"`, `"7"`) first, ascending, then the others in insertion order. (serde_json's `Value`
//! sorts members by name unless its `preserve_order` feature is on, which would change the
//! library's own behaviour in a workspace build.) Numbers are written as serde_json writes
//! them: integers alike, but a float such as `1.0` stays `1.0` where JavaScript writes `1`.

use indexmap::IndexMap;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use statebacked_claims::{ClaimSchema, Claims};
use std::fmt;

/// An `act` claim of any shape (a JSON object).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AnyClaims(pub Object);

static SCHEMA: ClaimSchema = ClaimSchema::__new("AnyClaims", &[], true);

impl Claims for AnyClaims {
    fn schema() -> &'static ClaimSchema {
        &SCHEMA
    }
}

/// A JSON value whose objects keep JavaScript's member order.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Json>),
    Object(Object),
}

/// A JSON object in JavaScript's member order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Object(IndexMap<String, Json>);

impl Object {
    /// Sets a member: a new one goes last, an existing one keeps its place (as in JavaScript).
    pub fn insert(&mut self, name: String, value: Json) {
        self.0.insert(name, value);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Whether `name` is an array index to JavaScript: the canonical decimal form of an integer
/// below 2^32 - 1, which property order puts first.
fn array_index(name: &str) -> Option<u32> {
    let n: u32 = name.parse().ok()?;
    (n < u32::MAX && n.to_string() == name).then_some(n)
}

impl Serialize for Object {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut indexes: Vec<(u32, &String, &Json)> = self
            .0
            .iter()
            .filter_map(|(name, value)| array_index(name).map(|n| (n, name, value)))
            .collect();
        indexes.sort_by_key(|(n, _, _)| *n);
        let others = self
            .0
            .iter()
            .filter(|(name, _)| array_index(name).is_none());
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (_, name, value) in indexes {
            map.serialize_entry(name, value)?;
        }
        for (name, value) in others {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => serializer.serialize_unit(),
            Json::Bool(b) => serializer.serialize_bool(*b),
            Json::Number(n) => n.serialize(serializer),
            Json::String(s) => serializer.serialize_str(s),
            Json::Array(items) => items.serialize(serializer),
            Json::Object(object) => object.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Object {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Json::deserialize(deserializer)? {
            Json::Object(object) => Ok(object),
            _ => Err(de::Error::custom("expected a JSON object")),
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json, D::Error> {
        Json::deserialize(deserializer)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Bool(b))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Json, E> {
        Ok(Json::Number(n.into()))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Json, E> {
        Ok(Json::Number(n.into()))
    }

    fn visit_f64<E: de::Error>(self, x: f64) -> Result<Json, E> {
        serde_json::Number::from_f64(x)
            .map(Json::Number)
            .ok_or_else(|| E::custom("a number JSON cannot hold"))
    }

    fn visit_str<E>(self, s: &str) -> Result<Json, E> {
        Ok(Json::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Json, E> {
        Ok(Json::String(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut object = Object::default();
        while let Some((name, value)) = map.next_entry::<String, Json>()? {
            object.insert(name, value);
        }
        Ok(Json::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(json: &str) -> String {
        serde_json::to_string(&serde_json::from_str::<Json>(json).unwrap()).unwrap()
    }

    #[test]
    fn members_keep_javascripts_order() {
        // What node prints for JSON.stringify(JSON.parse(input)).
        for (input, javascript) in [
            (r#"{"b":1,"a":2}"#, r#"{"b":1,"a":2}"#),
            (
                r#"{"b":{"z":1,"y":[{"d":1,"c":2}]}}"#,
                r#"{"b":{"z":1,"y":[{"d":1,"c":2}]}}"#,
            ),
            (
                r#"{"x":1,"2":2,"1":3,"01":4}"#,
                r#"{"1":3,"2":2,"x":1,"01":4}"#,
            ),
            (r#"{"a":1,"b":2,"a":3}"#, r#"{"a":3,"b":2}"#),
            (
                r#"{"4294967295":1,"4294967294":2}"#,
                r#"{"4294967294":2,"4294967295":1}"#,
            ),
        ] {
            assert_eq!(round_trip(input), javascript, "{input}");
        }
    }
}
