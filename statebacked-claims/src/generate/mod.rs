//! Property-test generators from the derive (feature `proptest`): every valid authContext.
//!
//! With the feature on, `#[derive(Claims)]` also implements [`GenerateClaims`], whose
//! strategies come from the type's own rules:
//!
//! - [`GenerateClaims::valid`]: values that pass `validate()`, with the boundaries weighted
//!   (the shortest and longest lengths, the ends of ranges, empty and one-item collections,
//!   `None`), so an authorizer property meets the edges of what the server accepts;
//! - [`GenerateClaims::invalid`]: values that break one rule of one claim, as an [`Invalid`]
//!   that names the claim path and the rule, for tests that the server refuses them;
//! - [`GenerateClaims::auth_contexts`]: [`OwnedAuthContext`]s, authenticated with valid
//!   claims and, for `#[claims(anonymous)]` types, anonymous sessions (`sid`, `did` only).
//!
//! ```
//! use proptest::prelude::*;
//! use serde::{Deserialize, Serialize};
//! use statebacked_claims::Claims;
//! use statebacked_claims::generate::GenerateClaims;
//!
//! #[derive(Debug, Serialize, Deserialize, Claims)]
//! struct Member {
//!     #[claim(validate(length(min = 1, max = 64), prefix = "user_"))]
//!     sub: String,
//!     #[serde(default)]
//!     #[claim(validate(length(max = 3), each(one_of("admin", "member"))))]
//!     roles: Vec<String>,
//! }
//!
//! proptest!(|(member in Member::valid())| {
//!     prop_assert!(member.validate().is_ok());
//! });
//! proptest!(|(bad in Member::invalid())| {
//!     let errors = bad.claims().validate().unwrap_err();
//!     prop_assert!(errors.errors().iter().any(|e| e.path() == bad.path() && e.rule() == bad.rule()));
//! });
//! ```
//!
//! # How values are made
//!
//! Each rule has a generator: `length`/`non_empty`/`prefix` make strings of the allowed
//! lengths (in characters, any Unicode), `range` integers and floats between the inclusive
//! bounds, `one_of` picks a listed value, `regex` generates from the pattern with proptest's
//! regex strategies (anchors `^`, `$`, `\A`, `\z` at the start and end are honoured; a pattern
//! they cannot generate, such as one with `\b`, fails the test with a message naming the type,
//! the claim and the pattern), `email` and `url` make addresses the validators accept, `each`
//! applies to the items, `#[claim(nested)]` uses the nested type's own generator, and
//! `Option` claims are absent about a quarter of the time.
//!
//! Values then pass through the claim's own checks, the code `validate()` runs. That is how
//! a `custom` rule is met, and how a combination of rules no single generator satisfies is
//! (`regex` with `length`, say). The **rejection budget** is [`REJECTION_BUDGET`] draws per
//! value: a claim whose rules turn away that many generated values in a row fails the test
//! with a message naming the claim, never a loop. For a `custom` rule that most values break,
//! name a generator in the attribute: `validate(custom(path::to::check, strategy =
//! path::to::strategy))`, a function returning an `impl Strategy` of the value the rule
//! checks (inside `Option`s, and of an item under `each(...)`).
//!
//! # What the feature costs
//!
//! Without the feature, the derive's output is what it always was plus one macro call that
//! expands to nothing, and neither proptest nor regex-syntax is built: a crate of 20 claims
//! types builds in the same time as before the feature existed. With it, the strategies cost
//! about 0.3 s per type in a debug build; enable it in `[dev-dependencies]`.
//!
//! The claims type must implement `Debug` (proptest shows failing values with it), have no
//! lifetime parameters and not contain itself (`children: Vec<Node>`; types that contain each
//! other through nested claims are not supported either). Claims of a type this module knows nothing of (not a string, number,
//! bool, JSON value, `Option`, `Box`, list, set, string-keyed map or `Claims` type marked
//! `nested`) need a named generator; fields serde skips are `Default::default()`.

mod collection;
mod context;
mod guard;
mod invalid;
mod pattern;
mod value;

pub use collection::ClaimCollection;
pub use context::OwnedAuthContext;
pub use invalid::Invalid;
pub use value::{Broken, ClaimValue, Segment};

use crate::claims::{AdmitsAnonymous, Claims};
use crate::validate::{ClaimPath, Rule, ValidationErrors};
use proptest::strategy::{BoxedStrategy, Just, Strategy, Union};
use std::fmt;

/// How many values in a row a claim's checks may turn away before the test fails with a
/// message naming the claim.
pub const REJECTION_BUDGET: u32 = 256;

/// Strategies for a [`Claims`] type, from its rules: implemented by `#[derive(Claims)]` when
/// the feature `proptest` is on. See the [module](self).
pub trait GenerateClaims: Claims + fmt::Debug + Sized + 'static {
    /// Values that pass [`validate`](Claims::validate), boundaries weighted.
    fn valid() -> BoxedStrategy<Self>;

    /// Values that break one rule of one claim, every other claim valid.
    fn invalid() -> BoxedStrategy<Invalid<Self>>;

    /// Who a token could speak for: users with [`valid`](GenerateClaims::valid) claims, and,
    /// when the type admits anonymous sessions, anonymous sessions too.
    fn auth_contexts() -> BoxedStrategy<OwnedAuthContext<Self>>;
}

