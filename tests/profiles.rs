//! The flat profile and machine-to-machine client tokens with scopes.

mod common;

use common::*;
use serde::{Deserialize, Serialize};
use statebacked_claims::{
    Claims, ClientClaims, FixedClock, IssueError, Issuer, Scopes, Verifier, VerifyError,
    schema::Profile, validate::ClaimPath,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[serde(rename_all = "camelCase")]
#[claims(profile = "flat")]
struct FlatUser {
    #[claim(validate(non_empty))]
    sub: String,
    #[claim(validate(email))]
    email: String,
    #[serde(default)]
    #[claim(validate(each(one_of("admin", "member"))))]
    roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
}

fn flat_user() -> FlatUser {
    FlatUser {
        sub: "user-1".into(),
        email: "ada@example.com".into(),
        roles: vec!["admin".into()],
        display_name: None,
    }
}

fn flat_issuer() -> Issuer<FlatUser> {
    Issuer::new(key())
        .issuer("https://example.com/")
        .clock(FixedClock::at_unix(NOW))
}

fn flat_verifier() -> Verifier<FlatUser> {
    Verifier::new(key()).clock(FixedClock::at_unix(NOW))
}

fn payload_of(token: &str) -> serde_json::Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&unb64(payload)).unwrap()
}

#[test]
fn schema_records_the_profile() {
    assert_eq!(FlatUser::schema().profile(), Profile::Flat);
    assert_eq!(User::schema().profile(), Profile::StateBacked);
    assert_eq!(ClientClaims::schema().profile(), Profile::Flat);
}

#[test]
fn flat_claims_sit_beside_the_registered_ones() {
    let token = flat_issuer()
        .sign(&flat_user(), "1h".parse().unwrap())
        .unwrap();
    let payload = token.as_str().split('.').nth(1).unwrap();
    assert_eq!(
        String::from_utf8(unb64(payload)).unwrap(),
        format!(
            r#"{{"sub":"user-1","email":"ada@example.com","roles":["admin"],"aud":"https://api.statebacked.dev/","exp":{},"iss":"https://example.com/","iat":{NOW}}}"#,
            NOW + 3600
        )
    );
    let verified = flat_verifier().verify(token.as_str()).unwrap();
    assert_eq!(verified.claims(), &flat_user());
    assert_eq!(verified.registered().iss(), Some("https://example.com/"));
    // `sub` is the subject: the field and the registered claim are the same member.
    assert_eq!(verified.registered().sub(), Some("user-1"));
}

#[test]
fn flat_validation_paths_are_top_level() {
    let mut user = flat_user();
    user.email = "not-an-email".into();
    user.roles.push("root".into());
    let IssueError::Invalid(errors) = flat_issuer()
        .sign(&user, "1h".parse().unwrap())
        .unwrap_err()
    else {
        panic!("expected IssueError::Invalid");
    };
    let paths: Vec<_> = errors.errors().iter().map(|e| e.path()).collect();
    assert_eq!(paths, ["email", "roles[1]"]);
    assert_eq!(ClaimPath::Top.field("a").index(2).to_string(), "a[2]");

    // The verifier checks the same rules on a token signed elsewhere.
    let token = sign_raw(
        HEADER,
        &format!(
            r#"{{"sub":"","email":"ada@example.com","aud":"https://api.statebacked.dev/","exp":{EXP}}}"#
        ),
    );
    let Err(VerifyError::InvalidClaims(errors)) = flat_verifier().verify(&token) else {
        panic!("expected InvalidClaims");
    };
    assert_eq!(errors.errors()[0].path(), "sub");
    assert_eq!(errors.errors()[0].rule(), "non_empty");
}

