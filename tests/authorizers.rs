//! Authorizers: the requests they get, `authContext.sub` falling back to the top-level `sub`
//! (WIRE.md §5), closures as authorizers, the test helpers, and the axum extractor's answers.

mod common;

use common::{HEADER, payload, sign_raw};
use serde::{Deserialize, Serialize};
use serde_json::json;
use statebacked_claims::authorize::{
    self, Access, Authorizer, ReadRequest, StateValue, WriteRequest,
};
use statebacked_claims::testing::{TEST_KEY_ID, TestTokens, test_key};
use statebacked_claims::{AuthContext, Claims, FixedClock, Verifier, VerifyError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[claims(anonymous)]
struct Viewer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sub: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[claim(anonymous)]
    sid: Option<String>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize, Claims)]
struct Named {
    sub: String,
}

fn verifier<C: Claims>() -> Verifier<C> {
    Verifier::new(common::key()).clock(FixedClock::at_unix(common::NOW))
}

#[test]
fn the_top_level_sub_stands_in_when_act_has_none() {
    let token = sign_raw(
        HEADER,
        &payload(|claims| {
            claims.insert("act".into(), json!({"groups": ["a"]}));
            claims.insert("sub".into(), json!("top-level"));
        }),
    );
    let verified = verifier::<Viewer>().verify(&token).unwrap();
    assert_eq!(verified.claims().sub.as_deref(), Some("top-level"));
    assert_eq!(verified.claims().groups, ["a"]);
    // A required `sub` is filled the same way.
    let named = verifier::<Named>().verify(&token).unwrap();
    assert_eq!(named.claims().sub, "top-level");
}

#[test]
fn act_sub_wins_over_the_top_level_one() {
    let token = sign_raw(
        HEADER,
        &payload(|claims| {
            claims.insert("act".into(), json!({"sub": "inner"}));
            claims.insert("sub".into(), json!("outer"));
        }),
    );
    assert_eq!(
        verifier::<Named>().verify(&token).unwrap().claims().sub,
        "inner"
    );
}

#[test]
fn a_sub_under_its_serde_alias_is_not_doubled_by_the_top_level_one() {
    #[derive(Debug, Serialize, Deserialize, Claims)]
    struct Aliased {
        #[serde(alias = "subject")]
        sub: String,
    }
    let token = sign_raw(
        HEADER,
        &payload(|claims| {
            claims.insert("act".into(), json!({"subject": "inner"}));
            claims.insert("sub".into(), json!("outer"));
        }),
    );
    assert_eq!(
        verifier::<Aliased>().verify(&token).unwrap().claims().sub,
        "inner"
    );
}

#[test]
fn without_any_sub_a_required_one_is_still_missing() {
    let token = sign_raw(
        HEADER,
        &payload(|claims| {
            claims.insert("act".into(), json!({"groups": []}));
        }),
    );
    assert!(matches!(
        verifier::<Named>().verify(&token),
        Err(VerifyError::ActInvalid { .. })
    ));
}

#[test]
fn an_anonymous_session_never_takes_the_top_level_sub() {
    let token = sign_raw(
        HEADER,
        &payload(|claims| {
            claims.insert(
                "act".into(),
                json!({"sid": "s-1", "did": "d-1", "auth": "anonymous"}),
            );
            claims.insert("sub".into(), json!("someone"));
        }),
    );
    let verified = verifier::<Viewer>().verify(&token).unwrap();
    assert_eq!(
        verified.auth_context(),
        AuthContext::Anonymous {
            sid: "s-1",
            did: "d-1"
        }
    );
    assert_eq!(verified.claims().sub, None);
}

#[test]
fn auth_contexts_serialize_as_authorizers_see_them() {
    let tokens = TestTokens::<Viewer>::new();
    let session = tokens.verified_anonymous("s-1", "d-1");
    assert_eq!(
        serde_json::to_value(session.auth_context()).unwrap(),
        json!({"sid": "s-1", "did": "d-1", "auth": "anonymous"})
    );
    let user = Viewer {
        sub: Some("u-1".into()),
        groups: vec!["a".into()],
        sid: None,
    };
    let verified = tokens.verified(&user);
    assert_eq!(
        serde_json::to_value(verified.auth_context()).unwrap(),
        json!({"sub": "u-1", "groups": ["a"]})
    );
    assert_eq!(verified.auth_context().claims(), Some(&user));
    assert_eq!(session.auth_context().session_id(), Some("s-1"));
    assert!(session.auth_context().is_anonymous());
}

