//! Several replicas sharing one real Redis (feature `redis`): revocations, exchange rate
//! limits and replay detection across two sets of `TokenExchange`/`Verifier` and across two
//! `examples/server` processes; Redis stopped mid-run and started again; a bounded load run;
//! unreachable, password-protected and non-Redis servers. Each test starts its own
//! `redis-server` on a free loopback port (tests/common/redis.rs) and stops it at the end.

mod common;

#[path = "../examples/server/app.rs"]
#[allow(dead_code)]
mod app;

use app::Viewer;
use common::redis::{RedisServer, free_port};
use statebacked_claims::anonymous::ANONYMOUS_SERVICE;
use statebacked_claims::exchange::TOKENS_AUDIENCE_PREFIX;
use statebacked_claims::rate_limit::{Limit, RateLimits};
use statebacked_claims::replay::ReplayGuard;
use statebacked_claims::revocation::{RevocationConfig, Revocations};
use statebacked_claims::store::{Store, StoreError};
use statebacked_claims::{
    AnonymousSession, ExchangeError, IdentityProvider, Issuer, Key, TokenExchange, TokenProvider,
    Verifier, VerifyError,
};
use std::io::{BufRead, BufReader, Write};
use std::net::IpAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const ORG: &str = "org_replicas";
const KEY_ID: &str = "sbk_replicas";
const SECRET: &str = "sbsec_replicas_secret_0123456789abcdef";

