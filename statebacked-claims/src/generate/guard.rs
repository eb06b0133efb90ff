//! The claim's own checks between a generator and the test: values that break them are drawn
//! again, at most [`REJECTION_BUDGET`] times in a row, and shrinking skips them.

use super::value::Broken;
use super::{Check, REJECTION_BUDGET, Site};
use proptest::strategy::{BoxedStrategy, NewTree, Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use std::fmt;
use std::rc::Rc;

/// Values of `base` that pass the claim's checks.
pub(super) fn valid<T: fmt::Debug + 'static>(
    site: Site,
    base: BoxedStrategy<T>,
    check: Check<T>,
) -> BoxedStrategy<T> {
    Guard {
        base,
        accept: Rc::new(move |value: &T| site.errors(check, value).is_empty()),
        exhausted: Rc::new(move || {
            format!(
                "{}: {REJECTION_BUDGET} generated values in a row broke the claim's rules; \
                 name a generator with validate(custom(check, strategy = path))",
                site.name()
            )
        }),
    }
    .boxed()
}

/// Values of `base` that break the rule they say they break, at the path they name.
pub(super) fn invalid<T: fmt::Debug + 'static>(
    site: Site,
    base: BoxedStrategy<Broken<T>>,
    check: Check<T>,
) -> BoxedStrategy<Broken<T>> {
    Guard {
        base,
        accept: Rc::new(move |broken: &Broken<T>| {
            let path = broken.path_under(site.wire_name);
            site.errors(check, broken.value())
                .errors()
                .iter()
                .any(|error| error.rule() == broken.rule() && error.path() == path)
        }),
        exhausted: Rc::new(move || {
            format!(
                "{}: {REJECTION_BUDGET} values in a row meant to break a rule did not; the rule \
                 may admit every value",
                site.name()
            )
        }),
    }
    .boxed()
}

/// A strategy that fails every test with `message`.
pub(super) fn fail<T: fmt::Debug + 'static>(message: String) -> BoxedStrategy<T> {
    Fail {
        message,
        _value: std::marker::PhantomData,
    }
    .boxed()
}

struct Guard<T> {
    base: BoxedStrategy<T>,
    accept: Rc<dyn Fn(&T) -> bool>,
    exhausted: Rc<dyn Fn() -> String>,
}

impl<T> fmt::Debug for Guard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard").finish_non_exhaustive()
    }
}

impl<T: fmt::Debug> Strategy for Guard<T> {
    type Tree = GuardTree<T>;
    type Value = T;

    fn new_tree(&self, runner: &mut TestRunner) -> NewTree<Self> {
        for _ in 0..REJECTION_BUDGET {
            let tree = self.base.new_tree(runner)?;
            if (self.accept)(&tree.current()) {
                return Ok(GuardTree {
                    tree,
                    accept: Rc::clone(&self.accept),
                });
            }
        }
        Err((self.exhausted)().into())
    }
}

/// Shrinks like proptest's `Filter`: every value it shows was accepted.
pub(super) struct GuardTree<T> {
    tree: Box<dyn ValueTree<Value = T>>,
    accept: Rc<dyn Fn(&T) -> bool>,
}

impl<T: fmt::Debug> GuardTree<T> {
    /// Back to an accepted value: `complicate` ends at the last one the tree showed.
    fn ensure_accepted(&mut self) {
        while !(self.accept)(&self.tree.current()) {
            if !self.tree.complicate() {
                // The value before `simplify` was accepted, so `complicate` reaches it again;
                // a tree that cannot is proptest's bug.
                panic!("generate: a value tree cannot return to the value it showed");
            }
        }
    }
}

impl<T: fmt::Debug> ValueTree for GuardTree<T> {
    type Value = T;

    fn current(&self) -> T {
        self.tree.current()
    }

    fn simplify(&mut self) -> bool {
        if self.tree.simplify() {
            self.ensure_accepted();
            true
        } else {
            false
        }
    }

    fn complicate(&mut self) -> bool {
        if self.tree.complicate() {
            self.ensure_accepted();
            true
        } else {
            false
        }
    }
}

struct Fail<T> {
    message: String,
    _value: std::marker::PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for Fail<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fail")
            .field("message", &self.message)
            .finish()
    }
}

impl<T: fmt::Debug> Strategy for Fail<T> {
    type Tree = Box<dyn ValueTree<Value = T>>;
    type Value = T;

    fn new_tree(&self, _: &mut TestRunner) -> NewTree<Self> {
        Err(self.message.clone().into())
    }
}
