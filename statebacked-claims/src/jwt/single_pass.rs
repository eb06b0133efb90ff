//! One serde pass over `act`: the claims type reads it through a deserializer that checks the
//! JSON as strictly as [`StrictValue`](super::json::StrictValue) walks it and probes `act`'s
//! members as [`ActVisitor`](super::probe::ActVisitor) does.
//!
//! The pass is an optimisation, not a second definition of what a valid token is: when it
//! fails for any reason, or meets JSON it cannot vouch for, the verifier runs the two-pass
//! path (strict walk, then serde), which gives the precise error. So this module only has to
//! guarantee that when it succeeds, the two-pass path would have accepted the same JSON and
//! built the same claims; every doubt here is an error that sends the token there.
//!
//! What it checks, like the strict walk: no duplicate member in any object, nesting at most
//! [`Limits::max_depth`](super::json::Limits) deep, at most `max_members` members or items;
//! strings are decoded by serde_json even where the type skips them (so lone surrogates are
//! refused everywhere). Every error raised through it is noted in the [`Context`], so a type
//! that swallows one (a lenient `deserialize_with`, say) cannot carry the pass past a check:
//! the caller takes the pass as failed. What it cannot vouch for, and refuses: byte strings
//! (serde_json hands them over without decoding escapes strictly), serde_json's `RawValue`
//! (skipped, never decoded), member names a type reads as numbers, booleans, options, newtypes,
//! enums or bytes (serde_json parses those from the name), enums where the probe needs the
//! string (`auth`, `sid`, `did`, `act` itself) or nested too deep to tell their shape, and
//! numbers past the depth limit (with serde_json's `arbitrary_precision` the strict walk sees
//! them as objects, one level deeper).

use super::json::{Context, Members, Problem};
use super::probe::{ActProbe, Slot};
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};
use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;

/// Reads `act` into `C` in the pass that checks it, probing its members into `probe`.
pub(super) struct TypedAct<'p, C> {
    pub cx: &'p Context,
    pub probe: &'p RefCell<ActProbe>,
    pub claims: PhantomData<C>,
}

impl<'de, C: de::Deserialize<'de>> DeserializeSeed<'de> for TypedAct<'_, C> {
    type Value = C;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<C, D::Error> {
        // Until the type asks for an object, `act` is taken not to be one.
        self.probe.borrow_mut().not_object = true;
        C::deserialize(Strict {
            de,
            walk: Walk {
                cx: self.cx,
                level: 2,
                probe: Some(self.probe),
                capture: None,
            },
        })
    }
}

/// Where in the JSON a value is, and what is recorded from it.
#[derive(Clone, Copy)]
struct Walk<'p> {
    cx: &'p Context,
    /// The value's nesting level, the claims set being level 1.
    level: usize,
    /// For `act` itself: the probe its members are recorded in.
    probe: Option<&'p RefCell<ActProbe>>,
    /// For the value of `act`'s `auth`, `sid` or `did`: where a string goes.
    capture: Option<(&'p RefCell<ActProbe>, Slot)>,
}

impl<'p> Walk<'p> {
    /// The walk of a value inside this one.
    fn child(self) -> Walk<'p> {
        Walk {
            cx: self.cx,
            level: self.level + 1,
            probe: None,
            capture: None,
        }
    }

    /// Refuses an object or array at this level if it is too deep.
    fn enter<E: de::Error>(self) -> Result<(), E> {
        if self.level > self.cx.limits.max_depth {
            return Err(self.cx.fail(Problem::TooDeep));
        }
        Ok(())
    }

    /// Records the string `v` if this value is one the probe wants.
    fn capture(self, v: &str) {
        if let Some((probe, slot)) = self.capture {
            probe.borrow_mut().string(slot, v);
        }
    }
}

/// An error that sends the token to the two-pass path.
fn unsupported<E: de::Error>(cx: &Context, what: &str) -> E {
    cx.note_error();
    E::custom(format_args!("{what} is not read in the single pass"))
}