fn key() -> Key {
    Key::hs256(KEY_ID, SECRET).unwrap()
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn config(bound_ms: u64) -> RevocationConfig {
    RevocationConfig::default()
        .staleness_bound(Duration::from_millis(bound_ms))
        .resync_interval(Duration::from_millis(100))
}

/// One replica: its own connection to the store, exchange, revocations and verifier.
struct Replica {
    exchange: TokenExchange<Viewer>,
    revocations: Revocations,
    verifier: Verifier<Viewer>,
}

async fn replica(
    url: &str,
    revocation: RevocationConfig,
    limits: impl Fn(Store) -> Option<RateLimits>,
    reject_replays: bool,
) -> Replica {
    let store = Store::redis(url).await.unwrap();
    let mut exchange = TokenExchange::<Viewer>::new(ORG)
        .unwrap()
        .identity_provider(IdentityProvider::anonymous(ORG).unwrap())
        .unwrap()
        .token_provider(TokenProvider::new(ANONYMOUS_SERVICE, key()).unwrap())
        .unwrap();
    if let Some(limits) = limits(store.clone()) {
        exchange = exchange.rate_limits(limits);
    }
    if reject_replays {
        exchange = exchange.reject_replays(ReplayGuard::new(store.clone()).provider("anonymous"));
    }
    let revocations = Revocations::with_config(store, revocation).unwrap();
    let verifier = Verifier::new(key()).revocations(revocations.view());
    Replica {
        exchange,
        revocations,
        verifier,
    }
}

fn no_limits(_: Store) -> Option<RateLimits> {
    None
}

/// Waits (at most 10 s) until `check` holds.
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn fresh(replicas: &[&Replica]) {
    for replica in replicas {
        let view = replica.revocations.view();
        eventually("the view is fresh", || view.is_fresh()).await;
    }
}

fn identity(sid: &str, did: &str) -> String {
    AnonymousSession::new(ORG)
        .session_id(sid)
        .device_id(did)
        .identity_token()
        .unwrap()
        .into_string()
}

fn form(identity_token: &str) -> String {
    common::exchange_form(
        &format!("{TOKENS_AUDIENCE_PREFIX}{ORG}/{ANONYMOUS_SERVICE}"),
        identity_token,
    )
}

async fn exchange(
    replica: &Replica,
    identity_token: &str,
    client: Option<IpAddr>,
) -> Result<String, ExchangeError> {
    replica
        .exchange
        .exchange_form_from(form(identity_token).as_bytes(), client)
        .await
        .map(|response| response.access_token)
}

fn user(sub: &str) -> Viewer {
    Viewer {
        sub: Some(sub.to_owned()),
        roles: vec![],
        sid: None,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// A revocation on one replica is refused on the other well within the bound, by token id
/// and by subject; the time each took to arrive is measured (SECURITY.md).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocations_reach_the_other_replica_within_the_bound() {
    let server = redis_or_skip!();
    let bound = 2000;
    let a = replica(&server.url(), config(bound), no_limits, false).await;
    let b = replica(&server.url(), config(bound), no_limits, false).await;
    fresh(&[&a, &b]).await;
    let issuer = Issuer::<Viewer>::new(key()).token_ids();

    // By token id: one token of the user goes, another stays.
    let revoked = issuer.sign(&user("alice"), "1h".parse().unwrap()).unwrap();
    let kept = issuer.sign(&user("alice"), "1h".parse().unwrap()).unwrap();
    let registered = b
        .verifier
        .verify(revoked.as_str())
        .unwrap()
        .registered()
        .clone();
    a.revocations
        .revoke_token(registered.jti().unwrap(), registered.exp())
        .await
        .unwrap();
    assert_eq!(
        a.verifier.verify(revoked.as_str()).unwrap_err(),
        VerifyError::Revoked,
        "the revoking replica refuses it at once"
    );
    let deadline = Instant::now() + Duration::from_millis(bound);
    eventually("replica B refuses the revoked token", || {
        b.verifier.verify(revoked.as_str()) == Err(VerifyError::Revoked)
    })
    .await;
    assert!(Instant::now() < deadline, "refused within the bound");
    b.verifier.verify(kept.as_str()).unwrap();

    // By subject, 200 times, timing each: every token of the subject issued until then.
    let mut times = Vec::new();
    for i in 0..200 {
        let sub = format!("user-{i}");
        let token = issuer.sign(&user(&sub), "1h".parse().unwrap()).unwrap();
        let other = issuer
            .sign(&user(&format!("other-{i}")), "1h".parse().unwrap())
            .unwrap();
        b.verifier.verify(token.as_str()).unwrap();
        let started = Instant::now();
        a.revocations.revoke_subject(&sub).await.unwrap();
        loop {
            match b.verifier.verify(token.as_str()) {
                Err(VerifyError::Revoked) => break,
                Ok(_) => {}
                Err(other) => panic!("unexpected {other:?}"),
            }
            assert!(
                started.elapsed() < Duration::from_millis(bound),
                "subject {sub} still accepted on B past the bound"
            );
            tokio::task::yield_now().await;
        }
        times.push(started.elapsed());
        b.verifier.verify(other.as_str()).unwrap();
    }
    times.sort();
    println!(
        "revocation propagation to another replica over {} revocations: p50 {:?}, p99 {:?}, max {:?}",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times[times.len() - 1]
    );
}

/// A limit of L per client address across both replicas lets exactly L of N through, with
/// a Retry-After for the rest; another address has its own count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limit_across_replicas_lets_exactly_l_of_n_through() {
    let server = redis_or_skip!();
    let limits = |store| {
        Some(
            RateLimits::new(store)
                .anonymous_per_address(Limit::per_hour(7))
                .anonymous(Limit::per_hour(1000)),
        )
    };
    let a = replica(&server.url(), config(2000), limits, false).await;
    let b = replica(&server.url(), config(2000), limits, false).await;
    let client: Option<IpAddr> = Some("192.0.2.10".parse().unwrap());
    let (mut admitted, mut refused) = (0, 0);
    for i in 0..30 {
        let replica = if i % 2 == 0 { &a } else { &b };
        match exchange(replica, &identity(&format!("s{i}"), "d"), client).await {
            Ok(_) => admitted += 1,
            Err(err) => {
                assert_eq!(err.status(), 429);
                assert_eq!(err.error_code(), "rate_limited");
                let wait = err.retry_after_secs().unwrap();
                assert!((1..=3600).contains(&wait), "{wait}");
                refused += 1;
            }
        }
    }
    assert_eq!((admitted, refused), (7, 23));
    let other: Option<IpAddr> = Some("192.0.2.11".parse().unwrap());
    exchange(&b, &identity("s-other", "d"), other)
        .await
        .unwrap();
}

/// A subject token exchanged on one replica is refused as a replay on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subject_token_exchanged_on_one_replica_is_a_replay_on_the_other() {
    let server = redis_or_skip!();
    let a = replica(&server.url(), config(2000), no_limits, true).await;
    let b = replica(&server.url(), config(2000), no_limits, true).await;
    let token = identity("session-1", "device-1");
    exchange(&a, &token, None).await.unwrap();
    assert_eq!(
        exchange(&b, &token, None).await.unwrap_err(),
        ExchangeError::Replayed
    );
    assert_eq!(
        exchange(&a, &token, None).await.unwrap_err(),
        ExchangeError::Replayed
    );
    // Another identity token of the same session is another token.
    exchange(&b, &identity("session-1", "device-2"), None)
        .await
        .unwrap();
}

