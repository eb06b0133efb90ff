//! Instruction counts, for ratios that do not move with the machine's load: run one contender
//! `n` times under `valgrind --tool=callgrind` (see `scripts/benchmarks.sh`).
//!
//! Usage: `instructions <contender> <n>`, contender one of `ours`, `jsonwebtoken`,
//! `jwt-simple`, `floor`, `sign-ours`, `sign-jsonwebtoken`, `anonymous-exchange`.

mod common;

use common::Fixture;
use std::hint::black_box;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(contender), Some(n)) = (args.next(), args.next()) else {
        // `cargo bench` runs every bench target without arguments: nothing to do.
        return;
    };
    let n: u64 = n.parse().expect("n is a number");
    let f = Fixture::new();
    let viewer = common::viewer();
    for _ in 0..n {
        match contender.as_str() {
            "ours" => drop(black_box(f.ours(black_box(&f.token)))),
            "jsonwebtoken" => drop(black_box(f.jsonwebtoken(black_box(&f.token)))),
            "jwt-simple" => drop(black_box(f.jwt_simple(black_box(&f.token)))),
            "floor" => drop(black_box(f.floor(black_box(&f.token)))),
            "sign-ours" => drop(black_box(f.sign_ours(black_box(&viewer)))),
            "sign-jsonwebtoken" => drop(black_box(f.sign_jsonwebtoken(black_box(&viewer)))),
            "anonymous-exchange" => drop(black_box(
                f.anonymous_exchange(black_box(&f.identity_token)),
            )),
            other => panic!("unknown contender {other}"),
        }
    }
}
