//! Generators for the values a claim holds, from the rules the schema records.

use super::{Site, pattern, weighted};
use crate::validate::{Bound, Choice, Rule};
use proptest::arbitrary::any;
use proptest::collection;
use proptest::strategy::{BoxedStrategy, Just, LazyJust, Strategy};
use std::fmt;

/// A step of a claim path below a claim: a member of a nested claims type or an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    /// A member: `zip` in `act.address.zip`.
    Field(&'static str),
    /// An item: `1` in `act.roles[1]`.
    Index(usize),
}

/// A value that breaks `rule` at `path` below the claim that holds it.
#[derive(Debug, Clone)]
pub struct Broken<T> {
    pub(super) value: T,
    pub(super) rule: &'static str,
    pub(super) path: Vec<Segment>,
}

impl<T> Broken<T> {
    /// `value`, which breaks `rule` itself.
    pub fn new(value: T, rule: &'static str) -> Self {
        Broken {
            value,
            rule,
            path: Vec::new(),
        }
    }

    /// `value`, which breaks `rule` at `path` below it.
    pub(crate) fn at(value: T, rule: &'static str, path: Vec<Segment>) -> Self {
        Broken { value, rule, path }
    }

    /// The value, and the breakage without it.
    pub fn split(self) -> (T, Broken<()>) {
        (
            self.value,
            Broken {
                value: (),
                rule: self.rule,
                path: self.path,
            },
        )
    }

    /// The value.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The value, owned.
    pub fn into_value(self) -> T {
        self.value
    }

    /// The rule's name, as `validate()` reports it.
    pub fn rule(&self) -> &'static str {
        self.rule
    }

    /// Where below the claim the broken value sits: empty for the claim itself.
    pub fn path(&self) -> &[Segment] {
        &self.path
    }

    /// The same breakage, inside a wrapper made by `wrap`.
    pub fn map<U>(self, wrap: impl FnOnce(T) -> U) -> Broken<U> {
        Broken {
            value: wrap(self.value),
            rule: self.rule,
            path: self.path,
        }
    }

    /// The same breakage, `first` steps further down.
    pub(crate) fn under(mut self, first: Segment) -> Self {
        self.path.insert(0, first);
        self
    }

    /// The path of the broken value in a claim named `wire_name`, relative to the type:
    /// `roles[1]`.
    pub(crate) fn path_under(&self, wire_name: &str) -> String {
        render(None, wire_name, &self.path)
    }
}

/// `root.first.second[3]`, or `first.second[3]` without a root.
pub(crate) fn render(root: Option<&str>, first: &str, rest: &[Segment]) -> String {
    let mut out = match root {
        Some(root) => format!("{root}.{first}"),
        None => first.to_owned(),
    };
    for segment in rest {
        match segment {
            Segment::Field(name) => {
                out.push('.');
                out.push_str(name);
            }
            Segment::Index(index) => out.push_str(&format!("[{index}]")),
        }
    }
    out
}

/// A type whose values a claim can hold, with generators that follow the rules.
///
/// Implemented for strings, integers, floats, `bool`, `serde_json::Value`, `Option`, `Box`,
/// `Vec`, `VecDeque`, sets, string-keyed maps, and (by the derive) every `Claims` type. The
/// generators honour every rule but `custom`, which the claim's checks filter afterwards.
#[diagnostic::on_unimplemented(
    message = "the generators of `statebacked_claims::generate` do not know `{Self}`",
    note = "name a generator for the claim: #[claim(validate(custom(check, strategy = path::to::strategy)))]"
)]
pub trait ClaimValue: Sized + fmt::Debug + 'static {
    /// Values that pass `rules` (but `custom` ones).
    fn valid(rules: &[Rule], site: &Site) -> BoxedStrategy<Self>;

    /// For each rule of `rules` these generators can break, values that break it.
    fn invalid(rules: &[Rule], site: &Site) -> Vec<BoxedStrategy<Broken<Self>>>;
}

/// A claim's rules, read once.
#[derive(Default)]
pub(super) struct Read {
    pub(super) non_empty: bool,
    pub(super) min_len: Option<u64>,
    pub(super) max_len: Option<u64>,
    pub(super) range: Option<(Option<Bound>, Option<Bound>)>,
    pub(super) email: bool,
    pub(super) url: bool,
    pub(super) regex: Option<&'static str>,
    pub(super) one_of: Option<&'static [Choice]>,
    pub(super) prefix: Option<&'static str>,
    pub(super) each: Vec<Rule>,
    pub(super) nested: bool,
}

