//! Identity-provider claims into typed claims: `#[claim(from ...)]`, `split`, and the errors
//! that name the claim and the path.

use serde::{Deserialize, Serialize};
use serde_json::json;
use statebacked_claims::{Claims, MappingError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
struct Member {
    #[claim(from = "$.sub", validate(length(min = 1, max = 128)))]
    sub: String,
    #[claim(from = "$.email", validate(email))]
    email: Option<String>,
    #[serde(default)]
    #[claim(
        from = "$['https://example.com/roles']",
        from(provider = "cognito", path = "$['cognito:groups']"),
        from(provider = "keycloak", path = "$.realm_access.roles"),
        validate(each(one_of("admin", "member")))
    )]
    roles: Vec<String>,
    #[serde(default)]
    #[claim(from = "$.scope", split = " ")]
    scopes: Vec<String>,
    // No `from`: read from the claim of its own name.
    #[serde(default)]
    tenant: Option<String>,
}

#[test]
fn auth0_shaped_claims() {
    let claims = json!({
        "iss": "https://example.auth0.com/",
        "sub": "auth0|6512f4a8",
        "aud": ["https://example.auth0.com/api/v2/"],
        "email": "ada@example.com",
        "https://example.com/roles": ["admin"],
        "scope": "openid profile email",
        "tenant": "acme",
    });
    let member = Member::from_identity(Some("auth0"), &claims).unwrap();
    assert_eq!(
        member,
        Member {
            sub: "auth0|6512f4a8".into(),
            email: Some("ada@example.com".into()),
            roles: vec!["admin".into()],
            scopes: vec!["openid".into(), "profile".into(), "email".into()],
            tenant: Some("acme".into()),
        }
    );
}

#[test]
fn cognito_shaped_claims_use_the_provider_override() {
    let claims = json!({
        "sub": "0b5e8a3c-1d2f-4e5a-9b8c-7d6e5f4a3b2c",
        "cognito:groups": ["member"],
        "https://example.com/roles": ["admin"],
        "token_use": "id",
    });
    let member = Member::from_identity(Some("cognito"), &claims).unwrap();
    assert_eq!(member.roles, ["member"]);
    assert_eq!(member.email, None);
    // Without the provider, the general path applies.
    let member = Member::from_identity(None, &claims).unwrap();
    assert_eq!(member.roles, ["admin"]);
}

#[test]
fn keycloak_shaped_claims() {
    let claims = json!({
        "sub": "f:1234:ada",
        "email": "ada@example.com",
        "realm_access": {"roles": ["admin", "member"]},
        "resource_access": {"account": {"roles": ["manage-account"]}},
    });
    let member = Member::from_identity(Some("keycloak"), &claims).unwrap();
    assert_eq!(member.roles, ["admin", "member"]);
}

#[test]
fn missing_required_claim_names_claim_and_path() {
    let err = Member::from_identity(None, &json!({"email": "a@example.com"})).unwrap_err();
    assert_eq!(
        err,
        MappingError::Missing {
            claim: "sub".into(),
            path: "$.sub".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "claim `sub`: `$.sub` selects nothing in the identity token"
    );
}

#[test]
fn wrong_types_are_named_without_values() {
    let err = Member::from_identity(None, &json!({"sub": 42})).unwrap_err();
    assert_eq!(
        err,
        MappingError::WrongType {
            claim: "sub".into(),
            path: "$.sub".into(),
            expected: "string".into(),
            found: "an integer",
        }
    );
    // A space-separated string fills a list only where the field says `split`.
    let err = Member::from_identity(
        None,
        &json!({"sub": "u", "https://example.com/roles": "admin member"}),
    )
    .unwrap_err();
    assert!(
        matches!(&err, MappingError::WrongType { claim, found: "a string", .. } if claim == "roles"),
        "{err}"
    );
    let err = Member::from_identity(
        None,
        &json!({"sub": "u", "email": "secret@example.com", "tenant": 7}),
    )
    .unwrap_err();
    assert!(!err.to_string().contains("secret"), "{err}");
    assert!(err.to_string().contains("`tenant`"), "{err}");
}

#[derive(Debug, Serialize, Deserialize, Claims)]
struct Wildcards {
    #[claim(from = "$.orgs[*].id")]
    org: String,
    #[serde(default)]
    #[claim(from = "$.orgs[*].id")]
    orgs: Vec<String>,
}

#[test]
fn several_matches_fill_a_list_and_fail_a_single_claim() {
    let claims = json!({"orgs": [{"id": "o1"}, {"id": "o2"}]});
    assert_eq!(
        Wildcards::from_identity(None, &claims).unwrap_err(),
        MappingError::Multiple {
            claim: "org".into(),
            path: "$.orgs[*].id".into(),
            count: 2
        }
    );
    let one = Wildcards::from_identity(None, &json!({"orgs": [{"id": "o1"}]})).unwrap();
    assert_eq!(
        (one.org.as_str(), one.orgs.as_slice()),
        ("o1", &["o1".to_owned()][..])
    );
}

#[test]
fn mapped_claims_are_validated() {
    let claims =
        json!({"sub": "u", "email": "not-an-email", "https://example.com/roles": ["root"]});
    let MappingError::Invalid(errors) = Member::from_identity(None, &claims).unwrap_err() else {
        panic!("expected Invalid");
    };
    let found: Vec<_> = errors
        .errors()
        .iter()
        .map(|e| (e.path(), e.rule()))
        .collect();
    assert_eq!(found, [("act.email", "email"), ("act.roles[0]", "one_of")]);
}

#[test]
fn non_object_claims_map_to_missing() {
    for claims in [json!(null), json!([1, 2]), json!("sub")] {
        assert!(matches!(
            Member::from_identity(None, &claims),
            Err(MappingError::Missing { .. })
        ));
    }
}

#[test]
fn the_schema_records_sources_and_split() {
    let schema = Member::schema();
    let roles = schema.field("roles").unwrap();
    let sources: Vec<_> = roles
        .sources()
        .iter()
        .map(|s| (s.provider(), s.path()))
        .collect();
    assert_eq!(
        sources,
        [
            (None, "$['https://example.com/roles']"),
            (Some("cognito"), "$['cognito:groups']"),
            (Some("keycloak"), "$.realm_access.roles"),
        ]
    );
    assert_eq!(schema.field("scopes").unwrap().split(), Some(" "));
    assert!(schema.field("tenant").unwrap().sources().is_empty());
}
