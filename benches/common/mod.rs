//! The token and the competing verifiers, shared by the wall-clock and instruction benchmarks.
#![allow(dead_code)]

// The integration tests' PEM framing, shared rather than copied.
#[path = "../../tests/common/keypairs.rs"]
mod keypairs;

// The claims type, the tokens' fixed contents and the floor, shared with benches/peer.
mod claims;

pub use claims::*;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use statebacked_claims::{
    Algorithm, AnonymousProvider, AnonymousSession, Claims, Expires, FixedClock, Issuer, Key,
    Verifier,
};

pub const ORG: &str = "org_3xGQJzvPSOuH2W6m2K4s8A";

/// jwt-simple's custom claims: everything but the registered ones.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct ActOnly {
    pub act: Viewer,
}

/// The verify benchmarks' token for these claims: issued at [`IAT`], expiring at [`EXP`],
/// so the same bytes whenever and wherever it is made (and, for HS256, in benches/peer).
pub fn fixed_token<C: Claims + serde::Serialize>(key: &Key, claims: &C) -> String {
    Issuer::<C>::new(key.clone())
        .clock(FixedClock::at_unix(IAT))
        .sign(claims, Expires::at_unix(EXP))
        .unwrap()
        .into_string()
}

/// Our verifier as every benchmark configures it: the default rules, and `iss` required to be
/// our issuer's (as every other contender requires it).
pub fn verifier(key: Key) -> Verifier<Viewer> {
    Verifier::new(key).issuer(ISSUER)
}

/// jsonwebtoken's validation doing what ours does: `exp` and `aud` required, `iss` checked,
/// the same leeway.
fn jwt_validation(algorithm: jsonwebtoken::Algorithm) -> jsonwebtoken::Validation {
    let mut validation = jsonwebtoken::Validation::new(algorithm);
    validation.set_audience(&[AUDIENCE]);
    validation.set_issuer(&[ISSUER]);
    validation.set_required_spec_claims(&["exp", "aud", "iss"]);
    validation.leeway = LEEWAY;
    validation
}

/// The HS256 tokens of the linearity series: `act` a [`Roster`] with each of
/// [`GROUP_COUNTS`] groups.
pub struct Series {
    /// `(groups, token)`, smallest first.
    pub tokens: Vec<(usize, String)>,
    /// Our verifier with the longest token raised to [`LONG_TOKEN_LEN`]: the bound is still
    /// checked, like every other rule.
    pub verifier: Verifier<Roster>,
    pub floor_key: aws_lc_rs::hmac::Key,
}

impl Series {
    pub fn new() -> Self {
        let key = Key::hs256(KEY_ID, SECRET).unwrap();
        let series = Series {
            tokens: GROUP_COUNTS
                .iter()
                .map(|&n| (n, fixed_token(&key, &roster(n))))
                .collect(),
            verifier: Verifier::new(key)
                .issuer(ISSUER)
                .max_token_len(LONG_TOKEN_LEN),
            floor_key: aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, SECRET.as_bytes()),
        };
        for (n, token) in &series.tokens {
            let expected = roster(*n);
            assert_eq!(series.ours(token), expected, "ours, {n} groups");
            assert_eq!(series.floor(token), expected, "floor, {n} groups");
        }
        series
    }

    pub fn ours(&self, token: &str) -> Roster {
        self.verifier.verify(token).unwrap().into_claims()
    }

    pub fn floor(&self, token: &str) -> Roster {
        claims::floor(&self.floor_key, token)
    }
}

impl Default for Series {
    fn default() -> Self {
        Series::new()
    }
}

/// The tokens both processes measure, as JSON: what `instructions tokens <path>` writes and
/// benches/peer checks its own against, byte for byte.
pub fn shared_tokens_json() -> String {
    let key = Key::hs256(KEY_ID, SECRET).unwrap();
    let series: serde_json::Map<String, serde_json::Value> = GROUP_COUNTS
        .iter()
        .map(|&n| (n.to_string(), fixed_token(&key, &roster(n)).into()))
        .collect();
    serde_json::json!({
        "key_id": KEY_ID,
        "secret": SECRET,
        "iat": IAT,
        "exp": EXP,
        "token": fixed_token(&key, &viewer()),
        "series": series,
    })
    .to_string()
}

