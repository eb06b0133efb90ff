//! The claims set, read strictly in one pass: the registered claims and what `act` holds.

use super::error::{Malformed, Part, VerifyError};
use super::json::{self, Context, MemberName, Members, Problem, StrictValue};
use super::probe::{ActProbe, ActVisitor};
use crate::expires::MAX_TIME;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// The claims set, as read in one pass.
#[derive(Default)]
pub(crate) struct Payload<'de> {
    /// What `act` says about anonymity, when the claims set has one.
    pub act: Option<ActProbe>,
    /// Top-level `sid` and `did`, read only for anonymous identity tokens.
    pub sid: Option<String>,
    pub did: Option<String>,
    pub(super) aud: Option<Aud<Cow<'de, str>>>,
    pub(super) exp: Option<u64>,
    pub(super) nbf: Option<u64>,
    pub(super) iat: Option<u64>,
    pub(super) iss: Option<Cow<'de, str>>,
    pub(super) sub: Option<Cow<'de, str>>,
    pub(super) jti: Option<Cow<'de, str>>,
    pub(super) scope: Option<Cow<'de, str>>,
    /// Whether a flat-profile claims set has an `act` member.
    pub(super) has_act: bool,
}

/// Which claims beyond the registered ones a claims set is read for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Capture {
    /// `act`, as State Backed tokens carry it.
    Act,
    /// Top-level `sid` and `did`, as anonymous identity tokens carry them.
    Session,
    /// Nothing: the claims type reads the claims set itself (the flat profile).
    Flat,
}

pub(crate) fn parse_payload<'de>(
    cx: &Context,
    json: &'de str,
    capture: Capture,
) -> Result<Payload<'de>, VerifyError> {
    if !json::is_object(json) {
        return Err(VerifyError::Malformed(Malformed::NotAnObject(
            Part::Payload,
        )));
    }
    let mut payload = Payload::default();
    let mut deserializer = serde_json::Deserializer::from_str(json);
    PayloadVisitor {
        cx,
        capture,
        payload: &mut payload,
    }
    .deserialize(&mut deserializer)
    .and_then(|()| deserializer.end())
    .map_err(|_| {
        let part = if cx.problem_in_act() {
            Part::Act
        } else {
            Part::Payload
        };
        VerifyError::malformed(cx.problem(), part)
    })?;
    Ok(payload)
}

struct PayloadVisitor<'c, 'p, 'de> {
    cx: &'c Context,
    capture: Capture,
    payload: &'p mut Payload<'de>,
}

impl<'de> DeserializeSeed<'de> for PayloadVisitor<'_, '_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PayloadVisitor<'_, '_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JWT claims set")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let cx = self.cx;
        let payload = self.payload;
        let mut members = Members::new();
        while let Some(MemberName(name)) = map.next_key()? {
            members.admit(cx, name.clone()).map_err(|p| cx.fail(p))?;
            let session = self.capture == Capture::Session;
            match name.as_ref() {
                "act" if self.capture == Capture::Flat => {
                    payload.has_act = true;
                    map.next_value_seed(StrictValue { cx, level: 2 })?;
                }
                "act" if self.capture == Capture::Act => {
                    cx.set_in_act(true);
                    let act = map.next_value_seed(ActVisitor { cx });
                    cx.set_in_act(false);
                    payload.act = Some(act?);
                }
                "sid" if session => {
                    payload.sid = Some(map.next_value_seed(StringSeed { cx, name: "sid" })?);
                }
                "did" if session => {
                    payload.did = Some(map.next_value_seed(StringSeed { cx, name: "did" })?);
                }
                "aud" => payload.aud = Some(map.next_value_seed(AudienceSeed { cx })?),
                "exp" => payload.exp = Some(map.next_value_seed(TimeSeed { cx, name: "exp" })?),
                "nbf" => payload.nbf = Some(map.next_value_seed(TimeSeed { cx, name: "nbf" })?),
                "iat" => payload.iat = Some(map.next_value_seed(TimeSeed { cx, name: "iat" })?),
                "iss" => payload.iss = Some(map.next_value_seed(StrSeed { cx, name: "iss" })?),
                "sub" => payload.sub = Some(map.next_value_seed(StrSeed { cx, name: "sub" })?),
                "jti" => payload.jti = Some(map.next_value_seed(StrSeed { cx, name: "jti" })?),
                "scope" => {
                    payload.scope = Some(map.next_value_seed(StrSeed { cx, name: "scope" })?);
                }
                _ => map.next_value_seed(StrictValue { cx, level: 2 })?,
            }
        }
        Ok(())
    }
}