#[test]
fn closures_are_authorizers() {
    let tokens = TestTokens::<Viewer>::new();
    let session = tokens.verified_anonymous("s-1", "d-1");
    let user = tokens.verified(&Viewer {
        sub: Some("u-1".into()),
        groups: vec![],
        sid: None,
    });
    let state = StateValue::from("idle");
    let context = json!({});

    // Reads for anyone, writes for users only.
    let pair = authorize::from_fns(
        |_: &ReadRequest<'_, serde_json::Value, Viewer>| true,
        |write: &WriteRequest<'_, serde_json::Value, String, Viewer>| {
            !write.auth_context().is_anonymous()
        },
    );
    let event = "go".to_owned();
    let anonymous_write =
        WriteRequest::new_event("i", &state, &event, &context, session.auth_context());
    assert!(!pair.allow_write(&anonymous_write));
    assert!(pair.allow_write(&WriteRequest::new_initialization(
        "i",
        &context,
        user.auth_context()
    )));
    assert!(pair.allow_read(&ReadRequest::new(
        "i",
        &state,
        &context,
        session.auth_context()
    )));

    // One function over reads and writes: the instance named after the session only.
    let one = authorize::from_fn(
        |access: Access<'_, '_, serde_json::Value, String, Viewer>| {
            access
                .auth_context()
                .session_id()
                .map(|sid| format!("session-{sid}"))
                == Some(access.machine_instance_name().to_owned())
        },
    );
    let own = ReadRequest::new("session-s-1", &state, &context, session.auth_context());
    let other = ReadRequest::new("session-s-2", &state, &context, session.auth_context());
    assert!(one.allow_read(&own));
    assert!(!one.allow_read(&other));
    let write = WriteRequest::new_event(
        "session-s-1",
        &state,
        &event,
        &context,
        session.auth_context(),
    );
    assert!(one.allow_write(&write));
    // Borrowed, boxed and shared authorizers are authorizers.
    fn by_ref<A: Authorizer<serde_json::Value, String, Viewer>>(a: A) -> A {
        a
    }
    assert!(by_ref(&one).allow_read(&own));
    let boxed: Box<dyn Authorizer<serde_json::Value, String, Viewer> + Send + Sync> = Box::new(one);
    assert!(by_ref(&boxed).allow_read(&own));
    assert!(!by_ref(std::sync::Arc::new(boxed)).allow_read(&other));
}

#[test]
fn write_requests_say_what_kind_they_are() {
    let state = StateValue::from("on");
    let event = "toggle".to_owned();
    let context = 7u32;
    let viewer = Viewer {
        sub: Some("u".into()),
        groups: vec![],
        sid: None,
    };
    let auth = AuthContext::Authenticated(&viewer);
    let write = WriteRequest::new_event("i", &state, &event, &context, auth);
    assert_eq!(write.kind(), "event");
    assert_eq!(write.state(), Some(&state));
    assert_eq!(write.event(), Some(&event));
    assert_eq!(*write.context(), 7);
    let create = WriteRequest::<_, String, _>::new_initialization("i", &context, auth);
    assert_eq!(create.kind(), "initialization");
    assert_eq!(create.state(), None);
    assert_eq!(create.event(), None);
    assert_eq!(create.machine_instance_name(), "i");
    let debug = format!("{create:?}");
    assert!(debug.contains("initialization"), "{debug}");
}

