//! Token exchange without State Backed's hosted service: an RS256 identity provider (its key
//! pair generated here, its JWKS held in memory) issues a token with namespaced claims, the
//! exchange verifies it through the JWKS, maps it into the typed authContext and signs a
//! State Backed token, which a verifier reads back.
//!
//! With the `jwks-http` feature it also configures a provider by its issuer URL alone (OpenID
//! Connect Discovery): `cargo run --example token_exchange --features jwks-http`.
//!
//! Run with `cargo run --example token_exchange`.

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rsa::{KeyPair, KeySize};
use serde::{Deserialize, Serialize};
use statebacked_claims::{
    Algorithm, Claims, IdentityProvider, Issuer, Key, KeySet, TokenExchange, TokenProvider,
    Verifier, exchange::ExchangeRequest,
};
use std::error::Error;

/// The authContext every authorizer of the app sees.
#[derive(Debug, Serialize, Deserialize, Claims)]
struct Member {
    #[claim(from = "$.sub", validate(length(min = 1, max = 128)))]
    sub: String,
    #[claim(from = "$.email", validate(email))]
    email: String,
    #[serde(default)]
    #[claim(
        from = "$['https://example.com/roles']",
        validate(each(one_of("admin", "member")))
    )]
    roles: Vec<String>,
}

/// What the identity provider puts in its tokens: the usual flat JWT, with a namespaced
/// custom claim as Auth0 rules add them.
#[derive(Serialize, Deserialize, Claims)]
#[claims(profile = "flat")]
struct IdpToken {
    sub: String,
    email: String,
    #[serde(rename = "https://example.com/roles")]
    roles: Vec<String>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // The identity provider: an RSA key pair, its public half published as a JWKS.
    let pair = KeyPair::generate(KeySize::Rsa2048)?;
    let pkcs8: Pkcs8V1Der = pair.as_der()?;
    let idp_key = Key::from_der("idp-2026-11", Algorithm::RS256, pkcs8.as_ref())?;
    let jwks = KeySet::from(idp_key.clone()).public_jwks().to_json();
    println!("identity provider JWKS: {} bytes", jwks.len());

    let idp_token = Issuer::<IdpToken>::new(idp_key)
        .issuer("https://example.auth0.com/")
        .audience("https://api.example.com/")
        .sign(
            &IdpToken {
                sub: "auth0|6512f4a8".into(),
                email: "ada@example.com".into(),
                roles: vec!["admin".into()],
            },
            "10m".parse()?,
        )?;

    // The exchange: trusts the provider through its JWKS, issues tokens for service `app`.
    let state_backed_key = Key::hs256("sbk_example", "sbsec_example_secret_0123456789abcdef")?;
    let exchange = TokenExchange::<Member>::new("org_example")?
        .identity_provider(
            IdentityProvider::auth0("example.auth0.com", "https://api.example.com/")
                .keys(KeySet::from_jwks(&jwks)?)
                .build()?,
        )?
        .token_provider(TokenProvider::new("app", state_backed_key.clone())?)?;

    // Any other OpenID Provider by its issuer URL alone: its OpenID configuration gives the
    // JWKS and the signing algorithms, fetched (and checked: the document must state exactly
    // this issuer) when its first token arrives.
    #[cfg(feature = "jwks-http")]
    let exchange = exchange.identity_provider(
        IdentityProvider::discover("keycloak", "https://id.example.com/realms/main")
            .audience("my-app")
            .build()?,
    )?;
    #[cfg(feature = "jwks-http")]
    println!("keycloak: configured by discovery of https://id.example.com/realms/main");
    #[cfg(not(feature = "jwks-http"))]
    println!("keycloak: discovery needs the jwks-http feature");

    // The request body @statebacked/client sends to POST /tokens.
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair(
            "grant_type",
            statebacked_claims::exchange::TOKEN_EXCHANGE_GRANT,
        )
        .append_pair("audience", "https://tokens.statebacked.dev/org_example/app")
        .append_pair(
            "requested_token_type",
            statebacked_claims::exchange::ACCESS_TOKEN_TYPE,
        )
        .append_pair("subject_token", idp_token.as_str())
        .finish();
    let response = exchange.exchange_form(body.as_bytes()).await?;
    println!(
        "exchange answered {} bytes of JSON",
        response.to_json().len()
    );
    println!("  expires_in: {}s", response.expires_in);

    // Wherever the State Backed token is used, it reads back as the same type.
    let verified = Verifier::<Member>::new(state_backed_key).verify(&response.access_token)?;
    println!("typed authContext: {:?}", verified.claims());

    // A token from an issuer nobody configured is refused with an RFC 6749 error body.
    let stranger = ExchangeRequest::new(
        "https://tokens.statebacked.dev/org_example/app",
        "e30.e30.e30",
    );
    let err = exchange.exchange(&stranger).await.unwrap_err();
    println!("stranger: {} {}", err.status(), err.to_json());
    Ok(())
}