/// A JWT time: an integer in [0, 2^53). Floats, strings, negatives and `null` are invalid.
struct TimeSeed<'c> {
    cx: &'c Context,
    name: &'static str,
}

impl<'de> DeserializeSeed<'de> for TimeSeed<'_> {
    type Value = u64;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<u64, D::Error> {
        let (cx, name) = (self.cx, self.name);
        deserializer
            .deserialize_any(self)
            .map_err(|err| invalid_unless_recorded(cx, name, err))
    }
}

impl<'de> Visitor<'de> for TimeSeed<'_> {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an integer time")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        if v <= MAX_TIME {
            Ok(v)
        } else {
            Err(self.cx.fail(Problem::Invalid(self.name)))
        }
    }
}

/// `aud` as read: one string, or an array of them.
pub(crate) enum Aud<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> Aud<T> {
    pub(super) fn as_slice(&self) -> &[T] {
        match self {
            Aud::One(one) => std::slice::from_ref(one),
            Aud::Many(many) => many,
        }
    }

    pub(super) fn map<U>(self, mut f: impl FnMut(T) -> U) -> Aud<U> {
        match self {
            Aud::One(one) => Aud::One(f(one)),
            Aud::Many(many) => Aud::Many(many.into_iter().map(f).collect()),
        }
    }
}

impl<T: Clone> Clone for Aud<T> {
    fn clone(&self) -> Self {
        match self {
            Aud::One(one) => Aud::One(one.clone()),
            Aud::Many(many) => Aud::Many(many.clone()),
        }
    }
}

impl<T: PartialEq> PartialEq for Aud<T> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: Eq> Eq for Aud<T> {}

/// `aud`: a string or an array of strings.
struct AudienceSeed<'c> {
    cx: &'c Context,
}

impl<'de> DeserializeSeed<'de> for AudienceSeed<'_> {
    type Value = Aud<Cow<'de, str>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let cx = self.cx;
        deserializer
            .deserialize_any(self)
            .map_err(|err| invalid_unless_recorded(cx, "aud", err))
    }
}

impl<'de> Visitor<'de> for AudienceSeed<'_> {
    type Value = Aud<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or an array of strings")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Aud::One(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Aud::One(Cow::Owned(v.to_owned())))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let item = StrSeed {
            cx: self.cx,
            name: "aud",
        };
        let mut audiences = Vec::new();
        while let Some(audience) = seq.next_element_seed(item)? {
            if audiences.len() >= self.cx.limits.max_members {
                return Err(self.cx.fail(Problem::TooManyMembers));
            }
            audiences.push(audience);
        }
        Ok(Aud::Many(audiences))
    }
}

/// A string-valued claim, borrowed from the JSON text when it has no escapes.
#[derive(Clone, Copy)]
pub(super) struct StrSeed<'c> {
    pub(super) cx: &'c Context,
    pub(super) name: &'static str,
}

impl<'de> DeserializeSeed<'de> for StrSeed<'_> {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let (cx, name) = (self.cx, self.name);
        deserializer
            .deserialize_any(self)
            .map_err(|err| invalid_unless_recorded(cx, name, err))
    }
}

impl<'de> Visitor<'de> for StrSeed<'_> {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
}

/// A string-valued claim or header parameter.
#[derive(Clone, Copy)]
struct StringSeed<'c> {
    cx: &'c Context,
    name: &'static str,
}

impl<'de> DeserializeSeed<'de> for StringSeed<'_> {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        let (cx, name) = (self.cx, self.name);
        deserializer
            .deserialize_any(self)
            .map_err(|err| invalid_unless_recorded(cx, name, err))
    }
}

impl<'de> Visitor<'de> for StringSeed<'_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
}

/// A value of the wrong type makes serde fail without a recorded problem: record that the
/// named claim is invalid. Syntax errors (`1e309`, a lone surrogate) land here too, which is
/// right: the claim is present and unusable, never absent.
fn invalid_unless_recorded<E: de::Error>(cx: &Context, name: &'static str, err: E) -> E {
    if cx.problem().is_some() {
        err
    } else {
        cx.fail(Problem::Invalid(name))
    }
}