/// Notes `result`'s error, if any, before handing it back to whoever may swallow it.
fn noted<T, E>(cx: &Context, result: Result<T, E>) -> Result<T, E> {
    if result.is_err() {
        cx.note_error();
    }
    result
}

/// A deserializer for one value that checks it strictly as its type reads it.
struct Strict<'p, D> {
    de: D,
    walk: Walk<'p>,
}

macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
            let walk = self.walk;
            noted(walk.cx, self.de.$method($($arg,)* Checked { visitor, walk }))
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Strict<'_, D> {
    type Error = D::Error;

    forward! {
        deserialize_any();
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_i128();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_u128();
        deserialize_f32();
        deserialize_f64();
        deserialize_char();
        deserialize_str();
        deserialize_string();
        deserialize_option();
        deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_seq();
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map();
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier();
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        // serde_json's `RawValue` and `Number` are newtypes with private names it skips or
        // reads raw.
        let walk = self.walk;
        if name.starts_with("$serde_json") {
            return Err(unsupported(walk.cx, "a serde_json private type"));
        }
        noted(
            walk.cx,
            self.de
                .deserialize_newtype_struct(name, Checked { visitor, walk }),
        )
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _: V) -> Result<V::Value, D::Error> {
        Err(unsupported(self.walk.cx, "a byte string"))
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, _: V) -> Result<V::Value, D::Error> {
        Err(unsupported(self.walk.cx, "a byte string"))
    }

    /// A skipped value is walked all the same, where the strict checks matter most; the
    /// visitor then sees what serde_json shows it for a skipped value: a unit.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        let walk = self.walk;
        let visitor_ = Checked {
            visitor: de::IgnoredAny,
            walk,
        };
        noted(walk.cx, self.de.deserialize_any(visitor_))?;
        noted(walk.cx, visitor.visit_unit())
    }

    fn is_human_readable(&self) -> bool {
        self.de.is_human_readable()
    }
}

/// The type's visitor, handed checked maps, sequences and enums.
struct Checked<'p, V> {
    visitor: V,
    walk: Walk<'p>,
}

macro_rules! forward_visit {
    ($($method:ident($ty:ty);)*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
            self.visitor.$method(v)
        }
    )*};
}

/// Numbers, refused past the depth limit (see the module's documentation).
macro_rules! forward_number {
    ($($method:ident($ty:ty);)*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
            if self.walk.level > self.walk.cx.limits.max_depth {
                return Err(unsupported(self.walk.cx, "a number this deep"));
            }
            self.visitor.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Checked<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.visitor.expecting(f)
    }

    forward_number! {
        visit_i8(i8);
        visit_i16(i16);
        visit_i32(i32);
        visit_i64(i64);
        visit_i128(i128);
        visit_u8(u8);
        visit_u16(u16);
        visit_u32(u32);
        visit_u64(u64);
        visit_u128(u128);
        visit_f32(f32);
        visit_f64(f64);
    }

    forward_visit! {
        visit_bool(bool);
        visit_char(char);
        visit_bytes(&[u8]);
        visit_borrowed_bytes(&'de [u8]);
        visit_byte_buf(Vec<u8>);
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        self.walk.capture(v);
        self.visitor.visit_str(v)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        self.walk.capture(v);
        self.visitor.visit_borrowed_str(v)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        self.walk.capture(&v);
        self.visitor.visit_string(v)
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_unit()
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_none()
    }

    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_some(Strict {
            de,
            walk: self.walk,
        })
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, de: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_newtype_struct(Strict {
            de,
            walk: self.walk,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.walk.enter()?;
        self.visitor.visit_seq(CheckedSeq {
            seq,
            walk: self.walk.child(),
            items: 0,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.walk.enter()?;
        if let Some(probe) = self.walk.probe {
            probe.borrow_mut().not_object = false;
        }
        // Here rather than in the map access, which is moved into the visitor.
        let mut members = Members::new();
        self.visitor.visit_map(CheckedMap {
            map,
            walk: self.walk.child(),
            members: &mut members,
            probe: self.walk.probe,
            pending: None,
        })
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        // The probe reads `act` as an object and its `auth`/`sid`/`did` as strings, which an
        // enum would hide from it.
        if self.walk.probe.is_some() || self.walk.capture.is_some() {
            return Err(unsupported(self.walk.cx, "an enum the probe reads"));
        }
        // `"Variant"` or `{"Variant": …}`: which one is not known here, so refuse both where
        // the object would be too deep.
        self.walk.enter()?;
        self.visitor.visit_enum(CheckedEnum {
            data,
            walk: self.walk,
        })
    }
}

/// A seed whose value is checked strictly.
struct CheckedSeed<'p, S> {
    seed: S,
    walk: Walk<'p>,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for CheckedSeed<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(Strict {
            de,
            walk: self.walk,
        })
    }
}

