//! The service under load, mounted as a user of the crate mounts it: `GET /bare` and
//! `GET /verified` (the same handler body, the second behind `Verified<Viewer>`), and
//! `token_router` answering `POST /tokens` for anonymous sessions and for an identity
//! provider with a static RS256 key. Served by axum on a tokio runtime of its own, on
//! 127.0.0.1 only.

use crate::common::{KEY_ID, ORG, SECRET, Viewer, viewer};
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use statebacked_claims::axum::token_router;
use statebacked_claims::exchange::{ACCESS_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT};
use statebacked_claims::{
    Algorithm, AnonymousSession, AuthContext, Claims, IdentityProvider, Issuer, Key, KeySet,
    TokenExchange, TokenProvider, Verified, Verifier,
};
use std::error::Error;
use std::net::SocketAddr;

/// The token service the exchanges address (`https://tokens.statebacked.dev/<org>/<service>`).
const SERVICE: &str = "bench";
/// The identity provider's `iss` and `aud`.
const IDP_ISSUER: &str = "https://id.example.com/";
const IDP_AUDIENCE: &str = "https://api.example.com/";

/// What the identity provider puts in its tokens: flat claims, mapped into [`Viewer`] by
/// their own names.
#[derive(Serialize, Deserialize, Claims)]
#[claims(profile = "flat")]
struct IdpToken {
    sub: String,
    email: String,
    groups: Vec<String>,
}

/// The tokens and request bodies the scenarios send, and what checks the answers.
pub struct Fixture {
    /// The State Backed HS256 token of the other benchmarks (`act`: `sub`, `email`, two
    /// `groups`), sent as `Authorization: Bearer` to `/bare` and `/verified` alike.
    pub token: String,
    /// `POST /tokens` bodies: an anonymous session's identity token (HS256 with the org id),
    /// and an identity-provider token (RS256, 2048-bit key).
    pub anonymous_form: String,
    pub idp_form: String,
    verifier: Verifier<Viewer>,
    exchange: TokenExchange<Viewer>,
}

impl Fixture {
    pub fn new() -> Result<Fixture, Box<dyn Error>> {
        let key = Key::hs256(KEY_ID, SECRET)?;
        let token = Issuer::<Viewer>::new(key.clone())
            .sign(&viewer(), "1d".parse()?)?
            .into_string();

        // The identity provider signs with its private key; the exchange holds only the
        // public half, read from its JWKS as it would be published.
        let idp_key = idp_key()?;
        let jwks = KeySet::from(idp_key.clone()).public_jwks().to_json();
        let expected = viewer();
        let idp_token = Issuer::<IdpToken>::new(idp_key)
            .issuer(IDP_ISSUER)
            .audience(IDP_AUDIENCE)
            .sign(
                &IdpToken {
                    sub: expected.sub.clone().unwrap_or_default(),
                    email: expected.email.clone().unwrap_or_default(),
                    groups: expected.groups.clone(),
                },
                "1d".parse()?,
            )?;
        let identity_token = AnonymousSession::new(ORG).identity_token()?;

        // No rate limits and no replay detection (neither is on unless configured): every
        // request of a run exchanges the same subject token.
        let exchange = TokenExchange::<Viewer>::new(ORG)?
            .identity_provider(IdentityProvider::anonymous(ORG)?)?
            .identity_provider(
                IdentityProvider::builder("idp")
                    .issuer(IDP_ISSUER)
                    .audience(IDP_AUDIENCE)
                    .algorithms([Algorithm::RS256])
                    .keys(KeySet::from_jwks(&jwks)?)
                    .build()?,
            )?
            .token_provider(TokenProvider::new(SERVICE, key.clone())?)?;
        Ok(Fixture {
            token,
            anonymous_form: exchange_form(identity_token.as_str()),
            idp_form: exchange_form(idp_token.as_str()),
            verifier: Verifier::new(key),
            exchange,
        })
    }
}

/// A fresh RSA-2048 key pair (no private key is committed), as a signing key.
fn idp_key() -> Result<Key, Box<dyn Error>> {
    use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)?;
    let pkcs8: Pkcs8V1Der = pair.as_der()?;
    Ok(Key::from_der("idp-1", Algorithm::RS256, pkcs8.as_ref())?)
}

/// The body `@statebacked/client` sends to `POST /tokens` (WIRE.md §3).
fn exchange_form(subject_token: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", TOKEN_EXCHANGE_GRANT)
        .append_pair(
            "audience",
            &format!("https://tokens.statebacked.dev/{ORG}/{SERVICE}"),
        )
        .append_pair("requested_token_type", ACCESS_TOKEN_TYPE)
        .append_pair("subject_token", subject_token)
        .finish()
}

