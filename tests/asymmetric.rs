//! RSA, RSA-PSS, ECDSA and Ed25519 keys: from PEM, DER and JWK, signing and verifying, and
//! the public JWKS other services verify with.

mod common;

use common::keypairs::{ASYMMETRIC, generate, pem};
use common::*;
use statebacked_claims::{
    Algorithm, ClientClaims, FixedClock, IssueError, Issuer, Key, KeyError, KeySet, Scopes,
    Verifier, VerifyError,
};

fn sign_with(key: &Key) -> String {
    Issuer::<User>::new(key.clone())
        .clock(FixedClock::at_unix(NOW))
        .sign(&user(), "1h".parse().unwrap())
        .unwrap()
        .into_string()
}

fn verify_with(keys: impl Into<KeySet>, token: &str) -> Result<User, VerifyError> {
    Verifier::<User>::new(keys)
        .clock(FixedClock::at_unix(NOW))
        .verify(token)
        .map(|verified| verified.into_claims())
}

fn header_of(token: &str) -> serde_json::Value {
    serde_json::from_slice(&unb64(token.split('.').next().unwrap())).unwrap()
}

#[test]
fn every_algorithm_signs_and_verifies_from_every_form() {
    for algorithm in ASYMMETRIC {
        let pair = generate(algorithm);
        let private = Key::from_der("k1", algorithm, &pair.private_der).unwrap();
        assert!(private.can_sign(), "{algorithm}");
        let token = sign_with(&private);
        assert_eq!(
            header_of(&token),
            serde_json::json!({"alg": algorithm.as_str(), "kid": "k1"}),
        );
        assert_eq!(
            verify_with(private.clone(), &token),
            Ok(user()),
            "{algorithm}"
        );

        let from_pem =
            Key::from_pem("k1", algorithm, pem("PRIVATE KEY", &pair.private_der)).unwrap();
        assert_eq!(verify_with(from_pem, &token), Ok(user()), "{algorithm}");

        let public_forms = [
            Key::from_der("k1", algorithm, &pair.public_der).unwrap(),
            Key::from_pem("k1", algorithm, pem("PUBLIC KEY", &pair.public_der)).unwrap(),
            Key::from_jwk(&private.public_jwk().unwrap().to_json()).unwrap(),
        ];
        for public in public_forms {
            assert!(!public.can_sign(), "{algorithm}");
            assert_eq!(public.algorithm(), algorithm);
            assert_eq!(
                verify_with(public.clone(), &token),
                Ok(user()),
                "{algorithm}"
            );
            // The same public JWK, whichever form the key came from.
            assert_eq!(public.public_jwk(), private.public_jwk(), "{algorithm}");
        }
    }
}

#[test]
fn rsa_pkcs1_public_keys_are_read() {
    let pair = generate(Algorithm::RS256);
    let pkcs1 = pair.rsa_public_pkcs1.unwrap();
    let private = Key::from_der("k1", Algorithm::RS256, &pair.private_der).unwrap();
    let token = sign_with(&private);
    for public in [
        Key::from_der("k1", Algorithm::RS256, &pkcs1).unwrap(),
        Key::from_pem("k1", Algorithm::RS256, pem("RSA PUBLIC KEY", &pkcs1)).unwrap(),
    ] {
        assert_eq!(verify_with(public, &token), Ok(user()));
    }
}

#[test]
fn a_public_key_cannot_sign() {
    let pair = generate(Algorithm::ES256);
    let public = Key::from_der("k1", Algorithm::ES256, &pair.public_der).unwrap();
    let err = Issuer::<User>::new(public)
        .sign(&user(), "1h".parse().unwrap())
        .unwrap_err();
    assert_eq!(err, IssueError::Signing);
}

