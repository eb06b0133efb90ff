//! Property tests of the example server's authorizer (`examples/server`), over every
//! authContext its `Viewer` type admits rather than the few a person writes by hand.
//!
//! ```sh
//! cargo run --example authorizer_properties
//! ```
//!
//! `Viewer`'s derive (with the `proptest` feature) generates users with every kind of valid
//! claims (no `sub`, a one-character or 128-character `sub`, no roles, `admin`, `member`, both)
//! and anonymous sessions. Each property runs `OwnersOnly` on them; a failure prints the
//! smallest context that breaks it, as JSON.

#[path = "server/app.rs"]
#[allow(dead_code)]
mod app;

use app::{DocContext, Owner, OwnersOnly, ToggleEvent, Viewer};
use statebacked_claims::authorize::{Authorizer, ReadRequest, StateValue, WriteRequest};
use statebacked_claims::generate::{GenerateClaims, OwnedAuthContext};
use statebacked_claims::testing::{self, TestTokens};
use statebacked_claims::{AuthContext, Claims, Expires, Issuer};
use std::time::Duration;

const CASES: u32 = 1_000;

/// What the policy promises: admins read everything, owners read and write their own.
fn may_read(doc: &DocContext, auth: AuthContext<'_, Viewer>) -> bool {
    let admin = auth
        .claims()
        .is_some_and(|viewer| viewer.roles.iter().any(|role| role == "admin"));
    admin || Owner::of(auth).as_ref() == Some(&doc.owner)
}

fn doc_of(owner: &OwnedAuthContext<Viewer>) -> Option<DocContext> {
    Owner::of(owner.auth_context()).map(|owner| DocContext {
        owner,
        public: Default::default(),
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let state = StateValue::from("on");

    // 1. Reads and writes, for every pair of (creator, caller) contexts.
    let pairs = (Viewer::auth_contexts(), Viewer::auth_contexts());
    testing::check_property(CASES, pairs, |(creator, caller)| {
        let Some(doc) = doc_of(creator) else {
            return true; // a user token without `sub` cannot create instances
        };
        let auth = caller.auth_context();
        let read = ReadRequest::new("doc-1", &state, &doc, auth);
        let write = WriteRequest::<_, ToggleEvent, _>::new_initialization("doc-1", &doc, auth);
        let owner = Owner::of(auth).as_ref() == Some(&doc.owner);
        OwnersOnly.allow_read(&read) == may_read(&doc, auth)
            && OwnersOnly.allow_write(&write) == owner
    })?;
    println!("OwnersOnly: reads and writes agree with the policy over {CASES} pairs of contexts");

    // 2. Everyone may act on what they created themselves.
    testing::check_contexts::<Viewer>(CASES, |auth| match Owner::of(auth) {
        Some(owner) => {
            let doc = DocContext {
                owner,
                public: Default::default(),
            };
            let write = WriteRequest::<_, ToggleEvent, _>::new_initialization("doc-1", &doc, auth);
            OwnersOnly.allow_write(&write)
        }
        None => true,
    })?;
    println!("OwnersOnly: every creator may write their instance");

    // 3. End to end: the contexts signed into tokens verify back to themselves.
    let tokens = TestTokens::<Viewer>::new();
    let verifier = tokens.verifier();
    testing::check_property(200, Viewer::auth_contexts(), |context| {
        let token = tokens.sign_context(context);
        verifier
            .verify(token.as_str())
            .is_ok_and(|verified| verified.auth_context() == context.auth_context())
    })?;
    println!("tokens: 200 generated contexts sign and verify to themselves");

    // 4. Claims that break a rule are never signed, and say which rule.
    let issuer: &Issuer<Viewer> = tokens.issuer();
    testing::check_property(200, Viewer::invalid(), |bad| {
        issuer
            .sign(bad.claims(), Expires::in_(Duration::from_secs(3600)))
            .is_err()
            && bad.claims().validate().is_err_and(|errors| {
                errors
                    .errors()
                    .iter()
                    .any(|e| e.path() == bad.path() && e.rule() == bad.rule())
            })
    })?;
    println!("issuer: 200 claims with one rule broken are refused, naming the rule");
    Ok(())
}
