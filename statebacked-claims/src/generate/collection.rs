//! Generators for collection claims (lists, sets, string-keyed maps): sizes from `length` and
//! `non_empty`, items from the items' own generators, and collections that break one rule.

use super::value::*;
use super::{Site, weighted};
use crate::validate::Rule;
use proptest::arbitrary::any;
use proptest::collection::{self, SizeRange};
use proptest::strategy::{BoxedStrategy, Just, Strategy};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt;
use std::hash::Hash;

/// A collection claim: its items' generator is the items' type's, or one the attribute names.
pub trait ClaimCollection: ClaimValue {
    /// The item type.
    type Item: fmt::Debug + 'static;

    /// Collections whose sizes follow `rules` (`length`, `non_empty`), with items from `items`.
    fn with_items(rules: &[Rule], items: BoxedStrategy<Self::Item>) -> BoxedStrategy<Self>;
}

/// The sizes `rules` allow, the smallest and largest weighted, then empty and one item.
fn sizes(read: &Read) -> Vec<(u32, SizeRange)> {
    let (min, max) = read.lengths();
    let max = max.unwrap_or(min + OPEN_ITEMS).max(min);
    let mut out = vec![(2, SizeRange::from(min..=min))];
    if min <= 1 && 1 <= max && min != 1 {
        out.push((2, SizeRange::from(1..=1)));
    }
    out.push((2, SizeRange::from(max..=max)));
    out.push((4, SizeRange::from(min..=max)));
    out
}

macro_rules! list_like {
    ($($coll:ident [$($bound:tt)*] => $make:path;)*) => {$(
        impl<T: ClaimValue $($bound)*> ClaimCollection for $coll<T> {
            type Item = T;

            fn with_items(rules: &[Rule], items: BoxedStrategy<T>) -> BoxedStrategy<Self> {
                let read = Read::of(rules);
                let items = std::rc::Rc::new(items);
                weighted(
                    sizes(&read)
                        .into_iter()
                        .map(|(w, size)| (w, $make(Shared(items.clone()), size).boxed()))
                        .collect(),
                )
            }
        }

        impl<T: ClaimValue $($bound)*> ClaimValue for $coll<T> {
            fn valid(rules: &[Rule], site: &Site) -> BoxedStrategy<Self> {
                let item_rules = Read::of(rules).item_rules();
                Self::with_items(rules, T::valid(&item_rules, site))
            }

            fn invalid(rules: &[Rule], site: &Site) -> Vec<BoxedStrategy<Broken<Self>>> {
                collection_invalid::<T, Self>(rules, site)
            }
        }
    )*};
}

/// One strategy shared by the size alternatives of a collection.
struct Shared<T>(std::rc::Rc<BoxedStrategy<T>>);

impl<T> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Shared")
    }
}

impl<T: fmt::Debug> Strategy for Shared<T> {
    type Tree = Box<dyn proptest::strategy::ValueTree<Value = T>>;
    type Value = T;

    fn new_tree(
        &self,
        runner: &mut proptest::test_runner::TestRunner,
    ) -> proptest::strategy::NewTree<Self> {
        self.0.new_tree(runner)
    }
}

list_like! {
    Vec [] => collection::vec;
    VecDeque [] => collection::vec_deque;
    BTreeSet [+ Ord] => collection::btree_set;
    HashSet [+ Hash + Eq + Clone] => collection::hash_set;
}

/// A collection built from a list of items.
trait FromItems<T>: Sized {
    fn from_items(items: Vec<T>) -> Self;
    /// `items` with `broken` among them, at `at` where the collection keeps an order; and the
    /// position `broken` has when iterating.
    fn with_broken(items: Vec<T>, at: usize, broken: T) -> (Self, usize);
}

impl<T> FromItems<T> for Vec<T> {
    fn from_items(items: Vec<T>) -> Self {
        items
    }
    fn with_broken(mut items: Vec<T>, at: usize, broken: T) -> (Self, usize) {
        let at = at.min(items.len());
        items.insert(at, broken);
        (items, at)
    }
}

impl<T> FromItems<T> for VecDeque<T> {
    fn from_items(items: Vec<T>) -> Self {
        items.into()
    }
    fn with_broken(items: Vec<T>, at: usize, broken: T) -> (Self, usize) {
        let (items, at) = Vec::with_broken(items, at, broken);
        (items.into(), at)
    }
}

impl<T: Ord> FromItems<T> for BTreeSet<T> {
    fn from_items(items: Vec<T>) -> Self {
        items.into_iter().collect()
    }
    fn with_broken(items: Vec<T>, _: usize, broken: T) -> (Self, usize) {
        let mut set: BTreeSet<T> = items.into_iter().collect();
        // A broken item is no valid one, so it is new to the set.
        let at = set.range(..&broken).count();
        set.insert(broken);
        (set, at)
    }
}