/// Everything each contender needs, built once.
pub struct Fixture {
    /// The verify benchmarks' token: [`fixed_token`] of [`viewer`].
    pub token: String,
    pub verifier: Verifier<Viewer>,
    /// The sign benchmarks' issuer, on the system clock.
    pub issuer: Issuer<Viewer>,
    pub jwt_decoding: jsonwebtoken::DecodingKey,
    pub jwt_encoding: jsonwebtoken::EncodingKey,
    pub jwt_validation: jsonwebtoken::Validation,
    pub jwt_header: jsonwebtoken::Header,
    pub simple_key: jwt_simple::prelude::HS256Key,
    pub simple_options: jwt_simple::prelude::VerificationOptions,
    pub floor_key: aws_lc_rs::hmac::Key,
    pub provider: AnonymousProvider,
    pub identity_token: String,
}

impl Fixture {
    pub fn new() -> Self {
        install_jsonwebtoken_provider();
        let key = Key::hs256(KEY_ID, SECRET).unwrap();
        let issuer = Issuer::<Viewer>::new(key.clone());
        let token = fixed_token(&key, &viewer());
        let mut jwt_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        jwt_header.kid = Some(KEY_ID.into());
        jwt_header.typ = None;
        Fixture {
            token,
            verifier: verifier(key),
            issuer,
            jwt_decoding: jsonwebtoken::DecodingKey::from_secret(SECRET.as_bytes()),
            jwt_encoding: jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
            jwt_validation: jwt_validation(jsonwebtoken::Algorithm::HS256),
            jwt_header,
            simple_key: jwt_simple::prelude::HS256Key::from_bytes(SECRET.as_bytes()),
            simple_options: jwt_simple::prelude::VerificationOptions {
                allowed_audiences: Some([AUDIENCE.to_owned()].into()),
                allowed_issuers: Some([ISSUER.to_owned()].into()),
                time_tolerance: Some(jwt_simple::prelude::Duration::from_secs(LEEWAY)),
                ..Default::default()
            },
            floor_key: aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, SECRET.as_bytes()),
            provider: AnonymousProvider::new(ORG).unwrap(),
            identity_token: AnonymousSession::new(ORG)
                .identity_token()
                .unwrap()
                .into_string(),
        }
    }

    pub fn ours(&self, token: &str) -> Viewer {
        self.verifier.verify(token).unwrap().into_claims()
    }

    /// jsonwebtoken 11 `decode` into the same struct, then the same validation.
    pub fn jsonwebtoken(&self, token: &str) -> Viewer {
        jsonwebtoken_decode(token, &self.jwt_decoding, &self.jwt_validation)
    }

    pub fn jwt_simple(&self, token: &str) -> Viewer {
        use jwt_simple::prelude::MACLike;
        let claims = self
            .simple_key
            .verify_token::<ActOnly>(token, Some(self.simple_options.clone()))
            .unwrap();
        claims.custom.act.validate().unwrap();
        claims.custom.act
    }

    /// The naive floor ([`claims::floor`]): split, base64, one HMAC-SHA256 with a prepared
    /// key, one serde_json pass, `exp`/`aud`/`iss`, the claims' own rules.
    pub fn floor(&self, token: &str) -> Viewer {
        claims::floor(&self.floor_key, token)
    }

    /// The prepared HMAC alone, the split and the signature's base64 decode included
    /// ([`claims::mac`]).
    pub fn mac(&self, token: &str) {
        claims::mac(&self.floor_key, token)
    }

    pub fn sign_ours(&self, viewer: &Viewer) -> String {
        sign_ours(&self.issuer, viewer)
    }

    /// jsonwebtoken `encode` of the same claims set, with the same validation first.
    pub fn sign_jsonwebtoken(&self, viewer: &Viewer) -> String {
        jsonwebtoken_encode(viewer, &self.jwt_header, &self.jwt_encoding)
    }

    /// Anonymous identity token in, State Backed token out.
    pub fn anonymous_exchange(&self, identity_token: &str) -> String {
        self.provider
            .exchange(identity_token, &self.issuer, "1h".parse().unwrap())
            .unwrap()
            .into_string()
    }
}

