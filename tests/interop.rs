//! Interop with the real peers: State Backed's `@statebacked/token` and `@statebacked/client`
//! (and the panva/jose 4 they use) and the current panva/jose 6 on Node, and PyJWT on Python. The first test to run installs them into
//! `tests/interop/` from the registries (`npm ci`, `pip install --target`).

mod common;

use common::keypairs::{ASYMMETRIC, generate};
use common::peers::{peers, run};
use common::{KEY_ID, SECRET, unb64};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use statebacked_claims::{
    AnonymousSession, Claims, ClientClaims, Expires, FixedClock, Issuer, Key, KeySet, Scopes,
    Verifier, anonymous::anonymous_audience,
};
use std::process::Command;

/// Runs the JavaScript peer; `Err` with its message when it rejects.
fn node(request: Value) -> Result<String, String> {
    let output = Command::new("node")
        .arg("peer.mjs")
        .arg(request.to_string())
        .current_dir(peers())
        .output()
        .expect("node runs");
    if output.status.success() {
        Ok(String::from_utf8(output.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

fn python(request: Value) -> String {
    run(Command::new("python3")
        .arg("peer.py")
        .arg(request.to_string())
        .env("PYTHONPATH", ".python")
        .current_dir(peers()))
    .trim()
    .to_owned()
}

/// Claims with what JSON encoders disagree on: non-ASCII, escapes, control characters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[serde(rename_all = "camelCase")]
struct Profile {
    sub: String,
    display_name: String,
    #[serde(default)]
    groups: Vec<String>,
    level: u64,
    meta: Value,
}

fn profiles() -> Vec<Profile> {
    vec![
        Profile {
            sub: "user-1".into(),
            display_name: "Ada".into(),
            groups: vec!["a".into(), "b".into()],
            level: 0,
            meta: json!({}),
        },
        Profile {
            sub: "auth0|6512f4a8".into(),
            display_name: "Zoë \"Z\" O'Brien </script> \\ / ½ 漢字 😀".into(),
            groups: vec![],
            level: 9_007_199_254,
            meta: json!({"nested": {"list": [1, -2, true, null, "x"]}, "empty": []}),
        },
        Profile {
            sub: "ctrl".into(),
            display_name: "tab\there\nnew line\r\u{0}\u{1f}\u{7f}\u{2028}\u{2029}".into(),
            groups: vec!["\u{feff}bom".into()],
            level: 42,
            meta: json!("plain string"),
        },
    ]
}

#[test]
fn statebacked_token_and_issuer_produce_identical_bytes() {
    let key = Key::hs256(KEY_ID, SECRET).unwrap();
    for profile in profiles() {
        for issuer in [None, Some("https://example.com/")] {
            let exp = 4_102_444_800u64;
            let theirs = node(json!({
                "op": "sign", "keyId": KEY_ID, "secret": SECRET,
                "claimsJson": serde_json::to_string(&profile).unwrap(),
                "expires": {"at": exp}, "issuer": issuer,
            }))
            .unwrap();
            // Their `iat` is their clock: sign ours at the same instant.
            let claims: Value =
                serde_json::from_slice(&unb64(theirs.split('.').nth(1).unwrap())).unwrap();
            let iat = claims["iat"].as_u64().unwrap();
            let mut ours = Issuer::<Profile>::new(key.clone()).clock(FixedClock::at_unix(iat));
            if let Some(issuer) = issuer {
                ours = ours.issuer(issuer);
            }
            let ours = ours.sign(&profile, Expires::at_unix(exp)).unwrap();
            assert_eq!(ours.as_str(), theirs, "{profile:?} {issuer:?}");
        }
    }
}

#[test]
fn we_verify_what_statebacked_token_signs_with_a_duration() {
    let verifier = Verifier::<Profile>::new(Key::hs256(KEY_ID, SECRET).unwrap());
    for profile in profiles() {
        let token = node(json!({
            "op": "sign", "keyId": KEY_ID, "secret": SECRET,
            "claimsJson": serde_json::to_string(&profile).unwrap(),
            "expires": {"in": "7d"},
        }))
        .unwrap();
        let verified = verifier.verify(&token).unwrap();
        assert_eq!(verified.claims(), &profile);
        let registered = verified.registered();
        assert_eq!(registered.exp() - registered.iat().unwrap(), 7 * 86_400);
    }
}

#[test]
fn jose_verifies_what_we_sign() {
    let issuer = Issuer::<Profile>::new(Key::hs256(KEY_ID, SECRET).unwrap());
    for profile in profiles() {
        let token = issuer.sign(&profile, "1h".parse().unwrap()).unwrap();
        let out: Value = serde_json::from_str(
            &node(json!({
                "op": "verify", "secret": SECRET, "token": token.as_str(),
                "audience": "https://api.statebacked.dev/",
                "issuer": format!("https://{KEY_ID}.client.statebacked.dev/"),
            }))
            .unwrap(),
        )
        .unwrap();
        assert_eq!(out["header"], json!({"alg": "HS256", "kid": KEY_ID}));
        assert_eq!(
            out["payload"]["act"],
            serde_json::to_value(&profile).unwrap()
        );
    }
}

#[test]
fn jose_rejects_what_we_reject() {
    let issuer = Issuer::<Profile>::new(Key::hs256(KEY_ID, SECRET).unwrap())
        .clock(FixedClock::at_unix(1_600_000_000));
    let expired = issuer
        .sign(&profiles()[0], Expires::at_unix(1_600_003_600))
        .unwrap();
    let err = node(json!({
        "op": "verify", "secret": SECRET, "token": expired.as_str(),
        "audience": "https://api.statebacked.dev/",
    }))
    .unwrap_err();
    assert!(err.starts_with("ERR_JWT_EXPIRED"), "{err}");
}

#[test]
fn pyjwt_verifies_what_we_sign_and_we_verify_what_it_signs() {
    let key = Key::hs256(KEY_ID, SECRET).unwrap();
    let profile = profiles().remove(1);
    let token = Issuer::<Profile>::new(key.clone())
        .sign(&profile, "1h".parse().unwrap())
        .unwrap();
    let out: Value = serde_json::from_str(&python(json!({
        "op": "verify", "secret": SECRET, "token": token.as_str(),
        "audience": "https://api.statebacked.dev/",
    })))
    .unwrap();
    assert_eq!(
        out["payload"]["act"],
        serde_json::to_value(&profile).unwrap()
    );

    let now = statebacked_claims::Clock::now_unix(&statebacked_claims::SystemClock);
    let theirs = python(json!({
        "op": "sign", "secret": SECRET, "keyId": KEY_ID,
        "claims": {"act": profile, "aud": "https://api.statebacked.dev/", "exp": now + 600, "iat": now},
    }));
    let verified = Verifier::<Profile>::new(key).verify(&theirs).unwrap();
    assert_eq!(verified.claims(), &profile);
}

#[test]
fn jose_verifies_our_anonymous_identity_tokens() {
    let org = "org_interop";
    let session = AnonymousSession::new(org).device_id("device-1");
    let token = session.identity_token().unwrap();
    let audience = anonymous_audience(org);
    let out: Value = serde_json::from_str(
        &node(json!({
            "op": "verify", "secret": org, "token": token.as_str(),
            "audience": audience, "issuer": audience,
        }))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(out["header"], json!({"alg": "HS256", "typ": "JWT"}));
    assert_eq!(out["payload"]["sid"], session.sid());
    assert_eq!(out["payload"]["did"], "device-1");
    let lifetime =
        out["payload"]["exp"].as_u64().unwrap() - out["payload"]["iat"].as_u64().unwrap();
    assert_eq!(lifetime, 86_400);
}

/// A user in the flat profile: claims beside the registered ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[serde(rename_all = "camelCase")]
#[claims(profile = "flat")]
struct FlatProfile {
    sub: String,
    display_name: String,
    #[serde(default)]
    groups: Vec<String>,
}

/// What a service trusting our JWKS reads from `token`, per peer.
fn verify_through_jwks(token: &str, jwks: &Value, alg: &str, audience: &str) -> [Value; 2] {
    let request = json!({
        "op": "verify-jwks", "token": token, "jwks": jwks, "alg": alg,
        "audience": audience, "issuer": "https://issuer.example/",
    });
    [
        serde_json::from_str(&node(request.clone()).unwrap()).unwrap(),
        serde_json::from_str(&python(request)).unwrap(),
    ]
}

#[test]
fn jose_and_pyjwt_verify_every_key_type_through_our_jwks() {
    let user = FlatProfile {
        sub: "auth0|6512f4a8".into(),
        display_name: "Zoë \"Z\" 漢字 😀".into(),
        groups: vec!["admin".into()],
    };
    for algorithm in ASYMMETRIC {
        let key = Key::from_der("svc-1", algorithm, generate(algorithm).private_der).unwrap();
        let jwks: Value =
            serde_json::from_str(&KeySet::from(key.clone()).public_jwks().to_json()).unwrap();

        // A flat-profile user token.
        let token = Issuer::<FlatProfile>::new(key.clone())
            .issuer("https://issuer.example/")
            .audience("https://api.example/")
            .sign(&user, "10m".parse().unwrap())
            .unwrap();
        for out in verify_through_jwks(
            token.as_str(),
            &jwks,
            algorithm.as_str(),
            "https://api.example/",
        ) {
            assert_eq!(
                out["header"],
                json!({"alg": algorithm.as_str(), "kid": "svc-1"})
            );
            assert_eq!(out["payload"]["sub"], user.sub);
            assert_eq!(out["payload"]["displayName"], user.display_name);
            assert_eq!(out["payload"]["groups"], json!(["admin"]));
        }

        // A State Backed token, `act` and all.
        let token = Issuer::<Profile>::new(key.clone())
            .issuer("https://issuer.example/")
            .sign(&profiles()[1], "10m".parse().unwrap())
            .unwrap();
        for out in verify_through_jwks(
            token.as_str(),
            &jwks,
            algorithm.as_str(),
            "https://api.statebacked.dev/",
        ) {
            assert_eq!(
                out["payload"]["act"],
                serde_json::to_value(&profiles()[1]).unwrap()
            );
        }

        // A client token with scopes.
        let scopes = Scopes::parse("machines:read machines:write").unwrap();
        let token = Issuer::<ClientClaims>::new(key)
            .issuer("https://issuer.example/")
            .audience("https://api.example/")
            .client_token("billing", &scopes, "5m".parse().unwrap())
            .unwrap();
        for out in verify_through_jwks(
            token.as_str(),
            &jwks,
            algorithm.as_str(),
            "https://api.example/",
        ) {
            assert_eq!(out["payload"]["sub"], "billing");
            assert_eq!(out["payload"]["client_id"], "billing");
            assert_eq!(out["payload"]["scope"], "machines:read machines:write");
        }
    }
}

#[test]
fn private_jwks_from_jose_sign_tokens_jose_verifies() {
    for algorithm in ASYMMETRIC {
        let alg = algorithm.as_str();
        let pair: Value =
            serde_json::from_str(&node(json!({"op": "generate-jwk", "alg": alg})).unwrap())
                .unwrap();
        let named = |jwk: &Value| {
            let mut jwk = jwk.clone();
            jwk["kid"] = json!("jose-1");
            jwk["alg"] = json!(alg);
            jwk
        };
        let key = Key::from_jwk(&named(&pair["private"]).to_string()).unwrap();
        assert!(key.can_sign(), "{alg}");
        // Our export of the key is jose's public JWK, member for member.
        let ours: Value = serde_json::from_str(&key.public_jwk().unwrap().to_json()).unwrap();
        for (name, value) in pair["public"].as_object().unwrap() {
            assert_eq!(&ours[name], value, "{alg} {name}");
        }

        let token = Issuer::<Profile>::new(key)
            .issuer("https://issuer.example/")
            .sign(&profiles()[0], "10m".parse().unwrap())
            .unwrap();
        let jwks = json!({"keys": [named(&pair["public"])]});
        let out: Value = serde_json::from_str(
            &node(json!({
                "op": "verify-jwks", "token": token.as_str(), "jwks": jwks, "alg": alg,
                "audience": "https://api.statebacked.dev/", "issuer": "https://issuer.example/",
            }))
            .unwrap(),
        )
        .unwrap();
        assert_eq!(out["payload"]["act"]["sub"], "user-1", "{alg}");
    }
}

#[cfg(feature = "jwe")]
#[test]
fn jose_opens_our_encrypted_tokens_and_we_open_its() {
    use statebacked_claims::{EncryptionKey, jwe::ContentEncryption};
    let key = Key::hs256(KEY_ID, SECRET).unwrap();
    let cases = [
        ("dir", ContentEncryption::A256GCM, vec![11u8; 32]),
        ("A256KW", ContentEncryption::A256GCM, vec![12u8; 32]),
        ("A128KW", ContentEncryption::A128GCM, vec![13u8; 16]),
    ];
    for (alg, enc, secret) in cases {
        let encryption = match alg {
            "dir" => EncryptionKey::dir(None, enc, &secret),
            "A256KW" => EncryptionKey::a256kw(None, enc, &secret),
            _ => EncryptionKey::a128kw(None, enc, &secret),
        }
        .unwrap();
        let encoded = common::b64(&secret);
        let profile = profiles().remove(1);

        let ours = Issuer::<Profile>::new(key.clone())
            .sign_encrypted(&profile, "10m".parse().unwrap(), &encryption)
            .unwrap();
        let out: Value = serde_json::from_str(
            &node(json!({
                "op": "jwe-decrypt", "token": ours.as_str(), "encryptionKey": encoded,
                "alg": alg, "enc": enc.as_str(), "secret": SECRET,
                "audience": "https://api.statebacked.dev/",
            }))
            .unwrap(),
        )
        .unwrap();
        assert_eq!(out["header"]["cty"], "JWT", "{alg}");
        assert_eq!(
            out["payload"]["act"],
            serde_json::to_value(&profile).unwrap()
        );

        let now = statebacked_claims::Clock::now_unix(&statebacked_claims::SystemClock);
        let theirs = node(json!({
            "op": "jwe-encrypt", "encryptionKey": encoded, "alg": alg, "enc": enc.as_str(),
            "secret": SECRET, "keyId": KEY_ID,
            "claims": {"act": profile, "aud": "https://api.statebacked.dev/", "exp": now + 600, "iat": now},
        }))
        .unwrap();
        let verified = Verifier::<Profile>::new(key.clone())
            .verify_encrypted(&theirs, &encryption)
            .unwrap();
        assert_eq!(verified.claims(), &profile, "{alg}");
    }
}

/// The browser client's anonymous identity tokens, minted by `@statebacked/client` itself at a
/// fixed time, are byte-identical to `AnonymousSession`'s for random orgs, sessions and devices.
#[test]
fn anonymous_identity_tokens_match_the_client_byte_for_byte() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let mut runner = TestRunner::new(Config {
        cases: 24,
        ..Config::default()
    });
    // Any ids the library mints: 1 to 128 characters, none a control character (which it
    // refuses to mint; the client would sign them).
    let inputs = (
        "[A-Za-z0-9_-]{1,24}",
        "[^\\p{Cc}]{1,24}",
        proptest::option::of("[^\\p{Cc}]{1,24}"),
        0u64..(1 << 40),
    );
    runner
        .run(&inputs, |(org, sid, did, now)| {
            let ours = {
                let session = AnonymousSession::new(org.as_str())
                    .session_id(sid.as_str())
                    .clock(FixedClock::at_unix(now));
                match &did {
                    Some(did) => session.device_id(did.as_str()),
                    None => session,
                }
                .identity_token()
                .unwrap()
            };
            let theirs = node(json!({
                "op": "client-identity", "orgId": org, "sid": sid, "did": did,
                "nowMs": now * 1000,
            }))
            .unwrap();
            prop_assert_eq!(ours.as_str(), theirs.as_str());
            Ok(())
        })
        .unwrap();
}