impl Read {
    pub(super) fn of(rules: &[Rule]) -> Read {
        let mut read = Read::default();
        for rule in rules {
            match *rule {
                Rule::NonEmpty => read.non_empty = true,
                Rule::Length { min, max } => (read.min_len, read.max_len) = (min, max),
                Rule::Range { min, max } => read.range = Some((min, max)),
                Rule::Email => read.email = true,
                Rule::Url => read.url = true,
                Rule::Regex(pattern) => read.regex = Some(pattern),
                Rule::OneOf(choices) => read.one_of = Some(choices),
                Rule::Prefix(prefix) => read.prefix = Some(prefix),
                Rule::Each(rules) => read.each = rules.to_vec(),
                Rule::Nested => read.nested = true,
                _ => {}
            }
        }
        read
    }

    /// The least and greatest length allowed; `None` for no greatest.
    pub(super) fn lengths(&self) -> (usize, Option<usize>) {
        let min = self.min_len.map_or(0, to_usize);
        let min = if self.non_empty { min.max(1) } else { min };
        (min, self.max_len.map(to_usize))
    }

    /// The rules of each item: `each(...)`'s, and the nested type's own.
    pub(super) fn item_rules(&self) -> Vec<Rule> {
        let mut rules = self.each.clone();
        if self.nested {
            rules.push(Rule::Nested);
        }
        rules
    }
}

pub(super) fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// How far past the least length values go when there is no greatest.
const OPEN_LENGTH: usize = 24;
/// How many items a collection has at most when no rule bounds it.
pub(super) const OPEN_ITEMS: usize = 6;

/// `Some` of `inner`'s values three times in four, else `None` (which shrinks first).
pub fn option<S: Strategy + 'static>(inner: S) -> BoxedStrategy<Option<S::Value>> {
    weighted(vec![
        (1, LazyJust::new(|| None).boxed()),
        (3, inner.prop_map(Some).boxed()),
    ])
}

impl<T: ClaimValue> ClaimValue for Option<T> {
    fn valid(rules: &[Rule], site: &Site) -> BoxedStrategy<Self> {
        option(T::valid(rules, site))
    }

    fn invalid(rules: &[Rule], site: &Site) -> Vec<BoxedStrategy<Broken<Self>>> {
        T::invalid(rules, site)
            .into_iter()
            .map(|s| s.prop_map(|broken| broken.map(Some)).boxed())
            .collect()
    }
}

impl<T: ClaimValue> ClaimValue for Box<T> {
    fn valid(rules: &[Rule], site: &Site) -> BoxedStrategy<Self> {
        T::valid(rules, site).prop_map(Box::new).boxed()
    }

    fn invalid(rules: &[Rule], site: &Site) -> Vec<BoxedStrategy<Broken<Self>>> {
        T::invalid(rules, site)
            .into_iter()
            .map(|s| s.prop_map(|broken| broken.map(Box::new)).boxed())
            .collect()
    }
}

// ---- strings ----

/// Strings of `lo..=hi` characters after `prefix`, the shortest and longest weighted.
pub(super) fn plain_string(
    prefix: &'static str,
    min: usize,
    max: Option<usize>,
) -> BoxedStrategy<String> {
    let taken = prefix.chars().count();
    let lo = min.saturating_sub(taken);
    let hi = max.map_or(lo + OPEN_LENGTH, |max| max.saturating_sub(taken).max(lo));
    let chars = |range: std::ops::RangeInclusive<usize>| {
        collection::vec(any::<char>(), range)
            .prop_map(move |chars| {
                let mut out = String::from(prefix);
                out.extend(chars);
                out
            })
            .boxed()
    };
    weighted(vec![
        (2, chars(lo..=lo)),
        (2, chars(hi..=hi)),
        (6, chars(lo..=hi)),
    ])
}

/// Email addresses that `email_address` accepts.
fn email() -> BoxedStrategy<String> {
    pattern::literal_pattern(
        r"[a-z0-9]{1,12}(\.[a-z0-9_+-]{1,8})?@[a-z0-9]{1,12}(-[a-z0-9]{1,6})?(\.[a-z]{2,6}){1,2}",
    )
}

/// Absolute URLs that `url` accepts.
fn url() -> BoxedStrategy<String> {
    weighted(vec![
        (
            6,
            pattern::literal_pattern(
                r"(https|http|wss|ftp)://[a-z0-9]{1,12}(\.[a-z]{2,6}){0,2}(:[1-9][0-9]{0,3})?(/[A-Za-z0-9._~-]{0,10}){0,3}(\?[a-z]{1,5}=[a-z0-9]{0,5})?",
            ),
        ),
        (
            1,
            pattern::literal_pattern(r"mailto:[a-z]{1,8}@[a-z]{1,8}\.com"),
        ),
        (
            1,
            pattern::literal_pattern(r"urn:[a-z]{1,8}:[a-z0-9]{1,12}"),
        ),
    ])
}