impl<T: Hash + Eq + Clone> FromItems<T> for HashSet<T> {
    fn from_items(items: Vec<T>) -> Self {
        items.into_iter().collect()
    }
    fn with_broken(items: Vec<T>, _: usize, broken: T) -> (Self, usize) {
        let mut set: HashSet<T> = items.into_iter().collect();
        set.insert(broken.clone());
        let at = set.iter().position(|item| *item == broken).unwrap_or(0);
        (set, at)
    }
}

/// Too few or too many valid items, no items, or one item broken.
fn collection_invalid<T, C>(rules: &[Rule], site: &Site) -> Vec<BoxedStrategy<Broken<C>>>
where
    T: ClaimValue,
    C: ClaimCollection<Item = T> + FromItems<T>,
{
    let read = Read::of(rules);
    let item_rules = read.item_rules();
    let mut out = Vec::new();
    if read.non_empty {
        out.push(
            Just(())
                .prop_map(|()| Broken::new(C::from_items(Vec::new()), "non_empty"))
                .boxed(),
        );
    }
    let (min, max) = (read.min_len.map_or(0, to_usize), read.max_len.map(to_usize));
    if read.min_len.is_some() || read.max_len.is_some() {
        let mut wrong = Vec::new();
        if min > 0 {
            wrong.push((1, SizeRange::from(0..=min - 1)));
        }
        if let Some(max) = max {
            wrong.push((1, SizeRange::from(max + 1..=max + 3)));
        }
        let items = std::rc::Rc::new(T::valid(&item_rules, site));
        let wrong = wrong
            .into_iter()
            .map(|(w, size)| {
                (
                    w,
                    collection::vec(Shared(items.clone()), size)
                        .prop_map(C::from_items)
                        .boxed(),
                )
            })
            .collect();
        out.push(broken_nonclone(weighted(wrong), "length"));
    }
    let (lo, hi) = read.lengths();
    let (lo, hi) = (lo.max(1), hi.unwrap_or(lo.max(1) + 3).max(lo.max(1)));
    for item_broken in T::invalid(&item_rules, site) {
        let valid_items = collection::vec(T::valid(&item_rules, site), lo - 1..=hi - 1);
        let strategy = (valid_items, item_broken, any::<proptest::sample::Index>())
            .prop_map(|(items, broken, at)| {
                let at = at.index(items.len() + 1);
                let Broken { value, rule, path } = broken;
                let (collection, index) = C::with_broken(items, at, value);
                Broken {
                    value: collection,
                    rule,
                    path,
                }
                .under(Segment::Index(index))
            })
            .boxed();
        out.push(strategy);
    }
    out
}

fn broken_nonclone<T: fmt::Debug + 'static>(
    source: BoxedStrategy<T>,
    rule: &'static str,
) -> BoxedStrategy<Broken<T>> {
    source
        .prop_map(move |value| Broken::new(value, rule))
        .boxed()
}

macro_rules! maps {
    ($($map:ident [$($bound:tt)*] => $make:path;)*) => {$(
        impl<V: ClaimValue $($bound)*> ClaimValue for $map<String, V> {
            fn valid(rules: &[Rule], site: &Site) -> BoxedStrategy<Self> {
                let read = Read::of(rules);
                let values = std::rc::Rc::new(V::valid(&[], site));
                weighted(
                    sizes(&read)
                        .into_iter()
                        .map(|(w, size)| {
                            (w, $make(plain_string("", 0, Some(12)), Shared(values.clone()), size).boxed())
                        })
                        .collect(),
                )
            }

            fn invalid(rules: &[Rule], site: &Site) -> Vec<BoxedStrategy<Broken<Self>>> {
                let read = Read::of(rules);
                let mut out = Vec::new();
                if read.non_empty {
                    out.push(Just(()).prop_map(|()| Broken::new($map::new(), "non_empty")).boxed());
                }
                let (min, max) = (read.min_len.map_or(0, to_usize), read.max_len.map(to_usize));
                let mut wrong = Vec::new();
                let values = std::rc::Rc::new(V::valid(&[], site));
                if read.min_len.is_some() && min > 0 {
                    wrong.push((1, $make(plain_string("", 0, Some(12)), Shared(values.clone()), 0..=min - 1).boxed()));
                }
                if let Some(max) = max {
                    wrong.push((1, $make(plain_string("", 0, Some(12)), Shared(values.clone()), max + 1..=max + 3).boxed()));
                }
                if !wrong.is_empty() {
                    out.push(broken_nonclone(weighted(wrong), "length"));
                }
                out
            }
        }
    )*};
}

maps! {
    BTreeMap [] => collection::btree_map;
    HashMap [] => collection::hash_map;
}