#[test]
fn s05_s07_each_key_is_pinned_to_its_algorithm() {
    let rsa = generate(Algorithm::RS256);
    let p256 = generate(Algorithm::ES256);
    let ed = generate(Algorithm::EdDSA);
    let refused = [
        (Algorithm::ES256, &rsa.private_der),
        (Algorithm::EdDSA, &rsa.public_der),
        (Algorithm::ES384, &p256.private_der),
        (Algorithm::ES384, &p256.public_der),
        (Algorithm::RS256, &p256.private_der),
        (Algorithm::ES256, &ed.private_der),
        (Algorithm::RS256, &ed.public_der),
    ];
    for (algorithm, der) in refused {
        assert!(
            matches!(
                Key::from_der("k1", algorithm, der),
                Err(KeyError::InvalidKey(_))
            ),
            "{algorithm}"
        );
    }
    // An RS256 key verifies RS256 only: a PS256 token under its kid is refused unverified.
    let rs = Key::from_der("k1", Algorithm::RS256, &rsa.private_der).unwrap();
    let ps = Key::from_der("k1", Algorithm::PS256, &rsa.private_der).unwrap();
    assert_eq!(
        verify_with(rs.clone(), &sign_with(&ps)),
        Err(VerifyError::AlgorithmMismatch {
            expected: Algorithm::RS256,
            found: Algorithm::PS256
        })
    );
    // HS256 with the public key as the secret (the classic confusion) never verifies.
    let public_pem = pem("PUBLIC KEY", &rsa.public_der);
    let forged = sign_raw_with(
        public_pem.as_bytes(),
        r#"{"alg":"HS256","kid":"k1"}"#,
        &payload(|_| {}),
    );
    assert_eq!(
        verify_with(rs, &forged),
        Err(VerifyError::AlgorithmMismatch {
            expected: Algorithm::RS256,
            found: Algorithm::HS256
        })
    );
}

