//! Every `VerifyError` (and every `Malformed` reason) produced from a crafted token.

mod common;

use common::*;
use statebacked_claims::{
    Algorithm, FixedClock, Key, KeySet, Verifier, VerifyError, verify::Malformed, verify::Part,
};
use std::time::Duration;

fn verify(token: &str) -> Result<(), VerifyError> {
    verifier().verify(token).map(drop)
}

fn malformed(token: &str) -> Malformed {
    match verify(token) {
        Err(VerifyError::Malformed(reason)) => reason,
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn s02_token_size_limited_before_work() {
    let token = format!("{GOLDEN_A}{}", "A".repeat(8 * 1024));
    assert_eq!(
        verify(&token),
        Err(VerifyError::TooLarge {
            len: token.len(),
            max: 8 * 1024
        })
    );
    assert_eq!(
        verifier().max_token_len(100).verify(GOLDEN_A).map(drop),
        Err(VerifyError::TooLarge {
            len: GOLDEN_A.len(),
            max: 100
        })
    );
}

#[test]
fn s01_malformed_segments_rejected() {
    assert_eq!(malformed("abc.def"), Malformed::SegmentCount);
    assert_eq!(malformed("a.b.c.d.e"), Malformed::SegmentCount);
    assert_eq!(malformed("a..c"), Malformed::EmptySegment);
    assert_eq!(
        malformed(&format!("{GOLDEN_A}=")),
        Malformed::InvalidCharacter
    );
    assert_eq!(
        malformed(&format!(" {GOLDEN_A}")),
        Malformed::InvalidCharacter
    );
    assert_eq!(
        malformed(r#"{"payload":"e30","signatures":[]}"#),
        Malformed::InvalidCharacter
    );
}

#[test]
fn s01_non_canonical_base64_rejected_in_each_segment() {
    let [h, p, s]: [&str; 3] = GOLDEN_A.split('.').collect::<Vec<_>>().try_into().unwrap();
    // A length of 4n+1 leaves 6 dangling bits: never base64.
    let dangle = |segment: &str| {
        let mut out = segment.to_owned();
        while out.len() % 4 != 1 {
            out.push('A');
        }
        out
    };
    let (h1, p1, s1) = (dangle(h), dangle(p), dangle(s));
    assert_eq!(
        malformed(&format!("{h1}.{p}.{s}")),
        Malformed::Base64(Part::Header)
    );
    // The payload is decoded only after the signature checks out, so sign the broken text.
    let input = format!("{h}.{p1}");
    let resigned = b64(hmac_sha256(SECRET.as_bytes(), input.as_bytes()));
    assert_eq!(
        malformed(&format!("{input}.{resigned}")),
        Malformed::Base64(Part::Payload)
    );
    assert_eq!(
        verify(&format!("{h}.{p1}.{s}")),
        Err(VerifyError::BadSignature)
    );
    assert_eq!(
        malformed(&format!("{h}.{p}.{s1}")),
        Malformed::Base64(Part::Signature)
    );
    // Non-canonical trailing bits in the signature (43 chars: last one carries 2 spare bits).
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = s.as_bytes()[s.len() - 1];
    let index = ALPHABET.iter().position(|&c| c == last).unwrap();
    let twisted = ALPHABET[index ^ 1] as char;
    let s2 = format!("{}{twisted}", &s[..s.len() - 1]);
    assert_eq!(
        malformed(&format!("{h}.{p}.{s2}")),
        Malformed::Base64(Part::Signature)
    );
}

#[test]
fn s03_strict_utf8_json_objects_only() {
    let invalid_utf8 = format!("{}.{}.c2ln", b64([0xff, 0xfe]), b64("{}"));
    assert_eq!(malformed(&invalid_utf8), Malformed::Utf8(Part::Header));
    assert_eq!(
        malformed(&sign_raw(HEADER, "{\"act\":")),
        Malformed::Json(Part::Payload)
    );
    assert_eq!(
        malformed(&format!("{}.{}.c2ln", b64("{\"alg\""), b64("{}"))),
        Malformed::Json(Part::Header)
    );
    assert_eq!(
        malformed(&format!("{}.{}.c2ln", b64("[\"HS256\"]"), b64("{}"))),
        Malformed::NotAnObject(Part::Header)
    );
    assert_eq!(
        malformed(&sign_raw(HEADER, r#"["act",{"sub":"x"}]"#)),
        Malformed::NotAnObject(Part::Payload)
    );
    assert_eq!(
        malformed(&sign_raw(HEADER, "null")),
        Malformed::NotAnObject(Part::Payload)
    );
    // Invalid UTF-8 inside the signed payload.
    let mut bytes = payload(|_| {}).into_bytes();
    bytes.insert(bytes.len() - 1, b',');
    let raw = [&bytes[..bytes.len() - 1], b"\"x\":\"\xff\"}"].concat();
    let signing_input = format!("{}.{}", b64(HEADER), b64(&raw));
    let token = format!(
        "{signing_input}.{}",
        b64(hmac_sha256(SECRET.as_bytes(), signing_input.as_bytes()))
    );
    assert_eq!(malformed(&token), Malformed::Utf8(Part::Payload));
}

#[test]
fn s02_s04_duplicates_depth_and_width_rejected() {
    let dup_header = r#"{"alg":"HS256","kid":"sbk_test","kid":"sbk_test"}"#;
    assert_eq!(
        malformed(&sign_raw(dup_header, &payload(|_| {}))),
        Malformed::DuplicateMember(Part::Header)
    );
    let dup_payload = payload(|_| {}).replacen('{', r#"{"exp":1,"#, 1);
    assert_eq!(
        malformed(&sign_raw(HEADER, &dup_payload)),
        Malformed::DuplicateMember(Part::Payload)
    );
    let dup_act = payload(|_| {}).replace(r#""sub":"user-1""#, r#""sub":"admin","sub":"user-1""#);
    assert_eq!(
        malformed(&sign_raw(HEADER, &dup_act)),
        Malformed::DuplicateMember(Part::Act)
    );
    let deep = payload(|p| {
        let mut value = serde_json::json!(1);
        for _ in 0..40 {
            value = serde_json::json!([value]);
        }
        p.insert("deep".into(), value);
    });
    assert_eq!(
        malformed(&sign_raw(HEADER, &deep)),
        Malformed::TooDeep(Part::Payload)
    );
    let wide = payload(|p| {
        for i in 0..300 {
            p.insert(format!("c{i}"), 0.into());
        }
    });
    assert_eq!(
        malformed(&sign_raw(HEADER, &wide)),
        Malformed::TooManyMembers(Part::Payload)
    );
    let lone_surrogate = payload(|_| {}).replacen('{', r#"{"note":"\ud800","#, 1);
    assert_eq!(
        malformed(&sign_raw(HEADER, &lone_surrogate)),
        Malformed::Json(Part::Payload)
    );
}

/// Swallows its field's errors and returns a default, as lenient `deserialize_with` helpers do.
fn lenient<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de> + Default>(
    de: D,
) -> Result<T, D::Error> {
    Ok(T::deserialize(de).unwrap_or_default())
}

#[derive(Debug, serde::Serialize, serde::Deserialize, statebacked_claims::Claims)]
struct Lenient {
    sub: String,
    #[serde(default, deserialize_with = "lenient")]
    tags: Vec<serde_json::Value>,
}

/// The claims type reads `act` after the claims set is checked; a type that would swallow the
/// error a check raises must not carry the token past it.
#[test]
fn s02_s04_limits_hold_under_a_type_that_swallows_errors() {
    let verifier = Verifier::<Lenient>::new(key()).clock(FixedClock::at_unix(NOW));
    let with_tags = |tags: serde_json::Value| {
        let p = payload(|p| {
            p.insert(
                "act".into(),
                serde_json::json!({"sub": "user-1", "tags": tags}),
            );
        });
        verifier
            .verify(&sign_raw(HEADER, &p))
            .map(|v| v.into_claims().tags)
    };
    assert_eq!(
        with_tags(serde_json::json!([1, 2])),
        Ok(vec![1.into(), 2.into()])
    );
    assert_eq!(
        with_tags(serde_json::json!(vec![0; 257])),
        Err(VerifyError::Malformed(Malformed::TooManyMembers(Part::Act)))
    );
    let mut deep = serde_json::json!([]);
    for _ in 0..40 {
        deep = serde_json::json!([deep]);
    }
    assert_eq!(
        with_tags(deep),
        Err(VerifyError::Malformed(Malformed::TooDeep(Part::Act)))
    );
    let p = payload(|_| {}).replace(
        r#""sub":"user-1""#,
        r#""sub":"user-1","tags":[{"k":1,"k":2}]"#,
    );
    assert_eq!(
        verifier.verify(&sign_raw(HEADER, &p)).map(drop),
        Err(VerifyError::Malformed(Malformed::DuplicateMember(
            Part::Act
        )))
    );
}

#[test]
fn malformed_header_parameters() {
    let p = payload(|_| {});
    assert_eq!(
        malformed(&sign_raw(r#"{"kid":"sbk_test"}"#, &p)),
        Malformed::HeaderParameter("alg")
    );
    assert_eq!(
        malformed(&sign_raw(r#"{"alg":"HS256","kid":7}"#, &p)),
        Malformed::HeaderParameter("kid")
    );
    assert_eq!(
        malformed(&sign_raw(r#"{"alg":["HS256"],"kid":"sbk_test"}"#, &p)),
        Malformed::HeaderParameter("alg")
    );
    assert_eq!(
        malformed(&sign_raw(
            r#"{"alg":"HS256","kid":"sbk_test","typ":null}"#,
            &p
        )),
        Malformed::HeaderParameter("typ")
    );
}

#[test]
fn s11_crit_and_processing_headers_rejected() {
    let p = payload(|_| {});
    for (param, value) in [
        ("crit", r#"["exp"]"#),
        ("b64", "false"),
        ("zip", r#""DEF""#),
        ("enc", r#""A256GCM""#),
        ("epk", "{}"),
        ("p2c", "1000"),
    ] {
        let header = format!(r#"{{"alg":"HS256","kid":"sbk_test","{param}":{value}}}"#);
        assert_eq!(
            verify(&sign_raw(&header, &p)),
            Err(VerifyError::UnsupportedHeader(param)),
            "{param}"
        );
    }
}

#[test]
fn s12_typ_must_be_jwt_or_the_required_type() {
    let p = payload(|_| {});
    for typ in ["JWT", "jwt", "application/jwt", "APPLICATION/JWT"] {
        let header = format!(r#"{{"alg":"HS256","kid":"sbk_test","typ":"{typ}"}}"#);
        assert_eq!(verify(&sign_raw(&header, &p)), Ok(()), "{typ}");
    }
    let header = r#"{"alg":"HS256","kid":"sbk_test","typ":"at+jwt"}"#;
    assert_eq!(verify(&sign_raw(header, &p)), Err(VerifyError::WrongType));
    let at_jwt = verifier().required_type("application/at+jwt");
    assert_eq!(at_jwt.verify(&sign_raw(header, &p)).map(drop), Ok(()));
    assert_eq!(
        at_jwt.verify(&sign_raw(HEADER, &p)).map(drop),
        Err(VerifyError::WrongType)
    );
}

#[test]
fn s06_algorithm_names_matched_exactly() {
    let p = payload(|_| {});
    for alg in ["none", "None", "hs256", "HS256 ", "ES512", ""] {
        let header = format!(r#"{{"alg":"{alg}","kid":"sbk_test"}}"#);
        assert_eq!(
            verify(&sign_raw(&header, &p)),
            Err(VerifyError::UnsupportedAlgorithm),
            "{alg:?}"
        );
    }
    // An unsigned token: `alg: none` with an empty signature is not even three segments.
    let unsigned = format!("{}.{}.", b64(r#"{"alg":"none"}"#), b64(&p));
    assert_eq!(
        verify(&unsigned),
        Err(VerifyError::Malformed(Malformed::EmptySegment))
    );
}

#[test]
fn s05_header_may_only_name_the_keys_algorithm() {
    let p = payload(|_| {});
    for alg in ["HS384", "HS512", "RS256", "ES256", "EdDSA"] {
        let header = format!(r#"{{"alg":"{alg}","kid":"sbk_test"}}"#);
        assert_eq!(
            verify(&sign_raw(&header, &p)),
            Err(VerifyError::AlgorithmMismatch {
                expected: Algorithm::HS256,
                found: alg.parse().unwrap(),
            }),
            "{alg}"
        );
    }
}

#[test]
fn s09_unknown_kid_is_unknown_key() {
    let p = payload(|_| {});
    for kid in ["sbk_other", "", "SBK_TEST", "sbk_test ", "sbk_tes"] {
        let header = format!(r#"{{"alg":"HS256","kid":"{kid}"}}"#);
        assert_eq!(
            verify(&sign_raw(&header, &p)),
            Err(VerifyError::UnknownKey),
            "{kid:?}"
        );
    }
}

#[test]
fn s09_no_kid_with_several_keys_is_ambiguous() {
    let p = payload(|_| {});
    let no_kid = sign_raw(r#"{"alg":"HS256"}"#, &p);
    // One key: a token without `kid` is checked against it.
    assert_eq!(verify(&no_kid), Ok(()));
    let keys = KeySet::try_from(vec![
        key(),
        Key::hs256("sbk_other", "sbsec_other_secret_0123456789abcdef").unwrap(),
    ])
    .unwrap();
    let rotating = Verifier::<User>::new(keys).clock(FixedClock::at_unix(NOW));
    assert_eq!(
        rotating.verify(&no_kid).map(drop),
        Err(VerifyError::AmbiguousKey)
    );
    assert_eq!(rotating.verify(GOLDEN_A).map(drop), Ok(()));
}

#[test]
fn s15_signature_checked_before_any_claim() {
    let p = payload(|_| {});
    let forged = sign_raw_with(b"sbsec_wrong_secret_0123456789abcdef", HEADER, &p);
    assert_eq!(verify(&forged), Err(VerifyError::BadSignature));
    // Signature checked before any claim: a forged, expired, wrongly addressed token is
    // still a bad signature.
    let forged = sign_raw_with(
        b"sbsec_wrong_secret_0123456789abcdef",
        HEADER,
        &payload(|c| {
            c.insert("exp".into(), 1.into());
            c.insert("aud".into(), "elsewhere".into());
            c.remove("act");
        }),
    );
    assert_eq!(verify(&forged), Err(VerifyError::BadSignature));
    // A signature of the wrong length.
    let [h, p, _]: [&str; 3] = GOLDEN_A.split('.').collect::<Vec<_>>().try_into().unwrap();
    assert_eq!(
        verify(&format!("{h}.{p}.{}", b64([0u8; 16]))),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn s16_expired_with_bounded_leeway() {
    let token = sign_raw(
        HEADER,
        &payload(|c| {
            c.insert("exp".into(), (NOW - 30).into());
            c.insert("iat".into(), (NOW - 3_600).into());
        }),
    );
    // The default leeway is 30 s: exp + 30 == now is expired.
    assert_eq!(
        verify(&token),
        Err(VerifyError::Expired {
            exp: NOW - 30,
            now: NOW
        })
    );
    let lenient = verifier().leeway(Duration::from_secs(31)).unwrap();
    assert_eq!(lenient.verify(&token).map(drop), Ok(()));
    let strict = verifier().leeway(Duration::ZERO).unwrap();
    let token = sign_raw(
        HEADER,
        &payload(|c| {
            c.insert("exp".into(), NOW.into());
            c.insert("iat".into(), (NOW - 3_600).into());
        }),
    );
    assert_eq!(
        strict.verify(&token).map(drop),
        Err(VerifyError::Expired { exp: NOW, now: NOW })
    );
}

#[test]
fn s16_not_yet_valid_rejected() {
    let token = sign_raw(
        HEADER,
        &payload(|c| {
            c.insert("nbf".into(), (NOW + 31).into());
        }),
    );
    assert_eq!(
        verify(&token),
        Err(VerifyError::NotYetValid {
            nbf: NOW + 31,
            now: NOW
        })
    );
    let token = sign_raw(
        HEADER,
        &payload(|c| {
            c.insert("nbf".into(), (NOW + 30).into());
        }),
    );
    assert_eq!(verify(&token), Ok(()));
}

#[test]
fn s16_iat_in_the_future_rejected() {
    let token = sign_raw(
        HEADER,
        &payload(|c| {
            c.insert("iat".into(), (NOW + 31).into());
        }),
    );
    assert_eq!(
        verify(&token),
        Err(VerifyError::IssuedInFuture {
            iat: NOW + 31,
            now: NOW
        })
    );
}

#[test]
fn s17_aud_must_contain_the_audience_exactly() {
    for aud in [
        serde_json::json!("https://api.statebacked.dev"),
        serde_json::json!("https://api.statebacked.dev/x"),
        serde_json::json!(""),
        serde_json::json!([]),
        serde_json::json!([""]),
        serde_json::json!(["https://other/"]),
    ] {
        let token = sign_raw(
            HEADER,
            &payload(|c| {
                c.insert("aud".into(), aud.clone());
            }),
        );
        assert_eq!(verify(&token), Err(VerifyError::WrongAudience), "{aud}");
    }
    let token = sign_raw(
        HEADER,
        &payload(|c| {
            c.insert(
                "aud".into(),
                serde_json::json!(["x", "https://api.statebacked.dev/"]),
            );
        }),
    );
    assert_eq!(verify(&token), Ok(()));
    // An empty configured audience matches nothing, not an empty `aud`.
    let token = sign_raw(
        HEADER,
        &payload(|c| {
            c.insert("aud".into(), "".into());
        }),
    );
    assert_eq!(
        verifier().audience("").verify(&token).map(drop),
        Err(VerifyError::WrongAudience)
    );
}

#[test]
fn s18_iss_matched_exactly() {
    let strict = verifier().issuer("https://example.com");
    assert_eq!(
        strict.verify(GOLDEN_A).map(drop),
        Err(VerifyError::WrongIssuer)
    );
    let strict = verifier().issuer("https://example.com/");
    assert_eq!(strict.verify(GOLDEN_A).map(drop), Ok(()));
}

#[test]
fn s16_s17_missing_registered_claims_rejected() {
    for claim in ["exp", "aud"] {
        let token = sign_raw(
            HEADER,
            &payload(|c| {
                c.remove(claim);
            }),
        );
        assert_eq!(
            verify(&token),
            Err(VerifyError::MissingClaim(claim)),
            "{claim}"
        );
    }
    let token = sign_raw(
        HEADER,
        &payload(|c| {
            c.remove("iss");
        }),
    );
    assert_eq!(verify(&token), Ok(()));
    assert_eq!(
        verifier()
            .issuer("https://example.com/")
            .verify(&token)
            .map(drop),
        Err(VerifyError::MissingClaim("iss"))
    );
}

#[test]
fn s16_s18_invalid_registered_claims_are_never_absent() {
    let cases: &[(&str, serde_json::Value)] = &[
        ("exp", serde_json::json!("4102444800")),
        ("exp", serde_json::json!(4102444800.0)),
        ("exp", serde_json::json!(-1)),
        ("exp", serde_json::json!(null)),
        ("exp", serde_json::json!(9007199254740992u64)),
        ("nbf", serde_json::json!("0")),
        ("iat", serde_json::json!(1.5)),
        ("aud", serde_json::json!(7)),
        (
            "aud",
            serde_json::json!({"aud": "https://api.statebacked.dev/"}),
        ),
        (
            "aud",
            serde_json::json!(["https://api.statebacked.dev/", 7]),
        ),
        ("aud", serde_json::json!(null)),
        ("iss", serde_json::json!(["https://example.com/"])),
        ("iss", serde_json::json!(7)),
        ("sub", serde_json::json!({"id": 1})),
        ("jti", serde_json::json!(1)),
    ];
    for (claim, value) in cases {
        let token = sign_raw(
            HEADER,
            &payload(|c| {
                c.insert((*claim).into(), value.clone());
            }),
        );
        assert_eq!(
            verify(&token),
            Err(VerifyError::InvalidClaim(claim)),
            "{claim}: {value}"
        );
    }
    // 1e309 does not fit a float: still the claim is invalid, not absent.
    let token = sign_raw(HEADER, &payload(|_| {}).replace("4102444800", "1e309"));
    assert_eq!(verify(&token), Err(VerifyError::InvalidClaim("exp")));
}

#[test]
fn act_missing() {
    let token = sign_raw(
        HEADER,
        &payload(|c| {
            c.remove("act");
        }),
    );
    assert_eq!(verify(&token), Err(VerifyError::ActMissing));
}

#[test]
fn act_invalid() {
    let cases = [
        (serde_json::json!("user-1"), "`act` is not a JSON object"),
        (serde_json::json!(["user-1"]), "`act` is not a JSON object"),
        (serde_json::json!({"groups": []}), "missing field `sub`"),
        (
            serde_json::json!({"sub": 7}),
            // The token's value is not repeated.
            "invalid type: integer `…`, expected a string",
        ),
    ];
    for (act, reason) in cases {
        let token = sign_raw(
            HEADER,
            &payload(|c| {
                c.insert("act".into(), act.clone());
            }),
        );
        match verify(&token) {
            Err(VerifyError::ActInvalid {
                type_name: "User",
                reason: actual,
            }) => assert!(actual.starts_with(reason), "{act}: {actual}"),
            other => panic!("{act}: expected ActInvalid, got {other:?}"),
        }
    }
}

#[test]
fn s16_leeway_is_bounded() {
    assert!(verifier().leeway(Duration::from_secs(300)).is_ok());
    assert_eq!(
        verifier().leeway(Duration::from_secs(301)).err(),
        Some(statebacked_claims::verify::ConfigError::LeewayTooLarge {
            secs: 301,
            max: 300
        })
    );
}

#[test]
fn s26_errors_never_echo_the_token_or_secret() {
    let forged = sign_raw_with(
        b"sbsec_wrong_secret_0123456789abcdef",
        HEADER,
        &payload(|_| {}),
    );
    for token in [forged.as_str(), "a.b.c", GOLDEN_A] {
        if let Err(err) = verifier().issuer("x").verify(token) {
            let text = format!("{err} {err:?}");
            assert!(!text.contains(SECRET), "{text}");
            for segment in token.split('.') {
                assert!(segment.len() < 4 || !text.contains(segment), "{text}");
            }
        }
    }
}
