//! Instruction counts, for ratios that do not move with the machine's load: run one contender
//! `n` times under `valgrind --tool=callgrind --toggle-collect='*instructions::measure*'` (see
//! `scripts/benchmarks.sh`), so that only the operations are counted, not the set-up (which,
//! for RS256, generates an RSA key: a prime search whose cost differs from run to run).
//!
//! Usage: `instructions <contender> <n>`, contender one of `ours`, `jsonwebtoken`,
//! `jwt-simple`, `floor`, `mac` (the prepared HMAC alone), `ours-revocations` (with a
//! revocation view), `sign-ours`, `sign-jsonwebtoken`, `anonymous-exchange`; `rs256-`,
//! `es256-` or `eddsa-` followed by `ours`, `jsonwebtoken`, `floor` or `raw`; or
//! `linearity-ours-<groups>` or `linearity-floor-<groups>` (groups one of 1, 10, 100, 1000).
//!
//! `instructions tokens <path>` writes the tokens benches/peer measures too, as JSON.

mod common;

use common::{Asymmetric, Fixture, Series};
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
    if contender == "tokens" {
        std::fs::write(&n, common::shared_tokens_json()).expect("the tokens file is written");
        return;
    }
    let n: u64 = n.parse().expect("n is a number");
    if let Some(rest) = contender.strip_prefix("linearity-") {
        let (contender, groups) = rest
            .rsplit_once('-')
            .expect("linearity-<contender>-<groups>");
        let groups: usize = groups.parse().expect("groups is a number");
        let s = Series::new();
        let token = s
            .tokens
            .iter()
            .find_map(|(g, t)| (*g == groups).then_some(t.as_str()))
            .expect("a group count of the series");
        match contender {
            "ours" => measure(&|| drop(black_box(s.ours(black_box(token)))), n),
            "floor" => measure(&|| drop(black_box(s.floor(black_box(token)))), n),
            other => panic!("unknown contender linearity-{other}"),
        }
        return;
    }
    if let Some((algorithm, contender)) = contender.split_once('-')
        && matches!(algorithm, "rs256" | "es256" | "eddsa")
    {
        let f = match algorithm {
            "rs256" => Asymmetric::rs256(),
            "es256" => Asymmetric::es256(),
            _ => Asymmetric::ed25519(),
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
        "mac" => measure(&|| f.mac(black_box(token)), n),
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