#[test]
fn a_signature_by_another_key_is_refused() {
    let a = Key::from_der(
        "k1",
        Algorithm::ES256,
        generate(Algorithm::ES256).private_der,
    )
    .unwrap();
    let b = Key::from_der(
        "k1",
        Algorithm::ES256,
        generate(Algorithm::ES256).private_der,
    )
    .unwrap();
    assert_eq!(
        verify_with(b, &sign_with(&a)),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn bad_key_material_is_a_typed_error() {
    assert_eq!(
        Key::from_pem("k1", Algorithm::HS256, "x").unwrap_err(),
        KeyError::InvalidKey("HMAC keys are secrets, not PEM: use Key::hs256, hs384 or hs512")
    );
    assert!(matches!(
        Key::from_pem("k1", Algorithm::RS256, "not pem"),
        Err(KeyError::InvalidKey(_))
    ));
    assert!(matches!(
        Key::from_pem("k1", Algorithm::ES256, pem("CERTIFICATE", b"\x30\x00")),
        Err(KeyError::InvalidKey(_))
    ));
    for garbage in [&b""[..], b"\x30\x03\x02\x01\x00", &[0xff; 64]] {
        for algorithm in ASYMMETRIC {
            assert!(
                matches!(
                    Key::from_der("k1", algorithm, garbage),
                    Err(KeyError::InvalidKey(_))
                ),
                "{algorithm}"
            );
        }
    }
    let pair = generate(Algorithm::ES256);
    assert_eq!(
        Key::from_der("", Algorithm::ES256, &pair.private_der).unwrap_err(),
        KeyError::EmptyKeyId
    );
}

#[test]
fn s13_small_rsa_keys_are_refused() {
    let mut n = vec![0xc3; 128];
    n[127] |= 1;
    let jwk = serde_json::json!({
        "kty": "RSA", "alg": "RS256", "kid": "small",
        "n": b64(&n), "e": "AQAB",
    });
    assert_eq!(
        Key::from_jwk(&jwk.to_string()).unwrap_err(),
        KeyError::RsaKeyTooSmall { bits: 1024 }
    );
}

#[test]
fn s26_debug_never_shows_private_material() {
    let pair = generate(Algorithm::EdDSA);
    let key = Key::from_der("k1", Algorithm::EdDSA, &pair.private_der).unwrap();
    assert_eq!(
        format!("{key:?}"),
        r#"Key { kid: Some("k1"), algorithm: EdDSA, private: <redacted> }"#
    );
    let public = Key::from_der("k1", Algorithm::EdDSA, &pair.public_der).unwrap();
    assert_eq!(
        format!("{public:?}"),
        r#"Key { kid: Some("k1"), algorithm: EdDSA, private: false }"#
    );
}

#[test]
fn public_jwks_export_lists_only_public_keys() {
    let es = Key::from_der(
        "es-1",
        Algorithm::ES256,
        generate(Algorithm::ES256).private_der,
    )
    .unwrap();
    let rs = Key::from_der(
        "rs-1",
        Algorithm::PS256,
        generate(Algorithm::PS256).private_der,
    )
    .unwrap();
    let ed = Key::from_der(
        "ed-1",
        Algorithm::EdDSA,
        generate(Algorithm::EdDSA).private_der,
    )
    .unwrap();
    let set = KeySet::try_from(vec![rs.clone(), key(), es.clone(), ed.clone()]).unwrap();
    let jwks: serde_json::Value = serde_json::from_str(&set.public_jwks().to_json()).unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    let summary: Vec<_> = keys
        .iter()
        .map(|k| {
            (
                k["kid"].as_str(),
                k["alg"].as_str(),
                k["kty"].as_str(),
                k["use"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (Some("ed-1"), Some("EdDSA"), Some("OKP"), Some("sig")),
            (Some("es-1"), Some("ES256"), Some("EC"), Some("sig")),
            (Some("rs-1"), Some("PS256"), Some("RSA"), Some("sig")),
        ]
    );
    // No private or secret member, and the HMAC key is absent.
    let text = jwks.to_string();
    for private in ["\"d\"", "\"k\"", "\"p\"", "\"q\"", KEY_ID] {
        assert!(!text.contains(private), "{private} in {text}");
    }
    assert_eq!(keys[0]["crv"], "Ed25519");
    assert_eq!(keys[1]["crv"], "P-256");
    assert_eq!(keys[2]["e"], "AQAB");

    // Another service verifies our tokens through the exported document.
    let verifying = KeySet::from_jwks(&set.public_jwks().to_json()).unwrap();
    assert_eq!(verifying.len(), 3);
    for signer in [&es, &rs, &ed] {
        assert_eq!(
            verify_with(verifying.clone(), &sign_with(signer)),
            Ok(user())
        );
    }
}

#[test]
fn s13_jwks_import_skips_unusable_keys() {
    let es = Key::from_der(
        "es-1",
        Algorithm::ES256,
        generate(Algorithm::ES256).private_der,
    )
    .unwrap();
    let good: serde_json::Value =
        serde_json::from_str(&es.public_jwk().unwrap().to_json()).unwrap();
    let with = |edit: &dyn Fn(&mut serde_json::Map<String, serde_json::Value>)| {
        let mut jwk = good.clone();
        edit(jwk.as_object_mut().unwrap());
        jwk
    };
    let document = serde_json::json!({"keys": [
        with(&|k| { k.insert("use".into(), "enc".into()); k.insert("kid".into(), "enc".into()); }),
        with(&|k| { k.insert("key_ops".into(), serde_json::json!(["encrypt"])); k.insert("kid".into(), "ops".into()); }),
        with(&|k| { k.insert("y".into(), k["x"].clone()); k.insert("kid".into(), "off-curve".into()); }),
        serde_json::json!({"kty": "oct", "alg": "HS256", "kid": "secret", "k": b64(SECRET)}),
        with(&|k| { k.insert("alg".into(), "none".into()); k.insert("kid".into(), "none".into()); }),
        with(&|k| { k.insert("alg".into(), "ES384".into()); k.insert("kid".into(), "wrong-curve".into()); }),
        with(&|k| { k.insert("d".into(), "AAAA".into()); k.insert("kid".into(), "private".into()); }),
        with(&|k| { k.insert("x".into(), "!!".into()); k.insert("kid".into(), "bad-x".into()); }),
        with(&|k| { k.insert("kty".into(), "PQ".into()); k.insert("kid".into(), "kty".into()); }),
        serde_json::json!("not an object"),
        with(&|k| { k.insert("crv".into(), "P-521".into()); k.insert("kid".into(), "p521".into()); k.remove("alg"); }),
        serde_json::json!({"kty": "RSA", "alg": "RS256", "kid": "rsa-1024", "e": "AQAB",
            "n": b64([0xc3u8; 128])}),
        with(&|k| { k.remove("kid"); }),
        good.clone(),
    ]});
    let set = KeySet::from_jwks(&document.to_string()).unwrap();
    assert_eq!(set.len(), 1);
    assert!(set.get("es-1").is_some());
    // Every skipped key is reported, with its reason.
    let skipped: Vec<(Option<&str>, &KeyError)> = set
        .skipped()
        .iter()
        .map(|s| (s.kid(), s.reason()))
        .collect();
    assert_eq!(skipped.len(), 13, "{skipped:#?}");
    let reason = |kid: &str| {
        skipped
            .iter()
            .find(|(k, _)| *k == Some(kid))
            .map(|(_, reason)| (*reason).clone())
            .unwrap_or_else(|| panic!("{kid} not reported"))
    };
    assert_eq!(reason("enc"), KeyError::InvalidJwk("`use` is not `sig`"));
    assert_eq!(reason("secret"), KeyError::SecretInPublicSet);
    assert_eq!(reason("none"), KeyError::UnsupportedAlgorithm);
    assert_eq!(
        reason("p521"),
        KeyError::InvalidJwk(
            "no `alg`, and its `kty`/`crv` imply none (an HMAC key must name its algorithm)"
        )
    );
    assert_eq!(reason("rsa-1024"), KeyError::RsaKeyTooSmall { bits: 1024 });
    assert!(
        skipped.contains(&(None, &KeyError::MissingKeyId)),
        "{skipped:#?}"
    );
    assert!(skipped.contains(&(None, &KeyError::InvalidJwk("not a JWK JSON object"))));
    assert_eq!(
        set.skipped()[0].to_string(),
        "key `enc` skipped: invalid JWK: `use` is not `sig`"
    );
    // A single key without a `kid` is usable: tokens without a `kid` select it.
    let alone = serde_json::json!({"keys": [with(&|k| { k.remove("kid"); })]});
    let set = KeySet::from_jwks(&alone.to_string()).unwrap();
    assert_eq!((set.len(), set.skipped().len()), (1, 0));

    let twice = serde_json::json!({"keys": [good.clone(), good]});
    assert_eq!(
        KeySet::from_jwks(&twice.to_string()).unwrap_err(),
        KeyError::DuplicateKeyId { kid: "es-1".into() }
    );
    for bad in ["", "[]", "{}", r#"{"keys":{}}"#, "null"] {
        assert!(
            matches!(KeySet::from_jwks(bad), Err(KeyError::InvalidJwk(_))),
            "{bad:?}"
        );
    }
}

#[test]
fn jwk_problems_are_named() {
    let cases = [
        (
            r#"{"kty":"oct","k":"AAAA"}"#,
            "no `alg`, and its `kty`/`crv` imply none (an HMAC key must name its algorithm)",
        ),
        (
            r#"{"kty":"EC","crv":"P-256","alg":"ES256","key_ops":["sign"],"x":"AA","y":"AA"}"#,
            "`key_ops` allows neither `verify` nor `sign`",
        ),
        (
            r#"{"kty":"EC","alg":"ES256","use":"enc"}"#,
            "`use` is not `sig`",
        ),
        (
            r#"{"kty":"oct","alg":"ES256","k":"AA"}"#,
            "an `oct` key takes an HS* algorithm",
        ),
        (
            r#"{"kty":"OKP","alg":"EdDSA","crv":"Ed25519","x":"AA","d":"A A"}"#,
            "`d` is not base64url",
        ),
        (
            r#"{"kty":"OKP","alg":"EdDSA","crv":"X25519","x":"AA"}"#,
            "`crv` is not Ed25519",
        ),
        (
            r#"{"kty":"RSA","alg":"RS256","e":"AQAB"}"#,
            "`n` is missing or not base64url",
        ),
        ("[1]", "not a JWK JSON object"),
    ];
    for (jwk, problem) in cases {
        assert_eq!(
            Key::from_jwk(jwk).unwrap_err(),
            KeyError::InvalidJwk(problem),
            "{jwk}"
        );
    }
    assert_eq!(
        Key::from_jwk(r#"{"kty":"EC","alg":"none"}"#).unwrap_err(),
        KeyError::UnsupportedAlgorithm
    );
}

#[test]
fn oct_jwks_are_hmac_keys() {
    let jwk = serde_json::json!({"kty": "oct", "alg": "HS256", "kid": KEY_ID, "k": b64(SECRET)});
    let key = Key::from_jwk(&jwk.to_string()).unwrap();
    assert_eq!(verify_with(key.clone(), GOLDEN_A), Ok(user()));
    assert_eq!(key.public_jwk(), None);
    let short = serde_json::json!({"kty": "oct", "alg": "HS256", "k": b64("short")});
    assert_eq!(
        Key::from_jwk(&short.to_string()).unwrap_err(),
        KeyError::SecretTooShort { len: 5, min: 32 }
    );
}

#[test]
fn flat_and_client_tokens_sign_with_asymmetric_keys() {
    let key = Key::from_der(
        "svc",
        Algorithm::ES256,
        generate(Algorithm::ES256).private_der,
    )
    .unwrap();
    let scopes = Scopes::parse("machines:read").unwrap();
    let token = Issuer::<ClientClaims>::new(key.clone())
        .clock(FixedClock::at_unix(NOW))
        .client_token("worker", &scopes, "5m".parse().unwrap())
        .unwrap();
    let jwks = KeySet::from(key).public_jwks().to_json();
    let verified = Verifier::<ClientClaims>::new(KeySet::from_jwks(&jwks).unwrap())
        .clock(FixedClock::at_unix(NOW))
        .require_scopes(["machines:read"])
        .unwrap()
        .verify(token.as_str())
        .unwrap();
    assert_eq!(verified.claims().client_id(), "worker");
}

/// A private JWK of an aws-lc-generated key: `d` from the backend, the public members from
/// our own export.
fn private_jwk(algorithm: Algorithm) -> (serde_json::Value, Key) {
    use aws_lc_rs::encoding::AsBigEndian;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair};
    let (der, d) = match algorithm {
        Algorithm::ES256 => {
            let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
            let d = pair.private_key().as_be_bytes().unwrap().as_ref().to_vec();
            (pair.to_pkcs8v1().unwrap().as_ref().to_vec(), d)
        }
        Algorithm::EdDSA => {
            let pair = Ed25519KeyPair::generate().unwrap();
            let d = pair
                .seed()
                .unwrap()
                .as_be_bytes()
                .unwrap()
                .as_ref()
                .to_vec();
            (pair.to_pkcs8v1().unwrap().as_ref().to_vec(), d)
        }
        other => panic!("{other}"),
    };
    let key = Key::from_der("k1", algorithm, der).unwrap();
    let mut jwk: serde_json::Value =
        serde_json::from_str(&key.public_jwk().unwrap().to_json()).unwrap();
    jwk["d"] = b64(d).into();
    (jwk, key)
}

#[test]
fn private_jwks_sign() {
    for algorithm in [Algorithm::ES256, Algorithm::EdDSA] {
        let (jwk, der_key) = private_jwk(algorithm);
        let key = Key::from_jwk(&jwk.to_string()).unwrap();
        assert!(key.can_sign());
        assert_eq!(key.public_jwk(), der_key.public_jwk());
        assert_eq!(
            verify_with(der_key, &sign_with(&key)),
            Ok(user()),
            "{algorithm}"
        );
        // A private JWK is private material: Debug shows none of it.
        assert!(!format!("{key:?}").contains(jwk["d"].as_str().unwrap()));
    }
}

#[test]
fn private_jwks_must_match_their_public_members() {
    for algorithm in [Algorithm::ES256, Algorithm::EdDSA] {
        let (mut jwk, _) = private_jwk(algorithm);
        let (other, _) = private_jwk(algorithm);
        jwk["x"] = other["x"].clone();
        if algorithm == Algorithm::ES256 {
            jwk["y"] = other["y"].clone();
        }
        assert_eq!(
            Key::from_jwk(&jwk.to_string()).unwrap_err(),
            KeyError::InvalidJwk("the private key does not match the JWK's public parameters"),
            "{algorithm}"
        );
    }
    let rsa =
        serde_json::json!({"kty": "RSA", "alg": "RS256", "n": "AQAB", "e": "AQAB", "d": "AQAB"});
    assert_eq!(
        Key::from_jwk(&rsa.to_string()).unwrap_err(),
        KeyError::InvalidJwk("`p` is missing or not base64url")
    );
}

/// SECURITY.md S13: a JWK without `alg` gets the algorithm its `kty`/`crv` implies, never an
/// HMAC one; the rest of the key set's hygiene is in `jwks_import_skips_unusable_keys`.
#[test]
fn s13_jwk_without_alg_gets_the_implied_algorithm() {
    for algorithm in [
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
        Algorithm::RS256,
    ] {
        let key = Key::from_der("k", algorithm, generate(algorithm).private_der).unwrap();
        let mut jwk: serde_json::Value =
            serde_json::from_str(&key.public_jwk().unwrap().to_json()).unwrap();
        jwk.as_object_mut().unwrap().remove("alg");
        let implied = Key::from_jwk(&jwk.to_string()).unwrap();
        assert_eq!(implied.algorithm(), algorithm);
        assert_eq!(
            verify_with(implied, &sign_with(&key)),
            Ok(user()),
            "{algorithm}"
        );
    }
    // A PS256 token does not verify with an RSA key whose JWK named no algorithm (RS256).
    let ps = Key::from_der(
        "k",
        Algorithm::PS256,
        generate(Algorithm::PS256).private_der,
    )
    .unwrap();
    let mut jwk: serde_json::Value =
        serde_json::from_str(&ps.public_jwk().unwrap().to_json()).unwrap();
    jwk.as_object_mut().unwrap().remove("alg");
    assert!(matches!(
        verify_with(Key::from_jwk(&jwk.to_string()).unwrap(), &sign_with(&ps)),
        Err(VerifyError::AlgorithmMismatch { .. })
    ));
}
