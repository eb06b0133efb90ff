//! Strict JSON: objects without duplicate members, bounded depth and width, strict strings.
//!
//! serde_json rejects invalid UTF-8 and lone surrogate escapes in every string it decodes,
//! but not in members a typed struct skips, and it lets a later duplicate member win. The
//! seeds here walk every value of a token's JSON so that neither can slip through.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Borrow;
use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashSet;
use std::fmt;
use std::hash::Hash;

/// Limits on the shape of a token's JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// The deepest nesting of objects and arrays, the outermost object being level 1.
    pub max_depth: usize,
    /// The most members one object (or items one array) may have.
    pub max_members: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 32,
            max_members: 256,
        }
    }
}

/// What was wrong with a value, recorded beside serde's error so the caller gets a typed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Problem {
    DuplicateMember,
    TooDeep,
    TooManyMembers,
    /// A registered claim or header parameter of the wrong type or out of range.
    Invalid(&'static str),
    /// A header parameter this crate refuses to process.
    Unsupported(&'static str),
}

/// Shared state of one decode: the first problem found.
#[derive(Default)]
pub(crate) struct Context {
    pub limits: Limits,
    problem: Cell<Option<Problem>>,
    /// Whether the walk is inside `act`, and whether the problem was found there.
    in_act: Cell<bool>,
    problem_in_act: Cell<bool>,
}

impl Context {
    pub fn new(limits: Limits) -> Self {
        Context {
            limits,
            ..Context::default()
        }
    }

    /// Records `problem` and returns an error that stops the decode.
    pub fn fail<E: de::Error>(&self, problem: Problem) -> E {
        if self.problem.get().is_none() {
            self.problem.set(Some(problem));
            self.problem_in_act.set(self.in_act.get());
        }
        E::custom("rejected by statebacked-claims")
    }

    pub fn problem(&self) -> Option<Problem> {
        self.problem.get()
    }

    /// Marks the walk as entering (`true`) or leaving `act`.
    pub fn set_in_act(&self, in_act: bool) {
        self.in_act.set(in_act);
    }

    /// Whether the recorded problem was found inside `act`.
    pub fn problem_in_act(&self) -> bool {
        self.problem_in_act.get()
    }
}

/// An object member name, borrowed from the input when it has no escapes.
pub(crate) struct MemberName<'de>(pub Cow<'de, str>);