/// Redis goes away mid-run and comes back: the verifier accepts within the staleness bound
/// and fails closed past it (or open, when so configured, still refusing what it knows);
/// limits fall back to each replica; replay checks and new revocations fail with typed
/// errors; all recover once Redis is back, without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_stopped_mid_run_then_restarted() {
    let mut server = redis_or_skip!();
    let bound = 1500;
    let limits = |store| Some(RateLimits::new(store).anonymous_per_address(Limit::per_hour(3)));
    let a = replica(&server.url(), config(bound), limits, false).await;
    let b = replica(&server.url(), config(bound), no_limits, true).await;
    let open = Revocations::with_config(
        Store::redis(&server.url()).await.unwrap(),
        config(bound).fail_open(),
    )
    .unwrap();
    let open_verifier = Verifier::<Viewer>::new(key()).revocations(open.view());
    fresh(&[&a, &b]).await;
    eventually("the fail-open view is fresh", || open.view().is_fresh()).await;

    let issuer = Issuer::<Viewer>::new(key());
    let good = issuer.sign(&user("good"), "1h".parse().unwrap()).unwrap();
    let gone = issuer.sign(&user("gone"), "1h".parse().unwrap()).unwrap();
    a.revocations.revoke_subject("gone").await.unwrap();
    eventually("B and the open view know of the revocation", || {
        b.verifier.verify(gone.as_str()).is_err() && open_verifier.verify(gone.as_str()).is_err()
    })
    .await;
    let client: Option<IpAddr> = Some("192.0.2.20".parse().unwrap());
    exchange(&a, &identity("before", "d"), client)
        .await
        .unwrap();

    server.stop();
    // Within the bound: still answered from the view.
    b.verifier.verify(good.as_str()).unwrap();
    assert_eq!(
        b.verifier.verify(gone.as_str()).unwrap_err(),
        VerifyError::Revoked
    );
    // What needs Redis says so, by type and address.
    let address = server.address();
    match a.revocations.revoke_subject("later").await.unwrap_err() {
        StoreError::Unreachable { address: at } => assert_eq!(at, address),
        other => panic!("unexpected {other:?}"),
    }
    match exchange(&b, &identity("during", "d"), None)
        .await
        .unwrap_err()
    {
        ExchangeError::StoreUnavailable(StoreError::Unreachable { address: at }) => {
            assert_eq!(at, address)
        }
        other => panic!("unexpected {other:?}"),
    }
    // Limits fall back to this replica's own count: 3 more from this address, then none.
    for i in 0..3 {
        exchange(&a, &identity(&format!("down-{i}"), "d"), client)
            .await
            .unwrap();
    }
    assert_eq!(
        exchange(&a, &identity("down-3", "d"), client)
            .await
            .unwrap_err()
            .status(),
        429
    );
    // Past the bound: closed refuses everything, open accepts what it does not know of.
    let view = b.revocations.view();
    eventually("B's view is past its bound", || !view.is_fresh()).await;
    assert_eq!(
        b.verifier.verify(good.as_str()).unwrap_err(),
        VerifyError::RevocationsUnavailable
    );
    eventually("the open view is past its bound", || {
        !open.view().is_fresh()
    })
    .await;
    open_verifier.verify(good.as_str()).unwrap();
    assert_eq!(
        open_verifier.verify(gone.as_str()).unwrap_err(),
        VerifyError::Revoked
    );

    // Back (empty: the test server keeps nothing on disk). Everything recovers by itself.
    server.start();
    fresh(&[&a, &b]).await;
    b.verifier.verify(good.as_str()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match a.revocations.revoke_subject("good").await {
            Ok(()) => break,
            Err(err) => assert!(Instant::now() < deadline, "revoking still fails: {err}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eventually("B refuses the new revocation", || {
        b.verifier.verify(good.as_str()) == Err(VerifyError::Revoked)
    })
    .await;
    let token = identity("after", "d");
    exchange(&b, &token, None).await.unwrap();
    let c = replica(&server.url(), config(bound), no_limits, true).await;
    assert_eq!(
        exchange(&c, &token, None).await.unwrap_err(),
        ExchangeError::Replayed
    );
    // Limits are shared again: a fresh address gets exactly 3 across A and a new replica.
    let d = replica(&server.url(), config(bound), limits, false).await;
    let fresh_client: Option<IpAddr> = Some("192.0.2.21".parse().unwrap());
    let mut admitted = 0;
    for i in 0..8 {
        let replica = if i % 2 == 0 { &a } else { &d };
        if exchange(replica, &identity(&format!("up-{i}"), "d"), fresh_client)
            .await
            .is_ok()
        {
            admitted += 1;
        }
    }
    assert_eq!(admitted, 3);
}