#[test]
fn state_values_match_like_xstate() {
    let nested: StateValue =
        serde_json::from_value(json!({"open": {"editing": "draft"}, "sync": "idle"})).unwrap();
    assert!(nested.matches("open"));
    assert!(nested.matches("open.editing"));
    assert!(nested.matches("open.editing.draft"));
    assert!(nested.matches("sync.idle"));
    assert!(!nested.matches("open.editing.final"));
    assert!(!nested.matches("open.editing.draft.deeper"));
    assert!(!nested.matches("closed"));
    assert!(StateValue::from("on").matches("on"));
    assert!(!StateValue::from("on").matches("on.x"));
    assert!(!StateValue::from("on").matches("off"));
    assert_eq!(
        serde_json::to_value(&nested).unwrap(),
        json!({"open": {"editing": "draft"}, "sync": "idle"})
    );
}

#[test]
fn test_tokens_cover_every_kind_of_refusal() {
    let tokens = TestTokens::<Viewer>::new();
    let verifier = tokens.verifier();
    let user = Viewer {
        sub: Some("u-1".into()),
        groups: vec![],
        sid: None,
    };
    assert!(verifier.verify(tokens.user(&user).as_str()).is_ok());
    assert!(matches!(
        verifier.verify(tokens.expired(&user).as_str()),
        Err(VerifyError::Expired { .. })
    ));
    assert!(matches!(
        verifier.verify(tokens.not_yet_valid(&user).as_str()),
        Err(VerifyError::NotYetValid { .. })
    ));
    assert!(matches!(
        verifier.verify(tokens.tampered(&user).as_str()),
        Err(VerifyError::BadSignature)
    ));
    assert!(matches!(
        verifier.verify(tokens.wrong_key(&user).as_str()),
        Err(VerifyError::BadSignature)
    ));
    // The test key verifies what the helpers sign, and names itself.
    let verified = Verifier::<Viewer>::new(test_key())
        .verify(tokens.anonymous("s", "d").as_str())
        .unwrap();
    assert_eq!(verified.registered().kid(), Some(TEST_KEY_ID));
    assert_eq!(tokens.bearer(&tokens.user(&user))[..7], *"Bearer ");
    // A fixed clock moves the tokens and the verifier together.
    let past = TestTokens::<Viewer>::new().clock(FixedClock::at_unix(1_000_000_000));
    let old = past.user(&user);
    assert!(past.verifier().verify(old.as_str()).is_ok());
    assert!(matches!(
        tokens.verifier().verify(old.as_str()),
        Err(VerifyError::Expired { .. })
    ));
}

#[test]
#[should_panic(expected = "TestTokens")]
fn test_tokens_refuse_claims_that_break_their_rules() {
    #[derive(Serialize, Deserialize, Claims)]
    struct Strict {
        #[claim(validate(non_empty))]
        sub: String,
    }
    TestTokens::<Strict>::new().user(&Strict { sub: String::new() });
}

mod extractor {
    use super::{HEADER, Viewer, json, payload, sign_raw};
    use crate::common::serve;
    use axum::http::StatusCode;
    use axum::{Router, routing::get};
    use serde::{Deserialize, Serialize};
    use statebacked_claims::Verified;
    use statebacked_claims::axum::TokenRejection;
    use statebacked_claims::testing::TestTokens;
    use statebacked_claims::{Claims, VerifyError, verify::AnonymousViolation};

    async fn optional(viewer: Option<Verified<Viewer>>) -> String {
        match viewer {
            Some(viewer) => viewer.claims().sub.clone().unwrap_or_default(),
            None => "nobody".to_owned(),
        }
    }

