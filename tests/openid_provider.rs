//! Against a certified OpenID Provider: npm's `oidc-provider` 9 (OpenID Certified), started by
//! `tests/interop/oidc_provider.mjs` on 127.0.0.1:0 and stopped when each test ends. Its
//! tokens come out of its own endpoints (the authorization code flow, driven headlessly, and
//! client_credentials with a resource indicator), signed with keys only it holds: ID tokens
//! (RS256, ES256, EdDSA) and RFC 9068 JWT access tokens, with custom claims from its account
//! lookup. They are exchanged through `POST /tokens` with the provider configured by OpenID
//! discovery alone. Also: key rotation at the provider, and a second instance stating the same
//! issuer with other keys, refused.
#![cfg(feature = "jwks-http")]

mod common;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use statebacked_claims::jwks::discovery::DiscoveryProblem;
use statebacked_claims::jwks::{JwksError, RemoteJwksConfig};
use statebacked_claims::{
    Claims, ExchangeError, IdentityProvider, Key, RemoteJwks, TokenExchange, TokenProvider,
    Verifier, VerifyError, exchange::ExchangeRequest,
};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

const ORG: &str = "org_oidc";
const RESOURCE: &str = "https://api.example.com/";
const SB_SECRET: &str = "sbsec_oidc_secret_0123456789abcdef012345";

/// A running oidc-provider: commands in on stdin, one JSON line out each. Killed on drop.
struct OpenIdProvider {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    issuer: String,
    base: String,
}

impl OpenIdProvider {
    fn start(stated_issuer: Option<&str>) -> OpenIdProvider {
        let dir = common::peers::peers();
        let mut command = Command::new("node");
        command.arg("oidc_provider.mjs").current_dir(dir);
        if let Some(issuer) = stated_issuer {
            command.args(["--issuer", issuer]);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs tests/interop/oidc_provider.mjs (Node.js is required)");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let ready: Value = serde_json::from_str(&line)
            .unwrap_or_else(|_| panic!("oidc-provider did not start: {line:?}"));
        OpenIdProvider {
            child,
            stdin,
            stdout,
            issuer: ready["issuer"].as_str().unwrap().to_owned(),
            base: ready["base"].as_str().unwrap().to_owned(),
        }
    }

    fn send(&mut self, command: Value) -> Value {
        writeln!(self.stdin, "{command}").unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        let answer: Value = serde_json::from_str(&line).unwrap();
        assert!(answer.get("error").is_none(), "{command}: {answer}");
        answer
    }

    /// The ID token and JWT access token of the authorization code flow.
    fn code_flow(&mut self, client: &str, account: &str) -> (String, String) {
        let answer = self.send(json!({"cmd": "code", "client": client, "account": account}));
        let text = |key: &str| answer[key].as_str().unwrap().to_owned();
        (text("id_token"), text("access_token"))
    }

    fn client_credentials(&mut self, client: &str) -> String {
        let answer = self.send(json!({"cmd": "client_credentials", "client": client}));
        answer["access_token"].as_str().unwrap().to_owned()
    }

    fn jwks_requests(&mut self) -> u64 {
        self.send(json!({"cmd": "stats"}))["jwks"].as_u64().unwrap()
    }
}

impl Drop for OpenIdProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the service keeps of a user: custom claims from the provider's account lookup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
struct Person {
    #[claim(from = "$.sub", validate(non_empty))]
    sub: String,
    #[claim(from = "$.email", validate(email))]
    email: Option<String>,
    #[serde(default)]
    #[claim(
        from = "$['https://example.com/roles']",
        validate(each(one_of("admin", "member")))
    )]
    roles: Vec<String>,
    #[serde(default)]
    #[claim(from = "$.groups")]
    groups: Vec<String>,
    #[claim(from = "$.org.id")]
    org_id: Option<String>,
    #[claim(from = "$.org.tier.level")]
    tier: Option<u32>,
    #[serde(default)]
    #[claim(from = "$.scope", split = " ")]
    scopes: Vec<String>,
}

fn sb_key() -> Key {
    Key::hs256("sbk_oidc", SB_SECRET).unwrap()
}