/// A bounded load run: 10,000 exchanges, each verified on the other replica, plus the
/// tokens of revoked subjects verified again after each revocation; zero revoked tokens
/// accepted past the bound. Prints the figures SECURITY.md quotes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_run_across_two_replicas_with_revocations_interleaved() {
    let server = redis_or_skip!();
    let bound = Duration::from_millis(2000);
    let limits =
        |store| Some(RateLimits::new(store).anonymous_per_address(Limit::per_hour(1_000_000)));
    let a = replica(&server.url(), config(2000), limits, true).await;
    let b = replica(&server.url(), config(2000), limits, true).await;
    fresh(&[&a, &b]).await;
    let replicas = [&a, &b];
    let client: Option<IpAddr> = Some("192.0.2.30".parse().unwrap());
    const EXCHANGES: usize = 10_000;
    const SUBJECTS: usize = 100;
    // Per subject: the tokens issued to it so far; and when it was revoked (its watermark
    // then at most `before`, and the revocation done at `at`).
    let mut issued: Vec<Vec<String>> = vec![Vec::new(); SUBJECTS];
    let mut revoked: Vec<Option<(u64, Instant)>> = vec![None; SUBJECTS];
    let (mut verifies, mut revocations, mut refused_revoked) = (0usize, 0usize, 0usize);
    let (mut accepted_within_bound, mut accepted_past_bound) = (0usize, 0usize);
    let started = Instant::now();
    for i in 0..EXCHANGES {
        let (here, there) = (replicas[i % 2], replicas[(i + 1) % 2]);
        let s = i % SUBJECTS;
        let sid = format!("subject-{s}");
        let token = exchange(here, &identity(&sid, &format!("device-{i}")), client)
            .await
            .unwrap();
        let verdict = there.verifier.verify(&token);
        verifies += 1;
        let iat = now_unix();
        match (verdict, revoked[s]) {
            (Ok(_), _) => issued[s].push(token),
            // Issued in the second of its subject's revocation: refused with it.
            (Err(VerifyError::Revoked), Some((before, _))) if iat <= before + 1 => {}
            (other, _) => panic!("exchange {i}: {other:?}"),
        }
        if i % 50 == 49 {
            // Revoke a subject on one replica, then verify its earlier tokens on the other.
            let victim = (i / 50) % SUBJECTS;
            let before = now_unix();
            here.revocations
                .revoke_subject(&format!("subject-{victim}"))
                .await
                .unwrap();
            let at = Instant::now();
            revocations += 1;
            revoked[victim] = Some((before, at));
            for old in std::mem::take(&mut issued[victim]) {
                loop {
                    verifies += 1;
                    match there.verifier.verify(&old) {
                        Err(VerifyError::Revoked) => {
                            refused_revoked += 1;
                            break;
                        }
                        Ok(_) if at.elapsed() <= bound => {
                            accepted_within_bound += 1;
                            tokio::task::yield_now().await;
                        }
                        Ok(_) => {
                            accepted_past_bound += 1;
                            break;
                        }
                        Err(other) => panic!("{other:?}"),
                    }
                }
            }
        }
    }
    let elapsed = started.elapsed();
    println!(
        "load run: {EXCHANGES} exchanges, {verifies} verifies, {revocations} revocations, \
         {refused_revoked} revoked tokens refused, {accepted_within_bound} accepted while a \
         revocation was on its way (within the bound), {accepted_past_bound} accepted past \
         the bound, in {elapsed:?}"
    );
    assert_eq!(accepted_past_bound, 0);
    assert!(refused_revoked > 0);
    assert!(verifies >= EXCHANGES);
}

/// Unreachable, password-protected and non-Redis servers: typed errors naming the address,
/// never the password, in `Display` or `Debug`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_servers_and_credentials_are_typed_errors_without_the_password() {
    let server = match RedisServer::with_password("right-horse-battery") {
        Some(server) => server,
        None => return,
    };
    let show = |err: &StoreError| format!("{err} {err:?}");

    let port = free_port();
    let address = format!("127.0.0.1:{port}");
    let err = Store::redis(&format!("redis://:hunter2@{address}"))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        StoreError::Unreachable {
            address: address.clone()
        }
    );
    assert!(show(&err).contains(&address) && !show(&err).contains("hunter2"));

    let url = format!("redis://:wrong-password@{}", server.address());
    let err = Store::redis(&url).await.unwrap_err();
    assert_eq!(
        err,
        StoreError::Authentication {
            address: server.address()
        }
    );
    assert!(!show(&err).contains("wrong-password"));
    let err = Store::redis(&format!("redis://{}", server.address()))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        StoreError::Authentication {
            address: server.address()
        }
    );
    let store = Store::redis(&server.url()).await.unwrap();
    let debug = format!("{store:?}");
    assert!(
        debug.contains(&server.address()) && !debug.contains("right-horse"),
        "{debug}"
    );
    assert_eq!(store.address(), Some(server.address().as_str()));

    // A server that answers HTTP, not Redis.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let http = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
        }
    });
    let err = Store::redis(&format!("redis://:hunter2@{http}"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Protocol { address } if *address == http),
        "{err:?}"
    );
    assert!(!show(&err).contains("hunter2"));

    for url in [
        "http://127.0.0.1:6379",
        "redis://:hunter2@",
        "not a url hunter2",
    ] {
        let err = Store::redis(url).await.unwrap_err();
        assert_eq!(err, StoreError::InvalidUrl, "{url}");
        assert!(!show(&err).contains("hunter2"));
    }
}

