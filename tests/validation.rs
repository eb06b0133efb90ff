//! `#[claim(validate(...))]`: every rule passes and fails through the public API, on both
//! sides: nothing invalid is signed, nothing invalid is handed to an authorizer.

mod common;

use common::*;
use serde::{Deserialize, Serialize};
use statebacked_claims::{
    Claims, Expires, FixedClock, IssueError, Issuer, ValidationErrors, Verifier, VerifyError,
    validate::Bound, validate::Choice, validate::Rule,
};
use std::collections::BTreeSet;

fn not_reserved(name: &String) -> Result<(), String> {
    if name == "root" {
        Err("is a reserved name".into())
    } else {
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[serde(rename_all = "camelCase")]
struct Address {
    #[claim(validate(regex = r"^\d{5}$"))]
    zip: String,
    #[claim(validate(length(max = 2)))]
    country: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[serde(rename_all = "camelCase")]
struct Profile {
    #[claim(validate(non_empty, length(min = 1, max = 8)))]
    sub: String,
    #[claim(validate(email))]
    email: Option<String>,
    #[claim(validate(url))]
    homepage: Option<String>,
    #[claim(validate(range(min = 13, max = 130)))]
    age: Option<u8>,
    #[claim(validate(range(min = -1.5, max = 1.5)))]
    balance: f64,
    #[claim(validate(range(min = -10)))]
    offset: i64,
    #[claim(validate(one_of("free", "pro")))]
    plan: String,
    #[claim(validate(one_of(1, 2, 3)))]
    tier: u32,
    #[claim(validate(prefix = "org_"))]
    org: String,
    #[serde(default)]
    #[claim(validate(length(max = 3), each(one_of("admin", "member"))))]
    roles: Vec<String>,
    #[serde(default)]
    #[claim(validate(each(length(min = 2))))]
    tags: BTreeSet<String>,
    #[claim(validate(custom = not_reserved))]
    nickname: Option<String>,
    #[claim(nested)]
    address: Option<Address>,
    #[serde(default)]
    #[claim(nested)]
    previous: Vec<Address>,
    #[claim(sensitive, validate(one_of("alpha", "beta")))]
    secret_word: Option<String>,
}

fn valid() -> Profile {
    Profile {
        sub: "user-1".into(),
        email: Some("ada@example.com".into()),
        homepage: Some("https://example.com/ada".into()),
        age: Some(36),
        balance: 0.5,
        offset: -3,
        plan: "pro".into(),
        tier: 2,
        org: "org_acme".into(),
        roles: vec!["admin".into(), "member".into()],
        tags: ["ab".to_owned(), "cd".to_owned()].into(),
        nickname: Some("ada".into()),
        address: Some(Address {
            zip: "12345".into(),
            country: Some("GB".into()),
        }),
        previous: vec![Address {
            zip: "54321".into(),
            country: None,
        }],
        secret_word: Some("alpha".into()),
    }
}

/// `(path, rule, message)` of each error.
fn errors_of(profile: &Profile) -> Vec<(String, &'static str, String)> {
    match profile.validate() {
        Ok(()) => vec![],
        Err(errors) => errors
            .errors()
            .iter()
            .map(|e| (e.path().to_owned(), e.rule(), e.message().to_owned()))
            .collect(),
    }
}

fn one_error(edit: impl FnOnce(&mut Profile)) -> (String, &'static str, String) {
    let mut profile = valid();
    edit(&mut profile);
    let mut errors = errors_of(&profile);
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors.remove(0)
}

fn e(path: &str, rule: &'static str, message: &str) -> (String, &'static str, String) {
    (path.to_owned(), rule, message.to_owned())
}

#[test]
fn a_valid_value_passes_every_rule() {
    assert_eq!(errors_of(&valid()), vec![]);
}

#[test]
fn options_are_validated_only_when_present() {
    let mut profile = valid();
    profile.email = None;
    profile.homepage = None;
    profile.age = None;
    profile.nickname = None;
    profile.address = None;
    profile.secret_word = None;
    assert_eq!(errors_of(&profile), vec![]);
}

#[test]
fn non_empty_and_length() {
    let mut profile = valid();
    profile.sub = String::new();
    assert_eq!(
        errors_of(&profile),
        vec![
            e("act.sub", "non_empty", "must not be empty"),
            e("act.sub", "length", "must have 1 to 8 characters (has 0)"),
        ]
    );
    assert_eq!(
        one_error(|p| p.sub = "ééééééééé".into()),
        e("act.sub", "length", "must have 1 to 8 characters (has 9)")
    );
    // Characters, not bytes: eight two-byte characters pass.
    assert_eq!(
        errors_of(&Profile {
            sub: "éééééééé".into(),
            ..valid()
        }),
        vec![]
    );
    assert_eq!(
        one_error(|p| p.roles = vec!["admin".into(); 4]),
        e("act.roles", "length", "must have at most 3 items (has 4)")
    );
}

#[test]
fn email_and_url() {
    for bad in ["ada", "ada@", "@example.com", "ada example@x.com"] {
        assert_eq!(
            one_error(|p| p.email = Some(bad.into())),
            e("act.email", "email", "must be an email address"),
            "{bad}"
        );
    }
    for bad in ["example.com", "/relative/path", "https://exa mple.com", ""] {
        assert_eq!(
            one_error(|p| p.homepage = Some(bad.into())),
            e("act.homepage", "url", "must be an absolute URL"),
            "{bad}"
        );
    }
}

#[test]
fn range_on_integers_and_floats() {
    assert_eq!(
        one_error(|p| p.age = Some(12)),
        e("act.age", "range", "must be between 13 and 130 (is 12)")
    );
    assert_eq!(
        one_error(|p| p.age = Some(131)),
        e("act.age", "range", "must be between 13 and 130 (is 131)")
    );
    assert_eq!(
        errors_of(&Profile {
            age: Some(13),
            ..valid()
        }),
        vec![]
    );
    assert_eq!(
        errors_of(&Profile {
            age: Some(130),
            ..valid()
        }),
        vec![]
    );
    assert_eq!(
        one_error(|p| p.balance = -1.6),
        e(
            "act.balance",
            "range",
            "must be between -1.5 and 1.5 (is -1.6)"
        )
    );
    assert_eq!(
        one_error(|p| p.balance = f64::NAN),
        e(
            "act.balance",
            "range",
            "must be between -1.5 and 1.5 (is NaN)"
        )
    );
    assert_eq!(
        one_error(|p| p.offset = -11),
        e("act.offset", "range", "must be at least -10 (is -11)")
    );
}

#[test]
fn one_of_strings_and_integers() {
    assert_eq!(
        one_error(|p| p.plan = "enterprise".into()),
        e(
            "act.plan",
            "one_of",
            r#"must be one of ["free", "pro"] (is "enterprise")"#
        )
    );
    assert_eq!(
        one_error(|p| p.tier = 4),
        e("act.tier", "one_of", "must be one of [1, 2, 3] (is 4)")
    );
}

#[test]
fn sensitive_values_are_never_echoed() {
    let (path, rule, message) = one_error(|p| p.secret_word = Some("hunter2".into()));
    assert_eq!((path.as_str(), rule), ("act.secretWord", "one_of"));
    assert!(!message.contains("hunter2"), "{message}");
    assert_eq!(message, r#"must be one of ["alpha", "beta"]"#);
}

#[test]
fn regex_and_prefix() {
    assert_eq!(
        one_error(|p| p.org = "acme".into()),
        e("act.org", "prefix", r#"must start with "org_""#)
    );
    assert_eq!(
        one_error(|p| p.address.as_mut().unwrap().zip = "1234".into()),
        e(
            "act.address.zip",
            "regex",
            r#"must match the pattern "^\\d{5}$""#
        )
    );
}

#[test]
fn each_item_is_checked_with_its_index() {
    assert_eq!(
        one_error(|p| p.roles = vec!["admin".into(), "owner".into()]),
        e(
            "act.roles[1]",
            "one_of",
            r#"must be one of ["admin", "member"] (is "owner")"#
        )
    );
    assert_eq!(
        one_error(|p| p.tags = ["ab".to_owned(), "c".to_owned()].into()),
        e(
            "act.tags[1]",
            "length",
            "must have at least 2 characters (has 1)"
        )
    );
}

#[test]
fn custom_functions() {
    assert_eq!(
        one_error(|p| p.nickname = Some("root".into())),
        e("act.nickname", "custom", "is a reserved name")
    );
}

#[test]
fn nested_claims_join_paths() {
    assert_eq!(
        one_error(|p| p.address.as_mut().unwrap().country = Some("GBR".into())),
        e(
            "act.address.country",
            "length",
            "must have at most 2 characters (has 3)"
        )
    );
    assert_eq!(
        one_error(|p| p.previous.push(Address {
            zip: "x".into(),
            country: None
        })),
        e(
            "act.previous[1].zip",
            "regex",
            r#"must match the pattern "^\\d{5}$""#
        )
    );
}

#[test]
fn four_broken_rules_are_four_errors() {
    let mut profile = valid();
    profile.email = Some("not-an-email".into());
    profile.plan = "gold".into();
    profile.roles = vec!["member".into(), "root".into()];
    profile.address = Some(Address {
        zip: "abc".into(),
        country: None,
    });
    let errors = profile.validate().unwrap_err();
    let paths: Vec<&str> = errors.errors().iter().map(|e| e.path()).collect();
    assert_eq!(
        paths,
        ["act.email", "act.plan", "act.roles[1]", "act.address.zip"]
    );
    assert_eq!(errors.len(), 4);
    assert!(
        errors
            .to_string()
            .starts_with("4 invalid claims: act.email (email): ")
    );
}

#[test]
fn issuer_signs_nothing_invalid() {
    let issuer = Issuer::<Profile>::new(key()).clock(FixedClock::at_unix(NOW));
    let mut profile = valid();
    profile.tier = 9;
    match issuer.sign(&profile, Expires::at_unix(EXP)) {
        Err(IssueError::Invalid(errors)) => {
            assert_eq!(errors.errors()[0].path(), "act.tier");
            assert_eq!(errors.errors()[0].rule(), "one_of");
        }
        other => panic!("expected IssueError::Invalid, got {other:?}"),
    }
    assert!(issuer.sign(&valid(), Expires::at_unix(EXP)).is_ok());
}

#[test]
fn verifier_rejects_a_token_signed_elsewhere_with_an_invalid_claim() {
    common::install_jsonwebtoken_provider();

    let mut act = serde_json::to_value(valid()).unwrap();
    act["roles"] = serde_json::json!(["admin", "superuser"]);
    act["email"] = serde_json::json!("nobody");
    let claims = serde_json::json!({
        "act": act,
        "aud": "https://api.statebacked.dev/",
        "exp": EXP,
        "iat": NOW,
    });
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(KEY_ID.into());
    let token = jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    let verifier = Verifier::<Profile>::new(key()).clock(FixedClock::at_unix(NOW));
    match verifier.verify(&token) {
        Err(VerifyError::InvalidClaims(errors)) => {
            let found: Vec<(&str, &str)> = errors
                .errors()
                .iter()
                .map(|e| (e.path(), e.rule()))
                .collect();
            assert_eq!(found, [("act.email", "email"), ("act.roles[1]", "one_of")]);
        }
        other => panic!("expected InvalidClaims, got {other:?}"),
    }
}

#[test]
fn errors_serialize_for_http_bodies() {
    let mut profile = valid();
    profile.plan = "gold".into();
    let errors: ValidationErrors = profile.validate().unwrap_err();
    assert_eq!(
        serde_json::to_value(&errors).unwrap(),
        serde_json::json!({"errors": [{
            "path": "act.plan",
            "rule": "one_of",
            "message": "must be one of [\"free\", \"pro\"] (is \"gold\")"
        }]})
    );
}

#[test]
fn schema_records_the_rules() {
    let schema = Profile::schema();
    let rules = |wire: &str| schema.field(wire).unwrap().rules();
    assert_eq!(
        rules("sub"),
        &[
            Rule::NonEmpty,
            Rule::Length {
                min: Some(1),
                max: Some(8)
            }
        ]
    );
    assert_eq!(
        rules("balance"),
        &[Rule::Range {
            min: Some(Bound::Float(-1.5)),
            max: Some(Bound::Float(1.5))
        }]
    );
    assert_eq!(
        rules("offset"),
        &[Rule::Range {
            min: Some(Bound::Int(-10)),
            max: None
        }]
    );
    assert_eq!(
        rules("tier"),
        &[Rule::OneOf(&[
            Choice::Int(1),
            Choice::Int(2),
            Choice::Int(3)
        ])]
    );
    assert_eq!(
        rules("roles"),
        &[
            Rule::Length {
                min: None,
                max: Some(3)
            },
            Rule::Each(&[Rule::OneOf(&[Choice::Str("admin"), Choice::Str("member")])])
        ]
    );
    assert_eq!(rules("nickname"), &[Rule::Custom("not_reserved")]);
    assert_eq!(rules("address"), &[Rule::Nested]);
    assert_eq!(
        Address::schema().field("zip").unwrap().rules(),
        &[Rule::Regex(r"^\d{5}$")]
    );
    assert!(schema.field("secretWord").unwrap().is_sensitive());
    assert!(!schema.field("plan").unwrap().is_sensitive());
}

mod sensitive_values {
    use serde::{Deserialize, Serialize};
    use serde_json::json;
    use statebacked_claims::{Claims, Issuer, Key, Verifier};

    const VALUE: &str = "hunter2-sensitive";

    #[derive(Debug, Serialize, Deserialize, Claims)]
    struct Strict {
        sub: String,
        #[claim(sensitive, validate(one_of("A", "B"), length(max = 3)))]
        pin: String,
    }

    /// The same claims without the rules, to sign what `Strict` refuses.
    #[derive(Debug, Serialize, Deserialize, Claims)]
    struct Loose {
        sub: String,
        pin: String,
    }

    fn assert_hidden(what: &str, display: String, debug: String) {
        for text in [display, debug] {
            assert!(!text.contains(VALUE), "{what}: {text}");
            assert!(text.contains("act.pin"), "{what} names the claim: {text}");
        }
    }

    /// Every error type a sensitive claim's value can reach keeps it out of `Display` and
    /// `Debug`: ValidationErrors, IssueError, VerifyError, MappingError.
    #[test]
    fn a_sensitive_value_appears_in_no_error_type() {
        let strict = Strict {
            sub: "u1".into(),
            pin: VALUE.into(),
        };
        let errors = strict.validate().unwrap_err();
        assert_hidden(
            "ValidationErrors",
            errors.to_string(),
            format!("{errors:?}"),
        );

        let key = Key::hs256("sbk_test", "sbsec_test_secret_0123456789abcdef").unwrap();
        let issue = Issuer::<Strict>::new(key.clone())
            .sign(&strict, "1h".parse().unwrap())
            .unwrap_err();
        assert_hidden("IssueError", issue.to_string(), format!("{issue:?}"));

        let loose = Loose {
            sub: "u1".into(),
            pin: VALUE.into(),
        };
        let token = Issuer::<Loose>::new(key.clone())
            .sign(&loose, "1h".parse().unwrap())
            .unwrap();
        let verify = Verifier::<Strict>::new(key)
            .verify(token.as_str())
            .unwrap_err();
        assert_hidden("VerifyError", verify.to_string(), format!("{verify:?}"));

        let mapping = Strict::from_identity(None, &json!({"sub": "u1", "pin": VALUE})).unwrap_err();
        assert_hidden("MappingError", mapping.to_string(), format!("{mapping:?}"));
    }
}
