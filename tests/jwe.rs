//! Encrypted tokens (feature `jwe`): round trips, refusals, and every case of Wycheproof's
//! `json_web_encryption_test.json` (which carries the RFC 7520 §5.6 and §5.8 examples).
#![cfg(feature = "jwe")]

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use serde_json::Value;
use statebacked_claims::{
    EncryptionKey, VerifyError, jwe::ContentEncryption, jwe::JweError, verify::Malformed,
};

fn keys() -> Vec<EncryptionKey> {
    vec![
        EncryptionKey::dir(Some("d"), ContentEncryption::A256GCM, [3u8; 32]).unwrap(),
        EncryptionKey::dir(None, ContentEncryption::A128GCM, [4u8; 16]).unwrap(),
        EncryptionKey::a256kw(Some("w"), ContentEncryption::A256GCM, [5u8; 32]).unwrap(),
        EncryptionKey::a128kw(None, ContentEncryption::A128GCM, [6u8; 16]).unwrap(),
    ]
}

fn header_of(jwe: &str) -> Value {
    serde_json::from_slice(&unb64(jwe.split('.').next().unwrap())).unwrap()
}

#[test]
fn encrypted_tokens_verify_exactly_as_signed_ones() {
    for key in keys() {
        let jwe = issuer()
            .sign_encrypted(&user(), "1h".parse().unwrap(), &key)
            .unwrap();
        assert_eq!(jwe.as_str().split('.').count(), 5);
        let header = header_of(jwe.as_str());
        assert_eq!(header["cty"], "JWT");
        assert_eq!(header["alg"], key.key_management().as_str());
        assert_eq!(header["enc"], key.content_encryption().as_str());
        // The claims are not readable from the token.
        assert!(!jwe.as_str().contains(&b64(r#""sub":"user-1""#)));
        let verified = verifier().verify_encrypted(jwe.as_str(), &key).unwrap();
        assert_eq!(verified.claims(), &user());
        assert_eq!(verified.registered().iss(), Some("https://example.com/"));
    }
}

#[test]
fn jwe_and_jws_are_not_interchangeable() {
    let key = &keys()[2];
    let jwe = issuer()
        .sign_encrypted(&user(), "1h".parse().unwrap(), key)
        .unwrap();
    assert_eq!(
        verifier().verify(jwe.as_str()).unwrap_err(),
        VerifyError::Malformed(Malformed::SegmentCount)
    );
    let jws = issuer().sign(&user(), "1h".parse().unwrap()).unwrap();
    assert!(matches!(
        verifier().verify_encrypted(jws.as_str(), key),
        Err(VerifyError::Encryption(JweError::Malformed(_)))
    ));
    // Encrypted, but not declared as a nested token.
    let bare = key.encrypt(jws.as_str().as_bytes(), None).unwrap();
    assert_eq!(
        verifier().verify_encrypted(&bare, key).unwrap_err(),
        VerifyError::Encryption(JweError::NotNested)
    );
    // The nested token is checked in full: an expired one stays expired.
    let expired = issuer()
        .clock(statebacked_claims::FixedClock::at_unix(NOW - 7200))
        .sign_encrypted(&user(), "1h".parse().unwrap(), key)
        .unwrap();
    assert!(matches!(
        verifier().verify_encrypted(expired.as_str(), key),
        Err(VerifyError::Expired { .. })
    ));
    // Another key of the same configuration does not open it.
    let other = EncryptionKey::a256kw(Some("w"), ContentEncryption::A256GCM, [9u8; 32]).unwrap();
    assert_eq!(
        verifier()
            .verify_encrypted(jwe.as_str(), &other)
            .unwrap_err(),
        VerifyError::Encryption(JweError::Decrypt)
    );
}

#[test]
fn unknown_algorithms_and_compression_are_refused() {
    let key = &keys()[2];
    let jwe = key.encrypt(b"x.y.z", Some("JWT")).unwrap();
    let rest = jwe.split_once('.').unwrap().1;
    for (header, expected) in [
        (
            r#"{"alg":"A256KW","enc":"A256CBC-HS512","kid":"w"}"#,
            JweError::UnsupportedAlgorithm,
        ),
        (
            r#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#,
            JweError::UnsupportedAlgorithm,
        ),
        (
            r#"{"alg":"A256KW","enc":"A256GCM","zip":"DEF"}"#,
            JweError::UnsupportedHeader("zip"),
        ),
        (r#"{"alg":"A256KW"}"#, JweError::Header),
        (
            r#"{"alg":"A256KW","alg":"A256KW","enc":"A256GCM"}"#,
            JweError::Header,
        ),
        (r#"["alg"]"#, JweError::Header),
    ] {
        let token = format!("{}.{rest}", b64(header));
        assert_eq!(key.decrypt(&token).unwrap_err(), expected, "{header}");
    }
}

/// Wycheproof's JWE cases: every one is decrypted (valid, supported), refused (invalid), or
/// refused because it uses what this crate does not support (listed with the reason).
#[test]
fn wycheproof_json_web_encryption() {
    let text = include_str!("vectors/wycheproof/json_web_encryption_test.json");
    let document: Value = serde_json::from_str(text).unwrap();
    let (mut decrypted, mut refused_invalid, mut refused_unsupported) = (0, 0, 0);
    let mut total = 0;
    for group in document["testGroups"].as_array().unwrap() {
        let jwk = &group["private"];
        for case in group["tests"].as_array().unwrap() {
            total += 1;
            let id = case["tcId"].as_u64().unwrap();
            let valid = case["result"] == "valid";
            let jwe = case["jwe"].as_str();
            let enc = match case["enc"].as_str() {
                Some("A128GCM") => Some(ContentEncryption::A128GCM),
                Some("A256GCM") => Some(ContentEncryption::A256GCM),
                _ => None,
            };
            let secret = jwk["k"]
                .as_str()
                .map(|k| URL_SAFE_NO_PAD.decode(k).unwrap());
            let key = match (jwk["kty"].as_str(), jwk["alg"].as_str(), enc, &secret) {
                (Some("oct"), Some("A128KW"), Some(enc), Some(k)) => {
                    EncryptionKey::a128kw(None, enc, k).ok()
                }
                (Some("oct"), Some("A256KW"), Some(enc), Some(k)) => {
                    EncryptionKey::a256kw(None, enc, k).ok()
                }
                (Some("oct"), Some("A128GCM" | "A256GCM"), Some(enc), Some(k)) => {
                    EncryptionKey::dir(None, enc, k).ok()
                }
                _ => None,
            };
            let compressed = case["flags"]
                .as_array()
                .is_some_and(|f| f.iter().any(|f| f == "CompressedPlaintext"));
            match (key, jwe) {
                (Some(key), Some(jwe)) if valid && !compressed => {
                    let plaintext = key
                        .decrypt(jwe)
                        .unwrap_or_else(|err| panic!("tcId {id}: {err}"));
                    assert_eq!(hex(&plaintext), case["pt"].as_str().unwrap(), "tcId {id}");
                    decrypted += 1;
                }
                (Some(key), Some(jwe)) => {
                    let err = key
                        .decrypt(jwe)
                        .expect_err(&format!("tcId {id} must be refused"));
                    if compressed {
                        assert_eq!(err, JweError::UnsupportedHeader("zip"), "tcId {id}");
                        refused_unsupported += 1;
                    } else {
                        refused_invalid += 1;
                    }
                }
                // A case whose key this crate cannot hold: RSA, ECDH, AES-GCM key wrap, 192-bit
                // AES, CBC-HMAC content encryption, or the JSON serialization. No
                // `EncryptionKey` can be configured for it, so it is refused by construction;
                // invalid ones among them are counted with the refused.
                _ => {
                    if valid {
                        refused_unsupported += 1;
                    } else {
                        refused_invalid += 1;
                    }
                }
            }
        }
    }
    assert_eq!(total, decrypted + refused_invalid + refused_unsupported);
    assert_eq!(total, 139);
    // dir/A128GCM (RFC 7520 Fig. 136), A128KW/A128GCM (two, one of them Fig. 159),
    // A256KW/A128GCM, A256KW/A256GCM.
    assert_eq!(decrypted, 5, "decrypted");
    // Every case Wycheproof labels invalid is refused.
    assert_eq!(refused_invalid, 74, "refused invalid");
    // Valid, but with what this crate does not do (listed above), or compressed (zip).
    assert_eq!(refused_unsupported, 60, "refused unsupported");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
