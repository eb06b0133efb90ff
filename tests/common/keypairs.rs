//! Key pairs generated for each test run with aws-lc-rs, independent of the backend under
//! test: no private key is committed.

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair,
    KeyPair,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use statebacked_claims::Algorithm;

/// A freshly generated key pair: PKCS#8 private key and SubjectPublicKeyInfo public key, DER.
pub struct Generated {
    pub private_der: Vec<u8>,
    pub public_der: Vec<u8>,
    /// For RSA: the PKCS#1 `RSAPublicKey` DER.
    pub rsa_public_pkcs1: Option<Vec<u8>>,
}

/// Every asymmetric algorithm this crate signs with.
pub const ASYMMETRIC: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

pub fn generate(algorithm: Algorithm) -> Generated {
    match algorithm {
        Algorithm::RS256
        | Algorithm::RS384
        | Algorithm::RS512
        | Algorithm::PS256
        | Algorithm::PS384
        | Algorithm::PS512 => {
            let pair = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
            let private: Pkcs8V1Der = pair.as_der().unwrap();
            let public: PublicKeyX509Der = pair.public_key().as_der().unwrap();
            Generated {
                private_der: private.as_ref().to_vec(),
                public_der: public.as_ref().to_vec(),
                rsa_public_pkcs1: Some(pair.public_key().as_ref().to_vec()),
            }
        }
        Algorithm::ES256 | Algorithm::ES384 => {
            let signing = if algorithm == Algorithm::ES256 {
                &ECDSA_P256_SHA256_FIXED_SIGNING
            } else {
                &ECDSA_P384_SHA384_FIXED_SIGNING
            };
            let pair = EcdsaKeyPair::generate(signing).unwrap();
            let public: PublicKeyX509Der = pair.public_key().as_der().unwrap();
            Generated {
                private_der: pair.to_pkcs8v1().unwrap().as_ref().to_vec(),
                public_der: public.as_ref().to_vec(),
                rsa_public_pkcs1: None,
            }
        }
        Algorithm::EdDSA => {
            let pair = Ed25519KeyPair::generate().unwrap();
            let public: PublicKeyX509Der = pair.public_key().as_der().unwrap();
            Generated {
                private_der: pair.to_pkcs8v1().unwrap().as_ref().to_vec(),
                public_der: public.as_ref().to_vec(),
                rsa_public_pkcs1: None,
            }
        }
        other => panic!("{other} is not asymmetric"),
    }
}

/// PEM framing (RFC 7468) with the given label.
pub fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|line| std::str::from_utf8(line).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}
