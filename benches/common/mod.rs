//! The token and the competing verifiers, shared by the wall-clock and instruction benchmarks.
#![allow(dead_code)]

// The integration tests' PEM framing, shared rather than copied.
#[path = "../../tests/common/keypairs.rs"]
mod keypairs;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use statebacked_claims::{
    Algorithm, AnonymousProvider, AnonymousSession, Claims, Issuer, Key, Verifier,
};
use std::time::{SystemTime, UNIX_EPOCH};

pub const KEY_ID: &str = "sbk_bench";
pub const SECRET: &str = "sbsec_bench_secret_0123456789abcdefghijklmnop";
pub const ORG: &str = "org_3xGQJzvPSOuH2W6m2K4s8A";

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

/// The whole claims set, for jsonwebtoken and the floor.
#[derive(Debug, Serialize, Deserialize)]
pub struct Payload {
    pub act: Viewer,
    pub aud: String,
    pub exp: u64,
    pub iss: String,
    pub iat: u64,
}

/// jwt-simple's custom claims: everything but the registered ones.
#[derive(Debug, Serialize, Deserialize)]
pub struct ActOnly {
    pub act: Viewer,
}

pub fn viewer() -> Viewer {
    Viewer {
        sid: None,
        did: None,
        sub: Some("user-82".into()),
        email: Some("ada@example.com".into()),
        groups: vec!["admin".into(), "member".into()],
    }
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Everything each contender needs, built once.
pub struct Fixture {
    pub token: String,
    pub verifier: Verifier<Viewer>,
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
        let token = issuer
            .sign(&viewer(), "1d".parse().unwrap())
            .unwrap()
            .into_string();
        let mut jwt_validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        jwt_validation.set_audience(&["https://api.statebacked.dev/"]);
        jwt_validation.set_required_spec_claims(&["exp", "aud"]);
        jwt_validation.leeway = 30;
        let mut jwt_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        jwt_header.kid = Some(KEY_ID.into());
        jwt_header.typ = None;
        Fixture {
            token,
            verifier: Verifier::new(key),
            issuer,
            jwt_decoding: jsonwebtoken::DecodingKey::from_secret(SECRET.as_bytes()),
            jwt_encoding: jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
            jwt_validation,
            jwt_header,
            simple_key: jwt_simple::prelude::HS256Key::from_bytes(SECRET.as_bytes()),
            simple_options: jwt_simple::prelude::VerificationOptions {
                allowed_audiences: Some(["https://api.statebacked.dev/".to_owned()].into()),
                time_tolerance: Some(jwt_simple::prelude::Duration::from_secs(30)),
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

    /// The unavoidable work: one HMAC-SHA256 with a prepared key, the base64 decodes, one
    /// serde_json pass into the struct, and the claims' own validation.
    pub fn floor(&self, token: &str) -> Viewer {
        let (signing_input, signature) = token.rsplit_once('.').unwrap();
        let payload = signing_input.split_once('.').unwrap().1;
        let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
        aws_lc_rs::hmac::verify(&self.floor_key, signing_input.as_bytes(), &signature).unwrap();
        let json = URL_SAFE_NO_PAD.decode(payload).unwrap();
        let claims: Payload = serde_json::from_slice(&json).unwrap();
        claims.act.validate().unwrap();
        claims.act
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

/// The same claims in an RS256 or ES256 token, and everything each contender needs to verify
/// it, built once. The key pair is generated at start-up: no private key is committed.
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
        let token = issuer
            .sign(&viewer(), "1d".parse().unwrap())
            .unwrap()
            .into_string();
        // The private key as jsonwebtoken reads it: PKCS#1 inside the PKCS#8 PEM for RSA,
        // PKCS#8 DER for ECDSA.
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
            other => panic!("no asymmetric benchmark for {other}"),
        };
        let mut jwt_header = jsonwebtoken::Header::new(jwt_algorithm);
        jwt_header.kid = Some(KEY_ID.into());
        jwt_header.typ = None;
        // The same validation as the HS256 contender's.
        let mut jwt_validation = jsonwebtoken::Validation::new(jwt_algorithm);
        jwt_validation.set_audience(&["https://api.statebacked.dev/"]);
        jwt_validation.set_required_spec_claims(&["exp", "aud"]);
        jwt_validation.leeway = 30;
        let (signing_input, signature) = token.rsplit_once('.').unwrap();
        Asymmetric {
            algorithm,
            verifier: Verifier::new(key),
            issuer,
            jwt_decoding,
            jwt_encoding,
            jwt_header,
            jwt_validation,
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
    /// base64 decodes, the check with the parsed key, one serde_json pass, the claims' rules.
    pub fn floor(&self, token: &str) -> Viewer {
        let (signing_input, signature) = token.rsplit_once('.').unwrap();
        let payload = signing_input.split_once('.').unwrap().1;
        let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
        self.raw_key
            .verify_sig(signing_input.as_bytes(), &signature)
            .unwrap();
        let json = URL_SAFE_NO_PAD.decode(payload).unwrap();
        let claims: Payload = serde_json::from_slice(&json).unwrap();
        claims.act.validate().unwrap();
        claims.act
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
        aud: "https://api.statebacked.dev/".into(),
        exp: now + 86_400,
        iss: format!("https://{KEY_ID}.client.statebacked.dev/"),
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