struct CheckedSeq<'p, A> {
    seq: A,
    /// The walk of each item.
    walk: Walk<'p>,
    items: usize,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for CheckedSeq<'_, A> {
    type Error = A::Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, A::Error> {
        let walk = self.walk;
        let item = noted(
            walk.cx,
            self.seq.next_element_seed(CheckedSeed { seed, walk }),
        )?;
        if item.is_some() {
            self.items += 1;
            if self.items > walk.cx.limits.max_members {
                return Err(walk.cx.fail(Problem::TooManyMembers));
            }
        }
        Ok(item)
    }

    fn size_hint(&self) -> Option<usize> {
        self.seq.size_hint()
    }
}

struct CheckedMap<'p, 'm, 'de, A> {
    map: A,
    /// The walk of each member's value.
    walk: Walk<'p>,
    members: &'m mut Members<'de>,
    /// For `act` itself: where its members are recorded.
    probe: Option<&'p RefCell<ActProbe>>,
    /// The probe's interest in the value of the member just read.
    pending: Option<Slot>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for CheckedMap<'_, '_, 'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let cx = self.walk.cx;
        let key = self.map.next_key_seed(KeySeed {
            seed,
            name: Name {
                cx,
                members: self.members,
                probe: self.probe,
                pending: &mut self.pending,
            },
        });
        noted(cx, key)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        let capture = self
            .pending
            .take()
            .and_then(|slot| self.probe.map(|probe| (probe, slot)));
        let walk = Walk {
            capture,
            ..self.walk
        };
        noted(
            walk.cx,
            self.map.next_value_seed(CheckedSeed { seed, walk }),
        )
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// Records a member name: refuses duplicates and too many members, and probes `act`'s.
struct Name<'a, 'p, 'de> {
    cx: &'p Context,
    members: &'a mut Members<'de>,
    probe: Option<&'p RefCell<ActProbe>>,
    pending: &'a mut Option<Slot>,
}

impl<'de> Name<'_, '_, 'de> {
    fn record<E: de::Error>(self, name: Cow<'de, str>) -> Result<(), E> {
        if let Some(probe) = self.probe {
            *self.pending = probe.borrow_mut().member(&name);
        }
        self.members
            .admit(self.cx, name)
            .map_err(|problem| self.cx.fail(problem))
    }
}

/// The type's seed for a member name, handed the name as a string once it is recorded.
struct KeySeed<'a, 'p, 'de, K> {
    seed: K,
    name: Name<'a, 'p, 'de>,
}

impl<'de, K: DeserializeSeed<'de>> DeserializeSeed<'de> for KeySeed<'_, '_, 'de, K> {
    type Value = K::Value;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<K::Value, D::Error> {
        self.seed.deserialize(KeyDeserializer {
            de,
            name: self.name,
        })
    }
}

