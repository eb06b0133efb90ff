//! The token and the competing verifiers, shared by the wall-clock and instruction benchmarks.
#![allow(dead_code)]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use statebacked_claims::{AnonymousProvider, AnonymousSession, Claims, Issuer, Key, Verifier};
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
    #[claim(validate(length(min = 1, max = 128)))]
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
        // jsonwebtoken's own provider is process-wide; ours are chosen per call.
        let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
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
        let data = jsonwebtoken::decode::<Payload>(token, &self.jwt_decoding, &self.jwt_validation)
            .unwrap();
        data.claims.act.validate().unwrap();
        data.claims.act
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
        self.issuer
            .sign(viewer, "1d".parse().unwrap())
            .unwrap()
            .into_string()
    }

    /// jsonwebtoken `encode` of the same claims set, with the same validation first.
    pub fn sign_jsonwebtoken(&self, viewer: &Viewer) -> String {
        viewer.validate().unwrap();
        let now = now();
        let payload = Payload {
            act: viewer.clone(),
            aud: "https://api.statebacked.dev/".into(),
            exp: now + 86_400,
            iss: format!("https://{KEY_ID}.client.statebacked.dev/"),
            iat: now,
        };
        jsonwebtoken::encode(&self.jwt_header, &payload, &self.jwt_encoding).unwrap()
    }

    /// Anonymous identity token in, State Backed token out.
    pub fn anonymous_exchange(&self, identity_token: &str) -> String {
        self.provider
            .exchange(identity_token, &self.issuer, "1h".parse().unwrap())
            .unwrap()
            .into_string()
    }
}
