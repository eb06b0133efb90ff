//! examples/server over real HTTP: users and anonymous sessions, their own instances and
//! others', missing and bad tokens, and the real `@statebacked/client` driving it end to end.

mod common;

#[path = "../examples/server/app.rs"]
#[allow(dead_code)]
mod app;

use app::{Config, MACHINE, Viewer};
use common::peers::peers;
use reqwest::StatusCode;
use serde_json::{Value, json};
use statebacked_claims::testing::TestTokens;
use statebacked_claims::{AnonymousSession, Key, SignedToken, anonymous::ANONYMOUS_SERVICE};
use std::process::Command;

const ORG: &str = "org_server_test";
const SECRET: &str = "sbsec_server_test_secret_0123456789abcdef";

/// The service on a loopback port, the tokens its key signs, and an HTTP client.
struct Server {
    base: String,
    tokens: TestTokens<Viewer>,
    http: reqwest::Client,
}

async fn serve() -> Server {
    serve_with(app::InstanceLimits::default()).await
}

async fn serve_with(limits: app::InstanceLimits) -> Server {
    let key = Key::hs256("sbk_server_test", SECRET).unwrap();
    let router = app::router(Config {
        org_id: ORG.to_owned(),
        key: key.clone(),
        limits,
    })
    .unwrap();
    Server {
        base: common::serve(router).await,
        tokens: TestTokens::with_key(key),
        http: reqwest::Client::new(),
    }
}

/// A response: status, `WWW-Authenticate`, body as JSON (`Null` when it is not JSON) and
/// the raw body.
struct Answer {
    status: StatusCode,
    challenge: Option<String>,
    json: Value,
    body: String,
}

impl Server {
    async fn send(&self, request: reqwest::RequestBuilder, token: Option<&str>) -> Answer {
        let request = match token {
            Some(token) => request.header("authorization", format!("Bearer {token}")),
            None => request,
        };
        let response = request.send().await.unwrap();
        let status = response.status();
        let challenge = response
            .headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = response.text().await.unwrap();
        Answer {
            status,
            challenge,
            json: serde_json::from_str(&body).unwrap_or(Value::Null),
            body,
        }
    }

    async fn create(&self, token: Option<&str>, instance: &str) -> Answer {
        let url = format!("{}/machines/{MACHINE}", self.base);
        let body = json!({"slug": instance, "context": {"public": {"title": instance}}});
        self.send(
            self.http
                .post(url)
                .header("content-type", "application/json")
                .body(body.to_string()),
            token,
        )
        .await
    }

    async fn read(&self, token: Option<&str>, instance: &str) -> Answer {
        let url = format!("{}/machines/{MACHINE}/i/{instance}", self.base);
        self.send(self.http.get(url), token).await
    }

    async fn toggle(&self, token: Option<&str>, instance: &str) -> Answer {
        let url = format!("{}/machines/{MACHINE}/i/{instance}/events", self.base);
        self.send(
            self.http
                .post(url)
                .header("content-type", "application/json")
                .body(r#"{"event":"toggle"}"#),
            token,
        )
        .await
    }

    fn user(&self, sub: &str, roles: &[&str]) -> SignedToken {
        self.tokens.user(&Viewer {
            sub: Some(sub.to_owned()),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            sid: None,
        })
    }

    /// An anonymous session's token, exchanged at `POST /tokens` as the client does.
    async fn anonymous(&self, sid: &str) -> String {
        let identity = AnonymousSession::new(ORG)
            .session_id(sid)
            .identity_token()
            .unwrap();
        let audience = format!("https://tokens.statebacked.dev/{ORG}/{ANONYMOUS_SERVICE}");
        let form = common::exchange_form(&audience, identity.as_str());
        let answer = self
            .send(
                self.http
                    .post(format!("{}/tokens", self.base))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(form),
                None,
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.json["access_token"].as_str().unwrap().to_owned()
    }
}

fn assert_rejected(answer: &Answer) {
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    assert_eq!(answer.json["code"], "rejected-by-machine-authorizer");
}

fn assert_unauthorized(answer: &Answer, challenge: &str) {
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.body);
    let header = answer
        .challenge
        .as_deref()
        .expect("a WWW-Authenticate header");
    assert!(header.starts_with(challenge), "{header}");
}

#[tokio::test]
async fn a_user_creates_reads_and_toggles_their_instance() {
    let server = serve().await;
    let alice = server.user("alice", &[]);
    let created = server.create(Some(alice.as_str()), "alice-doc").await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert_eq!(created.json["state"], "off");
    assert_eq!(created.json["publicContext"], json!({"title": "alice-doc"}));
    assert_eq!(created.json["tags"], json!([]));
    assert_eq!(created.json["done"], false);
    assert!(created.json["ts"].as_u64().unwrap() > 1_700_000_000_000);
    // The owner the service recorded is not public.
    assert!(!created.body.contains("owner"));

    let read = server.read(Some(alice.as_str()), "alice-doc").await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.json["state"], "off");

