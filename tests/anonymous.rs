//! Anonymous sessions (WIRE.md §2): the golden identity token, the exchange that copies
//! nothing but `sid` and `did`, and the restriction every verifier enforces.

mod common;

use common::*;
use serde::{Deserialize, Serialize};
use statebacked_claims::{
    AnonymousIdentity, AnonymousProvider, AnonymousSession, AuthContext, Claims, Expires,
    FixedClock, IssueError, Issuer, KeyError, Verifier, VerifyError,
    anonymous::AnonymousExchangeError, verify::AnonymousViolation, verify::Malformed, verify::Part,
};

/// WIRE.md §2: org `org_test`, sid `s-1`, did `d-1`, iat 1700000000.
const GOLDEN_IDENTITY: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL29yZ190ZXN0LmFub255bW91cy5hdXRoLnN0YXRlYmFja2VkLmRldiIsImlzcyI6Imh0dHBzOi8vb3JnX3Rlc3QuYW5vbnltb3VzLmF1dGguc3RhdGViYWNrZWQuZGV2IiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwODY0MDAsInNpZCI6InMtMSIsImRpZCI6ImQtMSJ9.9RxNeRjKqRpysPZ-KEMdeTvD6NtLTqi2z465G3adS6c";
const ORG: &str = "org_test";
const ANON_AUD: &str = "https://org_test.anonymous.auth.statebacked.dev";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[claims(anonymous)]
#[serde(deny_unknown_fields)]
struct Viewer {
    #[claim(anonymous)]
    sid: Option<String>,
    #[claim(anonymous)]
    did: Option<String>,
    sub: Option<String>,
    email: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
}

fn provider() -> AnonymousProvider {
    AnonymousProvider::new(ORG)
        .unwrap()
        .clock(FixedClock::at_unix(NOW))
}

fn viewer_issuer() -> Issuer<Viewer> {
    Issuer::new(key()).clock(FixedClock::at_unix(NOW))
}

fn viewer_verifier() -> Verifier<Viewer> {
    Verifier::new(key()).clock(FixedClock::at_unix(NOW))
}

fn act_of(token: &str) -> String {
    let payload = token.split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&unb64(payload)).unwrap();
    claims["act"].to_string()
}

/// A raw payload's JSON text, exactly, for the `act` of a State Backed token.
fn sb_token_with_act(act: &str) -> String {
    let payload = format!(
        r#"{{"act":{act},"aud":"https://api.statebacked.dev/","exp":{EXP},"iss":"https://example.com/","iat":{NOW}}}"#
    );
    sign_raw(HEADER, &payload)
}

