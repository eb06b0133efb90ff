//! Wall-clock benchmarks: verify and sign side by side with jsonwebtoken 11, jwt-simple, the
//! floor and the prepared HMAC alone, in one run; RS256, ES256 and EdDSA verify against
//! jsonwebtoken, the floor and the backend's raw signature check; `act` with 1 to 1000 groups
//! (ours and the floor); the anonymous exchange; verify on 1 and 2 threads; verify with a
//! revocation view holding 20,000 entries against verify without one. oxitoken is measured on
//! the same tokens by benches/peer, outside the workspace.
//!
//! `cargo bench --bench tokens`; `scripts/benchmarks.sh` runs it and writes BENCHMARKS.md.

mod common;

use common::{Asymmetric, Fixture, Series};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

/// One way to verify the benchmark token.
type Contender = fn(&Fixture, &str) -> common::Viewer;

fn verify(c: &mut Criterion) {
    let f = Fixture::new();
    let mut group = c.benchmark_group("verify_hs256");
    group.throughput(Throughput::Bytes(f.token.len() as u64));
    let contenders: [(&str, Contender); 4] = [
        ("statebacked-claims", Fixture::ours),
        ("jsonwebtoken", Fixture::jsonwebtoken),
        ("jwt-simple", Fixture::jwt_simple),
        ("floor", Fixture::floor),
    ];
    for (name, run) in contenders {
        assert_eq!(run(&f, &f.token), common::viewer());
        group.bench_function(name, |b| b.iter(|| run(&f, black_box(&f.token))));
    }
    group.bench_function("mac", |b| b.iter(|| f.mac(black_box(&f.token))));
    group.finish();
}

/// Cost against size: `act` with 1, 10, 100 and 1000 groups, ours and the floor.
fn linearity(c: &mut Criterion) {
    let s = Series::new();
    let mut group = c.benchmark_group("linearity");
    for (n, token) in &s.tokens {
        group.throughput(Throughput::Bytes(token.len() as u64));
        group.bench_with_input(BenchmarkId::new("statebacked-claims", n), token, |b, t| {
            b.iter(|| s.ours(black_box(t)))
        });
        group.bench_with_input(BenchmarkId::new("floor", n), token, |b, t| {
            b.iter(|| s.floor(black_box(t)))
        });
    }
    group.finish();
}

/// One way to verify an RS256, ES256 or EdDSA token.
type AsymmetricContender = fn(&Asymmetric, &str) -> common::Viewer;

fn verify_asymmetric(c: &mut Criterion) {
    for f in Asymmetric::all() {
        let name = format!("verify_{}", f.algorithm).to_lowercase();
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(f.token.len() as u64));
        let contenders: [(&str, AsymmetricContender); 3] = [
            ("statebacked-claims", Asymmetric::ours),
            ("jsonwebtoken", Asymmetric::jsonwebtoken),
            ("floor", Asymmetric::floor),
        ];
        for (name, run) in contenders {
            assert_eq!(run(&f, &f.token), common::viewer());
            group.bench_function(name, |b| b.iter(|| run(&f, black_box(&f.token))));
        }
        group.bench_function("raw", |b| {
            b.iter(|| f.raw(black_box(&f.signing_input), black_box(&f.signature)))
        });
        group.finish();
    }
}

fn sign(c: &mut Criterion) {
    let f = Fixture::new();
    let viewer = common::viewer();
    let mut group = c.benchmark_group("sign_hs256");
    group.bench_function("statebacked-claims", |b| {
        b.iter(|| f.sign_ours(black_box(&viewer)))
    });
    group.bench_function("jsonwebtoken", |b| {
        b.iter(|| f.sign_jsonwebtoken(black_box(&viewer)))
    });
    group.finish();
}

/// RS256, ES256 and EdDSA signing: ours with the private key parsed once, jsonwebtoken's
/// `encode` (which has the backend parse it on every call).
fn sign_asymmetric(c: &mut Criterion) {
    let viewer = common::viewer();
    for f in Asymmetric::all() {
        let mut group = c.benchmark_group(format!("sign_{}", f.algorithm).to_lowercase());
        for token in [f.sign_ours(&viewer), f.sign_jsonwebtoken(&viewer)] {
            assert_eq!(f.ours(&token), viewer);
        }
        group.bench_function("statebacked-claims", |b| {
            b.iter(|| f.sign_ours(black_box(&viewer)))
        });
        group.bench_function("jsonwebtoken", |b| {
            b.iter(|| f.sign_jsonwebtoken(black_box(&viewer)))
        });
        group.finish();
    }
}

fn anonymous_exchange(c: &mut Criterion) {
    let f = Fixture::new();
    let mut group = c.benchmark_group("anonymous_exchange");
    group.bench_function("statebacked-claims", |b| {
        b.iter(|| f.anonymous_exchange(black_box(&f.identity_token)))
    });
    group.finish();
}

fn threads(c: &mut Criterion) {
    let f = Fixture::new();
    const BATCH: u64 = 5_000;
    let mut group = c.benchmark_group("verify_threads");
    for threads in [1u64, 2] {
        group.throughput(Throughput::Elements(BATCH * threads));
        group.bench_function(BenchmarkId::from_parameter(threads), |b| {
            b.iter(|| {
                std::thread::scope(|scope| {
                    for _ in 0..threads {
                        scope.spawn(|| {
                            for _ in 0..BATCH {
                                black_box(f.ours(black_box(&f.token)));
                            }
                        });
                    }
                })
            })
        });
    }
    group.finish();
}

/// Verify with revocations checked (a view of 10,000 revoked subjects and 10,000 token ids,
/// none of them this token's) against verify without: the view's lookup is all it adds.
fn verify_revocation(c: &mut Criterion) {
    let f = Fixture::new();
    let checked = common::with_revocations(&f.verifier);
    assert_eq!(
        checked.verify(&f.token).unwrap().into_claims(),
        common::viewer()
    );
    let mut group = c.benchmark_group("verify_revocation");
    group.bench_function("off", |b| b.iter(|| f.ours(black_box(&f.token))));
    group.bench_function("on", |b| {
        b.iter(|| checked.verify(black_box(&f.token)).unwrap().into_claims())
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1));
    targets = verify, verify_asymmetric, linearity, sign, sign_asymmetric, anonymous_exchange,
        threads, verify_revocation
}
criterion_main!(benches);
