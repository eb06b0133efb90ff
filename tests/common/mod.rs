//! Shared fixtures for the integration tests.
#![allow(dead_code)]

pub mod keypairs;
pub mod peers;
pub mod redis;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use statebacked_claims::{Claims, FixedClock, Issuer, Key, Verifier};

pub const KEY_ID: &str = "sbk_test";
pub const SECRET: &str = "sbsec_test_secret_0123456789abcdef";
pub const NOW: u64 = 1_700_000_000;
pub const EXP: u64 = 4_102_444_800;

/// WIRE.md §1, golden vector A.
pub const GOLDEN_A: &str = "eyJhbGciOiJIUzI1NiIsImtpZCI6InNia190ZXN0In0.eyJhY3QiOnsic3ViIjoidXNlci0xIiwiZ3JvdXBzIjpbImEiLCJiIl19LCJhdWQiOiJodHRwczovL2FwaS5zdGF0ZWJhY2tlZC5kZXYvIiwiZXhwIjo0MTAyNDQ0ODAwLCJpc3MiOiJodHRwczovL2V4YW1wbGUuY29tLyIsImlhdCI6MTcwMDAwMDAwMH0.DoUFtTJQMed7zaxbLd1LZszGhVh63AoyI22nWiAfVw4";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
pub struct User {
    pub sub: String,
    #[serde(default)]
    pub groups: Vec<String>,
}

pub fn user() -> User {
    User {
        sub: "user-1".into(),
        groups: vec!["a".into(), "b".into()],
    }
}

/// A token-exchange request body (RFC 8693) as `@statebacked/client` sends it.
pub fn exchange_form(audience: &str, subject_token: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair(
            "grant_type",
            "urn:ietf:params:oauth:grant-type:token-exchange",
        )
        .append_pair("audience", audience)
        .append_pair(
            "requested_token_type",
            "urn:ietf:params:oauth:token-type:access_token",
        )
        .append_pair("subject_token", subject_token)
        .finish()
}

pub fn key() -> Key {
    Key::hs256(KEY_ID, SECRET).unwrap()
}

pub fn issuer() -> Issuer<User> {
    Issuer::new(key())
        .issuer("https://example.com/")
        .clock(FixedClock::at_unix(NOW))
}

pub fn verifier() -> Verifier<User> {
    Verifier::new(key()).clock(FixedClock::at_unix(NOW))
}

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn unb64(segment: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(segment).unwrap()
}

/// A token with exactly this header and payload text, HMAC-SHA256-signed with `secret`.
pub fn sign_raw_with(secret: &[u8], header: &str, payload: &str) -> String {
    let signing_input = format!("{}.{}", b64(header), b64(payload));
    let signature = hmac_sha256(secret, signing_input.as_bytes());
    format!("{signing_input}.{}", b64(signature))
}

/// A token with exactly this header and payload text, signed with the test key.
pub fn sign_raw(header: &str, payload: &str) -> String {
    sign_raw_with(SECRET.as_bytes(), header, payload)
}

/// The standard header of the test key.
pub const HEADER: &str = r#"{"alg":"HS256","kid":"sbk_test"}"#;

/// A payload like golden vector A's with `edit` applied to its registered claims.
pub fn payload(edit: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>)) -> String {
    let mut claims = serde_json::json!({
        "act": {"sub": "user-1", "groups": ["a", "b"]},
        "aud": "https://api.statebacked.dev/",
        "exp": EXP,
        "iss": "https://example.com/",
        "iat": NOW,
    });
    if let Some(map) = claims.as_object_mut() {
        edit(map);
    }
    claims.to_string()
}

/// HMAC-SHA256 by RustCrypto's `hmac`, independent of the code under test.
pub fn hmac_sha256(secret: &[u8], message: &[u8]) -> Vec<u8> {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// jsonwebtoken's own `encode`/`decode` consult a process-wide crypto provider, which panics
/// when both of its backends are enabled (as under `--all-features`): install the one our
/// features choose. Tests that sign "elsewhere" with jsonwebtoken call this first.
pub fn install_jsonwebtoken_provider() {
    #[cfg(feature = "aws-lc-rs")]
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    #[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
}

/// Serves `router` on a loopback port for the rest of the test: its base URL.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    base
}