/// The small JSON both routes answer.
#[derive(Serialize)]
struct Hello<'a> {
    ok: bool,
    sub: &'a str,
}

fn hello(sub: &str) -> Response {
    let body = serde_json::to_string(&Hello { ok: true, sub }).unwrap_or_default();
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// The handler without the extractor: the benchmark user's `sub`, as a constant.
async fn bare() -> Response {
    hello("user-82")
}

/// The same handler behind `Verified<Viewer>`: the `sub` it verified.
async fn verified(caller: Verified<Viewer>) -> Response {
    hello(caller.claims().sub.as_deref().unwrap_or_default())
}

/// The service on `127.0.0.1:<free port>`, on a tokio runtime of `threads` workers.
pub struct Server {
    runtime: tokio::runtime::Runtime,
    pub addr: SocketAddr,
}

impl Server {
    pub fn start(fixture: &Fixture, threads: usize) -> Result<Server, Box<dyn Error>> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("http-bench-server")
            .enable_all()
            .build()?;
        let router = Router::new()
            .route("/bare", get(bare))
            .route("/verified", get(verified))
            .with_state(fixture.verifier.clone())
            .merge(token_router(fixture.exchange.clone()));
        let listener = runtime.block_on(tokio::net::TcpListener::bind(SocketAddr::from((
            [127, 0, 0, 1],
            0,
        ))))?;
        let addr = listener.local_addr()?;
        runtime.spawn(async move {
            // The peer address is what per-address exchange limits would count (none here).
            let served = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await;
            if let Err(err) = served {
                eprintln!("http: the server stopped: {err}");
            }
        });
        Ok(Server { runtime, addr })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Every route answers what it should, so that a misconfigured one never gives a fast
    /// number: the bare and verified routes a 200 with the user's `sub`; the verified one a 401
    /// without a token and with a tampered one; both exchanges a 200 whose token verifies as
    /// the expected authContext.
    pub fn check(&self, fixture: &Fixture) -> Result<(), Box<dyn Error>> {
        self.runtime.block_on(self.check_async(fixture))
    }

    async fn check_async(&self, fixture: &Fixture) -> Result<(), Box<dyn Error>> {
        let client = reqwest::Client::builder().no_proxy().build()?;
        let bearer = format!("Bearer {}", fixture.token);
        for path in ["/bare", "/verified"] {
            let response = client
                .get(self.url(path))
                .header("authorization", &bearer)
                .send()
                .await?;
            let status = response.status();
            let body = response.text().await?;
            if status != StatusCode::OK || body != r#"{"ok":true,"sub":"user-82"}"# {
                return Err(format!("GET {path}: {status} {body}").into());
            }
        }
        let mut tampered = fixture.token.clone();
        let last = if tampered.ends_with('A') { "B" } else { "A" };
        tampered.replace_range(tampered.len() - 1.., last);
        for authorization in [None, Some(format!("Bearer {tampered}"))] {
            let mut request = client.get(self.url("/verified"));
            if let Some(value) = &authorization {
                request = request.header("authorization", value);
            }
            let status = request.send().await?.status();
            if status != StatusCode::UNAUTHORIZED {
                return Err(format!(
                    "GET /verified with {}: {status}, not 401",
                    if authorization.is_some() {
                        "a tampered token"
                    } else {
                        "no token"
                    }
                )
                .into());
            }
        }
        for (name, form) in [
            ("anonymous", &fixture.anonymous_form),
            ("idp", &fixture.idp_form),
        ] {
            let response = client
                .post(self.url("/tokens"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form.clone())
                .send()
                .await?;
            let status = response.status();
            let body = response.text().await?;
            if status != StatusCode::OK {
                return Err(format!("POST /tokens ({name}): {status} {body}").into());
            }
            let answer: serde_json::Value = serde_json::from_str(&body)?;
            let token = answer["access_token"]
                .as_str()
                .ok_or(format!("POST /tokens ({name}): no access_token in {body}"))?;
            let issued = fixture.verifier.verify(token)?;
            let expected = match (name, issued.auth_context()) {
                ("anonymous", AuthContext::Anonymous { .. }) => true,
                ("idp", AuthContext::Authenticated(claims)) => *claims == viewer(),
                _ => false,
            };
            if !expected {
                return Err(format!(
                    "POST /tokens ({name}): unexpected authContext {:?}",
                    issued.auth_context()
                )
                .into());
            }
        }
        Ok(())
    }

    pub fn stop(self) {
        self.runtime
            .shutdown_timeout(std::time::Duration::from_secs(1));
    }
}

/// CPU time this process has used, in nanoseconds (every thread's, from
/// `/proc/self/task/*/schedstat`); `None` where that cannot be read.
pub fn cpu_ns() -> Option<u64> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}
