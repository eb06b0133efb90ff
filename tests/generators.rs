//! The derive's proptest generators (feature `proptest`): every valid value passes
//! `validate()`, every invalid one breaks the rule it names, the boundaries come up, and an
//! authorizer property over generated contexts catches a wrong authorizer with the smallest
//! counterexample.

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde::{Deserialize, Serialize};
use statebacked_claims::authorize::{Authorizer, ReadRequest, StateValue, WriteRequest, from_fns};
use statebacked_claims::generate::GenerateClaims;
use statebacked_claims::testing::{self, PropertyFailure, TestTokens};
use statebacked_claims::{AuthContext, Claims};
use std::collections::{BTreeMap, BTreeSet};

const CASES: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
struct Address {
    #[claim(validate(regex = r"^\d{5}$"))]
    zip: String,
    #[claim(validate(one_of("FR", "DE")))]
    country: String,
}

// `custom` rules take `&T` of the claim's type.
#[allow(clippy::ptr_arg)]
fn not_reserved(name: &String) -> Result<(), String> {
    if name.starts_with('a') {
        Err("names starting with `a` are reserved".into())
    } else {
        Ok(())
    }
}

fn even(n: &u32) -> Result<(), String> {
    if n.is_multiple_of(2) {
        Ok(())
    } else {
        Err("must be even".into())
    }
}

fn evens() -> impl Strategy<Value = u32> {
    (0u32..1_000).prop_map(|n| n * 2)
}

/// A claim for every rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[serde(rename_all = "camelCase")]
struct Everything {
    #[claim(validate(length(min = 2, max = 10)))]
    name: String,
    #[claim(validate(non_empty))]
    handle: String,
    #[claim(validate(range(min = 13, max = 130)))]
    age: u8,
    #[claim(validate(range(min = -1.5, max = 2.5)))]
    score: f64,
    #[claim(validate(one_of("free", "pro")))]
    plan: String,
    #[claim(validate(one_of(-1, 0, 1)))]
    tier: i32,
    #[claim(validate(prefix = "org_", length(max = 12)))]
    org: String,
    #[claim(validate(regex = r"^[a-z]{2}-[0-9]{2,4}$"))]
    code: String,
    #[claim(validate(email))]
    email: Option<String>,
    #[claim(validate(url))]
    avatar: Option<String>,
    #[serde(default)]
    #[claim(validate(length(max = 3), each(one_of("admin", "member"))))]
    roles: Vec<String>,
    #[serde(default)]
    #[claim(validate(each(length(min = 1, max = 4))))]
    tags: BTreeSet<String>,
    #[claim(nested)]
    address: Address,
    #[serde(default)]
    #[claim(nested)]
    previous: Vec<Address>,
    #[claim(validate(custom = not_reserved))]
    nickname: String,
    #[claim(validate(custom(even, strategy = evens)))]
    lucky: u32,
    #[serde(default)]
    #[claim(validate(length(min = 1, max = 2)))]
    flags: BTreeMap<String, bool>,
    #[serde(default)]
    extra: serde_json::Value,
    #[serde(skip)]
    cache: u8,
}

fn values<S: Strategy>(strategy: &S, n: usize) -> impl Iterator<Item = S::Value> + '_ {
    let mut runner = TestRunner::deterministic();
    (0..n).map(move |_| {
        strategy
            .new_tree(&mut runner)
            .unwrap_or_else(|err| panic!("{err}"))
            .current()
    })
}