    #[tokio::test]
    async fn an_optional_token_may_be_absent_but_never_bad() {
        let tokens = TestTokens::<Viewer>::new();
        let app = Router::new()
            .route("/", get(optional))
            .with_state(tokens.verifier());
        let base = serve(app).await;
        let http = reqwest::Client::new();
        let anonymous = http.get(&base).send().await.unwrap();
        assert_eq!(anonymous.text().await.unwrap(), "nobody");
        let user = Viewer {
            sub: Some("u-1".into()),
            groups: vec![],
            sid: None,
        };
        let good = http
            .get(&base)
            .header("authorization", tokens.bearer(&tokens.user(&user)))
            .send()
            .await
            .unwrap();
        assert_eq!(good.text().await.unwrap(), "u-1");
        let bad = http
            .get(&base)
            .header("authorization", tokens.bearer(&tokens.expired(&user)))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
        // Two Authorization headers are one too many.
        let twice = http
            .get(&base)
            .header("authorization", "Bearer a")
            .header("authorization", "Bearer b")
            .send()
            .await
            .unwrap();
        assert_eq!(twice.status(), StatusCode::BAD_REQUEST);
        let challenge = twice.headers()["www-authenticate"].to_str().unwrap();
        assert!(
            challenge.starts_with("Bearer error=\"invalid_request\""),
            "{challenge}"
        );
        // The scheme is case-insensitive (RFC 7235).
        let lower = http
            .get(&base)
            .header(
                "authorization",
                format!("bearer {}", tokens.user(&user).as_str()),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(lower.text().await.unwrap(), "u-1");
    }

    /// `Bearer error="…", error_description="…"` with nothing between the quotes that would
    /// end them early, and the description one of the fixed sentences.
    fn assert_well_formed(challenge: &str, error: &str) {
        let rest = challenge
            .strip_prefix(&format!("Bearer error=\"{error}\", error_description=\""))
            .unwrap_or_else(|| panic!("{challenge}"));
        let (description, tail) = rest.split_once('"').unwrap();
        assert!(!description.contains('\\'), "{challenge}");
        assert!(
            tail.is_empty() || tail.starts_with(", scope=\""),
            "{challenge}"
        );
        assert!(challenge.chars().all(|c| (' '..='~').contains(&c)));
    }

    #[test]
    fn challenges_are_quoted_safely_and_scopes_are_403() {
        let missing = VerifyError::InsufficientScope {
            missing: vec!["state.read".into(), "events.write".into()],
        };
        let rejection = TokenRejection::Invalid(missing);
        assert_eq!(rejection.status(), StatusCode::FORBIDDEN);
        assert_eq!(rejection.code(), "insufficient-scope");
        let challenge = rejection.challenge();
        assert_well_formed(&challenge, "insufficient_scope");
        assert!(
            challenge.ends_with("scope=\"state.read events.write\""),
            "{challenge}"
        );
        assert_eq!(TokenRejection::Missing.challenge(), "Bearer");
        assert_eq!(TokenRejection::Missing.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            TokenRejection::MalformedHeader.status(),
            StatusCode::BAD_REQUEST
        );
        assert_well_formed(
            &TokenRejection::MalformedHeader.challenge(),
            "invalid_request",
        );
        // Messages with quotes in them (the anonymous-session one quotes "anonymous") never
        // reach the header.
        let quoted = VerifyError::AnonymousClaimsViolation(AnonymousViolation::InvalidAuth);
        assert!(quoted.to_string().contains('"'), "{quoted}");
        for err in [
            quoted,
            VerifyError::WrongAudience,
            VerifyError::BadSignature,
        ] {
            let rejection = TokenRejection::Invalid(err);
            assert_eq!(rejection.status(), StatusCode::UNAUTHORIZED);
            assert_well_formed(&rejection.challenge(), "invalid_token");
        }
    }

    #[derive(Serialize, Deserialize, Claims)]
    struct Ranked {
        sub: String,
        #[claim(validate(one_of("gold", "silver")))]
        tier: String,
    }

    /// A token signed with the right key whose claims break a rule: the client learns that
    /// the claims are invalid, not which value (the service's log can have the full reason).
    #[tokio::test]
    async fn refusals_never_carry_claim_values() {
        async fn tier(ranked: Verified<Ranked>) -> String {
            ranked.claims().tier.clone()
        }
        let app = Router::new()
            .route("/", get(tier))
            .with_state(super::verifier::<Ranked>());
        let base = serve(app).await;
        let value = "platinum-\"secret\"-value";
        let token = sign_raw(
            HEADER,
            &payload(|claims| {
                claims.insert("act".into(), json!({"sub": "u", "tier": value}));
            }),
        );
        let response = reqwest::Client::new()
            .get(&base)
            .header("authorization", format!("Bearer {token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let challenge = response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            challenge,
            "Bearer error=\"invalid_token\", error_description=\"the token's claims are invalid\""
        );
        let body = response.text().await.unwrap();
        assert_eq!(
            body,
            r#"{"error":"the token's claims are invalid","code":"invalid-token"}"#
        );
        assert!(!body.contains("platinum"));
    }
}

/// The tower layer over real HTTP: it verifies, the axum extractor takes what it left, a
/// realtime route takes `?token=` (and the handler never sees it in the URI), and refusals
/// are the extractor's 401s with a challenge and a JSON body.
mod tower_layer {
    use axum::Router;
    use axum::extract::OriginalUri;
    use axum::http::Uri;
    use axum::routing::get;
    use serde::{Deserialize, Serialize};
    use serde_json::Value;
    use statebacked_claims::testing::TestTokens;
    use statebacked_claims::tower::VerifyLayer;
    use statebacked_claims::{Claims, Verified};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
    struct User {
        sub: String,
    }

    async fn whoami(user: Verified<User>, uri: Uri, OriginalUri(original): OriginalUri) -> String {
        format!("{} {uri} {original}", user.claims().sub)
    }

    #[tokio::test]
    async fn the_layer_verifies_and_the_extractor_reads_what_it_left() {
        let tokens = TestTokens::<User>::new();
        let verifier = tokens.verifier();
        // The extractor's state has no verifier that would accept these tokens: a handler
        // behind the layer is served by the layer's verification alone.
        let other = statebacked_claims::Verifier::<User>::new(
            statebacked_claims::Key::hs256("sbk_other", "sbsec_other_secret_0123456789abcdef")
                .unwrap(),
        );
        let app = Router::new()
            .route("/me", get(whoami))
            .route_layer(VerifyLayer::new(verifier.clone()))
            .merge(
                Router::new()
                    .route("/events", get(whoami))
                    .route_layer(VerifyLayer::new(verifier).query_parameter("token")),
            )
            .with_state(other);
        let base = super::common::serve(app).await;
        let client = reqwest::Client::new();
        let alice = tokens.user(&User {
            sub: "alice".into(),
        });

        let me = client
            .get(format!("{base}/me"))
            .bearer_auth(alice.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 200);
        assert_eq!(me.text().await.unwrap(), "alice /me /me");

        // `?token=` only where the layer takes it; removed before the handler sees the URI.
        let events = client
            .get(format!("{base}/events?room=1&token={}", alice.as_str()))
            .send()
            .await
            .unwrap();
        assert_eq!(events.status(), 200);
        let text = events.text().await.unwrap();
        // Neither the URI nor axum's copy of it as it came (`OriginalUri`) has the token.
        assert_eq!(text, "alice /events?room=1 /events?room=1");
        assert!(!text.contains(alice.as_str()));
        // With a header too, the header's token is used and the parameter still leaves.
        let bob = tokens.user(&User { sub: "bob".into() });
        let both = client
            .get(format!("{base}/events?token={}&room=2", alice.as_str()))
            .bearer_auth(bob.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(
            both.text().await.unwrap(),
            "bob /events?room=2 /events?room=2"
        );
        let me_by_query = client
            .get(format!("{base}/me?token={}", alice.as_str()))
            .send()
            .await
            .unwrap();
        assert_eq!(me_by_query.status(), 401);

        for (request, status, challenge) in [
            (client.get(format!("{base}/me")), 401, "Bearer"),
            (
                client
                    .get(format!("{base}/events?token=garbage"))
                    .header("x", "y"),
                401,
                "Bearer error=\"invalid_token\"",
            ),
            (
                client.get(format!("{base}/me")).bearer_auth(
                    tokens
                        .expired(&User {
                            sub: "alice".into(),
                        })
                        .as_str(),
                ),
                401,
                "Bearer error=\"invalid_token\", error_description=\"the token has expired\"",
            ),
        ] {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), status);
            let www = response.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .to_owned();
            assert!(www.starts_with(challenge), "{www}");
            assert_eq!(response.headers()["content-type"], "application/json");
            let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
            assert!(
                body["error"].is_string() && body["code"].is_string(),
                "{body}"
            );
        }
    }
}