/// The same claims in an RS256, ES256 or EdDSA token, and everything each contender needs to
/// verify it, built once. The key pair is generated at start-up: no private key is committed.
pub struct Asymmetric {
    pub algorithm: Algorithm,
    pub token: String,
    pub verifier: Verifier<Viewer>,
    pub issuer: Issuer<Viewer>,
    pub jwt_decoding: jsonwebtoken::DecodingKey,
    pub jwt_encoding: jsonwebtoken::EncodingKey,
    pub jwt_header: jsonwebtoken::Header,
    pub jwt_validation: jsonwebtoken::Validation,
    /// The backend's parsed public key: the raw signature check and the floor use it.
    pub raw_key: aws_lc_rs::signature::ParsedPublicKey,
    /// The token's signing input (`header.payload`) and its decoded signature, split once.
    pub signing_input: Vec<u8>,
    pub signature: Vec<u8>,
}

impl Asymmetric {
    /// RSA-2048 (PKCS#1 v1.5, SHA-256).
    pub fn rs256() -> Self {
        use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
        use aws_lc_rs::signature::KeyPair;
        let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let private: Pkcs8V1Der = pair.as_der().unwrap();
        // PKCS#1 `RSAPublicKey` DER, which both jsonwebtoken and the backend take.
        let public = pair.public_key().as_ref().to_vec();
        Asymmetric::new(
            Algorithm::RS256,
            private.as_ref(),
            jsonwebtoken::DecodingKey::from_rsa_der(&public),
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            &public,
        )
    }

    /// ECDSA on P-256 with SHA-256, fixed-size (JWS) signatures.
    pub fn es256() -> Self {
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let private = pair.to_pkcs8v1().unwrap();
        // The uncompressed point, which both jsonwebtoken and the backend take.
        let public = pair.public_key().as_ref().to_vec();
        Asymmetric::new(
            Algorithm::ES256,
            private.as_ref(),
            jsonwebtoken::DecodingKey::from_ec_der(&public),
            &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED,
            &public,
        )
    }

    /// EdDSA on Ed25519.
    pub fn ed25519() -> Self {
        use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
        let pair = Ed25519KeyPair::generate().unwrap();
        let private = pair.to_pkcs8v1().unwrap();
        // The raw 32-byte key, which both jsonwebtoken and the backend take.
        let public = pair.public_key().as_ref().to_vec();
        Asymmetric::new(
            Algorithm::EdDSA,
            private.as_ref(),
            jsonwebtoken::DecodingKey::from_ed_der(&public),
            &aws_lc_rs::signature::ED25519,
            &public,
        )
    }

    /// RS256, ES256 and EdDSA, in the order the reports list them.
    pub fn all() -> [Self; 3] {
        [
            Asymmetric::rs256(),
            Asymmetric::es256(),
            Asymmetric::ed25519(),
        ]
    }

    fn new(
        algorithm: Algorithm,
        pkcs8: &[u8],
        jwt_decoding: jsonwebtoken::DecodingKey,
        verification: &'static dyn aws_lc_rs::signature::VerificationAlgorithm,
        public: &[u8],
    ) -> Self {
        install_jsonwebtoken_provider();
        let key = Key::from_der(KEY_ID, algorithm, pkcs8).unwrap();
        let issuer = Issuer::<Viewer>::new(key.clone());
        let token = fixed_token(&key, &viewer());
        // The private key as jsonwebtoken reads it: PKCS#1 inside the PKCS#8 PEM for RSA,
        // PKCS#8 DER for ECDSA and Ed25519.
        let (jwt_algorithm, jwt_encoding) = match algorithm {
            Algorithm::RS256 => (
                jsonwebtoken::Algorithm::RS256,
                jsonwebtoken::EncodingKey::from_rsa_pem(
                    keypairs::pem("PRIVATE KEY", pkcs8).as_bytes(),
                )
                .unwrap(),
            ),
            Algorithm::ES256 => (
                jsonwebtoken::Algorithm::ES256,
                jsonwebtoken::EncodingKey::from_ec_der(pkcs8),
            ),
            Algorithm::EdDSA => (
                jsonwebtoken::Algorithm::EdDSA,
                jsonwebtoken::EncodingKey::from_ed_der(pkcs8),
            ),
            other => panic!("no asymmetric benchmark for {other}"),
        };
        let mut jwt_header = jsonwebtoken::Header::new(jwt_algorithm);
        jwt_header.kid = Some(KEY_ID.into());
        jwt_header.typ = None;
        let (signing_input, signature) = token.rsplit_once('.').unwrap();
        Asymmetric {
            algorithm,
            verifier: verifier(key),
            issuer,
            jwt_decoding,
            jwt_encoding,
            jwt_header,
            // The same validation as the HS256 contender's.
            jwt_validation: jwt_validation(jwt_algorithm),
            raw_key: aws_lc_rs::signature::ParsedPublicKey::new(verification, public).unwrap(),
            signing_input: signing_input.as_bytes().to_vec(),
            signature: URL_SAFE_NO_PAD.decode(signature).unwrap(),
            token,
        }
    }

