//! Property tests (proptest, bounded so the suite stays fast): round trips for arbitrary
//! valid claims, any single-byte change rejected, and arbitrary input never panicking the
//! verifier, the mapping engine, the exchange request parser or the duration parser.

mod common;

use common::*;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use statebacked_claims::{
    Claims, Expires, FixedClock, Issuer, Mapping, Verifier, VerifyError, exchange::ExchangeRequest,
    jws::verify_jws, verify::Malformed,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[serde(rename_all = "camelCase")]
struct Member {
    #[claim(validate(length(min = 1, max = 64)))]
    sub: String,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
    #[serde(default)]
    level: u32,
    #[serde(default)]
    #[claim(nested)]
    address: Option<Address>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
struct Address {
    #[claim(validate(regex = r"^[0-9]{5}$"))]
    zip: String,
    city: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[claims(profile = "flat")]
struct Flat {
    #[claim(validate(non_empty))]
    sub: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    score: i64,
}

fn text() -> impl Strategy<Value = String> {
    // Any Unicode, escapes and controls included.
    proptest::string::string_regex("(?s).{0,24}").unwrap()
}

fn member() -> impl Strategy<Value = Member> {
    (
        proptest::string::string_regex("(?s).{1,32}").unwrap(),
        proptest::collection::vec(text(), 0..4),
        proptest::option::of(text()),
        any::<u32>(),
        proptest::option::of(("[0-9]{5}", text())),
    )
        .prop_map(|(sub, groups, display_name, level, address)| Member {
            sub,
            groups,
            display_name,
            level,
            address: address.map(|(zip, city)| Address { zip, city }),
        })
        // `length` counts characters: keep to what the rule admits.
        .prop_filter("sub within 64 characters", |m| m.sub.chars().count() <= 64)
}

/// `member` signed with the test key, at the tests' fixed time.
fn signed(member: &Member) -> String {
    Issuer::<Member>::new(key())
        .clock(FixedClock::at_unix(NOW))
        .sign(member, Expires::at_unix(EXP))
        .unwrap()
        .into_string()
}

/// The verifier of [`signed`]'s tokens.
fn verifier() -> Verifier<Member> {
    Verifier::new(key()).clock(FixedClock::at_unix(NOW))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn sign_then_verify_returns_equal_claims(member in member()) {
        let verified = verifier().verify(&signed(&member)).unwrap();
        prop_assert_eq!(verified.claims(), &member);
    }

    #[test]
    fn flat_sign_then_verify_returns_equal_claims(
        sub in "(?s).{1,16}",
        tags in proptest::collection::vec(text(), 0..3),
        score in -(1i64 << 53) + 1..(1i64 << 53),
    ) {
        let claims = Flat { sub, tags, score };
        let token = Issuer::<Flat>::new(key())
            .clock(FixedClock::at_unix(NOW))
            .sign(&claims, Expires::at_unix(EXP))
            .unwrap();
        let verified = Verifier::<Flat>::new(key())
            .clock(FixedClock::at_unix(NOW))
            .verify(token.as_str())
            .unwrap();
        prop_assert_eq!(verified.claims(), &claims);
    }

    #[test]
    fn any_single_byte_change_is_rejected(
        member in member(),
        position in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let token = signed(&member);
        let mut bytes = token.clone().into_bytes();
        let i = position.index(bytes.len());
        prop_assume!(bytes[i] != byte);
        bytes[i] = byte;
        let changed = String::from_utf8_lossy(&bytes).into_owned();
        let verifier = verifier();
        prop_assert!(verifier.verify(&changed).is_err(), "{} accepted", changed);
    }

    /// Malformed framing (a byte outside base64url and the dot, not exactly two dots, an empty
    /// segment) is reported before anything else, whatever else is wrong: the verifier splits
    /// lazily and must name these first all the same.
    #[test]
    fn framing_errors_come_first(
        member in member(),
        edits in proptest::collection::vec(
            (any::<prop::sample::Index>(), prop_oneof![
                Just('.'), Just('+'), Just('/'), Just('='), Just(' '), Just('A'), Just('_'),
                Just('é'), Just('\0'), Just('\u{7f}'), Just('\u{ff0e}'), Just('\u{10000}'),
            ]),
            1..4,
        ),
        remove in any::<bool>(),
    ) {
        let token = signed(&member);
        let mut chars: Vec<char> = token.chars().collect();
        for (at, c) in &edits {
            let i = at.index(chars.len());
            if remove {
                chars.remove(i);
            } else {
                chars.insert(i, *c);
            }
        }
        let edited: String = chars.into_iter().collect();
        // What the framing says, checked here independently of the crate.
        let framing = if !edited
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            Some(Malformed::InvalidCharacter)
        } else if edited.matches('.').count() != 2 {
            Some(Malformed::SegmentCount)
        } else if edited.split('.').any(str::is_empty) {
            Some(Malformed::EmptySegment)
        } else {
            None
        };
        let verifier = verifier();
        let got = verifier.verify(&edited).map(|_| ());
        let jws = verify_jws(&edited, &key().into()).map(|_| ());
        match framing {
            Some(reason) => {
                prop_assert_eq!(&got, &Err(VerifyError::Malformed(reason)), "{}", edited);
                prop_assert_eq!(&jws, &Err(VerifyError::Malformed(reason)), "{}", edited);
            }
            None => prop_assert!(
                !matches!(
                    got,
                    Err(VerifyError::Malformed(
                        Malformed::InvalidCharacter
                            | Malformed::SegmentCount
                            | Malformed::EmptySegment
                    ))
                ),
                "{} {:?}", edited, got
            ),
        }
    }

    #[test]
    fn arbitrary_tokens_never_panic_the_verifier(
        token in prop_oneof![
            any::<String>(),
            "[A-Za-z0-9_.=+/-]{0,200}",
            // Three plausible segments of arbitrary JSON text.
            (text(), text(), "[A-Za-z0-9_-]{0,90}").prop_map(|(h, p, s)| {
                format!("{}.{}.{s}", b64(h), b64(p))
            }),
        ],
    ) {
        let _ = verifier().verify(&token);
        let _ = verify_jws(&token, &key().into());
    }

    #[test]
    fn arbitrary_json_never_panics_the_verifier_after_the_signature(
        header in prop_oneof![Just(HEADER.to_owned()), text()],
        payload in text(),
    ) {
        // Signed with the right key: everything after the signature check is exercised.
        let _ = verifier().verify(&sign_raw(&header, &payload));
    }

    #[test]
    fn arbitrary_mapping_documents_and_claims_never_panic(
        document in text(),
        path in "\\$[.\\[\\]'a-z0-9*?@:,=<> -]{0,20}",
        claims in text(),
    ) {
        let _ = Mapping::from_json(&document);
        let claims = serde_json::from_str(&claims).unwrap_or(serde_json::Value::Null);
        if let Ok(mapping) = Mapping::from_value(&serde_json::json!({"out.$": path, "lit": 1})) {
            let _ = mapping.apply(&claims);
        }
        let _ = Member::from_identity(Some("p"), &claims);
    }

    #[test]
    fn arbitrary_exchange_bodies_and_durations_never_panic(
        body in proptest::collection::vec(any::<u8>(), 0..300),
        form in "[a-z_=&%0-9A-F+]{0,120}",
        duration in any::<String>(),
        unit_duration in "[0-9]{0,20}(ms|s|m|h|d|w|y|[a-z ]{0,8})",
    ) {
        let _ = ExchangeRequest::parse_form(&body);
        let _ = ExchangeRequest::parse_form(form.as_bytes());
        let _ = duration.parse::<Expires>();
        let _ = unit_duration.parse::<Expires>();
    }
}