/// A member name's deserializer. serde_json's hands the name over as a string for the methods
/// forwarded here; for the others it parses the name (a number, a boolean) or wraps it (an
/// option, a newtype, an enum, bytes), which would hide it from the record: those are refused
/// and the token takes the two-pass path.
struct KeyDeserializer<'a, 'p, 'de, D> {
    de: D,
    name: Name<'a, 'p, 'de>,
}

macro_rules! refuse_key {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* _: V) -> Result<V::Value, D::Error> {
            $(let _ = $arg;)*
            Err(unsupported(self.name.cx, "a member name read as anything but a string"))
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for KeyDeserializer<'_, '_, 'de, D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        let cx = self.name.cx;
        let name = self.de.deserialize_any(KeyVisitor {
            visitor,
            name: self.name,
        });
        noted(cx, name)
    }

    serde::forward_to_deserialize_any! {
        char str string unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }

    refuse_key! {
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_i128();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_u128();
        deserialize_f32();
        deserialize_f64();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_option();
        deserialize_newtype_struct(name: &'static str);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
    }
}

/// Records the name, then hands it to the type's visitor; anything but a string is refused.
struct KeyVisitor<'a, 'p, 'de, V> {
    visitor: V,
    name: Name<'a, 'p, 'de>,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for KeyVisitor<'_, '_, 'de, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        self.name.record(Cow::Borrowed(v))?;
        self.visitor.visit_borrowed_str(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        self.name.record(Cow::Owned(v.to_owned()))?;
        self.visitor.visit_str(v)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        self.name.record(Cow::Owned(v.clone()))?;
        self.visitor.visit_string(v)
    }
}

struct CheckedEnum<'p, A> {
    data: A,
    /// The walk of the enum's value (the string or the one-member object).
    walk: Walk<'p>,
}

impl<'p, 'de, A: EnumAccess<'de>> EnumAccess<'de> for CheckedEnum<'p, A> {
    type Error = A::Error;
    type Variant = CheckedVariant<'p, A::Variant>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self::Variant), A::Error> {
        let walk = Walk {
            capture: None,
            probe: None,
            ..self.walk
        };
        let (value, variant) = noted(walk.cx, self.data.variant_seed(CheckedSeed { seed, walk }))?;
        Ok((
            value,
            CheckedVariant {
                variant,
                walk: walk.child(),
            },
        ))
    }
}

struct CheckedVariant<'p, A> {
    variant: A,
    /// The walk of the variant's content, inside the one-member object.
    walk: Walk<'p>,
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for CheckedVariant<'_, A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        noted(self.walk.cx, self.variant.unit_variant())
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, A::Error> {
        let walk = self.walk;
        noted(
            walk.cx,
            self.variant
                .newtype_variant_seed(CheckedSeed { seed, walk }),
        )
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        let walk = self.walk;
        noted(
            walk.cx,
            self.variant.tuple_variant(len, Checked { visitor, walk }),
        )
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        let walk = self.walk;
        noted(
            walk.cx,
            self.variant
                .struct_variant(fields, Checked { visitor, walk }),
        )
    }
}

#[cfg(test)]
mod tests {
    //! The single pass against the two it replaces, on generated JSON: duplicates at every
    //! level, lone surrogates, too deep and too wide, `auth`/`sid`/`did` of every type, read
    //! by types that take everything, skip members, refuse unknown ones, flatten or hold enums.

    use super::*;
    use crate::jwt::json::Limits;
    use crate::jwt::probe::{ActVisitor, AuthValue};
    use proptest::prelude::*;
    use serde::Deserialize;
    use serde::de::DeserializeOwned;
    use std::collections::HashMap;

    /// Small limits, so that generated JSON reaches them.
    const LIMITS: Limits = Limits {
        max_depth: 4,
        max_members: 3,
    };