    pub fn ours(&self, token: &str) -> Viewer {
        self.verifier.verify(token).unwrap().into_claims()
    }

    /// jsonwebtoken 11 `decode` into the same struct, then the same validation.
    pub fn jsonwebtoken(&self, token: &str) -> Viewer {
        jsonwebtoken_decode(token, &self.jwt_decoding, &self.jwt_validation)
    }

    /// The HS256 floor's work with the backend's signature check in place of the HMAC: the
    /// base64 decodes, the check with the parsed key, one serde_json pass, `exp`/`aud`/`iss`,
    /// the claims' rules.
    pub fn floor(&self, token: &str) -> Viewer {
        let (signing_input, signature) = token.rsplit_once('.').unwrap();
        let payload = signing_input.split_once('.').unwrap().1;
        let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
        self.raw_key
            .verify_sig(signing_input.as_bytes(), &signature)
            .unwrap();
        claims::registered(payload)
    }

    pub fn sign_ours(&self, viewer: &Viewer) -> String {
        sign_ours(&self.issuer, viewer)
    }

    /// jsonwebtoken `encode` with the same private key, after the same validation.
    pub fn sign_jsonwebtoken(&self, viewer: &Viewer) -> String {
        jsonwebtoken_encode(viewer, &self.jwt_header, &self.jwt_encoding)
    }

    /// The backend's signature check alone, with the key parsed once and the token already
    /// split and its signature decoded.
    pub fn raw(&self, signing_input: &[u8], signature: &[u8]) {
        self.raw_key.verify_sig(signing_input, signature).unwrap();
    }
}

/// Our sign of a token valid for a day.
fn sign_ours(issuer: &Issuer<Viewer>, viewer: &Viewer) -> String {
    issuer
        .sign(viewer, "1d".parse().unwrap())
        .unwrap()
        .into_string()
}

/// jsonwebtoken `encode` of the claims set our issuer makes, after the same validation.
fn jsonwebtoken_encode(
    viewer: &Viewer,
    header: &jsonwebtoken::Header,
    key: &jsonwebtoken::EncodingKey,
) -> String {
    viewer.validate().unwrap();
    let now = now();
    let payload = Payload {
        act: viewer.clone(),
        aud: AUDIENCE.into(),
        exp: now + 86_400,
        iss: ISSUER.into(),
        iat: now,
    };
    jsonwebtoken::encode(header, &payload, key).unwrap()
}

/// jsonwebtoken 11 `decode` into the claims struct, then the claims' rules: the contender
/// every fixture measures, whatever its algorithm.
fn jsonwebtoken_decode(
    token: &str,
    key: &jsonwebtoken::DecodingKey,
    validation: &jsonwebtoken::Validation,
) -> Viewer {
    let data = jsonwebtoken::decode::<Payload>(token, key, validation).unwrap();
    data.claims.act.validate().unwrap();
    data.claims.act
}

/// The fixture's verifier checking revocations too: a view of 10,000 revoked subjects and
/// 10,000 revoked token ids, none of them the benchmark token's.
pub fn with_revocations(verifier: &Verifier<Viewer>) -> Verifier<Viewer> {
    use statebacked_claims::revocation::Revocations;
    use statebacked_claims::store::Store;
    let revocations = Revocations::new(Store::memory()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        for i in 0..10_000 {
            revocations
                .revoke_subject(&format!("revoked-{i}"))
                .await
                .unwrap();
            revocations
                .revoke_token(&format!("jti-{i}"), 4_102_444_800)
                .await
                .unwrap();
        }
    });
    verifier.clone().revocations(revocations.view())
}

/// jsonwebtoken's own provider is process-wide (ours are chosen per call): the backend the
/// build chose, so that the benchmarks build under RustCrypto too.
fn install_jsonwebtoken_provider() {
    #[cfg(feature = "aws-lc-rs")]
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    #[cfg(not(feature = "aws-lc-rs"))]
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
}