    let toggled = server.toggle(Some(alice.as_str()), "alice-doc").await;
    assert_eq!(toggled.status, StatusCode::OK, "{}", toggled.body);
    assert_eq!(toggled.json["state"], "on");
    let event = format!("{}/machines/{MACHINE}/i/alice-doc/events", server.base);
    let object_event = server
        .send(
            server
                .http
                .post(event)
                .body(r#"{"event":{"type":"toggle"}}"#),
            Some(alice.as_str()),
        )
        .await;
    assert_eq!(object_event.json["state"], "off");
}

#[tokio::test]
async fn another_user_is_rejected_by_the_authorizer() {
    let server = serve().await;
    let alice = server.user("alice", &[]);
    let bob = server.user("bob", &["member"]);
    assert_eq!(
        server
            .create(Some(alice.as_str()), "alice-doc")
            .await
            .status,
        StatusCode::OK
    );
    assert_rejected(&server.read(Some(bob.as_str()), "alice-doc").await);
    assert_rejected(&server.toggle(Some(bob.as_str()), "alice-doc").await);
    // Nothing changed.
    let read = server.read(Some(alice.as_str()), "alice-doc").await;
    assert_eq!(read.json["state"], "off");

    // Admins may read, not write.
    let admin = server.user("carol", &["admin"]);
    assert_eq!(
        server.read(Some(admin.as_str()), "alice-doc").await.status,
        StatusCode::OK
    );
    assert_rejected(&server.toggle(Some(admin.as_str()), "alice-doc").await);
}

#[tokio::test]
async fn an_anonymous_session_may_use_its_own_instance_only() {
    let server = serve().await;
    let session = server.anonymous("session-1").await;
    let created = server.create(Some(&session), "scratch-1").await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let toggled = server.toggle(Some(&session), "scratch-1").await;
    assert_eq!(toggled.json["state"], "on");
    assert_eq!(
        server.read(Some(&session), "scratch-1").await.json["state"],
        "on"
    );

    // Another session, and a user's instance, are out of reach.
    let other = server.anonymous("session-2").await;
    assert_rejected(&server.read(Some(&other), "scratch-1").await);
    assert_rejected(&server.toggle(Some(&other), "scratch-1").await);
    let alice = server.user("alice", &[]);
    server.create(Some(alice.as_str()), "alice-doc").await;
    assert_rejected(&server.read(Some(&session), "alice-doc").await);
    // A user whose `sub` happens to equal a session id does not own the session's instance.
    let lookalike = server.user("session-1", &[]);
    assert_rejected(&server.read(Some(lookalike.as_str()), "scratch-1").await);
}

/// A token signed with the service's key whose claims set is exactly `payload`.
fn raw_token(payload: Value) -> String {
    common::sign_raw_with(
        SECRET.as_bytes(),
        r#"{"alg":"HS256","kid":"sbk_server_test"}"#,
        &payload.to_string(),
    )
}

fn claims_set(act: Value) -> Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    json!({"act": act, "aud": "https://api.statebacked.dev/", "exp": now + 600, "iat": now})
}