/// An `examples/server` process, stopped when dropped.
struct Process {
    child: Child,
    base: String,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The example built beside this test binary (`cargo test` builds the examples).
fn example_server() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join("examples")
        .join("server");
    assert!(
        path.exists(),
        "{} is missing: build it with `cargo build --example server --features redis`",
        path.display()
    );
    path
}

fn spawn_server(redis_url: &str, limit: u32) -> Process {
    let mut child = Command::new(example_server())
        .args([
            "--listen",
            "127.0.0.1:0",
            "--org",
            ORG,
            "--redis",
            redis_url,
        ])
        .args(["--anonymous-limit", &limit.to_string(), "--reject-replays"])
        .env("SB_KEY_ID", KEY_ID)
        .env("SB_SECRET", SECRET)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("the server prints its address")
            .unwrap();
        if let Some(rest) = line.strip_prefix("listening on ") {
            break rest.split(' ').next().unwrap().to_owned();
        }
    };
    Process { child, base }
}

/// Two `examples/server` processes on one Redis: an identity token exchanged on one is a
/// replay on the other, a log-out on one is refused on the other, and the anonymous limit
/// holds across both (`429` with `Retry-After`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_server_processes_share_one_redis() {
    let server = redis_or_skip!();
    let limit = 6;
    let a = spawn_server(&server.url(), limit);
    let b = spawn_server(&server.url(), limit);
    let http = reqwest::Client::new();
    let post = |base: &str, token: &str| {
        http.post(format!("{base}/tokens"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(token))
            .send()
    };

    // Replay: counted by the limit, refused on B.
    let token = identity("proc-session", "d");
    assert_eq!(post(&a.base, &token).await.unwrap().status(), 200);
    let replay = post(&b.base, &token).await.unwrap();
    assert_eq!(replay.status(), 400);
    let body: serde_json::Value = serde_json::from_str(&replay.text().await.unwrap()).unwrap();
    assert_eq!(body["error"], "invalid_grant");

    // Log-out on A is refused on B.
    let alice = Issuer::<Viewer>::new(key())
        .sign(&user("alice"), "1h".parse().unwrap())
        .unwrap();
    let read = |base: &str| {
        http.get(format!("{base}/machines/toggle/i/nothing"))
            .bearer_auth(alice.as_str())
            .send()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while read(&b.base).await.unwrap().status() != 404 {
        // B's view becomes fresh shortly after it starts.
        assert!(Instant::now() < deadline, "B never accepted alice");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let logout = http
        .post(format!("{}/logout", a.base))
        .bearer_auth(alice.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204);
    while read(&b.base).await.unwrap().status() != 401 {
        assert!(Instant::now() < deadline, "B still accepts alice");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(read(&a.base).await.unwrap().status(), 401);

    // The limit across both: 2 taken above, so 4 of the next 10 pass.
    let mut admitted = 0;
    for i in 0..10 {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        let response = post(base, &identity(&format!("proc-{i}"), "d"))
            .await
            .unwrap();
        match response.status().as_u16() {
            200 => admitted += 1,
            429 => {
                let retry: u64 = response.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(retry >= 1);
                let body: serde_json::Value =
                    serde_json::from_str(&response.text().await.unwrap()).unwrap();
                assert_eq!(body["error"], "rate_limited");
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(admitted, limit - 2);

    // A Redis that is not there: the process says so, naming the address only.
    let port = free_port();
    let output = Command::new(example_server())
        .args(["--listen", "127.0.0.1:0", "--redis"])
        .arg(format!("redis://:hunter2@127.0.0.1:{port}"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("127.0.0.1:{port} is unreachable")),
        "{stderr}"
    );
    assert!(
        !stderr.contains("hunter2") && !String::from_utf8_lossy(&output.stdout).contains("hunter2")
    );
}
