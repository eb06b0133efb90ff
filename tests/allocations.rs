//! Allocations per verify, against the allocations of deserializing the claims alone. A count,
//! not a time: the same on every machine for the same build.

use serde::{Deserialize, Serialize};
use statebacked_claims::{Claims, Expires, FixedClock, Issuer, Key, Verifier};
use std::alloc::{GlobalAlloc, Layout, System};
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