    /// `act`'s JSON read in the single pass: the value and the probe, or `None` (the verifier
    /// would then take the two passes).
    fn single<T: DeserializeOwned>(act: &str) -> Option<(T, ActProbe)> {
        let cx = Context::new(LIMITS);
        let probe = RefCell::new(ActProbe::default());
        let mut de = serde_json::Deserializer::from_str(act);
        let value = TypedAct {
            cx: &cx,
            probe: &probe,
            claims: PhantomData::<T>,
        }
        .deserialize(&mut de)
        .and_then(|value| de.end().map(|()| value))
        .ok()?;
        // As the verifier takes it: successful and clean.
        cx.is_clean().then(|| (value, probe.into_inner()))
    }

    /// The same JSON in two passes: the strict walk and probe, then serde_json alone.
    fn two<T: DeserializeOwned>(act: &str) -> Option<(T, ActProbe)> {
        let cx = Context::new(LIMITS);
        let mut de = serde_json::Deserializer::from_str(act);
        let probe = ActVisitor { cx: &cx }
            .deserialize(&mut de)
            .and_then(|probe| de.end().map(|()| probe))
            .ok()?;
        let value = serde_json::from_str(act).ok()?;
        Some((value, probe))
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Skipping {
        sub: Option<String>,
        #[serde(default)]
        groups: Vec<String>,
        auth: Option<String>,
        a: Option<Role>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Strict {
        sub: Option<String>,
        sid: Option<String>,
        did: Option<String>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Flattened {
        sub: Option<String>,
        #[serde(flatten)]
        rest: HashMap<String, serde_json::Value>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Empty {}

    /// Swallows its field's errors, as lenient `deserialize_with` helpers do.
    fn lenient<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(
        de: D,
    ) -> Result<T, D::Error> {
        Ok(T::deserialize(de).unwrap_or_default())
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Lenient {
        #[serde(default, deserialize_with = "lenient")]
        a: Vec<serde_json::Value>,
        #[serde(default, deserialize_with = "lenient")]
        sub: Option<String>,
        #[serde(default, deserialize_with = "lenient")]
        groups: serde_json::Value,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    enum Auth {
        #[serde(rename = "anonymous")]
        Anonymous,
        #[serde(other)]
        Other,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct WithAuthEnum {
        auth: Option<Auth>,
        sid: Option<String>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    enum Role {
        #[serde(rename = "anonymous")]
        Anonymous,
        Other(u8),
        Pair {
            a: u8,
        },
    }

    /// Whatever the single pass accepts, the two passes accept, with the same value and probe.
    /// (It may refuse more: those tokens take the two passes.)
    fn assert_same<T: DeserializeOwned + PartialEq + fmt::Debug>(act: &str) {
        if let Some(single) = single::<T>(act) {
            assert_eq!(Some(single), two::<T>(act), "{act}");
        }
    }

    /// `assert_same`, and the single pass accepts what the two passes accept.
    fn assert_equivalent<T: DeserializeOwned + PartialEq + fmt::Debug>(act: &str) {
        assert_eq!(single::<T>(act), two::<T>(act), "{act}");
    }

    /// JSON text of any value, keys from a small set so that duplicates are common.
    fn json() -> impl Strategy<Value = String> {
        let key = prop_oneof![
            Just("sub"),
            Just("auth"),
            Just("sid"),
            Just("did"),
            Just("a"),
            Just("groups"),
            Just(r"\u0061"),
            Just(r"\ud800"),
        ];
        let leaf = prop_oneof![
            Just("null".to_owned()),
            Just("true".to_owned()),
            Just("7".to_owned()),
            Just("-1.5".to_owned()),
            Just(r#""anonymous""#.to_owned()),
            Just(r#""""#.to_owned()),
            Just(r#""Anonymous""#.to_owned()),
            Just(r#""s\u00e9""#.to_owned()),
            Just(r#""\udc00""#.to_owned()),
        ];
        leaf.prop_recursive(6, 48, 5, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5)
                    .prop_map(|items| format!("[{}]", items.join(","))),
                proptest::collection::vec((key.clone(), inner), 0..5).prop_map(|members| {
                    let members: Vec<_> = members
                        .iter()
                        .map(|(k, v)| format!(r#""{k}":{v}"#))
                        .collect();
                    format!("{{{}}}", members.join(","))
                }),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn single_pass_agrees_with_two(act in json()) {
            assert_same::<serde_json::Value>(&act);
            assert_same::<Skipping>(&act);
            assert_same::<Strict>(&act);
            assert_same::<Flattened>(&act);
            assert_same::<Empty>(&act);
            assert_same::<HashMap<String, serde_json::Value>>(&act);
            assert_same::<Lenient>(&act);
            assert_same::<WithAuthEnum>(&act);
            assert_same::<Role>(&act);
        }
    }

    #[test]
    fn ordinary_act_is_read_in_one_pass() {
        let act = r#"{"sub":"u","a":{"Other":7},"x":{"y":[true]}}"#;
        let (value, probe) = single::<Skipping>(act).expect("read in one pass");
        assert_eq!(value.sub.as_deref(), Some("u"));
        assert_eq!(value.a, Some(Role::Other(7)));
        assert!(probe.has_sub && probe.other_claims && !probe.not_object);
        assert_equivalent::<Skipping>(act);
        assert_equivalent::<serde_json::Value>(act);
        assert_equivalent::<Flattened>(act);
    }

    #[test]
    fn anonymous_act_is_probed() {
        let act = r#"{"sid":"s","did":"d","auth":"anonymous"}"#;
        let (value, probe) = single::<Skipping>(act).expect("read in one pass");
        assert_eq!(value.auth.as_deref(), Some("anonymous"));
        assert_eq!(probe.auth, Some(AuthValue::Anonymous));
        assert_eq!(
            (probe.sid.as_deref(), probe.did.as_deref()),
            (Some("s"), Some("d"))
        );
        assert!(!probe.other_claims && !probe.has_sub);
        assert_equivalent::<Skipping>(act);
        // Captured whether the type reads them or skips them.
        let (_, skipped) = single::<Empty>(act).expect("read in one pass");
        assert_eq!(skipped, probe);
        // Any other `auth` is `Other`; empty `sid`/`did` are none.
        let (_, probe) = single::<Empty>(r#"{"auth":"Anonymous","sid":"","did":7}"#).unwrap();
        assert_eq!(probe.auth, Some(AuthValue::Other));
        assert_eq!((probe.sid, probe.did), (None, None));
        // A type refusing `auth` leaves the token to the two passes.
        assert!(single::<Strict>(act).is_none());
    }

    #[test]
    fn what_it_cannot_vouch_for_takes_two_passes() {
        // Members a type skips are checked all the same.
        assert!(single::<Empty>(r#"{"x":{"k":1,"k":2}}"#).is_none());
        assert!(single::<Empty>(r#"{"x":"\ud800"}"#).is_none());
        assert!(single::<Empty>(r#"{"x":[[[[1]]]]}"#).is_none());
        assert!(single::<Empty>(r#"{"x":[1,2,3,4]}"#).is_none());
        // A later duplicate does not win, in a map or in a struct's skipped member.
        assert!(single::<HashMap<String, u8>>(r#"{"k":1,"k":2}"#).is_none());
        assert!(single::<HashMap<String, u8>>(r#"{"k":1,"\u006b":2}"#).is_none());
        // Names read as numbers, and byte strings.
        assert!(single::<HashMap<u8, u8>>(r#"{"1":1}"#).is_none());
        assert!(serde_json::from_str::<HashMap<u8, u8>>(r#"{"1":1}"#).is_ok());
        #[derive(Deserialize)]
        struct Bytes {
            #[allow(dead_code)]
            b: serde_bytes_like::Bytes,
        }
        assert!(single::<Bytes>(r#"{"b":"x"}"#).is_none());
    }

    #[test]
    fn a_swallowed_error_still_fails_the_pass() {
        // Too wide, too deep, a duplicate, a lone surrogate: each inside a field whose
        // `deserialize_with` swallows the error and returns a default.
        for act in [
            r#"{"a":[1,2,3,4]}"#,
            r#"{"a":[[[[1]]]]}"#,
            r#"{"groups":{"k":1,"k":2}}"#,
            r#"{"sub":"\ud800"}"#,
        ] {
            assert!(single::<Lenient>(act).is_none(), "{act}");
            assert!(two::<Lenient>(act).is_none(), "{act}");
        }
        assert_equivalent::<Lenient>(r#"{"a":[1,2,3],"sub":"u"}"#);
    }

    #[test]
    fn enums_hiding_what_the_probe_reads_take_two_passes() {
        let act = r#"{"auth":"anonymous","sid":"s"}"#;
        assert!(single::<WithAuthEnum>(act).is_none());
        let (value, probe) = two::<WithAuthEnum>(act).unwrap();
        assert_eq!(value.auth, Some(Auth::Anonymous));
        assert_eq!(probe.auth, Some(AuthValue::Anonymous));
        // `act` itself read as an enum.
        assert!(single::<Role>(r#"{"Pair":{"a":1}}"#).is_none());
        assert!(two::<Role>(r#"{"Pair":{"a":1}}"#).is_some());
    }

    #[test]
    fn skipped_values_look_skipped() {
        /// True when serde shows it a unit, as serde_json does for a skipped value.
        #[derive(Debug, PartialEq)]
        struct SawUnit(bool);
        impl<'de> Deserialize<'de> for SawUnit {
            fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = SawUnit;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str("anything")
                    }
                    fn visit_unit<E>(self) -> Result<SawUnit, E> {
                        Ok(SawUnit(true))
                    }
                    fn visit_str<E>(self, _: &str) -> Result<SawUnit, E> {
                        Ok(SawUnit(false))
                    }
                }
                de.deserialize_ignored_any(V)
            }
        }
        #[derive(Debug, PartialEq, Deserialize)]
        struct Holder {
            x: SawUnit,
        }
        let (value, _) = single::<Holder>(r#"{"x":"text"}"#).unwrap();
        assert_eq!(value.x, SawUnit(true));
        assert_equivalent::<Holder>(r#"{"x":"text"}"#);
    }

    #[test]
    fn names_parsed_by_serde_json_and_deep_numbers_take_two_passes() {
        assert!(single::<HashMap<bool, u8>>(r#"{"true":1}"#).is_none());
        assert!(two::<HashMap<bool, u8>>(r#"{"true":1}"#).is_some());
        assert!(single::<HashMap<String, Option<u8>>>(r#"{"k":null}"#).is_some());
        // A number past the depth limit (level 5 here): the strict walk, with serde_json's
        // `arbitrary_precision`, would see an object there.
        assert!(single::<HashMap<String, Vec<Vec<u8>>>>(r#"{"a":[[1]]}"#).is_none());
        assert!(two::<HashMap<String, Vec<Vec<u8>>>>(r#"{"a":[[1]]}"#).is_some());
        assert!(single::<HashMap<String, Vec<u8>>>(r#"{"a":[1]}"#).is_some());
    }

    /// A field read with `deserialize_bytes`, as `serde_bytes` does.
    mod serde_bytes_like {
        use serde::de::{Deserialize, Deserializer, Visitor};
        use std::fmt;

        pub struct Bytes;

        impl<'de> Deserialize<'de> for Bytes {
            fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = Bytes;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str("bytes")
                    }
                    fn visit_bytes<E>(self, _: &[u8]) -> Result<Bytes, E> {
                        Ok(Bytes)
                    }
                }
                de.deserialize_bytes(V)
            }
        }
    }
}