/// The checks `validate()` runs on one claim, which generated code passes along.
pub type Check<T> = fn(&T, &ClaimPath<'_>, &mut ValidationErrors);

/// One claim of a claims type, for generators and their messages.
#[derive(Clone, Copy)]
pub struct Site {
    type_name: &'static str,
    wire_name: &'static str,
    rules: &'static [Rule],
}

impl Site {
    fn of<C: Claims>(wire_name: &'static str) -> Site {
        let schema = C::schema();
        Site {
            type_name: schema.type_name(),
            wire_name,
            rules: schema.field(wire_name).map_or(&[], |field| field.rules()),
        }
    }

    pub(crate) fn rules(&self) -> &'static [Rule] {
        self.rules
    }

    /// `Viewer.sub`, for messages.
    fn name(&self) -> String {
        format!("{}.{}", self.type_name, self.wire_name)
    }

    /// The errors the claim's checks give `value`, with paths relative to the type
    /// (`sub`, `roles[1]`).
    fn errors<T>(&self, check: Check<T>, value: &T) -> ValidationErrors {
        let top = ClaimPath::Top;
        let claim = top.field(self.wire_name);
        let mut errors = ValidationErrors::new();
        check(value, &claim, &mut errors);
        errors
    }
}

impl fmt::Debug for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// Weighted choice between strategies; the first shrinks best, so it should be the simplest.
pub(crate) fn weighted<T: fmt::Debug + 'static>(
    options: Vec<(u32, BoxedStrategy<T>)>,
) -> BoxedStrategy<T> {
    let mut options: Vec<(u32, BoxedStrategy<T>)> =
        options.into_iter().filter(|(w, _)| *w > 0).collect();
    match options.len() {
        0 => guard::fail("no strategy to choose from".to_owned()),
        1 => options.remove(0).1,
        _ => Union::new_weighted(options).boxed(),
    }
}

/// Generated code reaches these; not public API.
#[doc(hidden)]
pub mod __private {
    use super::*;

    pub use super::value::option;
    pub use super::{Broken, Invalid, OwnedAuthContext, Site};
    pub use crate::validate::Rule;
    pub use proptest::strategy::{BoxedStrategy, Strategy};

    /// The claim `wire_name` of `C`: values from its type's generator that pass `check`.
    pub fn field<C: Claims, T: ClaimValue>(
        wire_name: &'static str,
        check: Check<T>,
    ) -> BoxedStrategy<T> {
        let site = Site::of::<C>(wire_name);
        guard::valid(site, T::valid(site.rules(), &site), check)
    }

    /// The claim `wire_name` of `C`, from a generator the attribute names.
    pub fn field_from<C: Claims, T: fmt::Debug + 'static>(
        wire_name: &'static str,
        base: BoxedStrategy<T>,
        check: Check<T>,
    ) -> BoxedStrategy<T> {
        guard::valid(Site::of::<C>(wire_name), base, check)
    }

    /// A collection for the claim `wire_name` of `C` whose items come from `items` (a
    /// generator named under `each(...)`).
    pub fn items<C: Claims, T: collection::ClaimCollection, S>(
        wire_name: &'static str,
        items: S,
    ) -> BoxedStrategy<T>
    where
        S: Strategy<Value = T::Item> + 'static,
    {
        let site = Site::of::<C>(wire_name);
        T::with_items(site.rules(), items.boxed())
    }

    /// The claim `wire_name` of `C`, each value breaking one of its rules.
    pub fn field_invalid<C: Claims, T: ClaimValue>(
        wire_name: &'static str,
        check: Check<T>,
    ) -> Vec<BoxedStrategy<Broken<T>>> {
        let site = Site::of::<C>(wire_name);
        T::invalid(site.rules(), &site)
            .into_iter()
            .map(|broken| guard::invalid(site, broken, check))
            .collect()
    }

    /// `Invalid<C>` with `claims` and the claim `wire_name` broken as `broken` says.
    pub fn invalid<C: Claims, T>(
        claims: C,
        wire_name: &'static str,
        broken: &Broken<T>,
    ) -> Invalid<C> {
        let mut path = vec![Segment::Field(wire_name)];
        path.extend_from_slice(broken.path());
        Invalid::new(claims, broken.rule(), path)
    }

    /// One of `alternatives`, or a strategy that fails naming `C` when it has no rule to break.
    pub fn any_invalid<C: Claims + fmt::Debug + 'static>(
        alternatives: Vec<BoxedStrategy<Invalid<C>>>,
    ) -> BoxedStrategy<Invalid<C>> {
        if alternatives.is_empty() {
            return guard::fail(format!(
                "{}::invalid(): no claim has a rule these generators can break",
                C::schema().type_name()
            ));
        }
        weighted(alternatives.into_iter().map(|s| (1, s)).collect())
    }

    /// Users with valid claims.
    pub fn authenticated<C: GenerateClaims>() -> BoxedStrategy<OwnedAuthContext<C>> {
        C::valid().prop_map(OwnedAuthContext::authenticated).boxed()
    }

    /// Users with valid claims and anonymous sessions, one in four.
    pub fn with_anonymous<C: GenerateClaims + AdmitsAnonymous>()
    -> BoxedStrategy<OwnedAuthContext<C>> {
        weighted(vec![
            (1, context::anonymous_sessions::<C>()),
            (3, authenticated::<C>()),
        ])
    }

    /// `()`, the end of the nested tuple of claim strategies.
    pub fn end() -> Just<()> {
        Just(())
    }

    /// A nested claims type's broken values, when the claim is `#[claim(nested)]` (its
    /// `validate()` reaches the nested rules only then).
    pub fn nested_invalid<C: GenerateClaims>(rules: &[Rule]) -> Vec<BoxedStrategy<Broken<C>>> {
        if !rules.iter().any(|rule| matches!(rule, Rule::Nested)) {
            return Vec::new();
        }
        vec![
            C::invalid()
                .prop_map(|invalid| {
                    let (claims, rule, path) = invalid.into_parts();
                    Broken::at(claims, rule, path)
                })
                .boxed(),
        ]
    }
}