/// Strings a `one_of` lists.
fn choices(choices: &'static [Choice]) -> Vec<String> {
    choices
        .iter()
        .filter_map(|choice| match choice {
            Choice::Str(s) => Some((*s).to_owned()),
            Choice::Int(_) => None,
        })
        .collect()
}

impl ClaimValue for String {
    fn valid(rules: &[Rule], site: &Site) -> BoxedStrategy<Self> {
        let read = Read::of(rules);
        if let Some(listed) = read.one_of {
            return proptest::sample::select(choices(listed)).boxed();
        }
        if let Some(regex) = read.regex {
            return pattern::matching(regex, site);
        }
        if read.email {
            return email();
        }
        if read.url {
            return url();
        }
        let (min, max) = read.lengths();
        plain_string(read.prefix.unwrap_or(""), min, max)
    }

    fn invalid(rules: &[Rule], site: &Site) -> Vec<BoxedStrategy<Broken<Self>>> {
        let read = Read::of(rules);
        let mut out = Vec::new();
        let prefix = read.prefix.unwrap_or("");
        if read.non_empty {
            out.push(Just(Broken::new(String::new(), "non_empty")).boxed());
        }
        let (min, max) = (read.min_len.map_or(0, to_usize), read.max_len.map(to_usize));
        if read.min_len.is_some() || read.max_len.is_some() {
            let mut wrong = Vec::new();
            if min > 0 {
                let short = min - 1;
                let prefix = if prefix.chars().count() <= short {
                    prefix
                } else {
                    ""
                };
                wrong.push((3, plain_string(prefix, short, Some(short))));
                wrong.push((1, plain_string(prefix, 0, Some(short))));
            }
            if let Some(max) = max {
                wrong.push((3, plain_string(prefix, max + 1, Some(max + 1))));
                wrong.push((1, plain_string(prefix, max + 1, Some(max + 8))));
            }
            out.push(broken(weighted(wrong), "length"));
        }
        let anything = || plain_string("", 0, Some(12));
        if read.email {
            let bad = weighted(vec![
                (1, Just(String::new()).boxed()),
                (
                    3,
                    pattern::literal_pattern(r"[a-z0-9]{1,12}(@|\.[a-z]{2,4})?"),
                ),
                (
                    2,
                    pattern::literal_pattern(
                        r"@[a-z]{1,8}\.[a-z]{2,4}|[a-z]{1,8} [a-z]{1,8}@[a-z]{1,8}\.com|[a-z]{1,8}@@[a-z]{1,8}",
                    ),
                ),
            ]);
            out.push(broken(bad, "email"));
        }
        if read.url {
            let bad = weighted(vec![
                (1, Just(String::new()).boxed()),
                (
                    3,
                    pattern::literal_pattern(
                        r"(/[a-z0-9]{1,8}){1,3}|[a-z]{1,8}\.[a-z]{2,4}(/[a-z]{1,6})?|[a-z ]{1,12}",
                    ),
                ),
            ]);
            out.push(broken(bad, "url"));
        }
        if let Some(regex) = read.regex {
            let bad = weighted(vec![
                (1, Just(String::new()).boxed()),
                (2, anything()),
                (
                    3,
                    pattern::matching(regex, site)
                        .prop_map(|s| s.chars().skip(1).collect())
                        .boxed(),
                ),
                (
                    3,
                    pattern::matching(regex, site)
                        .prop_map(|s| format!("{s}\u{7f}!"))
                        .boxed(),
                ),
                (
                    3,
                    pattern::matching(regex, site)
                        .prop_map(|s| format!("!\u{7f}{s}"))
                        .boxed(),
                ),
            ]);
            out.push(broken(bad, "regex"));
        }
        if let Some(listed) = read.one_of {
            let listed = choices(listed);
            let bad = weighted(vec![
                (
                    3,
                    proptest::sample::select(listed)
                        .prop_map(|s| format!("{s}_"))
                        .boxed(),
                ),
                (1, anything()),
            ]);
            out.push(broken(bad, "one_of"));
        }
        if let Some(prefix) = read.prefix {
            let (min, max) = read.lengths();
            let bad = weighted(vec![
                (
                    3,
                    plain_string(prefix, min, max)
                        .prop_map(|s| s.chars().skip(1).collect())
                        .boxed(),
                ),
                (1, plain_string("", min, max)),
            ]);
            out.push(broken(bad, "prefix"));
        }
        out
    }
}