impl<'de> de::Deserialize<'de> for MemberName<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = MemberName<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(MemberName(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(MemberName(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(MemberName(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

/// Tracks an object's member names to refuse duplicates and count members. The first
/// [`INLINE_MEMBERS`] names live on the stack and are compared linearly, by a fingerprint
/// first; wider objects spill into a hash set. Names are `Cow`s where serde_json may have
/// unescaped them, `&str`s in the [scan](super::scan), which takes only unescaped ones.
pub(crate) struct Members<N> {
    inline: [Option<N>; INLINE_MEMBERS],
    /// Each inline name's [`fingerprint`].
    prints: [u64; INLINE_MEMBERS],
    count: usize,
    spilled: Option<HashSet<N>>,
}

const INLINE_MEMBERS: usize = 16;

/// A name's length and its first, middle and last bytes: equal names have equal
/// fingerprints, and the names of one object seldom share one (`act`, `aud`, `exp`, `iat`,
/// `iss` all differ), so names are compared byte by byte only when they are probably equal.
fn fingerprint(name: &str) -> u64 {
    let bytes = name.as_bytes();
    match (bytes.first(), bytes.get(bytes.len() / 2), bytes.last()) {
        (Some(&first), Some(&middle), Some(&last)) => {
            u64::from(first)
                | u64::from(middle) << 8
                | u64::from(last) << 16
                | (bytes.len() as u64) << 24
        }
        _ => 0,
    }
}

impl<N: Borrow<str> + Eq + Hash> Members<N> {
    pub fn new() -> Self {
        Members {
            inline: [const { None }; INLINE_MEMBERS],
            prints: [0; INLINE_MEMBERS],
            count: 0,
            spilled: None,
        }
    }

    /// Records `name`; a problem if it was seen before or the object is too wide.
    #[inline]
    pub fn admit(&mut self, cx: &Context, name: N) -> Result<(), Problem> {
        if self.count >= cx.limits.max_members {
            return Err(Problem::TooManyMembers);
        }
        let seen = self.count;
        self.count += 1;
        if seen >= INLINE_MEMBERS {
            return self.admit_spilled(name);
        }
        let text: &str = name.borrow();
        let print = fingerprint(text);
        let duplicate = self.prints[..seen]
            .iter()
            .zip(&self.inline[..seen])
            .any(|(p, n)| *p == print && n.as_ref().is_some_and(|n| n.borrow() == text));
        if duplicate {
            return Err(Problem::DuplicateMember);
        }
        self.prints[seen] = print;
        self.inline[seen] = Some(name);
        Ok(())
    }

    /// A name past the inline ones: the first moves them all into the hash set.
    #[cold]
    #[inline(never)]
    fn admit_spilled(&mut self, name: N) -> Result<(), Problem> {
        let set = self
            .spilled
            .get_or_insert_with(|| self.inline.iter_mut().filter_map(Option::take).collect());
        if set.insert(name) {
            Ok(())
        } else {
            Err(Problem::DuplicateMember)
        }
    }
}

/// Walks any value at nesting level `level`, checking it and keeping nothing.
#[derive(Clone, Copy)]
pub(crate) struct StrictValue<'c> {
    pub cx: &'c Context,
    pub level: usize,
}

impl<'de> DeserializeSeed<'de> for StrictValue<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if self.level > self.cx.limits.max_depth {
            return Err(self.cx.fail(Problem::TooDeep));
        }
        let item = StrictValue {
            cx: self.cx,
            level: self.level + 1,
        };
        let mut items = 0;
        while seq.next_element_seed(item)?.is_some() {
            items += 1;
            if items > self.cx.limits.max_members {
                return Err(self.cx.fail(Problem::TooManyMembers));
            }
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        if self.level > self.cx.limits.max_depth {
            return Err(self.cx.fail(Problem::TooDeep));
        }
        let value = StrictValue {
            cx: self.cx,
            level: self.level + 1,
        };
        let mut members = Members::new();
        while let Some(MemberName(name)) = map.next_key()? {
            members
                .admit(self.cx, name)
                .map_err(|problem| self.cx.fail(problem))?;
            map.next_value_seed(value)?;
        }
        Ok(())
    }
}

/// Whether a JSON text is an object (its first non-whitespace byte opens one).
pub(crate) fn is_object(json: &str) -> bool {
    json.trim_start_matches([' ', '\t', '\n', '\r'])
        .starts_with('{')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks a whole JSON text strictly, the outermost value being at `level`.
    fn check(cx: &Context, json: &str, level: usize) -> Result<(), Option<Problem>> {
        let mut deserializer = serde_json::Deserializer::from_str(json);
        StrictValue { cx, level }
            .deserialize(&mut deserializer)
            .and_then(|()| deserializer.end())
            .map_err(|_| cx.problem())
    }

    fn strict(json: &str) -> Result<(), Option<Problem>> {
        check(&Context::new(Limits::default()), json, 1)
    }

    #[test]
    fn accepts_ordinary_json() {
        assert_eq!(
            strict(r#"{"a":[1,2.5,-3,"x",null,true,{"b":{}}],"c":"\u00e9\ud83d\ude00"}"#),
            Ok(())
        );
    }

    #[test]
    fn rejects_duplicates_at_any_level() {
        assert_eq!(
            strict(r#"{"auth":"anonymous","auth":"user"}"#),
            Err(Some(Problem::DuplicateMember))
        );
        assert_eq!(
            strict(r#"{"a":{"b":1,"b":2}}"#),
            Err(Some(Problem::DuplicateMember))
        );
        // Escapes do not hide a duplicate.
        assert_eq!(
            strict(r#"{"auth":1,"\u0061uth":2}"#),
            Err(Some(Problem::DuplicateMember))
        );
    }

    #[test]
    fn finds_duplicates_among_inline_and_spilled_names() {
        let object = |names: &[String]| {
            let members: Vec<_> = names.iter().map(|n| format!("\"{n}\":0")).collect();
            format!("{{{}}}", members.join(","))
        };
        let names: Vec<String> = (0..20).map(|i| format!("name-{i}-long")).collect();
        assert_eq!(strict(&object(&names)), Ok(()));
        // The duplicate as the name that spills, after it, and among short names.
        for at in [16, 17, 19] {
            let mut dup = names.clone();
            dup[at] = names[3].clone();
            assert_eq!(
                strict(&object(&dup)),
                Err(Some(Problem::DuplicateMember)),
                "{at}"
            );
        }
        assert_eq!(
            strict(r#"{"act":1,"aud":2,"exp":3,"iat":4,"iss":5,"a\u0000":6,"a":7}"#),
            Ok(())
        );
        assert_eq!(
            strict(r#"{"act":1,"aud":2,"exp":3,"aud":4}"#),
            Err(Some(Problem::DuplicateMember))
        );
        // Same length and first seven bytes, different after.
        assert_eq!(strict(r#"{"abcdefgX":1,"abcdefgY":2}"#), Ok(()));
        assert_eq!(
            strict(r#"{"abcdefgX":1,"abcdefgX":2}"#),
            Err(Some(Problem::DuplicateMember))
        );
    }

    #[test]
    fn rejects_lone_surrogates_even_in_unknown_members() {
        assert_eq!(strict(r#"{"x":"\ud800"}"#), Err(None));
        assert_eq!(strict(r#"{"x":["\udc00"]}"#), Err(None));
        assert_eq!(strict(r#"{"\ud800":1}"#), Err(None));
    }

    #[test]
    fn bounds_depth_and_width() {
        let deep = format!("{}{}", "[".repeat(32), "]".repeat(32));
        assert_eq!(check(&Context::new(Limits::default()), &deep, 1), Ok(()));
        let deeper = format!("{}{}", "[".repeat(33), "]".repeat(33));
        assert_eq!(
            check(&Context::new(Limits::default()), &deeper, 1),
            Err(Some(Problem::TooDeep))
        );
        let wide = format!(
            "{{{}}}",
            (0..257)
                .map(|i| format!("\"k{i}\":0"))
                .collect::<Vec<_>>()
                .join(",")
        );
        assert_eq!(strict(&wide), Err(Some(Problem::TooManyMembers)));
    }

    #[test]
    fn rejects_trailing_data() {
        assert_eq!(strict(r#"{"a":1} {"a":2}"#), Err(None));
    }

    #[test]
    fn recognises_objects() {
        assert!(is_object(" \n{\"a\":1}"));
        assert!(!is_object("[{}]"));
        assert!(!is_object("null"));
    }
}