#[tokio::test]
async fn user_tokens_that_look_like_sessions_own_nothing_of_theirs() {
    let server = serve().await;
    let session = server.anonymous("session-1").await;
    assert_eq!(
        server.create(Some(&session), "scratch-1").await.status,
        StatusCode::OK
    );
    // `sid` and `did` without `auth: "anonymous"`: a user without `sub`, not the session.
    let lookalike = raw_token(claims_set(json!({"sid": "session-1", "did": "session-1"})));
    assert_rejected(&server.read(Some(&lookalike), "scratch-1").await);
    assert_rejected(&server.toggle(Some(&lookalike), "scratch-1").await);
    // A user without `sub` names nobody who could own a new instance.
    assert_rejected(&server.create(Some(&lookalike), "nobodys").await);
}

#[tokio::test]
async fn a_top_level_sub_identifies_the_user_when_act_has_none() {
    let server = serve().await;
    let mut claims = claims_set(json!({"roles": ["member"]}));
    claims["sub"] = json!("dana");
    let dana = raw_token(claims);
    let created = server.create(Some(&dana), "dana-doc").await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert_eq!(
        server.toggle(Some(&dana), "dana-doc").await.json["state"],
        "on"
    );
    // The instance is dana's: a user token with `act.sub` dana owns it too, bob does not.
    let also_dana = server.user("dana", &[]);
    assert_eq!(
        server
            .read(Some(also_dana.as_str()), "dana-doc")
            .await
            .status,
        StatusCode::OK
    );
    let bob = server.user("bob", &[]);
    assert_rejected(&server.read(Some(bob.as_str()), "dana-doc").await);
}

#[tokio::test]
async fn missing_and_bad_tokens_get_401_with_a_bearer_challenge() {
    let server = serve().await;
    let alice = Viewer {
        sub: Some("alice".into()),
        roles: vec![],
        sid: None,
    };
    server
        .create(Some(server.tokens.user(&alice).as_str()), "alice-doc")
        .await;

    let missing = server.read(None, "alice-doc").await;
    assert_unauthorized(&missing, "Bearer");
    assert!(!missing.challenge.as_deref().unwrap().contains("error="));
    assert_eq!(missing.json["code"], "missing-token");

    for token in [
        server.tokens.tampered(&alice),
        server.tokens.wrong_key(&alice),
        server.tokens.expired(&alice),
        server.tokens.not_yet_valid(&alice),
    ] {
        let answer = server.read(Some(token.as_str()), "alice-doc").await;
        assert_unauthorized(&answer, "Bearer error=\"invalid_token\"");
        assert_eq!(answer.json["code"], "invalid-token");
        // Neither the body nor the header repeats the token or any part of it.
        let challenge = answer.challenge.unwrap();
        for part in token.as_str().split('.').chain([token.as_str()]) {
            assert!(!answer.body.contains(part));
            assert!(!challenge.contains(part));
        }
    }
    let garbage = server.read(Some("not-a-token"), "alice-doc").await;
    assert_unauthorized(&garbage, "Bearer error=\"invalid_token\"");

    // Another scheme is no bearer token at all.
    let url = format!("{}/machines/{MACHINE}/i/alice-doc", server.base);
    let basic = server
        .send(
            server.http.get(url).header("authorization", "Basic YTpi"),
            None,
        )
        .await;
    assert_unauthorized(&basic, "Bearer");
    // Authentication comes before the body is read: a broken body without a token is 401.
    let event = format!("{}/machines/{MACHINE}/i/alice-doc/events", server.base);
    let broken = server
        .send(server.http.post(event).body("{not json"), None)
        .await;
    assert_unauthorized(&broken, "Bearer");
}