/// `source`'s values as breaking `rule`.
fn broken<T: fmt::Debug + Clone + 'static>(
    source: BoxedStrategy<T>,
    rule: &'static str,
) -> BoxedStrategy<Broken<T>> {
    source
        .prop_map(move |value| Broken::new(value, rule))
        .boxed()
}

impl ClaimValue for Box<str> {
    fn valid(rules: &[Rule], site: &Site) -> BoxedStrategy<Self> {
        String::valid(rules, site)
            .prop_map(String::into_boxed_str)
            .boxed()
    }

    fn invalid(rules: &[Rule], site: &Site) -> Vec<BoxedStrategy<Broken<Self>>> {
        String::invalid(rules, site)
            .into_iter()
            .map(|s| s.prop_map(|b| b.map(String::into_boxed_str)).boxed())
            .collect()
    }
}

// ---- numbers ----

/// The integer types, converted from the schema's `i128` bounds.
trait Int: Copy + fmt::Debug + PartialEq + TryFrom<i128> + 'static
where
    std::ops::RangeInclusive<Self>: Strategy<Value = Self>,
{
    const MIN: Self;
    const MAX: Self;
    fn any() -> BoxedStrategy<Self>;
    /// The value widened (`u128` above `i128::MAX` saturates: bounds are `i128` anyway).
    fn wide(self) -> i128;
}

macro_rules! ints {
    ($($t:ty),*) => {$(
        impl Int for $t {
            const MIN: Self = <$t>::MIN;
            const MAX: Self = <$t>::MAX;
            fn any() -> BoxedStrategy<Self> {
                any::<$t>().boxed()
            }
            #[allow(irrefutable_let_patterns)]
            fn wide(self) -> i128 {
                i128::try_from(self).unwrap_or(i128::MAX)
            }
        }

        impl ClaimValue for $t {
            fn valid(rules: &[Rule], _: &Site) -> BoxedStrategy<Self> {
                int_valid::<$t>(rules)
            }

            fn invalid(rules: &[Rule], _: &Site) -> Vec<BoxedStrategy<Broken<Self>>> {
                int_invalid::<$t>(rules)
            }
        }
    )*};
}

ints!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);

fn int_bound<T: Int>(bound: Option<Bound>, default: T) -> T
where
    std::ops::RangeInclusive<T>: Strategy<Value = T>,
{
    match bound {
        Some(Bound::Int(value)) => T::try_from(value).unwrap_or(default),
        // The derive gives integer fields integer bounds only.
        Some(Bound::Float(_)) | None => default,
    }
}

