//! Identity-provider keys from a JWKS URL (feature `jwks-http`), against a real HTTP server
//! on 127.0.0.1 started by each test: caching, rotation, unknown kids and their cooldown,
//! maximum age, a server that is down, slow, oversized or malformed, eight threads
//! verifying while the key set rotates, callers that go away mid-fetch, faults under load,
//! and OpenID discovery documents.
#![cfg(feature = "jwks-http")]

mod common;

use common::keypairs::generate;
use serde::{Deserialize, Serialize};
use statebacked_claims::{
    Algorithm, Claims, ExchangeError, IdentityProvider, Issuer, Key, KeySet, RemoteJwks,
    TokenExchange, TokenProvider, exchange::ExchangeRequest, jwks::JwksError,
    jwks::RemoteJwksConfig,
};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const ISSUER: &str = "https://idp.example/";

#[derive(Debug, Serialize, Deserialize, Claims)]
struct Member {
    #[claim(validate(non_empty))]
    sub: String,
}

/// The identity provider's token: flat claims.
#[derive(Serialize, Deserialize, Claims)]
#[claims(profile = "flat")]
struct IdpClaims {
    sub: String,
}

/// What the loopback JWKS server answers, and how many requests it saw.
#[derive(Default)]
struct Served {
    body: RwLock<String>,
    /// A `location` header to send (with a 3xx status).
    location: RwLock<Option<String>>,
    status: AtomicU64,
    delay_ms: AtomicU64,
    hits: AtomicUsize,
}

struct Server {
    url: String,
    served: Arc<Served>,
}

impl Server {
    async fn start(body: String) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/.well-known/jwks.json",
            listener.local_addr().unwrap()
        );
        let served = Arc::new(Served::default());
        *served.body.write().unwrap() = body;
        served.status.store(200, Ordering::SeqCst);
        let state = Arc::clone(&served);
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let state = Arc::clone(&state);
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 16_384 {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    state.hits.fetch_add(1, Ordering::SeqCst);
                    let delay = state.delay_ms.load(Ordering::SeqCst);
                    if delay > 0 {
                        tokio::time::sleep(Duration::from_millis(delay)).await;
                    }
                    let body = state.body.read().unwrap().clone();
                    let status = state.status.load(Ordering::SeqCst);
                    let location = match state.location.read().unwrap().as_deref() {
                        Some(to) => format!("location: {to}\r\n"),
                        None => String::new(),
                    };
                    let response = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n{location}content-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(response.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        Server { url, served }
    }

    fn publish(&self, keys: &[&Key]) {
        *self.served.body.write().unwrap() = jwks(keys);
    }

    fn hits(&self) -> usize {
        self.served.hits.load(Ordering::SeqCst)
    }
}

fn jwks(keys: &[&Key]) -> String {
    let set = KeySet::try_from(keys.iter().map(|k| (*k).clone()).collect::<Vec<_>>()).unwrap();
    set.public_jwks().to_json()
}

fn es256(kid: &str) -> Key {
    Key::from_der(
        kid,
        Algorithm::ES256,
        generate(Algorithm::ES256).private_der,
    )
    .unwrap()
}

fn idp_token(key: &Key, sub: &str) -> String {
    Issuer::<IdpClaims>::new(key.clone())
        .issuer(ISSUER)
        .audience("app")
        .sign(&IdpClaims { sub: sub.into() }, "5m".parse().unwrap())
        .unwrap()
        .into_string()
}

fn config(cooldown_ms: u64) -> RemoteJwksConfig {
    RemoteJwksConfig {
        cooldown: Duration::from_millis(cooldown_ms),
        timeout: Duration::from_millis(500),
        ..RemoteJwksConfig::default()
    }
}