#[test]
fn s20_profiles_do_not_read_each_other() {
    // A State Backed token (with `act`) is never a flat one.
    let token = issuer().sign(&user(), "1h".parse().unwrap()).unwrap();
    assert_eq!(
        flat_verifier().verify(token.as_str()).unwrap_err(),
        VerifyError::ProfileMismatch
    );
    // Nor a flat token without the claims the type requires.
    let token = sign_raw(
        HEADER,
        &format!(r#"{{"sub":"u","aud":"https://api.statebacked.dev/","exp":{EXP}}}"#),
    );
    assert!(matches!(
        flat_verifier().verify(&token),
        Err(VerifyError::ClaimsInvalid {
            type_name: "FlatUser",
            ..
        })
    ));
    // A flat token has no `act`.
    let token = flat_issuer()
        .sign(&flat_user(), "1h".parse().unwrap())
        .unwrap();
    assert_eq!(
        verifier().verify(token.as_str()).unwrap_err(),
        VerifyError::ActMissing
    );
}

#[test]
fn flat_tokens_get_every_registered_check() {
    let token = flat_issuer()
        .sign(&flat_user(), "1h".parse().unwrap())
        .unwrap();
    let later = flat_verifier().clock(FixedClock::at_unix(NOW + 7200));
    assert!(matches!(
        later.verify(token.as_str()),
        Err(VerifyError::Expired { .. })
    ));
    assert_eq!(
        flat_verifier()
            .audience("https://other.example/")
            .verify(token.as_str())
            .unwrap_err(),
        VerifyError::WrongAudience
    );
    // A registered claim of the wrong type is never read as the user's.
    let token = sign_raw(
        HEADER,
        &format!(
            r#"{{"sub":"u","email":"ada@example.com","aud":"https://api.statebacked.dev/","exp":{EXP},"iat":"now"}}"#
        ),
    );
    assert_eq!(
        flat_verifier().verify(&token).unwrap_err(),
        VerifyError::InvalidClaim("iat")
    );
}

fn client_issuer() -> Issuer<ClientClaims> {
    Issuer::new(key())
        .issuer("https://auth.example.com/")
        .audience("https://api.example.com/")
        .clock(FixedClock::at_unix(NOW))
}

fn client_verifier() -> Verifier<ClientClaims> {
    Verifier::new(key())
        .audience("https://api.example.com/")
        .clock(FixedClock::at_unix(NOW))
}

#[test]
fn client_tokens_carry_the_client_and_its_scopes() {
    let scopes = Scopes::parse("machines:read machines:write").unwrap();
    let token = client_issuer()
        .client_token("billing-service", &scopes, "5m".parse().unwrap())
        .unwrap();
    assert_eq!(
        payload_of(token.as_str()),
        serde_json::json!({
            "sub": "billing-service",
            "client_id": "billing-service",
            "scope": "machines:read machines:write",
            "aud": "https://api.example.com/",
            "exp": NOW + 300,
            "iss": "https://auth.example.com/",
            "iat": NOW,
        })
    );
    let verified = client_verifier()
        .require_scopes(["machines:write"])
        .unwrap()
        .verify(token.as_str())
        .unwrap();
    assert_eq!(verified.claims().client_id(), "billing-service");
    assert_eq!(verified.claims().scopes(), &scopes);
    assert_eq!(
        verified.registered().scope(),
        Some("machines:read machines:write")
    );
}

#[test]
fn missing_scopes_are_reported_by_name() {
    let scopes = Scopes::parse("machines:read").unwrap();
    let token = client_issuer()
        .client_token("reporting", &scopes, "5m".parse().unwrap())
        .unwrap();
    let err = client_verifier()
        .require_scopes(["machines:read", "machines:write", "admin"])
        .unwrap()
        .verify(token.as_str())
        .unwrap_err();
    assert_eq!(
        err,
        VerifyError::InsufficientScope {
            missing: vec!["machines:write".into(), "admin".into()]
        }
    );
    assert_eq!(
        err.to_string(),
        "the token lacks required scopes: machines:write, admin"
    );
}

#[test]
fn scope_requirements_apply_to_user_tokens_too() {
    // A user token without `scope` does not pass a verifier that requires one.
    let token = issuer().sign(&user(), "1h".parse().unwrap()).unwrap();
    assert_eq!(
        verifier()
            .require_scopes(["read"])
            .unwrap()
            .verify(token.as_str())
            .unwrap_err(),
        VerifyError::MissingClaim("scope")
    );
    // A malformed or mistyped `scope` is invalid, never "no scopes".
    for scope in [r#""read  write""#, r#"["read"]"#, "null"] {
        let token = sign_raw(
            HEADER,
            &payload(|claims| {
                claims.insert("scope".into(), serde_json::from_str(scope).unwrap());
            }),
        );
        assert_eq!(
            verifier()
                .require_scopes(["read"])
                .unwrap()
                .verify(&token)
                .unwrap_err(),
            VerifyError::InvalidClaim("scope"),
            "{scope}"
        );
    }
    let token = sign_raw(
        HEADER,
        &payload(|claims| {
            claims.insert("scope".into(), "read write".into());
        }),
    );
    let verified = verifier()
        .require_scopes(["write", "read"])
        .unwrap()
        .verify(&token)
        .unwrap();
    assert_eq!(verified.registered().scope(), Some("read write"));
}

#[test]
fn client_tokens_refuse_bad_input() {
    let scopes = Scopes::new();
    let IssueError::Invalid(errors) = client_issuer()
        .client_token("", &scopes, "5m".parse().unwrap())
        .unwrap_err()
    else {
        panic!("expected IssueError::Invalid");
    };
    let paths: Vec<_> = errors.errors().iter().map(|e| e.path()).collect();
    assert_eq!(paths, ["sub", "client_id"]);
    assert!(client_verifier().require_scopes(["two words"]).is_err());
    // A client token from another issuer may leave out `client_id`.
    let token = sign_raw(
        r#"{"alg":"HS256","kid":"sbk_test","typ":"at+jwt"}"#,
        &format!(r#"{{"sub":"cli","scope":"a","aud":"https://api.example.com/","exp":{EXP}}}"#),
    );
    let verified = client_verifier().verify(&token).unwrap();
    assert_eq!(verified.claims().client_id(), "cli");
}

#[derive(Debug, Serialize, Deserialize, Claims)]
#[claims(profile = "flat")]
struct JustSub {
    sub: String,
}

#[test]
fn s12_s20_client_and_user_tokens_are_told_apart_by_typ() {
    let scopes = Scopes::parse("read").unwrap();
    let client = client_issuer()
        .client_token("svc", &scopes, "5m".parse().unwrap())
        .unwrap();
    let header: serde_json::Value =
        serde_json::from_slice(&unb64(client.as_str().split('.').next().unwrap())).unwrap();
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(ClientClaims::schema().token_type(), Some("at+jwt"));
    // A user verifier refuses a client token, even one whose claims would fit.
    let users = Verifier::<JustSub>::new(key())
        .audience("https://api.example.com/")
        .clock(FixedClock::at_unix(NOW));
    assert_eq!(
        users.verify(client.as_str()).unwrap_err(),
        VerifyError::WrongType
    );
    // A client verifier refuses a user token, even one with just the claims it needs.
    let user = Issuer::<JustSub>::new(key())
        .audience("https://api.example.com/")
        .clock(FixedClock::at_unix(NOW))
        .sign(&JustSub { sub: "svc".into() }, "5m".parse().unwrap())
        .unwrap();
    assert_eq!(
        client_verifier().verify(user.as_str()).unwrap_err(),
        VerifyError::WrongType
    );
}