#[tokio::test]
async fn unknown_instances_duplicates_and_bad_bodies() {
    let server = serve().await;
    let alice = server.user("alice", &[]);
    let alice = Some(alice.as_str());
    let missing = server.read(alice, "nothing-here").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(server.create(alice, "doc").await.status, StatusCode::OK);
    let again = server.create(alice, "doc").await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.json["code"], "invalid-state");

    let event = format!("{}/machines/{MACHINE}/i/doc/events", server.base);
    let unknown = server
        .send(
            server.http.post(event).body(r#"{"event":"explode"}"#),
            alice,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let other_machine = format!("{}/machines/elevator/i/doc", server.base);
    assert_eq!(
        server
            .send(server.http.get(other_machine), alice)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Bodies over the routes' limit get the service's JSON error, not axum's plain text.
    let huge = "x".repeat(64 * 1024 + 1);
    let create = format!("{}/machines/{MACHINE}", server.base);
    let too_large = server
        .send(server.http.post(create).body(huge), alice)
        .await;
    assert_eq!(
        too_large.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        too_large.body
    );
    assert_eq!(too_large.json["code"], "payload-too-large");
}

#[tokio::test]
async fn token_exchange_errors_are_rfc_6749_bodies() {
    let server = serve().await;
    let forged = AnonymousSession::new("org_someone_else")
        .session_id("s")
        .identity_token()
        .unwrap();
    let form = format!(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&audience=https%3A%2F%2Ftokens.statebacked.dev%2F{ORG}%2F{ANONYMOUS_SERVICE}&subject_token={}",
        forged.as_str()
    );
    let answer = server
        .send(
            server
                .http
                .post(format!("{}/tokens", server.base))
                .body(form),
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    assert_eq!(answer.json["error"], "invalid_grant");
    assert!(!answer.body.contains(forged.as_str()));

    // A body over the limit is an RFC 6749 JSON error too, not axum's plain text.
    let oversized = server
        .send(
            server
                .http
                .post(format!("{}/tokens", server.base))
                .body("a".repeat(statebacked_claims::axum::MAX_EXCHANGE_BODY + 1)),
            None,
        )
        .await;
    assert_eq!(
        oversized.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        oversized.body
    );
    assert_eq!(oversized.json["error"], "invalid_request");
    assert_eq!(
        oversized.json["error_description"],
        "the request body is over the size limit"
    );
}

/// The real `@statebacked/client`, pointed at the service with `apiHost`, on an anonymous
/// session: exchange, create, get, send event, and the client's own
/// `RejectedByMachineAuthorizerError` for someone else's instance.
#[tokio::test(flavor = "multi_thread")]
async fn the_statebacked_client_works_unchanged() {
    let dir = peers();
    let server = serve().await;
    // Someone else's instance, made by another session.
    let other = server.anonymous("someone-else").await;
    assert_eq!(
        server.create(Some(&other), "someone-else-doc").await.status,
        StatusCode::OK
    );

    let base = server.base.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("server_client.mjs")
            .current_dir(dir)
            .env("SB_API_HOST", base)
            .env("SB_ORG_ID", ORG)
            .env("SB_MACHINE", MACHINE)
            .env("SB_SESSION_ID", "client-session")
            .env("SB_OWN_INSTANCE", "client-session-doc")
            .env("SB_OTHER_INSTANCE", "someone-else-doc")
            .env("SB_EVENT", "toggle")
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(out["created"]["state"], "off");
    assert_eq!(out["read"]["state"], "off");
    assert_eq!(out["afterEvent"]["state"], "on");
    assert_eq!(out["denied"]["name"], "RejectedByMachineAuthorizerError");
    assert_eq!(out["denied"]["isRejected"], true);
    assert_eq!(out["denied"]["status"], 403);
}

/// #20 item 5: anyone can mint anonymous sessions, so what the service keeps is bounded per
/// owner and in all, with an error that says which bound was reached.
#[tokio::test]
async fn instances_are_bounded_per_owner_and_in_all() {
    let server = serve_with(app::InstanceLimits {
        per_owner: 2,
        total: 3,
    })
    .await;
    let first = server.anonymous("s-1").await;
    let second = server.anonymous("s-2").await;
    assert_eq!(
        server.create(Some(&first), "a-1").await.status,
        StatusCode::OK
    );
    assert_eq!(
        server.create(Some(&first), "a-2").await.status,
        StatusCode::OK
    );
    let third = server.create(Some(&first), "a-3").await;
    assert_eq!(third.status, StatusCode::FORBIDDEN, "{}", third.body);
    assert_eq!(third.json["code"], "instance-limit");
    // Another session still may, up to the total.
    assert_eq!(
        server.create(Some(&second), "b-1").await.status,
        StatusCode::OK
    );
    let full = server.create(Some(&second), "b-2").await;
    assert_eq!(
        full.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        full.body
    );
    assert_eq!(full.json["code"], "capacity-reached");
}