fn exchange_for(jwks: RemoteJwks) -> TokenExchange<Member> {
    let provider = IdentityProvider::builder("idp")
        .issuer(ISSUER)
        .algorithms([Algorithm::ES256])
        .remote_jwks(jwks)
        .build()
        .unwrap();
    TokenExchange::<Member>::new("org_test")
        .unwrap()
        .identity_provider(provider)
        .unwrap()
        .token_provider(
            TokenProvider::new(
                "app",
                Key::hs256("sbk_x", "sbsec_x_secret_0123456789abcdef0123").unwrap(),
            )
            .unwrap(),
        )
        .unwrap()
}

async fn run(exchange: &TokenExchange<Member>, token: &str) -> Result<(), ExchangeError> {
    exchange
        .exchange(&ExchangeRequest::new(
            "https://tokens.statebacked.dev/org_test/app",
            token,
        ))
        .await
        .map(|_| ())
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_are_fetched_once_and_cached() {
    let a = es256("a");
    let server = Server::start(jwks(&[&a])).await;
    let jwks = RemoteJwks::with_config(&server.url, config(60_000)).unwrap();
    let ex = exchange_for(jwks.clone());
    for i in 0..5 {
        run(&ex, &idp_token(&a, &format!("u{i}"))).await.unwrap();
    }
    assert_eq!(server.hits(), 1);
    assert_eq!(jwks.fetch_count(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn s25_a_rotated_key_is_fetched_and_unknown_kids_wait_for_the_cooldown() {
    let (a, b) = (es256("a"), es256("b"));
    let server = Server::start(jwks(&[&a])).await;
    let ex = exchange_for(RemoteJwks::with_config(&server.url, config(300)).unwrap());
    run(&ex, &idp_token(&a, "u")).await.unwrap();

    // The provider rotates to `b`; the first token naming it triggers one fetch, after the
    // cooldown of the first.
    tokio::time::sleep(Duration::from_millis(350)).await;
    server.publish(&[&b]);
    run(&ex, &idp_token(&b, "u")).await.unwrap();
    assert_eq!(server.hits(), 2);

    // A kid nobody publishes: within the cooldown, no fetch at all.
    let stranger = es256("stranger");
    for _ in 0..5 {
        let err = run(&ex, &idp_token(&stranger, "u")).await.unwrap_err();
        assert_eq!(
            err,
            ExchangeError::SubjectToken(statebacked_claims::VerifyError::UnknownKey)
        );
    }
    assert_eq!(server.hits(), 2);
    // After it, one more.
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(run(&ex, &idp_token(&stranger, "u")).await.is_err());
    assert_eq!(server.hits(), 3);
    // The retired key `a` is gone from the set.
    assert!(run(&ex, &idp_token(&a, "u")).await.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_old_set_is_fetched_again_after_its_maximum_age() {
    let a = es256("a");
    let server = Server::start(jwks(&[&a])).await;
    let config = RemoteJwksConfig {
        max_age: Duration::from_millis(200),
        ..config(0)
    };
    let ex = exchange_for(RemoteJwks::with_config(&server.url, config).unwrap());
    run(&ex, &idp_token(&a, "u")).await.unwrap();
    run(&ex, &idp_token(&a, "u")).await.unwrap();
    assert_eq!(server.hits(), 1);
    tokio::time::sleep(Duration::from_millis(250)).await;
    run(&ex, &idp_token(&a, "u")).await.unwrap();
    assert_eq!(server.hits(), 2);
}

fn keys_unavailable(err: ExchangeError) -> JwksError {
    assert_eq!(
        (err.status(), err.error_code()),
        (503, "temporarily_unavailable")
    );
    match err {
        ExchangeError::KeysUnavailable(err) => err,
        other => panic!("expected KeysUnavailable, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_is_down() {
    // A port that was just free: nothing listens there.
    let url = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/jwks.json", listener.local_addr().unwrap())
    };
    let ex = exchange_for(RemoteJwks::with_config(url, config(0)).unwrap());
    let err = run(&ex, &idp_token(&es256("a"), "u")).await.unwrap_err();
    assert!(matches!(keys_unavailable(err), JwksError::Fetch(_)));
}

#[tokio::test(flavor = "multi_thread")]
async fn s25_a_slow_server_times_out() {
    let a = es256("a");
    let server = Server::start(jwks(&[&a])).await;
    server.served.delay_ms.store(2_000, Ordering::SeqCst);
    let ex = exchange_for(RemoteJwks::with_config(&server.url, config(0)).unwrap());
    let started = std::time::Instant::now();
    let err = run(&ex, &idp_token(&a, "u")).await.unwrap_err();
    assert_eq!(keys_unavailable(err), JwksError::Fetch("timed out".into()));
    assert!(started.elapsed() < Duration::from_millis(1_900));
}

#[tokio::test(flavor = "multi_thread")]
async fn s25_oversized_malformed_and_failing_documents() {
    let a = es256("a");
    let server = Server::start("x".repeat(64 * 1024)).await;
    let small = RemoteJwksConfig {
        max_bytes: 16 * 1024,
        ..config(0)
    };
    let ex = exchange_for(RemoteJwks::with_config(&server.url, small).unwrap());
    let err = run(&ex, &idp_token(&a, "u")).await.unwrap_err();
    assert_eq!(
        keys_unavailable(err),
        JwksError::TooLarge { max: 16 * 1024 }
    );

    *server.served.body.write().unwrap() = "{\"keys\": not json".into();
    let err = run(&ex, &idp_token(&a, "u")).await.unwrap_err();
    assert!(matches!(keys_unavailable(err), JwksError::Invalid(_)));

    server.served.status.store(500, Ordering::SeqCst);
    let err = run(&ex, &idp_token(&a, "u")).await.unwrap_err();
    assert_eq!(keys_unavailable(err), JwksError::Status(500));

    // Keys without a usable `alg` or `use` are skipped, the rest used.
    server.served.status.store(200, Ordering::SeqCst);
    let mut document: serde_json::Value = serde_json::from_str(&jwks(&[&a])).unwrap();
    let keys = document["keys"].as_array_mut().unwrap();
    let mut no_alg = keys[0].clone();
    no_alg.as_object_mut().unwrap().remove("alg");
    no_alg["kid"] = "no-alg".into();
    let mut encryption = keys[0].clone();
    encryption["use"] = "enc".into();
    encryption["kid"] = "enc".into();
    keys.extend([no_alg, encryption]);
    *server.served.body.write().unwrap() = document.to_string();
    run(&ex, &idp_token(&a, "u")).await.unwrap();
}

#[test]
fn s25_jwks_urls_must_be_https_outside_loopback() {
    assert!(matches!(
        RemoteJwks::new("http://idp.example/jwks.json"),
        Err(JwksError::InsecureUrl(_))
    ));
    assert!(matches!(
        RemoteJwks::new("not a url"),
        Err(JwksError::InvalidUrl(_))
    ));
    assert!(RemoteJwks::new("https://idp.example/jwks.json").is_ok());
    assert!(RemoteJwks::new("http://127.0.0.1:9/jwks.json").is_ok());
    assert!(RemoteJwks::new("http://localhost:9/jwks.json").is_ok());
}

#[test]
fn s25_eight_threads_verify_while_the_key_set_rotates() {
    const ROTATIONS: usize = 4;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(8)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let keys: Vec<Key> = (0..=ROTATIONS).map(|i| es256(&format!("k{i}"))).collect();
        let server = Server::start(jwks(&[&keys[0]])).await;
        let exchange = Arc::new(exchange_for(
            RemoteJwks::with_config(&server.url, config(50)).unwrap(),
        ));
        let signing = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let tokens: Arc<Vec<String>> =
            Arc::new(keys.iter().map(|k| idp_token(k, "user")).collect());
        let verified = Arc::new(AtomicUsize::new(0));

        let workers: Vec<_> = (0..8)
            .map(|_| {
                let (exchange, signing, done, tokens, verified) = (
                    Arc::clone(&exchange),
                    Arc::clone(&signing),
                    Arc::clone(&done),
                    Arc::clone(&tokens),
                    Arc::clone(&verified),
                );
                tokio::spawn(async move {
                    while !done.load(Ordering::SeqCst) {
                        let token = &tokens[signing.load(Ordering::SeqCst)];
                        if let Err(err) = run(&exchange, token).await {
                            panic!("a valid token failed: {err}");
                        }
                        verified.fetch_add(1, Ordering::SeqCst);
                        tokio::task::yield_now().await;
                    }
                })
            })
            .collect();

        for i in 1..=ROTATIONS {
            tokio::time::sleep(Duration::from_millis(250)).await;
            // Publish the new key beside the old one, then start signing with it.
            server.publish(&[&keys[i - 1], &keys[i]]);
            signing.store(i, Ordering::SeqCst);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
        done.store(true, Ordering::SeqCst);
        for worker in workers {
            worker.await.unwrap();
        }
        assert!(verified.load(Ordering::SeqCst) > 100);
        assert_eq!(server.hits(), 1 + ROTATIONS, "one fetch per rotation");
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fetch_whose_caller_hangs_up_still_loads_the_keys() {
    let a = es256("a");
    let server = Server::start(jwks(&[&a])).await;
    server.served.delay_ms.store(300, Ordering::SeqCst);
    let ex = exchange_for(RemoteJwks::with_config(&server.url, config(60_000)).unwrap());
    // The caller gives up while the fetch is in flight; the fetch goes on without it.
    let token = idp_token(&a, "u");
    let hung_up = tokio::time::timeout(Duration::from_millis(50), run(&ex, &token));
    assert!(hung_up.await.is_err());
    // The next caller shares that fetch's result, cooldown or not.
    run(&ex, &idp_token(&a, "u")).await.unwrap();
    assert_eq!(server.hits(), 1);
}

/// The cooldown holds however many callers go away while a fetch is in flight: 20 abandoned
/// calls for a `kid` nobody publishes make one fetch under a 600 s cooldown.
#[tokio::test(flavor = "multi_thread")]
async fn the_cooldown_survives_callers_that_go_away() {
    let a = es256("a");
    let server = Server::start(jwks(&[&a])).await;
    let jwks = RemoteJwks::with_config(&server.url, config(600_000)).unwrap();
    // A token naming a kid the (empty) cache lacks: one fetch, then the cooldown. Its callers
    // go away while it is in flight, one after another and all at once.
    server.served.delay_ms.store(300, Ordering::SeqCst);
    let mut tasks = Vec::new();
    for i in 0..20 {
        let jwks = jwks.clone();
        let call = async move { jwks.keys_for(Some("stranger")).await };
        if i % 2 == 0 {
            let _ = tokio::time::timeout(Duration::from_millis(10), call).await;
        } else {
            let task = tokio::spawn(call);
            tokio::task::yield_now().await;
            task.abort();
            tasks.push(task);
        }
    }
    for task in tasks {
        let _ = task.await;
    }
    // A caller that stays gets the fetch's result (the set, without the stranger).
    let keys = jwks.keys_for(Some("stranger")).await.unwrap();
    assert!(keys.get("stranger").is_none() && keys.get("a").is_some());
    assert_eq!(server.hits(), 1, "one fetch for twenty abandoned calls");
    assert_eq!(jwks.fetch_count(), 1);
}

/// The same over HTTP: `POST /tokens` clients that hang up while the exchange waits for the
/// JWKS (hyper drops their handlers) make one fetch between them.
#[tokio::test(flavor = "multi_thread")]
async fn the_cooldown_survives_http_clients_that_hang_up() {
    let a = es256("a");
    let server = Server::start(jwks(&[&a])).await;
    let jwks = RemoteJwks::with_config(&server.url, config(600_000)).unwrap();
    let exchange = exchange_for(jwks.clone());
    server.served.delay_ms.store(400, Ordering::SeqCst);

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = statebacked_claims::axum::token_router::<Member, ()>(exchange);
    let served = tokio::spawn(async move { axum::serve(listener, app).await });
    let body = common::exchange_form(
        "https://tokens.statebacked.dev/org_test/app",
        &idp_token(&es256("stranger"), "u"),
    );
    let request = format!(
        "POST /tokens HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    for _ in 0..10 {
        let mut client = tokio::net::TcpStream::connect(address).await.unwrap();
        client.write_all(request.as_bytes()).await.unwrap();
        // Long enough for the handler to be waiting on the JWKS; then hang up.
        tokio::time::sleep(Duration::from_millis(30)).await;
        drop(client);
    }
    // One client that waits gets an RFC 6749 error body: the kid is unknown.
    let mut client = tokio::net::TcpStream::connect(address).await.unwrap();
    client
        .write_all(
            request
                .replace("HTTP/1.1\r\n", "HTTP/1.1\r\nconnection: close\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
    let mut answer = String::new();
    client.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    let body: serde_json::Value =
        serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(server.hits(), 1, "one fetch for ten clients that hung up");
    assert_eq!(jwks.fetch_count(), 1);
    served.abort();
}

/// A remote JWKS reports the keys it skipped, so an operator sees why a `kid` is unknown.
#[tokio::test(flavor = "multi_thread")]
async fn skipped_keys_are_reported() {
    let a = es256("a");
    let mut document: serde_json::Value = serde_json::from_str(&jwks(&[&a])).unwrap();
    let mut encryption = document["keys"][0].clone();
    encryption["use"] = "enc".into();
    encryption["kid"] = "enc-1".into();
    document["keys"].as_array_mut().unwrap().push(encryption);
    let server = Server::start(document.to_string()).await;
    let jwks = RemoteJwks::with_config(&server.url, config(0)).unwrap();
    let ex = exchange_for(jwks.clone());
    let err = run(&ex, &idp_token(&es256("enc-1"), "u"))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ExchangeError::SubjectToken(statebacked_claims::VerifyError::UnknownKey)
    );
    let skipped = jwks.skipped();
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].kid(), Some("enc-1"));
    assert_eq!(
        skipped[0].reason(),
        &statebacked_claims::KeyError::InvalidJwk("`use` is not `sig`")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_refresh_keeps_the_last_set_until_its_staleness_limit() {
    let a = es256("a");
    let server = Server::start(jwks(&[&a])).await;
    let config = RemoteJwksConfig {
        max_age: Duration::from_millis(100),
        max_stale: Duration::from_millis(400),
        ..config(0)
    };
    let ex = exchange_for(RemoteJwks::with_config(&server.url, config).unwrap());
    run(&ex, &idp_token(&a, "u")).await.unwrap();
    // A failed refresh keeps the last good set...
    server.served.status.store(503, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(150)).await;
    run(&ex, &idp_token(&a, "u")).await.unwrap();
    assert_eq!(server.hits(), 2);
    // ...until its staleness limit.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let err = run(&ex, &idp_token(&a, "u")).await.unwrap_err();
    assert_eq!(keys_unavailable(err.clone()), JwksError::Status(503));
    // The body says the keys are unavailable, not where from.
    assert!(!err.to_json().contains("127.0.0.1"), "{}", err.to_json());
}

/// S25: a redirect is never followed, to another host or the same one.
#[tokio::test(flavor = "multi_thread")]
async fn s25_redirects_are_not_followed() {
    let a = es256("a");
    let elsewhere = Server::start(jwks(&[&a])).await;
    let server = Server::start(String::new()).await;
    server.served.status.store(302, Ordering::SeqCst);
    *server.served.location.write().unwrap() = Some(elsewhere.url.clone());
    let ex = exchange_for(RemoteJwks::with_config(&server.url, config(0)).unwrap());
    let err = run(&ex, &idp_token(&a, "u")).await.unwrap_err();
    assert_eq!(keys_unavailable(err), JwksError::Status(302));
    assert_eq!(server.hits(), 1);
    assert_eq!(elsewhere.hits(), 0, "the redirect was followed");
}

/// Discovery over HTTP: a document fetched under the JWKS rules, refused with the field.
#[tokio::test(flavor = "multi_thread")]
async fn bad_discovery_documents_are_refused_naming_the_field() {
    use statebacked_claims::jwks::discovery::DiscoveryProblem;
    let server = Server::start(String::new()).await;
    let issuer = server
        .url
        .trim_end_matches("/.well-known/jwks.json")
        .to_owned();
    let problem = async |body: String, status: u64| {
        *server.served.body.write().unwrap() = body;
        server.served.status.store(status, Ordering::SeqCst);
        let jwks = RemoteJwks::discover_with_config(&issuer, config(0)).unwrap();
        match jwks.keys_for(None).await.unwrap_err() {
            JwksError::Discovery(err) => {
                assert_eq!(err.issuer(), issuer);
                err.problem().clone()
            }
            other => panic!("{other:?}"),
        }
    };
    let doc = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut doc = serde_json::json!({"issuer": issuer, "jwks_uri": format!("{issuer}/jwks")});
        edit(&mut doc);
        doc.to_string()
    };
    assert_eq!(
        problem(doc(&|d| d["issuer"] = "https://other.example".into()), 200).await,
        DiscoveryProblem::IssuerMismatch {
            found: "https://other.example".into()
        }
    );
    assert_eq!(
        problem(
            doc(&|d| {
                d.as_object_mut().unwrap().remove("jwks_uri");
            }),
            200
        )
        .await,
        DiscoveryProblem::MissingField("jwks_uri")
    );
    assert!(matches!(
        problem(
            doc(&|d| d["jwks_uri"] = "http://idp.example/jwks".into()),
            200
        )
        .await,
        DiscoveryProblem::InvalidField {
            field: "jwks_uri",
            ..
        }
    ));
    assert!(matches!(
        problem(doc(&|_| {}), 302).await,
        DiscoveryProblem::Redirect { status: 302, .. }
    ));
    assert_eq!(
        problem("x".repeat(300 * 1024), 200).await,
        DiscoveryProblem::TooLarge { max: 256 * 1024 }
    );
    assert_eq!(
        problem("<html>".into(), 200).await,
        DiscoveryProblem::NotJson
    );
    // 404 at the OpenID path: RFC 8414's is tried, then its status reported.
    let before = server.hits();
    let err = problem(String::new(), 404).await;
    assert_eq!(server.hits() - before, 2);
    assert!(
        matches!(&err, DiscoveryProblem::Status { status: 404, url } if url.contains("/.well-known/oauth-authorization-server")),
        "{err:?}"
    );
    // Through the exchange: 503 `temporarily_unavailable`, and the body says nothing more.
    let provider = IdentityProvider::discover("idp", &issuer)
        .jwks_config(config(0))
        .build()
        .unwrap();
    let exchange = TokenExchange::<Member>::new("org_test")
        .unwrap()
        .identity_provider(provider)
        .unwrap()
        .token_provider(
            TokenProvider::new(
                "app",
                Key::hs256("sbk_x", "sbsec_x_secret_0123456789abcdef0123").unwrap(),
            )
            .unwrap(),
        )
        .unwrap();
    let token = Issuer::<IdpClaims>::new(es256("a"))
        .issuer(issuer.clone())
        .audience("app")
        .sign(&IdpClaims { sub: "u".into() }, "5m".parse().unwrap())
        .unwrap();
    let err = run(&exchange, token.as_str()).await.unwrap_err();
    assert!(matches!(
        keys_unavailable(err.clone()),
        JwksError::Discovery(_)
    ));
    assert_eq!(
        err.to_json(),
        r#"{"error":"temporarily_unavailable","error_description":"the identity provider's keys are unavailable"}"#
    );
}

/// Faults while two threads verify (bounded, about 10 s): the JWKS endpoint turns slow (past
/// the timeout), answers 500, garbage, an oversized body and an empty set, then recovers. No
/// valid token fails while the cached keys are within `max_stale`; fetches stay within the
/// cooldown arithmetic; once the endpoint only fails, the keys stop verifying after
/// `max_stale`. The figures are in SECURITY.md.
#[test]
fn s25_jwks_faults_while_two_threads_verify() {
    const PHASE: Duration = Duration::from_millis(800);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let a = es256("a");
        let server = Server::start(jwks(&[&a])).await;
        let config = RemoteJwksConfig {
            cooldown: Duration::from_millis(200),
            max_age: Duration::from_millis(300),
            max_stale: Duration::from_secs(6),
            timeout: Duration::from_millis(300),
            max_bytes: 16 * 1024,
        };
        let jwks = RemoteJwks::with_config(&server.url, config.clone()).unwrap();
        let exchange = Arc::new(exchange_for(jwks.clone()));
        let token = Arc::new(idp_token(&a, "user"));
        run(&exchange, &token).await.unwrap();
        let started = std::time::Instant::now();
        let done = Arc::new(AtomicBool::new(false));
        let verified = Arc::new(AtomicUsize::new(0));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (exchange, token, done, verified) = (
                    Arc::clone(&exchange),
                    Arc::clone(&token),
                    Arc::clone(&done),
                    Arc::clone(&verified),
                );
                tokio::spawn(async move {
                    while !done.load(Ordering::SeqCst) {
                        if let Err(err) = run(&exchange, &token).await {
                            panic!("a valid token failed within max_stale: {err}");
                        }
                        verified.fetch_add(1, Ordering::SeqCst);
                        tokio::task::yield_now().await;
                    }
                })
            })
            .collect();
        let good = server.served.body.read().unwrap().clone();
        let phases: [(&str, u64, u64, String); 6] = [
            ("slow", 200, 1_000, good.clone()),
            ("500", 500, 0, good.clone()),
            ("garbage", 200, 0, "{\"keys\": [garbage".into()),
            ("oversized", 200, 0, "x".repeat(64 * 1024)),
            ("empty set", 200, 0, "{\"keys\":[]}".into()),
            ("recovered", 200, 0, good),
        ];
        for (_, status, delay, body) in phases {
            *server.served.body.write().unwrap() = body;
            server.served.delay_ms.store(delay, Ordering::SeqCst);
            server.served.status.store(status, Ordering::SeqCst);
            tokio::time::sleep(PHASE).await;
        }
        done.store(true, Ordering::SeqCst);
        for worker in workers {
            worker.await.unwrap();
        }
        let elapsed = started.elapsed();
        let hits = server.hits();
        // Fetches start at least a cooldown after the last one ended.
        let bound = (elapsed.as_millis() / config.cooldown.as_millis()) as usize + 2;
        println!(
            "faults: {} verified by 2 threads in {elapsed:?}, {hits} fetches (bound {bound})",
            verified.load(Ordering::SeqCst)
        );
        assert!(hits <= bound, "{hits} fetches in {elapsed:?}");
        assert!(verified.load(Ordering::SeqCst) > 100);

        // The endpoint now only fails (the provider may have removed the key meanwhile): the
        // key verifies until the last good set is older than max_stale, then no longer.
        server.served.status.store(500, Ordering::SeqCst);
        tokio::time::sleep(config.max_stale + Duration::from_millis(200)).await;
        let err = run(&exchange, &token).await.unwrap_err();
        assert_eq!(keys_unavailable(err), JwksError::Status(500));
    });
}
