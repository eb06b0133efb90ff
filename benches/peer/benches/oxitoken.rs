//! oxitoken 0.1.0 on the main benchmarks' tokens, with the floor and the prepared HMAC the main
//! benchmarks measure too: verify and sign of the HS256 token, and the linearity series.
//!
//! `cargo bench --manifest-path benches/peer/Cargo.toml --bench oxitoken`;
//! `scripts/benchmarks.sh` runs it alternately with the main benchmarks, with
//! `SB_BENCH_TOKENS` naming the main process's tokens so that they are checked to be these.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use statebacked_claims_peer_bench::{Peer, Viewer, shared_tokens, viewer};
use std::hint::black_box;
use std::time::Duration;

/// One way to verify the benchmark token.
type Contender = fn(&Peer, &str) -> Viewer;

fn verify(c: &mut Criterion) {
    let p = Peer::new(shared_tokens().as_deref());
    let mut group = c.benchmark_group("peer_verify_hs256");
    group.throughput(Throughput::Bytes(p.token.len() as u64));
    let contenders: [(&str, Contender); 2] = [("oxitoken", Peer::oxitoken), ("floor", Peer::floor)];
    for (name, run) in contenders {
        assert_eq!(run(&p, &p.token), viewer());
        group.bench_function(name, |b| b.iter(|| run(&p, black_box(&p.token))));
    }
    group.bench_function("mac", |b| b.iter(|| p.mac(black_box(&p.token))));
    group.finish();
}

fn sign(c: &mut Criterion) {
    let p = Peer::new(None);
    let viewer = viewer();
    let mut group = c.benchmark_group("peer_sign_hs256");
    group.bench_function("oxitoken", |b| b.iter(|| p.sign(black_box(&viewer))));
    group.finish();
}

/// Cost against size: `act` with 1, 10, 100 and 1000 groups, oxitoken and the floor.
fn linearity(c: &mut Criterion) {
    let p = Peer::new(None);
    let mut group = c.benchmark_group("peer_linearity");
    for (n, token) in &p.series {
        group.throughput(Throughput::Bytes(token.len() as u64));
        group.bench_with_input(BenchmarkId::new("oxitoken", n), token, |b, t| {
            b.iter(|| p.oxitoken_long(black_box(t)))
        });
        group.bench_with_input(BenchmarkId::new("floor", n), token, |b, t| {
            b.iter(|| p.floor_long(black_box(t)))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // The main benchmarks' settings.
    config = Criterion::default()
        .measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1));
    targets = verify, sign, linearity
}
criterion_main!(benches);
