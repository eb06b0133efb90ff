//! WIRE.md §1 golden vector A: byte-identical to `@statebacked/token`'s `signToken`.

mod common;

use common::*;
use statebacked_claims::{Expires, RegisteredClaims};

#[test]
fn issuer_reproduces_golden_vector_a() {
    let token = issuer().sign(&user(), Expires::at_unix(EXP)).unwrap();
    assert_eq!(token.as_str(), GOLDEN_A);
}

#[test]
fn issuer_writes_header_and_claims_in_wire_order() {
    let token = issuer().sign(&user(), Expires::at_unix(EXP)).unwrap();
    let mut parts = token.as_str().split('.');
    let header = String::from_utf8(unb64(parts.next().unwrap())).unwrap();
    let payload = String::from_utf8(unb64(parts.next().unwrap())).unwrap();
    assert_eq!(header, r#"{"alg":"HS256","kid":"sbk_test"}"#);
    assert_eq!(
        payload,
        r#"{"act":{"sub":"user-1","groups":["a","b"]},"aud":"https://api.statebacked.dev/","exp":4102444800,"iss":"https://example.com/","iat":1700000000}"#
    );
}

#[test]
fn relative_expiry_is_added_to_the_clock() {
    let token = issuer().sign(&user(), "2051y".parse().unwrap()).unwrap();
    let verified = verifier().verify(token.as_str()).unwrap();
    assert_eq!(verified.registered().exp(), NOW + 2051 * 31_557_600);
    assert_eq!(verified.registered().iat(), Some(NOW));
}

#[test]
fn default_issuer_is_derived_from_the_key_id() {
    let token = statebacked_claims::Issuer::<User>::new(key())
        .clock(statebacked_claims::FixedClock::at_unix(NOW))
        .sign(&user(), Expires::at_unix(EXP))
        .unwrap();
    let verified = verifier()
        .issuer("https://sbk_test.client.statebacked.dev/")
        .verify(token.as_str())
        .unwrap();
    assert_eq!(
        verified.registered().iss(),
        Some("https://sbk_test.client.statebacked.dev/")
    );
}

#[test]
fn verifier_accepts_golden_vector_a() {
    let verified = verifier()
        .issuer("https://example.com/")
        .verify(GOLDEN_A)
        .unwrap();
    assert_eq!(verified.claims(), &user());
    let registered: &RegisteredClaims = verified.registered();
    assert_eq!(registered.iss(), Some("https://example.com/"));
    assert_eq!(
        registered.aud().collect::<Vec<_>>(),
        ["https://api.statebacked.dev/"]
    );
    assert_eq!(registered.exp(), EXP);
    assert_eq!(registered.iat(), Some(NOW));
    assert_eq!(registered.nbf(), None);
    assert_eq!(registered.jti(), None);
    assert_eq!(registered.sub(), None);
    assert_eq!(registered.kid(), Some("sbk_test"));
}

#[test]
fn signed_token_debug_hides_the_signature() {
    let token = issuer().sign(&user(), Expires::at_unix(EXP)).unwrap();
    let debug = format!("{token:?}");
    let signature = GOLDEN_A.rsplit('.').next().unwrap();
    assert!(!debug.contains(signature), "{debug}");
    assert!(debug.ends_with(".<signature redacted>)"), "{debug}");
}

#[test]
fn registered_claims_read_escaped_and_array_values() {
    let payload = payload(|c| {
        c.insert(
            "aud".into(),
            serde_json::json!(["other", "https://api.statebacked.dev/"]),
        );
        c.insert("sub".into(), "top-level".into());
        c.insert("jti".into(), "id-1".into());
        c.insert("nbf".into(), NOW.into());
    })
    // An escape in `iss`: read by unescaping, not as a span of the JSON text.
    .replace("https://example.com/", r"https://ex\u0061mple.com/");
    let token = sign_raw(HEADER, &payload);
    let verified = verifier()
        .issuer("https://example.com/")
        .verify(&token)
        .unwrap();
    let registered = verified.registered();
    assert_eq!(registered.iss(), Some("https://example.com/"));
    assert_eq!(
        registered.aud().collect::<Vec<_>>(),
        ["other", "https://api.statebacked.dev/"]
    );
    assert_eq!(registered.sub(), Some("top-level"));
    assert_eq!(registered.jti(), Some("id-1"));
    assert_eq!(registered.nbf(), Some(NOW));
    let debug = format!("{registered:?}");
    assert!(
        debug.contains(r#"iss: Some("https://example.com/")"#),
        "{debug}"
    );
}