fn identity_token_with(payload: &str) -> String {
    sign_raw_with(ORG.as_bytes(), r#"{"alg":"HS256","typ":"JWT"}"#, payload)
}

#[test]
fn identity_token_reproduces_the_golden_vector() {
    let session = AnonymousSession::new(ORG)
        .session_id("s-1")
        .device_id("d-1")
        .clock(FixedClock::at_unix(NOW));
    assert_eq!(session.identity_token().unwrap().as_str(), GOLDEN_IDENTITY);
}

#[test]
fn device_id_defaults_to_the_session_id() {
    let session = AnonymousSession::new(ORG)
        .session_id("s-1")
        .clock(FixedClock::at_unix(NOW));
    assert_eq!(session.did(), "s-1");
    let identity = provider()
        .verify(session.identity_token().unwrap().as_str())
        .unwrap();
    assert_eq!(identity, AnonymousIdentity::new("s-1", "s-1"));
}

#[test]
fn sessions_get_random_uuid_session_ids() {
    let (a, b) = (AnonymousSession::new(ORG), AnonymousSession::new(ORG));
    assert_ne!(a.sid(), b.sid());
    assert_eq!(a.sid().len(), 36);
    assert_eq!(a.sid().matches('-').count(), 4);
}

#[test]
fn org_ids_are_validated_on_both_sides() {
    for org in [
        "",
        "org.test",
        "org test",
        "org/test",
        "évil",
        &"o".repeat(129),
    ] {
        assert_eq!(
            AnonymousSession::new(org).identity_token().err(),
            Some(IssueError::InvalidOrgId),
            "{org:?}"
        );
        assert_eq!(
            AnonymousProvider::new(org).err(),
            Some(KeyError::InvalidOrgId),
            "{org:?}"
        );
    }
}

#[test]
fn provider_verifies_the_golden_identity_token() {
    let (identity, registered) = provider().verify_with_claims(GOLDEN_IDENTITY).unwrap();
    assert_eq!(identity, AnonymousIdentity::new("s-1", "d-1"));
    assert_eq!(registered.aud().collect::<Vec<_>>(), [ANON_AUD]);
    assert_eq!(registered.iss(), Some(ANON_AUD));
    assert_eq!(registered.exp(), NOW + 86_400);
}

#[test]
fn exchange_yields_exactly_sid_did_and_auth() {
    let token = provider()
        .exchange(GOLDEN_IDENTITY, &viewer_issuer(), Expires::at_unix(EXP))
        .unwrap();
    assert_eq!(
        act_of(token.as_str()),
        r#"{"auth":"anonymous","did":"d-1","sid":"s-1"}"#
    );
    // Byte order on the wire: sid, did, auth.
    let payload = String::from_utf8(unb64(token.as_str().split('.').nth(1).unwrap())).unwrap();
    assert!(
        payload.starts_with(r#"{"act":{"sid":"s-1","did":"d-1","auth":"anonymous"},"aud":"#),
        "{payload}"
    );
}

#[test]
fn s21_injected_identity_claims_are_never_copied() {
    let injections = [
        r#""sub":"admin""#,
        r#""email":"admin@example.com""#,
        r#""auth":"user""#,
        r#""groups":["admin"]"#,
        r#""act":{"sub":"admin","auth":"user"}"#,
        r#""nested":{"sub":"admin","deeper":{"groups":["admin"]}}"#,
    ];
    for injection in injections {
        let payload = format!(
            r#"{{"aud":"{ANON_AUD}","iss":"{ANON_AUD}","iat":{NOW},"exp":{},"sid":"s-1","did":"d-1",{injection}}}"#,
            NOW + 86_400
        );
        let token = provider()
            .exchange(
                &identity_token_with(&payload),
                &viewer_issuer(),
                Expires::at_unix(EXP),
            )
            .unwrap();
        assert_eq!(
            act_of(token.as_str()),
            r#"{"auth":"anonymous","did":"d-1","sid":"s-1"}"#,
            "{injection}"
        );
        let verified = viewer_verifier().verify(token.as_str()).unwrap();
        assert_eq!(verified.claims().sub, None, "{injection}");
        assert!(verified.claims().groups.is_empty(), "{injection}");
    }
}

#[test]
fn verified_anonymous_token_is_an_anonymous_auth_context() {
    let token = provider()
        .exchange(GOLDEN_IDENTITY, &viewer_issuer(), Expires::at_unix(EXP))
        .unwrap();
    let verified = viewer_verifier().verify(token.as_str()).unwrap();
    assert!(verified.is_anonymous());
    assert_eq!(
        verified.auth_context(),
        AuthContext::Anonymous {
            sid: "s-1",
            did: "d-1"
        }
    );
    assert_eq!(
        verified.claims(),
        &Viewer {
            sid: Some("s-1".into()),
            did: Some("d-1".into()),
            sub: None,
            email: None,
            groups: vec![],
        }
    );
}

#[test]
fn user_tokens_are_never_anonymous_even_with_sid_and_did() {
    let viewer = Viewer {
        sid: Some("s-1".into()),
        did: Some("d-1".into()),
        sub: Some("user-1".into()),
        email: None,
        groups: vec![],
    };
    let token = viewer_issuer()
        .sign(&viewer, Expires::at_unix(EXP))
        .unwrap();
    let verified = viewer_verifier().verify(token.as_str()).unwrap();
    assert!(!verified.is_anonymous());
    assert_eq!(verified.auth_context(), AuthContext::Authenticated(&viewer));
}

#[test]
fn s23_types_without_anonymous_reject_anonymous_tokens() {
    let token = Issuer::<Viewer>::new(key())
        .issuer("https://example.com/")
        .clock(FixedClock::at_unix(NOW))
        .sign_anonymous(&AnonymousIdentity::new("s-1", "d-1"), Expires::at_unix(EXP))
        .unwrap();
    assert_eq!(
        verifier().verify(token.as_str()).err(),
        Some(VerifyError::AnonymousNotAllowed)
    );
}

#[test]
fn s22_anonymous_act_with_any_other_claim_is_rejected() {
    for act in [
        r#"{"sid":"s-1","did":"d-1","auth":"anonymous","sub":"admin"}"#,
        r#"{"sub":"admin","auth":"anonymous","sid":"s-1","did":"d-1"}"#,
        r#"{"sid":"s-1","did":"d-1","auth":"anonymous","groups":["admin"]}"#,
        r#"{"sid":"s-1","did":"d-1","auth":"anonymous","profile":{"role":"admin"}}"#,
        r#"{"sid":"s-1","did":"d-1","auth":"anonymous","email":null}"#,
    ] {
        assert_eq!(
            viewer_verifier().verify(&sb_token_with_act(act)).err(),
            Some(VerifyError::AnonymousClaimsViolation(
                AnonymousViolation::ExtraClaim
            )),
            "{act}"
        );
    }
}

#[test]
fn anonymous_act_needs_sid_and_did() {
    let cases = [
        (
            r#"{"did":"d-1","auth":"anonymous"}"#,
            AnonymousViolation::MissingSessionId,
        ),
        (
            r#"{"sid":"","did":"d-1","auth":"anonymous"}"#,
            AnonymousViolation::MissingSessionId,
        ),
        (
            r#"{"sid":7,"did":"d-1","auth":"anonymous"}"#,
            AnonymousViolation::MissingSessionId,
        ),
        (
            r#"{"sid":"s-1","auth":"anonymous"}"#,
            AnonymousViolation::MissingDeviceId,
        ),
        (
            r#"{"sid":"s-1","did":null,"auth":"anonymous"}"#,
            AnonymousViolation::MissingDeviceId,
        ),
    ];
    for (act, violation) in cases {
        assert_eq!(
            viewer_verifier().verify(&sb_token_with_act(act)).err(),
            Some(VerifyError::AnonymousClaimsViolation(violation)),
            "{act}"
        );
    }
}

#[test]
fn s22_auth_other_than_the_exact_string_is_rejected() {
    for auth in [
        r#""Anonymous""#,
        "null",
        "1",
        r#""user""#,
        r#""anonymous ""#,
        "{}",
        r#"["anonymous"]"#,
    ] {
        let act = format!(r#"{{"sid":"s-1","did":"d-1","auth":{auth}}}"#);
        let expected = Some(VerifyError::AnonymousClaimsViolation(
            AnonymousViolation::InvalidAuth,
        ));
        assert_eq!(
            viewer_verifier().verify(&sb_token_with_act(&act)).err(),
            expected,
            "{auth}"
        );
        let act = format!(r#"{{"sub":"user-1","auth":{auth}}}"#);
        assert_eq!(
            verifier().verify(&sb_token_with_act(&act)).err(),
            expected,
            "{auth}"
        );
    }
}

#[test]
fn s04_duplicate_auth_cannot_flip_meaning() {
    for act in [
        r#"{"sid":"s-1","did":"d-1","auth":"anonymous","auth":"user"}"#,
        r#"{"sid":"s-1","did":"d-1","auth":"user","auth":"anonymous"}"#,
    ] {
        assert_eq!(
            viewer_verifier().verify(&sb_token_with_act(act)).err(),
            Some(VerifyError::Malformed(Malformed::DuplicateMember(
                Part::Act
            ))),
            "{act}"
        );
    }
}

#[test]
fn s20_identity_and_state_backed_tokens_do_not_cross() {
    // An anonymous identity token is not a State Backed token: other key, other audience.
    assert_eq!(
        viewer_verifier().verify(GOLDEN_IDENTITY).err(),
        Some(VerifyError::BadSignature)
    );
    // Nor is a State Backed token an anonymous identity token.
    assert_eq!(
        provider().verify(GOLDEN_A).err(),
        Some(VerifyError::UnknownKey)
    );
    // Signed with the org id but addressed to the State Backed API: wrong audience.
    let payload = format!(
        r#"{{"aud":"https://api.statebacked.dev/","iss":"{ANON_AUD}","iat":{NOW},"exp":{EXP},"sid":"s-1","did":"d-1"}}"#
    );
    assert_eq!(
        provider().verify(&identity_token_with(&payload)).err(),
        Some(VerifyError::WrongAudience)
    );
}

#[test]
fn identity_tokens_of_another_org_are_rejected() {
    let other = AnonymousSession::new("org_other")
        .session_id("s-1")
        .clock(FixedClock::at_unix(NOW))
        .identity_token()
        .unwrap();
    assert_eq!(
        provider().verify(other.as_str()).err(),
        Some(VerifyError::BadSignature)
    );
    // The right key but the other org's audience and issuer.
    let payload = format!(
        r#"{{"aud":"https://org_other.anonymous.auth.statebacked.dev","iss":"https://org_other.anonymous.auth.statebacked.dev","iat":{NOW},"exp":{EXP},"sid":"s-1","did":"d-1"}}"#
    );
    assert_eq!(
        provider().verify(&identity_token_with(&payload)).err(),
        Some(VerifyError::WrongAudience)
    );
}

#[test]
fn identity_token_times_are_checked() {
    let expired = provider().clock(FixedClock::at_unix(NOW + 86_400 + 30));
    assert_eq!(
        expired.verify(GOLDEN_IDENTITY).err(),
        Some(VerifyError::Expired {
            exp: NOW + 86_400,
            now: NOW + 86_400 + 30
        })
    );
    let early = provider().clock(FixedClock::at_unix(NOW - 31));
    assert_eq!(
        early.verify(GOLDEN_IDENTITY).err(),
        Some(VerifyError::IssuedInFuture {
            iat: NOW,
            now: NOW - 31
        })
    );
}

#[test]
fn identity_token_needs_string_sid_and_did() {
    let cases = [
        (r#""did":"d-1""#, VerifyError::MissingClaim("sid")),
        (r#""sid":"s-1""#, VerifyError::MissingClaim("did")),
        (r#""sid":7,"did":"d-1""#, VerifyError::InvalidClaim("sid")),
        (r#""sid":"","did":"d-1""#, VerifyError::InvalidClaim("sid")),
        (
            r#""sid":"s-1","did":["d-1"]"#,
            VerifyError::InvalidClaim("did"),
        ),
    ];
    for (ids, expected) in cases {
        let payload = format!(
            r#"{{"aud":"{ANON_AUD}","iss":"{ANON_AUD}","iat":{NOW},"exp":{},{ids}}}"#,
            NOW + 86_400
        );
        assert_eq!(
            provider().verify(&identity_token_with(&payload)).err(),
            Some(expected),
            "{ids}"
        );
    }
}

#[test]
fn exchange_reports_which_side_failed() {
    let err = provider()
        .exchange("not-a-token", &viewer_issuer(), Expires::at_unix(EXP))
        .unwrap_err();
    assert_eq!(
        err,
        AnonymousExchangeError::Verify(VerifyError::Malformed(Malformed::SegmentCount))
    );
    let err = provider()
        .exchange(GOLDEN_IDENTITY, &viewer_issuer(), Expires::at_unix(NOW))
        .unwrap_err();
    assert_eq!(
        err,
        AnonymousExchangeError::Issue(IssueError::AlreadyExpired { exp: NOW, now: NOW })
    );
}

#[derive(Debug, PartialEq, Serialize, Deserialize, Claims)]
#[claims(anonymous)]
struct NoSessionFields {
    sub: Option<String>,
}

#[test]
fn anonymous_type_without_sid_fields_still_gets_the_session() {
    let token = Issuer::<NoSessionFields>::new(key())
        .clock(FixedClock::at_unix(NOW))
        .sign_anonymous(&AnonymousIdentity::new("s-1", "d-1"), Expires::at_unix(EXP))
        .unwrap();
    let verified = Verifier::<NoSessionFields>::new(key())
        .clock(FixedClock::at_unix(NOW))
        .verify(token.as_str())
        .unwrap();
    assert_eq!(verified.claims(), &NoSessionFields { sub: None });
    assert_eq!(
        verified.auth_context(),
        AuthContext::Anonymous {
            sid: "s-1",
            did: "d-1"
        }
    );
    assert!(NoSessionFields::schema().admits_anonymous());
    assert!(Viewer::schema().field("sid").unwrap().is_anonymous());
    assert!(!Viewer::schema().field("sub").unwrap().is_anonymous());
}

/// #20 item 1: the library never mints an identity token with ids its own provider refuses.
#[test]
fn identity_tokens_are_minted_only_with_bounded_ids() {
    use statebacked_claims::IssueError;
    for (sid, did, claim) in [
        ("", None, "sid"),
        ("s\n", None, "sid"),
        ("s-1", Some("d".repeat(129)), "did"),
    ] {
        let mut session = AnonymousSession::new("org_test").session_id(sid);
        if let Some(did) = did {
            session = session.device_id(did);
        }
        assert_eq!(
            session.identity_token().unwrap_err(),
            IssueError::InvalidSessionId(claim)
        );
    }
    let longest = "s".repeat(128);
    assert!(
        AnonymousSession::new("org_test")
            .session_id(longest)
            .identity_token()
            .is_ok()
    );
}
