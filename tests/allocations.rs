//! Allocations per verify, against the allocations of deserializing the claims alone. A count,
//! not a time: the same on every machine for the same build.

use serde::{Deserialize, Serialize};
use statebacked_claims::verify::ClaimsBuf;
use statebacked_claims::{Claims, Expires, FixedClock, Issuer, Key, Verifier};
use std::alloc::{GlobalAlloc, Layout, System};
use std::borrow::Cow;
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations (and reallocations) made on this thread by `f`.
fn count<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let before = ALLOCATIONS.with(Cell::get);
    let value = f();
    (ALLOCATIONS.with(Cell::get) - before, value)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[claims(anonymous)]
struct Viewer {
    #[claim(anonymous)]
    sid: Option<String>,
    #[claim(anonymous)]
    did: Option<String>,
    #[claim(validate(length(min = 1, max = 128)))]
    sub: Option<String>,
    #[claim(validate(email))]
    email: Option<String>,
    #[serde(default)]
    #[claim(validate(each(one_of("admin", "member", "viewer"))))]
    groups: Vec<String>,
}

#[test]
fn verify_allocates_at_most_one_more_than_the_claims_themselves() {
    let now = 1_700_000_000;
    let key = Key::hs256("sbk_bench", "sbsec_bench_secret_0123456789abcdefghijklmnop").unwrap();
    let viewer = Viewer {
        sid: None,
        did: None,
        sub: Some("user-82".into()),
        email: Some("ada@example.com".into()),
        groups: vec!["admin".into(), "member".into()],
    };
    let token = Issuer::<Viewer>::new(key.clone())
        .clock(FixedClock::at_unix(now))
        .sign(&viewer, Expires::at_unix(now + 3_600))
        .unwrap();
    let verifier = Verifier::<Viewer>::new(key).clock(FixedClock::at_unix(now));
    let act = serde_json::to_string(&viewer).unwrap();

    // Warm up lazily initialised state (regexes, thread locals) outside the counts.
    let _ = verifier.verify(token.as_str()).unwrap();

    let (claims_alone, decoded) = count(|| serde_json::from_str::<Viewer>(&act).unwrap());
    let (validation, ()) = count(|| decoded.validate().unwrap());
    let (verify, verified) = count(|| verifier.verify(token.as_str()).unwrap());
    assert_eq!(verified.claims(), &viewer);
    println!(
        "allocations: verify {verify}, claims alone {claims_alone}, their validation {validation}"
    );
    assert!(
        verify <= claims_alone + validation + 1,
        "verify made {verify} allocations; the claims alone take {claims_alone} and their \
         validation {validation}"
    );
}

/// The same claims, borrowed from the token's claims set: `&'a str` where no unescaping is
/// needed, and a `Cow<'a, str>` (borrowed unless the string has escapes) for a display name.
/// serde borrows a `Cow` only as a field's whole type: inside an `Option` or a `Vec` it is
/// always owned.
#[derive(Debug, PartialEq, Serialize, Deserialize, Claims)]
struct BorrowedViewer<'a> {
    #[claim(subject, validate(length(min = 1, max = 128)))]
    sub: Option<&'a str>,
    #[claim(validate(email))]
    email: Option<&'a str>,
    #[serde(default)]
    #[claim(validate(each(one_of("admin", "member", "viewer"))))]
    groups: Vec<&'a str>,
    #[serde(borrow)]
    name: Cow<'a, str>,
}

#[test]
fn borrowed_claims_verify_without_allocating_their_strings() {
    let now = 1_700_000_000;
    let key = || Key::hs256("sbk_bench", "sbsec_bench_secret_0123456789abcdefghijklmnop").unwrap();
    let viewer = BorrowedViewer {
        sub: Some("user-82"),
        email: Some("ada@example.com"),
        groups: vec!["admin", "member"],
        name: "Ada".into(),
    };
    let issuer = Issuer::<BorrowedViewer<'static>>::new(key()).clock(FixedClock::at_unix(now));
    let sign = |claims: &BorrowedViewer<'static>| {
        issuer.sign(claims, Expires::at_unix(now + 3_600)).unwrap()
    };
    let token = sign(&viewer);
    // One verifier for every buffer (`Verifier` is covariant in its claims type).
    let verifier = Verifier::<BorrowedViewer<'static>>::new(key()).clock(FixedClock::at_unix(now));
    let mut buf = ClaimsBuf::default();
    // Warm up: lazily initialised state, and the buffer's capacity.
    let _ = verifier.verify_in(token.as_str(), &mut buf).unwrap();

    let (borrowed, verified) = count(|| verifier.verify_in(token.as_str(), &mut buf).unwrap());
    assert_eq!(verified.claims(), &viewer);
    assert!(matches!(verified.claims().name, Cow::Borrowed("Ada")));
    let (validation, _) = count(|| verified.claims().validate());
    drop(verified);

    // The owned claims type, on the same token (it skips `name`): each of its four strings
    // is allocated.
    let owned_verifier = Verifier::<Viewer>::new(key()).clock(FixedClock::at_unix(now));
    let _ = owned_verifier.verify(token.as_str()).unwrap();
    let (owned, _) = count(|| owned_verifier.verify(token.as_str()).unwrap());
    println!(
        "allocations: verify_in {borrowed}, verify with owned claims {owned}, validation \
         {validation}"
    );
    // Left: the claims set the registered claims keep, the `groups` vector, and what the
    // claims' own validation takes.
    assert_eq!(
        borrowed,
        2 + validation,
        "verify_in made {borrowed} allocations"
    );
    assert_eq!(owned, borrowed + 4, "sub, email and two groups");

    // A string with an escape cannot be borrowed: a `Cow` owns it unescaped...
    let quoted = BorrowedViewer {
        name: r#"Ada "the Countess""#.into(),
        ..viewer
    };
    let verified = verifier
        .verify_in(sign(&quoted).as_str(), &mut buf)
        .unwrap();
    assert!(matches!(verified.claims().name, Cow::Owned(_)));
    assert_eq!(verified.claims(), &quoted);
    // ...and a `&str` refuses it, naming the type.
    let err = verifier
        .verify_in(
            sign(&BorrowedViewer {
                sub: Some("a\\b"),
                ..quoted
            })
            .as_str(),
            &mut buf,
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            statebacked_claims::VerifyError::ActInvalid {
                type_name: "BorrowedViewer",
                ..
            }
        ),
        "{err:?}"
    );
}

/// SECURITY.md S2: size limits come before any work; a megabyte of dots (or of anything) is
/// refused without a single allocation, and so is a token just over the limit.
#[test]
fn s02_a_megabyte_of_dots_costs_no_allocation() {
    let key = Key::hs256("sbk_test", "sbsec_test_secret_0123456789abcdef").unwrap();
    let verifier = Verifier::<Viewer>::new(key).clock(FixedClock::at_unix(1_700_000_000));
    for hostile in [
        ".".repeat(1 << 20),
        "a.".repeat(1 << 19),
        "e".repeat(8 * 1024 + 1),
    ] {
        let (allocations, result) = count(|| verifier.verify(&hostile));
        assert!(
            matches!(
                result,
                Err(statebacked_claims::VerifyError::TooLarge { .. })
            ),
            "{result:?}"
        );
        assert_eq!(allocations, 0);
    }
    // Under the limit, a token of nothing but dots is refused at the split, still cheaply.
    let (allocations, result) = count(|| verifier.verify(&".".repeat(4000)));
    assert!(result.is_err());
    assert!(allocations <= 1, "{allocations}");
}
