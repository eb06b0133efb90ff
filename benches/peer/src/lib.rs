//! oxitoken 0.1.0 on the main benchmarks' tokens, and the same naive floor and prepared HMAC
//! as the main benchmarks (one source, `benches/common/claims.rs`), so that the two processes
//! can be calibrated against each other: ours / oxitoken = (ours / floor in the main process) ×
//! (floor / oxitoken here).

// The claims type, the tokens' fixed contents and the floor, shared with the main benchmarks.
#[path = "../../common/claims.rs"]
mod claims;

pub use claims::*;

use aws_lc_rs::hmac::{HMAC_SHA256, Key as HmacKey};
use oxitoken::Algorithm;
use oxitoken::claims::{Aud, Exp, Iss};
use oxitoken::crypto::aws_lc::AwsLcVerificationKey;
use oxitoken::header::Alg;
use oxitoken::validation::{StaticKeyProvider, ValidationPipeline};
use serde::{Deserialize, Serialize};
use statebacked_claims::{Claims, Expires, FixedClock, Issuer, Key};

/// The header as oxitoken reads it: `alg` checked against the key's. The `kid` is not looked
/// at: a static key provider, oxitoken's fastest (ours looks the key up by `kid`).
#[derive(Debug, Deserialize)]
pub struct OxiHeader {
    alg: Algorithm,
}

impl Alg for OxiHeader {
    fn alg(&self) -> Algorithm {
        self.alg
    }
}

/// The claims set as oxitoken reads it: `act` into the bench's claims type, and the registered
/// claims its validators check.
#[derive(Debug, Deserialize)]
pub struct OxiPayload<C> {
    pub act: C,
    pub aud: String,
    pub exp: i64,
    pub iss: String,
    pub iat: i64,
}

impl<C> Aud for OxiPayload<C> {
    fn aud(&self) -> impl Iterator<Item = impl AsRef<str>> {
        std::iter::once(self.aud.as_str())
    }
}

impl<C> Exp for OxiPayload<C> {
    fn exp(&self) -> i64 {
        self.exp
    }
}

impl<C> Iss for OxiPayload<C> {
    fn iss(&self) -> &str {
        &self.iss
    }
}

/// The header oxitoken signs: our issuer's, `alg` then `kid`.
#[derive(Serialize)]
struct SignHeader<'a> {
    alg: Algorithm,
    kid: &'a str,
}

impl Alg for SignHeader<'_> {
    fn alg(&self) -> Algorithm {
        self.alg
    }
}

/// The claims set oxitoken signs, borrowed: our issuer's members in our issuer's order.
#[derive(Serialize)]
struct SignPayload<'a, C> {
    act: &'a C,
    aud: &'a str,
    exp: u64,
    iss: &'a str,
    iat: u64,
}

type Pipeline<C> =
    ValidationPipeline<OxiHeader, OxiPayload<C>, StaticKeyProvider<AwsLcVerificationKey>>;

/// oxitoken checking what every contender checks: the signature (with `alg` against the
/// key's), `exp`, `aud` and `iss`, a bound on the token's size; then the claims' own rules.
fn pipeline<C: for<'de> Deserialize<'de>>(max_size: usize) -> Pipeline<C> {
    let key = AwsLcVerificationKey::try_from(HmacKey::new(HMAC_SHA256, SECRET.as_bytes())).unwrap();
    ValidationPipeline::builder(StaticKeyProvider::new(key))
        .with_max_size(max_size)
        .with_expiration_validator()
        .with_audience_validator(AUDIENCE)
        .with_issuer_validator(ISSUER)
        .build()
}

/// The verify benchmarks' token, made by our issuer (under RustCrypto here: HMAC is
/// deterministic, so the bytes are the main process's).
pub fn fixed_token<C: Claims + Serialize>(claims: &C) -> String {
    let key = Key::hs256(KEY_ID, SECRET).unwrap();
    Issuer::<C>::new(key)
        .clock(FixedClock::at_unix(IAT))
        .sign(claims, Expires::at_unix(EXP))
        .unwrap()
        .into_string()
}

