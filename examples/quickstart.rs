//! Derive a claims type, sign a State Backed token, verify it, and watch a tampered and an
//! expired token get rejected.
//!
//! Run with `cargo run --example quickstart`.

use serde::{Deserialize, Serialize};
use statebacked_claims::{Claims, Expires, FixedClock, Issuer, Key, Verifier};
use std::error::Error;
use std::time::Duration;

/// The authContext your authorizers receive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[serde(rename_all = "camelCase")]
struct Viewer {
    #[claim(validate(length(min = 1, max = 128)))]
    sub: String,
    #[claim(validate(email))]
    email: Option<String>,
    #[serde(default)]
    #[claim(validate(each(one_of("admin", "beta", "member"))))]
    groups: Vec<String>,
    display_name: Option<String>,
}

fn main() -> Result<(), Box<dyn Error>> {
    // In production the key id and secret come from `smply keys create`; the secret's UTF-8
    // bytes are the HMAC key.
    let key = Key::hs256("sbk_quickstart", "sbsec_quickstart_secret_0123456789abcdef")?;
    println!("key:      {key:?}");

    // The claims the type puts on the wire, their types and rules (`ClaimSchema`'s Display).
    println!("schema:   {}", Viewer::schema());

    let issuer = Issuer::<Viewer>::new(key.clone());
    let verifier = Verifier::<Viewer>::new(key.clone());

    let viewer = Viewer {
        sub: "user-1".into(),
        email: Some("ada@example.com".into()),
        groups: vec!["admin".into(), "beta".into()],
        display_name: Some("Ada".into()),
    };
    let token = issuer.sign(&viewer, "7d".parse()?)?;
    println!("\ntoken:    {token}");

    let verified = verifier.verify(token.as_str())?;
    println!("verified: {:?}", verified.claims());
    println!("          {:?}", verified.registered());
    assert_eq!(verified.claims(), &viewer);

    // Change one claim without re-signing: the signature no longer matches.
    let tampered = tamper(token.as_str());
    let err = verifier.verify(&tampered).unwrap_err();
    println!("\ntampered: {err} ({err:?})");

    // A token signed two hours ago that lived one hour.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let expired = Issuer::<Viewer>::new(key)
        .clock(FixedClock::at_unix(now - 7_200))
        .sign(&viewer, Expires::in_(Duration::from_secs(3_600)))?;
    let err = verifier.verify(expired.as_str()).unwrap_err();
    println!("expired:  {err} ({err:?})");

    // Claims that break their rules are never signed; every broken rule is reported.
    let invalid = Viewer {
        sub: String::new(),
        email: Some("not-an-email".into()),
        groups: vec!["admin".into(), "root".into()],
        display_name: None,
    };
    let err = issuer.sign(&invalid, "1h".parse()?).unwrap_err();
    println!("invalid:  {err}");

    // A claims value that is not a `Viewer` does not even compile:
    // issuer.sign(&serde_json::json!({"sub": "admin"}), "1h".parse()?);
    Ok(())
}

/// Replaces the payload with one claiming to be someone else, keeping the signature.
fn tamper(token: &str) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut parts = token.split('.');
    let (header, payload, signature) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let claims = URL_SAFE_NO_PAD.decode(payload).unwrap_or_default();
    let forged = String::from_utf8_lossy(&claims).replace("user-1", "admin");
    format!("{header}.{}.{signature}", URL_SAFE_NO_PAD.encode(forged))
}
