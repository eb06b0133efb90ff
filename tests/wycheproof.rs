//! RFC 7515 Appendix A (A.1 HS256, A.2 RS256, A.3 ES256; A.5 refused) and RFC 8037 A.4
//! (Ed25519) examples, and Wycheproof's JWS and JWK vectors, through the verifier
//! (`verify_jws`: the header, key and signature checks of `Verifier::verify`, for payloads that
//! are not claims sets) and the key loaders. Every Wycheproof case is accounted for: it passes
//! as labelled, or it is listed below with the reason this crate decides otherwise.

use serde_json::Value;
use statebacked_claims::{Key, KeyError, KeySet, jws::verify_jws};
use std::collections::BTreeMap;

/// Cases where this crate's outcome differs from the label, and why (the vectors' README).
const OVERRIDES: &[(u64, &str)] = &[
    (259, EMPTY_PAYLOAD),
    (264, EMPTY_PAYLOAD),
    (268, EMPTY_PAYLOAD),
    (272, EMPTY_PAYLOAD),
    (320, EMPTY_PAYLOAD),
    (325, EMPTY_PAYLOAD),
    (
        346,
        "PS256 key with a PS384 token: each key verifies exactly one algorithm",
    ),
    (
        350,
        "PS256 key with a PS384 token: each key verifies exactly one algorithm",
    ),
    (347, "ES512/`ES521`: P-521 is not supported"),
    (351, "ES512/`ES521`: P-521 is not supported"),
    (
        367,
        "byte-identical to the valid tcId 357, mislabelled invalid",
    ),
    (
        370,
        "byte-identical to the valid tcId 357, mislabelled invalid",
    ),
    (
        372,
        "`?` inserted in the header: not base64url, mislabelled valid",
    ),
    (
        373,
        "`?` inserted in the payload: not base64url, mislabelled valid",
    ),
];

const EMPTY_PAYLOAD: &str = "an empty payload: every segment must be non-empty (SECURITY.md S1); \
     a JWT claims set is never empty";

/// Key-file cases where this crate's outcome differs from the label.
const KEY_OVERRIDES: &[(u64, &str)] = &[
    (
        1,
        "a key set mixing an HMAC and an EC key: every key is pinned to one algorithm and \
         selected by exact kid, so the mix cannot be confused; the HS256 token verifies with \
         its own key",
    ),
    (
        7,
        "an RSA key with the ROCA fingerprint: no ROCA detection (a 2048-bit key from a weak \
         generator is accepted like any other)",
    ),
];

/// Valid cases this crate refuses because it does not support their algorithm.
fn unsupported(group: &Value) -> Option<&'static str> {
    let jwk = group.get("public").unwrap_or(&group["private"]);
    match (jwk["alg"].as_str(), jwk["crv"].as_str()) {
        (Some("ES521" | "ES512"), _) | (_, Some("P-521")) => Some("P-521 is not supported"),
        _ => None,
    }
}

/// The keys a group's JWK or JWKS gives: a key set, or why none loads. A public set goes
/// through `KeySet::from_jwks` (which skips what a published set must not hold, shared
/// secrets included); a private set is the verifier's own keys, each read by `Key::from_jwk`.
fn keys(group: &Value) -> Result<KeySet, KeyError> {
    if let Some(public) = group.get("public") {
        if public.get("keys").is_some() {
            return KeySet::from_jwks(&public.to_string());
        }
        return Key::from_jwk(&public.to_string()).map(KeySet::from);
    }
    let private = &group["private"];
    match private["keys"].as_array() {
        Some(keys) => keys
            .iter()
            .map(|jwk| Key::from_jwk(&jwk.to_string()))
            .collect::<Result<Vec<_>, _>>()
            .and_then(KeySet::try_from),
        None => Key::from_jwk(&private.to_string()).map(KeySet::from),
    }
}

/// Runs a vector file: the cases whose outcome differs from their label.
fn run(text: &str) -> (usize, BTreeMap<u64, String>) {
    let document: Value = serde_json::from_str(text).unwrap();
    let mut differs = BTreeMap::new();
    let mut total = 0;
    for group in document["testGroups"].as_array().unwrap() {
        let keys = keys(group);
        for case in group["tests"].as_array().unwrap() {
            total += 1;
            let id = case["tcId"].as_u64().unwrap();
            let valid = case["result"] == "valid";
            // The JSON serialization is not a compact token: refused by construction.
            let outcome = match (&keys, case["jws"].as_str()) {
                (Ok(keys), Some(jws)) => verify_jws(jws, keys).map_err(|err| err.to_string()),
                (Err(err), _) => Err(format!("key refused: {err}")),
                (_, None) => Err("not a compact JWS".to_owned()),
            };
            if outcome.is_ok() != valid {
                let why = match (&outcome, unsupported(group)) {
                    (Err(_), Some(reason)) => format!("unsupported: {reason}"),
                    (Err(err), None) => format!("refused: {err}"),
                    (Ok(_), _) => "accepted".to_owned(),
                };
                differs.insert(id, why);
            }
        }
    }
    (total, differs)
}