#[test]
fn ten_thousand_valid_values_pass_every_rule_and_hit_the_boundaries() {
    let mut hits: BTreeMap<&str, usize> = BTreeMap::new();
    let mut hit =
        |what: &'static str, yes: bool| *hits.entry(what).or_default() += usize::from(yes);
    for value in values(&Everything::valid(), CASES) {
        if let Err(errors) = value.validate() {
            panic!("{value:?} is invalid: {errors}");
        }
        let name = value.name.chars().count();
        hit("name: shortest (2)", name == 2);
        hit("name: longest (10)", name == 10);
        hit("age: 13", value.age == 13);
        hit("age: 130", value.age == 130);
        hit("score: -1.5", value.score == -1.5);
        hit("score: 2.5", value.score == 2.5);
        hit("org: longest (12)", value.org.chars().count() == 12);
        hit("email: absent", value.email.is_none());
        hit("email: present", value.email.is_some());
        hit("roles: empty", value.roles.is_empty());
        hit("roles: one item", value.roles.len() == 1);
        hit("roles: longest (3)", value.roles.len() == 3);
        hit("tags: empty", value.tags.is_empty());
        hit("previous: one item", value.previous.len() == 1);
        hit("flags: one entry", value.flags.len() == 1);
        hit("flags: two entries", value.flags.len() == 2);
        hit("tier: -1", value.tier == -1);
        hit("tier: 1", value.tier == 1);
        assert_eq!(value.cache, 0, "skipped fields are Default");
    }
    // Each boundary comes up in at least one value in ten.
    for (what, count) in &hits {
        assert!(*count >= CASES / 10, "{what}: {count} of {CASES}");
    }
    assert_eq!(hits.len(), 18);
}

#[test]
fn ten_thousand_invalid_values_break_the_rule_they_name() {
    let mut broken: BTreeMap<(String, &'static str), usize> = BTreeMap::new();
    for invalid in values(&Everything::invalid(), CASES) {
        let errors = match invalid.claims().validate() {
            Ok(()) => panic!("{invalid:?} passes validate()"),
            Err(errors) => errors,
        };
        assert!(
            errors
                .errors()
                .iter()
                .any(|e| e.path() == invalid.path() && e.rule() == invalid.rule()),
            "{invalid:?}: {errors}"
        );
        // Only the broken claim is wrong.
        let claim: String = invalid
            .path()
            .split(['.', '['])
            .take(2)
            .collect::<Vec<_>>()
            .join(".");
        for error in &errors {
            assert!(error.path().starts_with(&claim), "{invalid:?}: {errors}");
        }
        // Item indexes vary; count the claim and rule.
        let mut at = String::new();
        let mut in_index = false;
        for ch in invalid.path().chars() {
            match ch {
                '[' => in_index = true,
                ']' => {
                    in_index = false;
                    at.push_str("[]");
                }
                _ if in_index => {}
                _ => at.push(ch),
            }
        }
        *broken.entry((at, invalid.rule())).or_default() += 1;
    }
    let expected = [
        ("act.name", "length"),
        ("act.handle", "non_empty"),
        ("act.age", "range"),
        ("act.score", "range"),
        ("act.plan", "one_of"),
        ("act.tier", "one_of"),
        ("act.org", "prefix"),
        ("act.org", "length"),
        ("act.code", "regex"),
        ("act.email", "email"),
        ("act.avatar", "url"),
        ("act.roles", "length"),
        ("act.roles[]", "one_of"),
        ("act.tags[]", "length"),
        ("act.address.zip", "regex"),
        ("act.address.country", "one_of"),
        ("act.previous[].zip", "regex"),
        ("act.previous[].country", "one_of"),
        ("act.flags", "length"),
    ];
    let found: BTreeSet<(&str, &str)> = broken.keys().map(|(p, r)| (p.as_str(), *r)).collect();
    assert_eq!(found, expected.into_iter().collect());
    for ((path, rule), count) in &broken {
        assert!(*count >= 100, "{path} {rule}: {count} of {CASES}");
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Claims)]
struct Bounded {
    #[claim(validate(regex = r"\bword\b"))]
    word: String,
}

#[test]
fn a_pattern_proptest_cannot_generate_fails_naming_the_claim() {
    let err = testing::check_property(10, Bounded::valid(), |_| true).unwrap_err();
    assert_eq!(
        err,
        PropertyFailure::Aborted(
            "Bounded.word: cannot generate strings for regex \"\\\\bword\\\\b\": word boundaries \
             (\\b, \\B, \\<, \\>) cannot be generated; name a generator with \
             validate(custom(check, strategy = path))"
                .into()
        )
    );
}

#[allow(clippy::ptr_arg)]
fn nothing(_: &String) -> Result<(), String> {
    Err("never".into())
}

#[derive(Debug, Clone, Serialize, Deserialize, Claims)]
struct Picky {
    #[claim(validate(custom = nothing))]
    code: String,
}

#[test]
fn a_custom_rule_that_rejects_everything_exhausts_the_budget_naming_the_claim() {
    let err = testing::check_property(10, Picky::valid(), |_| true).unwrap_err();
    assert_eq!(
        err,
        PropertyFailure::Aborted(
            "Picky.code: 256 generated values in a row broke the claim's rules; name a \
             generator with validate(custom(check, strategy = path))"
                .into()
        )
    );
}

/// The example server's shape: a user's `sub` and roles, or an anonymous session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[claims(anonymous)]
struct Viewer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[claim(validate(length(min = 1, max = 128)))]
    sub: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[claim(validate(each(one_of("admin", "member"))))]
    roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[claim(anonymous)]
    sid: Option<String>,
}

