//! Instruction counts of the peer's contenders, as the main `instructions` binary counts ours:
//! run one contender `n` times under
//! `valgrind --tool=callgrind --toggle-collect='*instructions::measure*'`.
//!
//! Usage: `instructions <contender> <n>`, contender one of `oxitoken`, `floor`, `mac`,
//! `sign-oxitoken`, or `linearity-oxitoken-<groups>` or `linearity-floor-<groups>`.

use statebacked_claims_peer_bench::{Peer, viewer};
use std::hint::black_box;

/// Runs `op` `n` times: the only function callgrind collects in.
#[inline(never)]
fn measure(op: &dyn Fn(), n: u64) {
    for _ in 0..n {
        op();
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(contender), Some(n)) = (args.next(), args.next()) else {
        eprintln!("usage: instructions <contender> <n>");
        std::process::exit(2);
    };
    let n: u64 = n.parse().expect("n is a number");
    let p = Peer::new(None);
    let token = p.token.as_str();
    if let Some(rest) = contender.strip_prefix("linearity-") {
        let (contender, groups) = rest
            .rsplit_once('-')
            .expect("linearity-<contender>-<groups>");
        let groups: usize = groups.parse().expect("groups is a number");
        let token = p
            .series
            .iter()
            .find_map(|(g, t)| (*g == groups).then_some(t.as_str()))
            .expect("a group count of the series");
        match contender {
            "oxitoken" => measure(&|| drop(black_box(p.oxitoken_long(black_box(token)))), n),
            "floor" => measure(&|| drop(black_box(p.floor_long(black_box(token)))), n),
            other => panic!("unknown contender linearity-{other}"),
        }
        return;
    }
    let viewer = viewer();
    match contender.as_str() {
        "oxitoken" => measure(&|| drop(black_box(p.oxitoken(black_box(token)))), n),
        "floor" => measure(&|| drop(black_box(p.floor(black_box(token)))), n),
        "mac" => measure(&|| p.mac(black_box(token)), n),
        "sign-oxitoken" => measure(&|| drop(black_box(p.sign(black_box(&viewer)))), n),
        other => panic!("unknown contender {other}"),
    }
}
