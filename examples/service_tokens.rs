//! Service tokens beyond the State Backed profile: a user token in the flat profile and a
//! machine-to-machine client token with scopes, both signed with an ES256 key, and a second
//! service that verifies them through nothing but the issuer's published JWKS.
//!
//! Run with `cargo run --example service_tokens`.

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use serde::{Deserialize, Serialize};
use statebacked_claims::{
    Algorithm, Claims, ClientClaims, Issuer, Key, KeySet, Scopes, Verifier, VerifyError,
};
use std::error::Error;

/// The usual JWT layout: the user's claims beside `iss`, `aud`, `exp` and `iat`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[serde(rename_all = "camelCase")]
#[claims(profile = "flat")]
struct Member {
    #[claim(validate(non_empty))]
    sub: String,
    #[claim(validate(email))]
    email: String,
    #[serde(default)]
    #[claim(validate(each(one_of("owner", "editor", "viewer"))))]
    roles: Vec<String>,
}

const ISSUER: &str = "https://auth.example.com/";
const AUDIENCE: &str = "https://api.example.com/";

fn main() -> Result<(), Box<dyn Error>> {
    // The issuing service. In production the PKCS#8 key comes from a secret store
    // (`Key::from_pem` reads the same key as PEM); here one is generated for the run.
    let pkcs8 = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)?.to_pkcs8v1()?;
    let key = Key::from_der("auth-2026-11", Algorithm::ES256, pkcs8.as_ref())?;

    let member = Member {
        sub: "user-42".into(),
        email: "ada@example.com".into(),
        roles: vec!["editor".into()],
    };
    let user_token = Issuer::<Member>::new(key.clone())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .sign(&member, "15m".parse()?)?;

    let scopes = Scopes::parse("invoices:read invoices:write")?;
    let client_token = Issuer::<ClientClaims>::new(key.clone())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .client_token("billing-worker", &scopes, "5m".parse()?)?;

    // What the issuer publishes at its `jwks_uri`: public keys only.
    let jwks = KeySet::from(key).public_jwks().to_json();
    println!("published JWKS: {jwks}\n");

    // The receiving service knows the issuer only through that document.
    let keys = KeySet::from_jwks(&jwks)?;
    let members = Verifier::<Member>::new(keys.clone())
        .issuer(ISSUER)
        .audience(AUDIENCE);
    let verified = members.verify(user_token.as_str())?;
    println!(
        "user token ({} bytes): {:?}",
        user_token.as_str().len(),
        verified.claims()
    );

    let invoices = Verifier::<ClientClaims>::new(keys)
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .require_scopes(["invoices:read"])?;
    let client = invoices.verify(client_token.as_str())?;
    println!(
        "client token: client {} with scopes [{}]",
        client.claims().client_id(),
        client.claims().scopes()
    );

    // A client without the scope an endpoint needs is told which ones it lacks.
    let admin = invoices
        .clone()
        .require_scopes(["invoices:read", "invoices:delete"])?;
    match admin.verify(client_token.as_str()) {
        Err(err @ VerifyError::InsufficientScope { .. }) => println!("admin endpoint: {err}"),
        other => return Err(format!("expected a missing scope, got {other:?}").into()),
    }
    // And a user token is not a client token, nor the other way round.
    match members.verify(client_token.as_str()) {
        Err(err) => println!("client token as a user token: {err}"),
        Ok(_) => return Err("a client token passed as a user token".into()),
    }
    Ok(())
}