struct Doc {
    owner_sub: String,
}

fn is_owner(doc: &Doc, auth: AuthContext<'_, Viewer>) -> bool {
    auth.claims().and_then(|v| v.sub.as_deref()) == Some(doc.owner_sub.as_str())
}

/// Admins read anything, owners their own: what the policy must do.
fn may_read(doc: &Doc, auth: AuthContext<'_, Viewer>) -> bool {
    let admin = auth
        .claims()
        .is_some_and(|v| v.roles.iter().any(|r| r == "admin"));
    admin || is_owner(doc, auth)
}

#[test]
fn a_wrong_authorizer_is_caught_with_the_smallest_counterexample() {
    // Wrong on purpose: any role reads, not only `admin`.
    let wrong = from_fns(
        |read: &ReadRequest<'_, Doc, Viewer>| {
            read.auth_context
                .claims()
                .is_some_and(|v| !v.roles.is_empty())
                || is_owner(read.context, read.auth_context)
        },
        |write: &WriteRequest<'_, Doc, (), Viewer>| is_owner(write.context(), write.auth_context()),
    );
    let doc = Doc {
        owner_sub: "owner".into(),
    };
    let state = StateValue::from("on");
    let failure = testing::check_contexts::<Viewer>(2_000, |auth| {
        let read = ReadRequest::new("doc-1", &state, &doc, auth);
        wrong.allow_read(&read) == may_read(&doc, auth)
    })
    .unwrap_err();
    let PropertyFailure::Failed { json, .. } = &failure else {
        panic!("{failure}");
    };
    let shrunk: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(
        shrunk,
        serde_json::json!({ "roles": ["member"] }),
        "{failure}"
    );

    // The right policy passes over as many contexts, anonymous sessions included.
    let right = from_fns(
        |read: &ReadRequest<'_, Doc, Viewer>| may_read(read.context, read.auth_context),
        |write: &WriteRequest<'_, Doc, (), Viewer>| is_owner(write.context(), write.auth_context()),
    );
    testing::check_contexts::<Viewer>(2_000, |auth| {
        let read = ReadRequest::new("doc-1", &state, &doc, auth);
        right.allow_read(&read) == may_read(&doc, auth)
    })
    .unwrap();
}

#[test]
fn anonymous_types_generate_sessions_that_sign_and_verify_as_generated() {
    let tokens = TestTokens::<Viewer>::new();
    let mut anonymous = 0;
    for context in values(&Viewer::auth_contexts(), 1_000) {
        if let Some(session) = context.session() {
            anonymous += 1;
            let json = serde_json::to_value(&context).unwrap();
            assert_eq!(
                json,
                serde_json::json!({ "sid": session.sid(), "did": session.did(), "auth": "anonymous" })
            );
        }
        let verified = tokens.verified_context(&context);
        assert_eq!(verified.auth_context(), context.auth_context());
    }
    assert!(
        (150..=350).contains(&anonymous),
        "{anonymous} anonymous of 1000"
    );
}

#[test]
fn types_without_anonymous_sessions_generate_users_only() {
    assert!(values(&Everything::auth_contexts(), 200).all(|c| c.claims().is_some()));
}
