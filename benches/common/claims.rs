//! The claims every contender reads, the tokens' fixed contents and the naive floor: shared by
//! the main benchmarks and the peer crate outside the workspace (`benches/peer`, oxitoken on
//! aws-lc-rs 1.14), so that both processes build, check and measure the same bytes the same
//! way. The floor is the same source compiled against each process's aws-lc-rs: measured in
//! both, it calibrates one process against the other.
#![allow(dead_code)]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;
use std::time::{SystemTime, UNIX_EPOCH};

pub const KEY_ID: &str = "sbk_bench";
pub const SECRET: &str = "sbsec_bench_secret_0123456789abcdefghijklmnop";
/// The audience our issuer writes and every contender requires.
pub const AUDIENCE: &str = "https://api.statebacked.dev/";
/// The issuer our issuer writes for [`KEY_ID`] and every contender requires.
pub const ISSUER: &str = "https://sbk_bench.client.statebacked.dev/";
/// The verify benchmarks' tokens are issued at a fixed time (2026-01-01T00:00:00Z) and
/// expire at another (2100-01-01T00:00:00Z), so that their bytes do not depend on when or
/// where they were made: the two processes build the same tokens.
pub const IAT: u64 = 1_767_225_600;
pub const EXP: u64 = 4_102_444_800;
/// The clock skew allowed on `exp` by the contenders that take one.
pub const LEEWAY: u64 = 30;
/// The longest token our verifier accepts by default (its `DEFAULT_MAX_TOKEN_LEN`): oxitoken
/// is given the same bound.
pub const MAX_TOKEN_LEN: usize = 8 * 1024;
/// `act` sizes of the linearity series: how many `groups`.
pub const GROUP_COUNTS: [usize; 4] = [1, 10, 100, 1000];
/// The longest token the linearity series' verifiers accept: its largest token is about
/// 12 KiB, past the default bound of 8 KiB. The bound is still checked on every token.
pub const LONG_TOKEN_LEN: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[claims(anonymous)]
pub struct Viewer {
    #[claim(anonymous)]
    pub sid: Option<String>,
    #[claim(anonymous)]
    pub did: Option<String>,
    #[claim(subject, validate(length(min = 1, max = 128)))]
    pub sub: Option<String>,
    #[claim(validate(email))]
    pub email: Option<String>,
    #[serde(default)]
    #[claim(validate(each(one_of("admin", "member", "viewer"))))]
    pub groups: Vec<String>,
}

/// The benchmark's claims: `sub`, `email` and two `groups`.
pub fn viewer() -> Viewer {
    Viewer {
        sid: None,
        did: None,
        sub: Some("user-82".into()),
        email: Some("ada@example.com".into()),
        groups: groups(2),
    }
}

/// `n` group names, the three allowed ones in turn.
fn groups(n: usize) -> Vec<String> {
    const NAMES: [&str; 3] = ["admin", "member", "viewer"];
    (0..n).map(|i| NAMES[i % NAMES.len()].to_owned()).collect()
}

/// The most groups one array of a [`Roster`] holds. Our verifier bounds every JSON array and
/// object at 256 items or members (a strictness check it does not let callers raise), so
/// 1000 groups in one array would be refused before any claim is read.
pub const CHUNK: usize = 250;

/// The linearity series' claims: the [`Viewer`]'s, with the groups in arrays of at most
/// [`CHUNK`] names each (one array up to 250 groups, four for 1000), under the same rule
/// for every name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[claims(anonymous)]
pub struct Roster {
    #[claim(anonymous)]
    pub sid: Option<String>,
    #[claim(anonymous)]
    pub did: Option<String>,
    #[claim(validate(length(min = 1, max = 128)))]
    pub sub: Option<String>,
    #[claim(validate(email))]
    pub email: Option<String>,
    #[serde(default)]
    #[claim(validate(each(each(one_of("admin", "member", "viewer")))))]
    pub groups: Vec<Vec<String>>,
}

/// The series' claims with `n` groups.
pub fn roster(n: usize) -> Roster {
    let viewer = viewer();
    Roster {
        sid: None,
        did: None,
        sub: viewer.sub,
        email: viewer.email,
        groups: groups(n).chunks(CHUNK).map(<[String]>::to_vec).collect(),
    }
}

/// The whole claims set, for jsonwebtoken and the floor.
#[derive(Debug, Serialize, Deserialize)]
pub struct Payload<C = Viewer> {
    pub act: C,
    pub aud: String,
    pub exp: u64,
    pub iss: String,
    pub iat: u64,
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The prepared HMAC alone, with what it cannot do without: the token split at its last dot
/// and the signature base64-decoded (the floor's first steps).
pub fn mac(key: &aws_lc_rs::hmac::Key, token: &str) {
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
    aws_lc_rs::hmac::verify(key, signing_input.as_bytes(), &signature).unwrap();
}

/// The naive floor: the token split, one HMAC-SHA256 with a prepared key, the base64 decodes,
/// one serde_json pass into the struct, `exp`, `aud` and `iss` checked, and the claims' own
/// rules. No look at the header, no strict JSON, no size bound.
pub fn floor<C: Claims + for<'de> Deserialize<'de>>(key: &aws_lc_rs::hmac::Key, token: &str) -> C {
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let payload = signing_input.split_once('.').unwrap().1;
    let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
    aws_lc_rs::hmac::verify(key, signing_input.as_bytes(), &signature).unwrap();
    registered(payload)
}

/// The floor's steps after the signature check, on the claims set's base64: decode, one
/// serde_json pass, `exp`, `aud` and `iss`, the claims' rules. The asymmetric floors share it.
pub fn registered<C: Claims + for<'de> Deserialize<'de>>(payload: &str) -> C {
    let json = URL_SAFE_NO_PAD.decode(payload).unwrap();
    let claims: Payload<C> = serde_json::from_slice(&json).unwrap();
    assert!(claims.exp + LEEWAY > now(), "expired");
    assert!(claims.aud == AUDIENCE, "wrong audience");
    assert!(claims.iss == ISSUER, "wrong issuer");
    claims.act.validate().unwrap();
    claims.act
}