fn int_choices<T: Int>(choices: &'static [Choice]) -> Vec<T>
where
    std::ops::RangeInclusive<T>: Strategy<Value = T>,
{
    choices
        .iter()
        .filter_map(|choice| match choice {
            Choice::Int(value) => T::try_from(*value).ok(),
            Choice::Str(_) => None,
        })
        .collect()
}

/// `lo..=hi` with both ends and their neighbours weighted.
fn int_between<T: Int>(lo: T, hi: T) -> BoxedStrategy<T>
where
    std::ops::RangeInclusive<T>: Strategy<Value = T>,
{
    let (l, h) = (lo.wide(), hi.wide());
    let mut options = vec![(2, Just(lo).boxed()), (2, Just(hi).boxed())];
    for near in [l.checked_add(1), h.checked_sub(1)].into_iter().flatten() {
        if (l..=h).contains(&near)
            && let Ok(near) = T::try_from(near)
        {
            options.push((1, Just(near).boxed()));
        }
    }
    options.push((6, (lo..=hi).boxed()));
    weighted(options)
}

fn int_valid<T: Int>(rules: &[Rule]) -> BoxedStrategy<T>
where
    std::ops::RangeInclusive<T>: Strategy<Value = T>,
{
    let read = Read::of(rules);
    if let Some(listed) = read.one_of {
        return proptest::sample::select(int_choices::<T>(listed)).boxed();
    }
    match read.range {
        Some((min, max)) => int_between(int_bound(min, T::MIN), int_bound(max, T::MAX)),
        None => weighted(vec![(1, int_between(T::MIN, T::MAX)), (3, T::any())]),
    }
}

fn int_invalid<T: Int>(rules: &[Rule]) -> Vec<BoxedStrategy<Broken<T>>>
where
    std::ops::RangeInclusive<T>: Strategy<Value = T>,
{
    let read = Read::of(rules);
    let mut out = Vec::new();
    if let Some((min, max)) = read.range {
        let mut wrong = Vec::new();
        let (lo, hi) = (int_bound(min, T::MIN), int_bound(max, T::MAX));
        if min.is_some()
            && lo != T::MIN
            && let Ok(below) = T::try_from(lo.wide() - 1)
        {
            wrong.push((1, int_between(T::MIN, below)));
        }
        if max.is_some()
            && hi != T::MAX
            && let Ok(above) = T::try_from(hi.wide() + 1)
        {
            wrong.push((1, int_between(above, T::MAX)));
        }
        if !wrong.is_empty() {
            out.push(broken(weighted(wrong), "range"));
        }
    }
    if let Some(listed) = read.one_of {
        let listed = int_choices::<T>(listed);
        let near: Vec<T> = listed
            .iter()
            .flat_map(|c| {
                let c = c.wide();
                [c.checked_add(1), c.checked_sub(1)]
            })
            .flatten()
            .filter_map(|n| T::try_from(n).ok())
            .filter(|n| !listed.contains(n))
            .collect();
        let mut bad = vec![(1, T::any())];
        if !near.is_empty() {
            bad.insert(0, (3, proptest::sample::select(near).boxed()));
        }
        out.push(broken(weighted(bad), "one_of"));
    }
    out
}

macro_rules! floats {
    ($($t:ident),*) => {$(
        impl ClaimValue for $t {
            fn valid(rules: &[Rule], _: &Site) -> BoxedStrategy<Self> {
                let read = Read::of(rules);
                let (min, max) = match read.range {
                    Some((min, max)) => (
                        min.map_or(<$t>::MIN, |b| float_bound(b) as $t),
                        max.map_or(<$t>::MAX, |b| float_bound(b) as $t),
                    ),
                    None => (<$t>::MIN, <$t>::MAX),
                };
                let mut options = vec![(2, Just(min).boxed()), (2, Just(max).boxed())];
                if min <= 0.0 && 0.0 <= max {
                    options.push((1, Just(0.0).boxed()));
                }
                options.push((6, (min..=max).boxed()));
                weighted(options)
            }

            fn invalid(rules: &[Rule], _: &Site) -> Vec<BoxedStrategy<Broken<Self>>> {
                let read = Read::of(rules);
                let Some((min, max)) = read.range else { return Vec::new() };
                let mut wrong = vec![(1, Just(<$t>::NAN).boxed())];
                if let Some(min) = min.map(|b| float_bound(b) as $t) {
                    if min > <$t>::MIN {
                        let below = min.next_down();
                        wrong.push((2, Just(below).boxed()));
                        wrong.push((2, (<$t>::MIN..=below).boxed()));
                    }
                }
                if let Some(max) = max.map(|b| float_bound(b) as $t) {
                    if max < <$t>::MAX {
                        let above = max.next_up();
                        wrong.push((2, Just(above).boxed()));
                        wrong.push((2, (above..=<$t>::MAX).boxed()));
                    }
                }
                vec![broken(weighted(wrong), "range")]
            }
        }
    )*};
}

fn float_bound(bound: Bound) -> f64 {
    match bound {
        Bound::Int(i) => i as f64,
        Bound::Float(f) => f,
    }
}

floats!(f32, f64);

impl ClaimValue for bool {
    fn valid(_: &[Rule], _: &Site) -> BoxedStrategy<Self> {
        any::<bool>().boxed()
    }

    fn invalid(_: &[Rule], _: &Site) -> Vec<BoxedStrategy<Broken<Self>>> {
        Vec::new()
    }
}

impl ClaimValue for serde_json::Value {
    fn valid(_: &[Rule], _: &Site) -> BoxedStrategy<Self> {
        use serde_json::Value;
        let leaf = weighted(vec![
            (1, Just(Value::Null).boxed()),
            (1, any::<bool>().prop_map(Value::Bool).boxed()),
            (2, any::<i64>().prop_map(Value::from).boxed()),
            (1, (-1e9f64..1e9).prop_map(Value::from).boxed()),
            (
                3,
                plain_string("", 0, Some(12))
                    .prop_map(Value::String)
                    .boxed(),
            ),
        ]);
        leaf.prop_recursive(3, 24, 4, |inner| {
            weighted(vec![
                (
                    1,
                    collection::vec(inner.clone(), 0..4)
                        .prop_map(Value::Array)
                        .boxed(),
                ),
                (
                    1,
                    collection::btree_map(plain_string("", 0, Some(8)), inner, 0..4)
                        .prop_map(|map| Value::Object(map.into_iter().collect()))
                        .boxed(),
                ),
            ])
        })
        .boxed()
    }

    fn invalid(_: &[Rule], _: &Site) -> Vec<BoxedStrategy<Broken<Self>>> {
        Vec::new()
    }
}