#[test]
fn wycheproof_json_web_signature() {
    let (total, differs) = run(include_str!(
        "vectors/wycheproof/json_web_signature_test.json"
    ));
    assert_eq!(total, 401);
    let mut expected: Vec<u64> = OVERRIDES.iter().map(|(id, _)| *id).collect();
    expected.sort_unstable();
    let found: Vec<u64> = differs.keys().copied().collect();
    assert_eq!(
        found, expected,
        "cases differing from their label: {differs:#?}"
    );
    // The mislabelled and P-521 ones differ the way the list says.
    for id in [347, 351] {
        assert!(
            differs[&id].starts_with("unsupported"),
            "{id}: {}",
            differs[&id]
        );
    }
    for id in [367, 370] {
        assert_eq!(differs[&id], "accepted");
    }
}

#[test]
fn wycheproof_json_web_key() {
    let (total, differs) = run(include_str!("vectors/wycheproof/json_web_key_test.json"));
    assert_eq!(total, 26);
    let mut expected: Vec<u64> = KEY_OVERRIDES.iter().map(|(id, _)| *id).collect();
    expected.sort_unstable();
    let found: Vec<u64> = differs.keys().copied().collect();
    assert_eq!(
        found, expected,
        "cases differing from their label: {differs:#?}"
    );
}

/// RFC 7515 Appendix A.1 (HS256; also RFC 7519 §3.1): the signature verifies, and the full
/// verifier, with an injected clock, reaches the claims: expired after `exp`, and before it
/// refused only for the `aud` every token here must carry (S17).
#[test]
fn rfc7515_appendix_a1() {
    use statebacked_claims::{FixedClock, Verifier, VerifyError};
    let jwk = r#"{"kty":"oct","alg":"HS256","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}"#;
    let token = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let key = Key::from_jwk(jwk).unwrap();
    let payload = verify_jws(token, &KeySet::from(key.clone())).unwrap();
    assert_eq!(
        payload,
        b"{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}"
    );
    #[derive(Debug, serde::Serialize, serde::Deserialize, statebacked_claims::Claims)]
    #[claims(profile = "flat")]
    struct Joe {
        #[serde(rename = "http://example.com/is_root")]
        is_root: bool,
    }
    let at = |now| Verifier::<Joe>::new(key.clone()).clock(FixedClock::at_unix(now));
    assert_eq!(
        at(1_300_819_380 + 60).verify(token).unwrap_err(),
        VerifyError::Expired {
            exp: 1_300_819_380,
            now: 1_300_819_440
        }
    );
    assert_eq!(
        at(1_300_819_000).verify(token).unwrap_err(),
        VerifyError::MissingClaim("aud")
    );
    // One changed signature byte: refused before any claim.
    let forged = format!("{}A", &token[..token.len() - 1]);
    assert!(verify_jws(&forged, &KeySet::from(key)).is_err());
}

/// RFC 8037 Appendix A.4: the example signature verifies with the example public key, and the
/// example private key reads back to that public key and verifies it too.
#[test]
fn rfc8037_appendix_a4() {
    let private = r#"{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;
    let public = r#"{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;
    let token = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
    let payload = verify_jws(token, &KeySet::from(Key::from_jwk(public).unwrap())).unwrap();
    assert_eq!(payload, b"Example of Ed25519 signing");
    // The private JWK reads back to the same public key.
    let key = Key::from_jwk(private).unwrap();
    assert!(key.can_sign());
    assert_eq!(
        key.public_jwk(),
        Key::from_jwk(public).unwrap().public_jwk()
    );
    assert!(verify_jws(token, &KeySet::from(key)).is_ok());
}

/// RFC 7515 Appendix A.3 (ES256): the example signature verifies with the example key (read
/// from its private JWK, which must match its public members), and the claims come out.
#[test]
fn rfc7515_appendix_a3() {
    let jwk = r#"{"kty":"EC","crv":"P-256","alg":"ES256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}"#;
    let token = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
    let key = Key::from_jwk(jwk).unwrap();
    let payload = verify_jws(token, &KeySet::from(key)).unwrap();
    assert!(payload.starts_with(b"{\"iss\":\"joe\""));
}

/// RFC 7515 Appendix A.2 (RS256): the example signature verifies with the example public key.
#[test]
fn rfc7515_appendix_a2() {
    let jwk = r#"{"kty":"RSA","alg":"RS256","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"AQAB"}"#;
    let token = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
    let key = Key::from_jwk(jwk).unwrap();
    let payload = verify_jws(token, &KeySet::from(key)).unwrap();
    assert!(payload.starts_with(b"{\"iss\":\"joe\""));
}

/// RFC 7515 Appendix A.5 (an unsecured JWS, `alg: none`) is refused whatever key is held;
/// Appendix A.4 (ES512 on P-521) is unsupported, as in the Wycheproof cases above.
#[test]
fn rfc7515_appendix_a5_is_refused() {
    let token = "eyJhbGciOiJub25lIn0.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.";
    let key = Key::hs256("k", "a-shared-secret-of-at-least-32-bytes").unwrap();
    assert!(verify_jws(token, &KeySet::from(key)).is_err());
    let with_signature = format!("{token}AAAA");
    let key = Key::hs256("k", "a-shared-secret-of-at-least-32-bytes").unwrap();
    assert_eq!(
        verify_jws(&with_signature, &KeySet::from(key)).unwrap_err(),
        statebacked_claims::VerifyError::UnsupportedAlgorithm
    );
}