/// Everything the peer's contenders need, built once and checked.
pub struct Peer {
    /// The main benchmarks' HS256 token.
    pub token: String,
    /// The linearity series: `(groups, token)`, smallest first.
    pub series: Vec<(usize, String)>,
    verify: Pipeline<Viewer>,
    /// The same for the series' claims, taking its longest tokens.
    verify_long: Pipeline<Roster>,
    sign_key: HmacKey,
    floor_key: HmacKey,
}

impl Peer {
    /// Builds the tokens, checks that oxitoken signs the very same bytes for the same claims
    /// and that every contender reads them back; with `shared` (the main process's tokens, as
    /// `instructions tokens <path>` writes them), checks that they are the main process's.
    pub fn new(shared: Option<&str>) -> Self {
        let peer = Peer {
            token: fixed_token(&viewer()),
            series: GROUP_COUNTS
                .iter()
                .map(|&n| (n, fixed_token(&roster(n))))
                .collect(),
            verify: pipeline(MAX_TOKEN_LEN),
            verify_long: pipeline(LONG_TOKEN_LEN),
            sign_key: HmacKey::new(HMAC_SHA256, SECRET.as_bytes()),
            floor_key: HmacKey::new(HMAC_SHA256, SECRET.as_bytes()),
        };
        assert_eq!(
            peer.encode(&viewer(), IAT, EXP),
            peer.token,
            "oxitoken signs our issuer's bytes"
        );
        assert_eq!(peer.oxitoken(&peer.token), viewer());
        assert_eq!(peer.floor(&peer.token), viewer());
        peer.mac(&peer.token);
        for (n, token) in &peer.series {
            let expected = roster(*n);
            assert_eq!(&peer.encode(&expected, IAT, EXP), token);
            assert_eq!(peer.oxitoken_long(token), expected, "oxitoken, {n} groups");
            assert_eq!(peer.floor_long(token), expected, "floor, {n} groups");
        }
        if let Some(shared) = shared {
            let shared: serde_json::Value = serde_json::from_str(shared).unwrap();
            assert_eq!(shared["secret"], SECRET, "the main process's secret");
            assert_eq!(
                shared["token"],
                peer.token.as_str(),
                "the main process's token"
            );
            for (n, token) in &peer.series {
                assert_eq!(
                    shared["series"][n.to_string()],
                    token.as_str(),
                    "{n} groups"
                );
            }
        }
        peer
    }

    /// oxitoken `ValidationPipeline::verify`, then the claims' rules.
    pub fn oxitoken(&self, token: &str) -> Viewer {
        let (_, claims) = self.verify.verify(token.as_bytes()).unwrap();
        claims.act.validate().unwrap();
        claims.act
    }

    /// The same for the linearity series, with its size bound.
    pub fn oxitoken_long(&self, token: &str) -> Roster {
        let (_, claims) = self.verify_long.verify(token.as_bytes()).unwrap();
        claims.act.validate().unwrap();
        claims.act
    }

    pub fn floor(&self, token: &str) -> Viewer {
        claims::floor(&self.floor_key, token)
    }

    /// The floor on the linearity series' claims.
    pub fn floor_long(&self, token: &str) -> Roster {
        claims::floor(&self.floor_key, token)
    }

    pub fn mac(&self, token: &str) {
        claims::mac(&self.floor_key, token)
    }

    /// oxitoken `encode` of the claims set our issuer makes, after the same validation, valid
    /// for a day from the system clock: what our `Issuer::sign` does.
    pub fn sign(&self, viewer: &Viewer) -> String {
        let now = now();
        self.encode(viewer, now, now + 86_400)
    }

    fn encode<C: Claims + Serialize>(&self, claims: &C, iat: u64, exp: u64) -> String {
        claims.validate().unwrap();
        let header = SignHeader {
            alg: Algorithm::HS256,
            kid: KEY_ID,
        };
        let payload = SignPayload {
            act: claims,
            aud: AUDIENCE,
            exp,
            iss: ISSUER,
            iat,
        };
        oxitoken::encoding::encode(&self.sign_key, &header, &payload).unwrap()
    }
}

/// The main process's tokens, when `scripts/benchmarks.py` names their file.
pub fn shared_tokens() -> Option<String> {
    let path = std::env::var_os("SB_BENCH_TOKENS")?;
    Some(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}
