//! Verify and sign, side by side with jsonwebtoken 11 and jwt-simple, and the floor: the
//! unavoidable work of one HMAC-SHA256, the base64 decodes and one serde_json pass.
//!
//! `cargo bench --bench tokens`; `scripts/benchmarks.sh` runs it and writes BENCHMARKS.md.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde::{Deserialize, Serialize};
use statebacked_claims::{
    AnonymousProvider, AnonymousSession, Claims, Expires, FixedClock, Issuer, Key, Verifier,
};
use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const KEY_ID: &str = "sbk_bench";
const SECRET: &str = "sbsec_bench_secret_0123456789abcdefghijklmnop";
const ORG: &str = "org_3xGQJzvPSOuH2W6m2K4s8A";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[claims(anonymous)]
struct Viewer {
    #[claim(anonymous)]
    sid: Option<String>,
    #[claim(anonymous)]
    did: Option<String>,
    #[claim(validate(length(min = 1, max = 128)))]
    sub: Option<String>,
    #[claim(validate(email))]
    email: Option<String>,
    #[serde(default)]
    #[claim(validate(each(one_of("admin", "member", "viewer"))))]
    groups: Vec<String>,
}

/// The whole claims set, for jsonwebtoken, jwt-simple and the floor.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    act: Viewer,
    aud: String,
    exp: u64,
    iss: String,
    iat: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct ActOnly {
    act: Viewer,
}

fn viewer() -> Viewer {
    Viewer {
        sid: None,
        did: None,
        sub: Some("user-82".into()),
        email: Some("ada@example.com".into()),
        groups: vec!["admin".into(), "member".into()],
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn install_jsonwebtoken_provider() {
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
}

fn verify(c: &mut Criterion) {
    install_jsonwebtoken_provider();
    let key = Key::hs256(KEY_ID, SECRET).unwrap();
    let issuer = Issuer::<Viewer>::new(key.clone());
    let token = issuer
        .sign(&viewer(), "1d".parse().unwrap())
        .unwrap()
        .into_string();
    let verifier = Verifier::<Viewer>::new(key.clone());

    let mut group = c.benchmark_group("verify_hs256");
    group.throughput(Throughput::Bytes(token.len() as u64));
    group.bench_function(BenchmarkId::new("statebacked-claims", token.len()), |b| {
        b.iter(|| verifier.verify(black_box(&token)).unwrap())
    });

    let decoding = jsonwebtoken::DecodingKey::from_secret(SECRET.as_bytes());
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_audience(&["https://api.statebacked.dev/"]);
    validation.set_required_spec_claims(&["exp", "aud"]);
    validation.leeway = 30;
    group.bench_function(BenchmarkId::new("jsonwebtoken", token.len()), |b| {
        b.iter(|| {
            let data =
                jsonwebtoken::decode::<Payload>(black_box(&token), &decoding, &validation).unwrap();
            data.claims.act.validate().unwrap();
            data
        })
    });

    let simple_key = jwt_simple::prelude::HS256Key::from_bytes(SECRET.as_bytes());
    let options = jwt_simple::prelude::VerificationOptions {
        allowed_audiences: Some(["https://api.statebacked.dev/".to_owned()].into()),
        time_tolerance: Some(jwt_simple::prelude::Duration::from_secs(30)),
        ..Default::default()
    };
    group.bench_function(BenchmarkId::new("jwt-simple", token.len()), |b| {
        use jwt_simple::prelude::MACLike;
        b.iter(|| {
            let claims = simple_key
                .verify_token::<ActOnly>(black_box(&token), Some(options.clone()))
                .unwrap();
            claims.custom.act.validate().unwrap();
            claims
        })
    });

    let hmac_key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, SECRET.as_bytes());
    group.bench_function(BenchmarkId::new("floor", token.len()), |b| {
        b.iter(|| {
            let token = black_box(&token);
            let (signing_input, signature) = token.rsplit_once('.').unwrap();
            let payload = signing_input.split_once('.').unwrap().1;
            let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
            aws_lc_rs::hmac::verify(&hmac_key, signing_input.as_bytes(), &signature).unwrap();
            let json = URL_SAFE_NO_PAD.decode(payload).unwrap();
            let claims: Payload = serde_json::from_slice(&json).unwrap();
            claims.act.validate().unwrap();
            claims
        })
    });
    group.finish();
}

fn sign(c: &mut Criterion) {
    install_jsonwebtoken_provider();
    let key = Key::hs256(KEY_ID, SECRET).unwrap();
    let issuer = Issuer::<Viewer>::new(key);
    let viewer = viewer();
    let expires = Expires::in_(Duration::from_secs(86_400));

    let mut group = c.benchmark_group("sign_hs256");
    group.bench_function("statebacked-claims", |b| {
        b.iter(|| issuer.sign(black_box(&viewer), expires).unwrap())
    });
    let encoding = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(KEY_ID.into());
    header.typ = None;
    group.bench_function("jsonwebtoken", |b| {
        b.iter(|| {
            let viewer = black_box(&viewer);
            viewer.validate().unwrap();
            let now = now();
            let payload = Payload {
                act: viewer.clone(),
                aud: "https://api.statebacked.dev/".into(),
                exp: now + 86_400,
                iss: format!("https://{KEY_ID}.client.statebacked.dev/"),
                iat: now,
            };
            jsonwebtoken::encode(&header, &payload, &encoding).unwrap()
        })
    });
    group.finish();
}

fn anonymous_exchange(c: &mut Criterion) {
    let key = Key::hs256(KEY_ID, SECRET).unwrap();
    let issuer = Issuer::<Viewer>::new(key);
    let provider = AnonymousProvider::new(ORG).unwrap();
    let identity = AnonymousSession::new(ORG)
        .identity_token()
        .unwrap()
        .into_string();
    let expires = Expires::in_(Duration::from_secs(3_600));
    c.bench_function("anonymous_exchange/statebacked-claims", |b| {
        b.iter(|| {
            provider
                .exchange(black_box(&identity), &issuer, expires)
                .unwrap()
        })
    });
}

fn threads(c: &mut Criterion) {
    let key = Key::hs256(KEY_ID, SECRET).unwrap();
    let token = Issuer::<Viewer>::new(key.clone())
        .clock(FixedClock::at_unix(now()))
        .sign(&viewer(), "1d".parse().unwrap())
        .unwrap()
        .into_string();
    let verifier = Verifier::<Viewer>::new(key);
    const BATCH: u64 = 10_000;
    let mut group = c.benchmark_group("verify_threads");
    for threads in [1u64, 2] {
        group.throughput(Throughput::Elements(BATCH * threads));
        group.bench_function(BenchmarkId::from_parameter(threads), |b| {
            b.iter(|| {
                std::thread::scope(|scope| {
                    for _ in 0..threads {
                        scope.spawn(|| {
                            for _ in 0..BATCH {
                                black_box(verifier.verify(black_box(&token)).unwrap());
                            }
                        });
                    }
                })
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = verify, sign, anonymous_exchange, threads
}
criterion_main!(benches);
