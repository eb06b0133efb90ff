//! What `act` says about anonymity, read in the same strict pass that checks it.

use super::json::{Context, MemberName, Members, StrictValue};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// What `act` says about anonymity, read in the same strict pass that checks it.
#[derive(Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
pub(crate) struct ActProbe {
    pub(super) auth: Option<AuthValue>,
    /// `sid` when it is a non-empty string.
    pub(super) sid: Option<String>,
    /// `did` when it is a non-empty string.
    pub(super) did: Option<String>,
    /// Any member other than `auth`, `sid` and `did`.
    pub(super) other_claims: bool,
    /// A member named `sub`.
    pub(super) has_sub: bool,
    /// `act` is not an object (checked strictly all the same).
    pub(super) not_object: bool,
}

impl ActProbe {
    fn not_object() -> Self {
        ActProbe {
            not_object: true,
            ..ActProbe::default()
        }
    }

    /// Records one of `act`'s member names (duplicates are refused before this): the member
    /// whose string value the probe reads next, for `auth`, `sid` and `did`.
    pub(super) fn member(&mut self, name: &str) -> Option<Slot> {
        match name {
            "auth" => {
                // Until its value turns out to be exactly `"anonymous"`.
                self.auth = Some(AuthValue::Other);
                Some(Slot::Auth)
            }
            "sid" => Some(Slot::Sid),
            "did" => Some(Slot::Did),
            other => {
                self.has_sub |= other == "sub";
                self.other_claims = true;
                None
            }
        }
    }

    /// Records the value of the member `slot` names, when it is a string.
    pub(super) fn string(&mut self, slot: Slot, value: &str) {
        let non_empty = || (!value.is_empty()).then(|| value.to_owned());
        match slot {
            Slot::Auth if value == "anonymous" => self.auth = Some(AuthValue::Anonymous),
            Slot::Auth => {}
            Slot::Sid => self.sid = non_empty(),
            Slot::Did => self.did = non_empty(),
        }
    }
}

/// The members of `act` whose value the probe reads.
#[derive(Clone, Copy)]
pub(super) enum Slot {
    Auth,
    Sid,
    Did,
}

#[cfg_attr(test, derive(Debug, PartialEq))]
pub(crate) enum AuthValue {
    /// Exactly the string `"anonymous"`.
    Anonymous,
    /// Anything else: another string, `null`, a number, an object.
    Other,
}

pub(super) struct ActVisitor<'c> {
    pub(super) cx: &'c Context,
}

impl<'de> DeserializeSeed<'de> for ActVisitor<'_> {
    type Value = ActProbe;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<ActProbe, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ActVisitor<'_> {
    type Value = ActProbe;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an `act` object")
    }

    fn visit_bool<E>(self, _: bool) -> Result<ActProbe, E> {
        Ok(ActProbe::not_object())
    }
    fn visit_i64<E>(self, _: i64) -> Result<ActProbe, E> {
        Ok(ActProbe::not_object())
    }
    fn visit_u64<E>(self, _: u64) -> Result<ActProbe, E> {
        Ok(ActProbe::not_object())
    }
    fn visit_f64<E>(self, _: f64) -> Result<ActProbe, E> {
        Ok(ActProbe::not_object())
    }
    fn visit_str<E>(self, _: &str) -> Result<ActProbe, E> {
        Ok(ActProbe::not_object())
    }
    fn visit_unit<E>(self) -> Result<ActProbe, E> {
        Ok(ActProbe::not_object())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<ActProbe, A::Error> {
        StrictValue {
            cx: self.cx,
            level: 2,
        }
        .visit_seq(seq)
        .map(|()| ActProbe::not_object())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ActProbe, A::Error> {
        let cx = self.cx;
        let mut probe = ActProbe::default();
        let mut members = Members::new();
        while let Some(MemberName(name)) = map.next_key()? {
            members.admit(cx, name.clone()).map_err(|p| cx.fail(p))?;
            match probe.member(&name) {
                Some(slot) => {
                    if let Some(value) = map.next_value_seed(MaybeString { cx })? {
                        probe.string(slot, &value);
                    }
                }
                None => map.next_value_seed(StrictValue { cx, level: 3 })?,
            }
        }
        Ok(probe)
    }
}

/// A member of `act` (level 3) that may be a string: the string, or `None` for any other
/// value, which is still checked strictly.
#[derive(Clone, Copy)]
struct MaybeString<'c> {
    cx: &'c Context,
}

impl<'de> DeserializeSeed<'de> for MaybeString<'_> {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MaybeString<'_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_owned()))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        StrictValue {
            cx: self.cx,
            level: 3,
        }
        .visit_seq(seq)
        .map(|()| None)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        StrictValue {
            cx: self.cx,
            level: 3,
        }
        .visit_map(map)
        .map(|()| None)
    }
}
