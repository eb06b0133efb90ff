//! SECURITY.md requirements with no natural home in the other suites, named after them.

mod common;

use common::keypairs::generate;
use common::*;
use statebacked_claims::{Algorithm, FixedClock, Issuer, Key, Verifier, VerifyError};
use std::io::ErrorKind;
use std::net::TcpListener;

/// S10: `jku`, `x5u`, `jwk` and `x5c` are never used: a token pointing them at a listener on
/// 127.0.0.1 makes no connection, whatever the verification's outcome.
#[test]
fn s10_key_url_headers_make_no_network_request() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    let attacker = Key::from_der(
        "k1",
        Algorithm::ES256,
        generate(Algorithm::ES256).private_der,
    )
    .unwrap();
    let attacker_jwk = attacker.public_jwk().unwrap().to_json();
    for header in [
        format!(r#"{{"alg":"HS256","kid":"{KEY_ID}","jku":"{url}"}}"#),
        format!(r#"{{"alg":"HS256","kid":"{KEY_ID}","x5u":"{url}"}}"#),
        format!(r#"{{"alg":"HS256","kid":"{KEY_ID}","jwk":{attacker_jwk}}}"#),
        format!(r#"{{"alg":"HS256","kid":"{KEY_ID}","x5c":["MIIB"]}}"#),
    ] {
        // Signed with the right key: the extra parameters change nothing.
        let token = sign_raw(&header, &payload(|_| {}));
        assert_eq!(
            verifier().verify(&token).map(|v| v.into_claims()),
            Ok(user())
        );
        // Signed by the attacker's embedded key: refused, without fetching anything.
        let forged = format!(
            "{}.{}.{}",
            b64(&header),
            b64(payload(|_| {})),
            b64([7u8; 64])
        );
        assert_eq!(
            verifier().verify(&forged).unwrap_err(),
            VerifyError::BadSignature
        );
    }
    assert_eq!(
        listener.accept().map(|_| ()).unwrap_err().kind(),
        ErrorKind::WouldBlock,
        "the verifier connected to a URL from a token header"
    );
}

/// S14: ECDSA signatures with r or s of 0, 1, n−1 or n (the "psychic signature" is 64 zero
/// bytes) are rejected, and so are DER-encoded signatures (JWS uses fixed-width r‖s).
#[test]
fn s14_degenerate_and_der_ecdsa_signatures_are_rejected() {
    let key = Key::from_der(
        "es",
        Algorithm::ES256,
        generate(Algorithm::ES256).private_der,
    )
    .unwrap();
    let verifier = Verifier::<User>::new(key.clone()).clock(FixedClock::at_unix(NOW));
    let token = Issuer::<User>::new(key)
        .clock(FixedClock::at_unix(NOW))
        .sign(&user(), "1h".parse().unwrap())
        .unwrap()
        .into_string();
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let signature = unb64(signature);
    assert_eq!(signature.len(), 64);
    assert!(verifier.verify(&token).is_ok());

    // The order n of P-256, and n - 1.
    let n = hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
    let mut n_minus_1 = n.clone();
    n_minus_1[31] -= 1;
    let mut one = vec![0u8; 32];
    one[31] = 1;
    let zero = vec![0u8; 32];
    let mut hostile: Vec<Vec<u8>> = Vec::new();
    for r in [&zero, &one, &n_minus_1, &n] {
        for s in [&zero, &one, &n_minus_1, &n] {
            hostile.push([r.as_slice(), s.as_slice()].concat());
        }
        // The real s with a degenerate r, and the other way round.
        hostile.push([r.as_slice(), &signature[32..]].concat());
        hostile.push([&signature[..32], r.as_slice()].concat());
    }
    // The same signature DER-encoded: SEQUENCE { INTEGER r, INTEGER s }.
    let der_int = |v: &[u8]| {
        let v = if v[0] & 0x80 != 0 {
            [&[0][..], v].concat()
        } else {
            v.to_vec()
        };
        [&[0x02, v.len() as u8][..], &v].concat()
    };
    let body = [der_int(&signature[..32]), der_int(&signature[32..])].concat();
    hostile.push([&[0x30, body.len() as u8][..], &body].concat());
    for bad in hostile {
        let forged = format!("{signing_input}.{}", b64(&bad));
        assert_eq!(
            verifier.verify(&forged).unwrap_err(),
            VerifyError::BadSignature,
            "{}",
            b64(&bad)
        );
    }
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// S16: a configured maximum age requires `iat` and refuses older tokens whatever their `exp`.
#[test]
fn s16_a_maximum_age_requires_iat() {
    let max_age = verifier().max_age(std::time::Duration::from_secs(3600));
    // Issued at NOW (golden vector A): fresh.
    assert!(max_age.verify(GOLDEN_A).is_ok());
    let later = verifier()
        .clock(FixedClock::at_unix(NOW + 3600 + 31))
        .max_age(std::time::Duration::from_secs(3600));
    assert_eq!(
        later.verify(GOLDEN_A).unwrap_err(),
        VerifyError::TooOld {
            iat: NOW,
            now: NOW + 3631
        }
    );
    // Within the 30 s leeway: still accepted.
    let edge = verifier()
        .clock(FixedClock::at_unix(NOW + 3630))
        .max_age(std::time::Duration::from_secs(3600));
    assert!(edge.verify(GOLDEN_A).is_ok());
    let without_iat = sign_raw(
        HEADER,
        &payload(|claims| {
            claims.remove("iat");
        }),
    );
    assert!(verifier().verify(&without_iat).is_ok());
    assert_eq!(
        max_age.verify(&without_iat).unwrap_err(),
        VerifyError::MissingClaim("iat")
    );
}

/// S26: every public type that holds key material, a secret or a bearer token, formatted with
/// `{:?}` (and `{}` where it has one), shows none of it.
#[test]
fn s26_no_public_type_shows_key_material() {
    use statebacked_claims::{
        AnonymousProvider, IdentityProvider, KeySet, TokenExchange, TokenProvider,
        exchange::ExchangeRequest, exchange::ExchangeResponse,
    };
    let supabase_secret = "supabase-jwt-secret-that-is-long-enough-123";
    let private = generate(Algorithm::ES256);
    let es = Key::from_der("es", Algorithm::ES256, &private.private_der).unwrap();
    let private_b64 = b64(&private.private_der);
    let token = Issuer::<User>::new(key())
        .clock(FixedClock::at_unix(NOW))
        .sign(&user(), "1h".parse().unwrap())
        .unwrap();
    let signature = token.as_str().rsplit_once('.').unwrap().1.to_owned();
    let exchange = TokenExchange::<User>::new("org_x")
        .unwrap()
        .identity_provider(
            IdentityProvider::supabase("proj")
                .legacy_secret(supabase_secret)
                .build()
                .unwrap(),
        )
        .unwrap()
        .token_provider(TokenProvider::new("app", key()).unwrap())
        .unwrap();
    let response = ExchangeResponse {
        access_token: token.as_str().to_owned(),
        issued_token_type: "urn:ietf:params:oauth:token-type:access_token".into(),
        token_type: "Bearer".into(),
        expires_in: 3600,
    };
    #[cfg_attr(not(feature = "jwe"), allow(unused_mut))]
    let mut shown = vec![
        format!("{:?}", key()),
        format!("{:?}", es),
        format!("{:?}", KeySet::try_from(vec![key(), es.clone()]).unwrap()),
        format!("{:?}", Issuer::<User>::new(es.clone())),
        format!("{:?}", Verifier::<User>::new(key())),
        format!("{:?}", exchange),
        format!("{:?}", TokenProvider::new("app", key()).unwrap()),
        format!("{:?}", AnonymousProvider::new("org_x").unwrap()),
        format!("{:?}", ExchangeRequest::new("aud", token.as_str())),
        format!("{response:?}"),
        format!("{token:?}"),
    ];
    #[cfg(feature = "jwe")]
    {
        use statebacked_claims::{EncryptionKey, jwe::ContentEncryption};
        let encryption =
            EncryptionKey::a256kw(Some("e"), ContentEncryption::A256GCM, [0x5au8; 32]).unwrap();
        shown.push(format!("{encryption:?}"));
        assert!(!format!("{encryption:?}").contains("90, 90"));
    }
    for text in &shown {
        for secret in [
            SECRET,
            &b64(SECRET),
            supabase_secret,
            &private_b64[private_b64.len() - 40..],
            &signature,
        ] {
            assert!(!text.contains(secret), "{text}");
        }
    }
    // Errors that arise from a key or a token say nothing of them either.
    let err = Key::hs256("k", "short").unwrap_err().to_string();
    assert!(!err.contains("short"), "{err}");
}

/// S27: RSA signing runs on aws-lc-rs whenever it is enabled (it is by default; the pure-Rust
/// `rsa` crate carries an unpatched timing advisory), and the locked jsonwebtoken is at least
/// 10.3 (earlier versions let a malformed `exp`/`nbf` skip its checks).
#[test]
fn s27_aws_lc_by_default_and_jsonwebtoken_at_least_10_3() {
    #[cfg(feature = "aws-lc-rs")]
    assert_eq!(statebacked_claims::keys::backend(), "aws-lc-rs");
    let lock = include_str!("../Cargo.lock");
    let version = lock
        .split("[[package]]")
        .find(|package| package.contains("name = \"jsonwebtoken\""))
        .and_then(|package| {
            package
                .lines()
                .find_map(|line| line.strip_prefix("version = \""))
        })
        .map(|version| version.trim_end_matches('"'))
        .expect("jsonwebtoken is locked");
    let numbers: Vec<u64> = version
        .split('.')
        .take(2)
        .map(|n| n.parse().unwrap())
        .collect();
    assert!(
        (numbers[0], numbers[1]) >= (10, 3),
        "jsonwebtoken {version}"
    );
}

/// #20 item 11: with `tracing`, a span per verify and per exchange carries the outcome and the
/// error's code, and never the token, a claim's value or the secret.
#[cfg(feature = "tracing")]
mod traces {
    use serde::{Deserialize, Serialize};
    use statebacked_claims::exchange::ExchangeRequest;
    use statebacked_claims::{
        Claims, IdentityProvider, Issuer, Key, TokenExchange, TokenProvider, Verifier,
    };
    use std::fmt::Write;
    use std::sync::{Arc, Mutex};
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    const SECRET: &str = "sbsec_trace_secret_0123456789abcdef";
    const SUB: &str = "claim-value-7d1f";

    /// Every span's name and fields, as `name field=value …`, one line per span.
    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<String>>>);

    struct Fields<'a>(&'a mut String);

    impl Visit for Fields<'_> {
        fn record_str(&mut self, field: &Field, value: &str) {
            let _ = write!(self.0, " {}={value}", field.name());
        }
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    impl Subscriber for Capture {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, span: &Attributes<'_>) -> Id {
            let mut spans = self.0.lock().unwrap();
            let mut line = span.metadata().name().to_owned();
            span.record(&mut Fields(&mut line));
            spans.push(line);
            Id::from_u64(spans.len() as u64)
        }
        fn record(&self, span: &Id, values: &Record<'_>) {
            let mut spans = self.0.lock().unwrap();
            let line = &mut spans[span.into_u64() as usize - 1];
            values.record(&mut Fields(line));
        }
        fn event(&self, event: &Event<'_>) {
            let mut line = format!("event {}", event.metadata().name());
            event.record(&mut Fields(&mut line));
            self.0.lock().unwrap().push(line);
        }
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    #[derive(Debug, Serialize, Deserialize, Claims)]
    #[claims(anonymous)]
    struct User {
        #[claim(from = "$.sub")]
        sub: Option<String>,
        #[claim(anonymous)]
        sid: Option<String>,
    }

    #[test]
    fn spans_carry_outcomes_and_codes_never_tokens_or_values() {
        let capture = Capture::default();
        let key = Key::hs256("sbk_trace", SECRET).unwrap();
        let token = Issuer::<User>::new(key.clone())
            .sign(
                &User {
                    sub: Some(SUB.into()),
                    sid: None,
                },
                "1h".parse().unwrap(),
            )
            .unwrap();
        // A signature character changed where every character is canonical base64 (the last
        // one carries padding bits, which would make the token malformed instead).
        let mut tampered = token.as_str().to_owned();
        let at = tampered.rfind('.').unwrap() + 1;
        let swapped = if tampered[at..].starts_with('A') {
            "B"
        } else {
            "A"
        };
        tampered.replace_range(at..at + 1, swapped);
        let identity = statebacked_claims::AnonymousSession::new("org_trace")
            .session_id("sid-value-93ab")
            .identity_token()
            .unwrap();
        tracing::subscriber::with_default(capture.clone(), || {
            let verifier = Verifier::<User>::new(key.clone());
            verifier.verify(token.as_str()).unwrap();
            verifier.verify(&tampered).unwrap_err();
            let exchange = TokenExchange::<User>::new("org_trace")
                .unwrap()
                .identity_provider(IdentityProvider::anonymous("org_trace").unwrap())
                .unwrap()
                .token_provider(TokenProvider::new("app", key.clone()).unwrap())
                .unwrap();
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            let audience = "https://tokens.statebacked.dev/org_trace/app";
            runtime
                .block_on(exchange.exchange(&ExchangeRequest::new(audience, identity.as_str())))
                .unwrap();
            runtime
                .block_on(exchange.exchange(&ExchangeRequest::new(audience, tampered.as_str())))
                .unwrap_err();
            runtime
                .block_on(exchange.exchange_form(b"grant_type=password"))
                .unwrap_err();
        });
        let lines = capture.0.lock().unwrap().clone();
        let verify: Vec<&String> = lines.iter().filter(|l| l.starts_with("verify")).collect();
        assert_eq!(verify.len(), 2, "{lines:#?}");
        assert!(verify[0].contains("claims=User") && verify[0].contains("outcome=verified"));
        assert!(
            verify[1].contains("outcome=rejected") && verify[1].contains("error=bad_signature")
        );
        let exchange: Vec<&String> = lines.iter().filter(|l| l.starts_with("exchange")).collect();
        assert_eq!(exchange.len(), 3, "{lines:#?}");
        assert!(exchange[0].contains("outcome=issued"), "{}", exchange[0]);
        assert!(
            exchange[1].contains("outcome=refused") && exchange[1].contains("error=invalid_grant")
        );
        assert!(
            exchange[2].contains("error=unsupported_grant_type"),
            "{}",
            exchange[2]
        );
        let all = lines.join("\n");
        for secret in [
            token.as_str(),
            tampered.as_str(),
            identity.as_str(),
            SECRET,
            SUB,
            "sid-value-93ab",
        ] {
            assert!(!all.contains(secret), "{all}");
        }
    }
}
