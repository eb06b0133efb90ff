//! Instruction counts, for ratios that do not move with the machine's load: run one contender
//! `n` times under `valgrind --tool=callgrind --toggle-collect='*instructions::measure*'` (see
//! `scripts/benchmarks.sh`), so that only the operations are counted, not the set-up (which,
//! for RS256, generates an RSA key: a prime search whose cost differs from run to run).
//!
//! Usage: `instructions <contender> <n>`, contender one of `ours`, `jsonwebtoken`,
//! `jwt-simple`, `floor`, `ours-revocations` (with a revocation view), `sign-ours`, `sign-jsonwebtoken`, `anonymous-exchange`, or
//! `rs256-` or `es256-` followed by `ours`, `jsonwebtoken`, `floor` or `raw`.

mod common;

use common::{Asymmetric, Fixture};
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
        // `cargo bench` runs every bench target without arguments: nothing to do.
        return;
    };
    let n: u64 = n.parse().expect("n is a number");
    if let Some((algorithm, contender)) = contender.split_once('-')
        && matches!(algorithm, "rs256" | "es256")
    {
        let f = match algorithm {
            "rs256" => Asymmetric::rs256(),
            _ => Asymmetric::es256(),
        };
        let token = f.token.as_str();
        match contender {
            "ours" => measure(&|| drop(black_box(f.ours(black_box(token)))), n),
            "jsonwebtoken" => measure(&|| drop(black_box(f.jsonwebtoken(black_box(token)))), n),
            "floor" => measure(&|| drop(black_box(f.floor(black_box(token)))), n),
            "raw" => measure(
                &|| f.raw(black_box(&f.signing_input), black_box(&f.signature)),
                n,
            ),
            other => panic!("unknown contender {algorithm}-{other}"),
        }
        return;
    }
    let f = Fixture::new();
    let viewer = common::viewer();
    let (token, identity) = (f.token.as_str(), f.identity_token.as_str());
    match contender.as_str() {
        "ours" => measure(&|| drop(black_box(f.ours(black_box(token)))), n),
        "ours-revocations" => {
            let checked = common::with_revocations(&f.verifier);
            measure(&|| drop(black_box(checked.verify(black_box(token)))), n)
        }
        "jsonwebtoken" => measure(&|| drop(black_box(f.jsonwebtoken(black_box(token)))), n),
        "jwt-simple" => measure(&|| drop(black_box(f.jwt_simple(black_box(token)))), n),
        "floor" => measure(&|| drop(black_box(f.floor(black_box(token)))), n),
        "sign-ours" => measure(&|| drop(black_box(f.sign_ours(black_box(&viewer)))), n),
        "sign-jsonwebtoken" => measure(
            &|| drop(black_box(f.sign_jsonwebtoken(black_box(&viewer)))),
            n,
        ),
        "anonymous-exchange" => measure(
            &|| drop(black_box(f.anonymous_exchange(black_box(identity)))),
            n,
        ),
        other => panic!("unknown contender {other}"),
    }
}