/// `POST /tokens` on 127.0.0.1, answered by an exchange that trusts the provider for its
/// three clients' ID tokens and the API's access tokens, all configured by discovery alone
/// (one discovered JWKS between them).
struct TokenService {
    address: std::net::SocketAddr,
    server: tokio::task::JoinHandle<()>,
    jwks: RemoteJwks,
}

impl Drop for TokenService {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn token_service(issuer: &str, config: RemoteJwksConfig) -> TokenService {
    let jwks = RemoteJwks::discover_with_config(issuer, config).unwrap();
    let mut exchange = TokenExchange::<Person>::new(ORG)
        .unwrap()
        .token_provider(TokenProvider::new("app", sb_key()).unwrap())
        .unwrap();
    for (name, audience) in [
        ("op-rs256", "app-rs256"),
        ("op-es256", "app-es256"),
        ("op-eddsa", "app-eddsa"),
        ("op-api", RESOURCE),
    ] {
        let provider = IdentityProvider::discover(name, issuer)
            .audience(audience)
            .remote_jwks(jwks.clone())
            .build()
            .unwrap();
        exchange = exchange.identity_provider(provider).unwrap();
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = statebacked_claims::axum::token_router::<Person, ()>(exchange);
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    TokenService {
        address,
        server,
        jwks,
    }
}

impl TokenService {
    /// The status and JSON body `POST /tokens` answers for `subject_token`.
    async fn post(&self, subject_token: &str) -> (u16, Value) {
        let body = common::exchange_form(
            &format!("https://tokens.statebacked.dev/{ORG}/app"),
            subject_token,
        );
        let response = reqwest::Client::new()
            .post(format!("http://{}/tokens", self.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (
            status,
            serde_json::from_str(&response.text().await.unwrap()).unwrap(),
        )
    }

    async fn exchange(&self, subject_token: &str) -> Person {
        let (status, body) = self.post(subject_token).await;
        assert_eq!(status, 200, "{body}");
        Verifier::<Person>::new(sb_key())
            .verify(body["access_token"].as_str().unwrap())
            .unwrap()
            .claims()
            .clone()
    }
}

fn ada(scopes: &[&str]) -> Person {
    Person {
        sub: "ada".into(),
        email: Some("ada@example.com".into()),
        roles: vec!["admin".into(), "member".into()],
        groups: vec!["engineering".into(), "oncall".into()],
        org_id: Some("org-7".into()),
        tier: Some(3),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
    }
}

fn header(token: &str) -> Value {
    serde_json::from_slice(&common::unb64(token.split('.').next().unwrap())).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_certified_providers_tokens_exchange_by_discovery_alone() {
    let mut op = OpenIdProvider::start(None);
    let service = token_service(&op.issuer, RemoteJwksConfig::default()).await;

    for (client, alg) in [
        ("app-rs256", "RS256"),
        ("app-es256", "ES256"),
        ("app-eddsa", "EdDSA"),
    ] {
        let (id_token, access_token) = op.code_flow(client, "ada");
        assert_eq!(header(&id_token)["alg"], alg);
        assert_eq!(
            service.exchange(&id_token).await,
            ada(&[]),
            "{client} ID token"
        );
        // RFC 9068: typ at+jwt, aud the resource, the account's claims beside scope.
        assert_eq!(header(&access_token)["typ"], "at+jwt");
        assert_eq!(header(&access_token)["alg"], alg);
        assert_eq!(
            service.exchange(&access_token).await,
            ada(&["read"]),
            "{client} access token"
        );
    }
    // Another account: an empty group array lands as an empty list.
    let (id_token, _) = op.code_flow("app-rs256", "grace");
    let grace = service.exchange(&id_token).await;
    assert_eq!(
        (grace.sub.as_str(), grace.roles, grace.groups, grace.tier),
        ("grace", vec!["member".to_owned()], vec![], Some(1))
    );
    // client_credentials: a JWT access token for the API whose subject is the client.
    let client_token = op.client_credentials("app-es256");
    assert_eq!(header(&client_token)["typ"], "at+jwt");
    let client = service.exchange(&client_token).await;
    assert_eq!(
        (client.sub.as_str(), client.scopes),
        ("app-es256", vec!["read".to_owned()])
    );
    assert_eq!(client.email, None);

    // One discovery, one JWKS fetch for all of it.
    assert_eq!(service.jwks.fetch_count(), 1);
    assert_eq!(op.jwks_requests(), 1);
    let metadata = service.jwks.metadata().unwrap();
    assert_eq!(metadata.issuer(), op.issuer);
    assert_eq!(metadata.jwks_uri(), format!("{}/jwks", op.issuer));
    assert!(metadata.lists_algorithms());
    assert!(
        service.jwks.skipped().is_empty(),
        "{:?}",
        service.jwks.skipped()
    );

    // Garbage is an RFC 6749 error body.
    let (status, body) = service.post("not.a.token").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_rotated_at_the_provider() {
    let mut op = OpenIdProvider::start(None);
    let max_age = Duration::from_secs(3);
    let config = RemoteJwksConfig {
        cooldown: Duration::ZERO,
        max_age,
        ..RemoteJwksConfig::default()
    };
    let service = token_service(&op.issuer, config).await;
    let (old, _) = op.code_flow("app-rs256", "ada");
    service.exchange(&old).await;
    assert_eq!(op.jwks_requests(), 1);

    // A new signing key verifies after exactly one refetch.
    op.send(json!({"cmd": "rotate"}));
    let (new, _) = op.code_flow("app-rs256", "ada");
    assert_ne!(header(&new)["kid"], header(&old)["kid"]);
    service.exchange(&new).await;
    assert_eq!(op.jwks_requests(), 2, "one refetch for the new kid");
    service.exchange(&old).await;
    assert_eq!(op.jwks_requests(), 2);

    // A key the provider removed stops verifying once the cache is older than its max age.
    op.send(json!({"cmd": "retire"}));
    tokio::time::sleep(max_age + Duration::from_millis(200)).await;
    let (status, body) = service.post(&old).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    assert_eq!(op.jwks_requests(), 3);
    service.exchange(&new).await;
    assert_eq!(op.jwks_requests(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_instance_stating_the_same_issuer_is_refused() {
    let mut op = OpenIdProvider::start(None);
    // Another oidc-provider that states the first one's issuer, with its own keys under the
    // same kids.
    let mut impostor = OpenIdProvider::start(Some(&op.issuer));
    assert_eq!(impostor.issuer, op.issuer);
    let service = token_service(&op.issuer, RemoteJwksConfig::default()).await;
    let (genuine, _) = op.code_flow("app-es256", "ada");
    service.exchange(&genuine).await;

    let (forged, forged_access) = impostor.code_flow("app-es256", "ada");
    assert_eq!(header(&forged)["kid"], header(&genuine)["kid"]);
    for token in [&forged, &forged_access] {
        let (status, body) = service.post(token).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant")),
            "{body}"
        );
        assert!(!body.to_string().contains(token.as_str()));
    }
    let exchange = TokenExchange::<Person>::new(ORG)
        .unwrap()
        .identity_provider(
            IdentityProvider::discover("op", &op.issuer)
                .audience("app-es256")
                .build()
                .unwrap(),
        )
        .unwrap()
        .token_provider(TokenProvider::new("app", sb_key()).unwrap())
        .unwrap();
    let request = |token: &str| {
        ExchangeRequest::new(format!("https://tokens.statebacked.dev/{ORG}/app"), token)
    };
    assert_eq!(
        exchange.exchange(&request(&forged)).await.unwrap_err(),
        ExchangeError::SubjectToken(VerifyError::BadSignature)
    );

    // Discovery at the impostor's address: its document states another issuer.
    let jwks = RemoteJwks::discover(&impostor.base).unwrap();
    match jwks.keys_for(None).await.unwrap_err() {
        JwksError::Discovery(err) => {
            assert_eq!(err.issuer(), impostor.base);
            assert_eq!(
                err.problem(),
                &DiscoveryProblem::IssuerMismatch {
                    found: op.issuer.clone()
                }
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        impostor.jwks_requests(),
        0,
        "keys are never read from a refused document"
    );
}
