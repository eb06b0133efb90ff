//! RFC 8693 token exchange (WIRE.md §3): the request `@statebacked/client` sends, provider
//! selection, verification, mapping and the RFC 6749 §5.2 errors.

mod common;

use common::keypairs::{generate, pem};
use common::{exchange_form, sign_raw_with};
use jsonwebtoken::{EncodingKey, Header};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use statebacked_claims::{
    Algorithm, AuthContext, Claims, ExchangeError, FixedClock, IdentityProvider, Key, KeySet,
    Mapping, MappingError, TokenExchange, TokenProvider, Verifier, VerifyError,
    exchange::ExchangeRequest, exchange::ProviderError,
};

const ORG: &str = "org_test";
const NOW: u64 = 1_700_000_100;
const SB_KEY_ID: &str = "sbk_exchange";
const SB_SECRET: &str = "sbsec_exchange_secret_0123456789abcdef";

/// WIRE.md §3: the body the client sent for the golden anonymous token of §2, byte for byte.
const GOLDEN_BODY: &str = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&audience=https%3A%2F%2Ftokens.statebacked.dev%2Forg_test%2Fanonymous-statebacked-dev&requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&subject_token=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL29yZ190ZXN0LmFub255bW91cy5hdXRoLnN0YXRlYmFja2VkLmRldiIsImlzcyI6Imh0dHBzOi8vb3JnX3Rlc3QuYW5vbnltb3VzLmF1dGguc3RhdGViYWNrZWQuZGV2IiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwODY0MDAsInNpZCI6InMtMSIsImRpZCI6ImQtMSJ9.9RxNeRjKqRpysPZ-KEMdeTvD6NtLTqi2z465G3adS6c";

/// The authContext of the service: users from the identity providers, or anonymous sessions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[claims(anonymous)]
struct Viewer {
    #[claim(anonymous)]
    sid: Option<String>,
    #[claim(anonymous)]
    did: Option<String>,
    #[claim(from = "$.sub", validate(non_empty))]
    sub: Option<String>,
    #[claim(from = "$.email", validate(email))]
    email: Option<String>,
    #[serde(default)]
    #[claim(
        from = "$['https://example.com/roles']",
        from(provider = "cognito", path = "$['cognito:groups']"),
        from(provider = "keycloak", path = "$.realm_access.roles"),
        validate(each(one_of("admin", "member")))
    )]
    roles: Vec<String>,
}

fn sb_key() -> Key {
    Key::hs256(SB_KEY_ID, SB_SECRET).unwrap()
}

fn viewer_verifier() -> Verifier<Viewer> {
    Verifier::new(sb_key()).clock(FixedClock::at_unix(NOW))
}

fn audience(service: &str) -> String {
    format!("https://tokens.statebacked.dev/{ORG}/{service}")
}

/// An RSA identity provider: its signing key (PKCS#8 PEM) and its public JWKS.
struct RsaIdp {
    private_pem: String,
    jwks: KeySet,
}

fn rsa_idp(kid: &str) -> RsaIdp {
    let pair = generate(Algorithm::RS256);
    let key = Key::from_der(kid, Algorithm::RS256, &pair.private_der).unwrap();
    RsaIdp {
        private_pem: pem("PRIVATE KEY", &pair.private_der),
        jwks: KeySet::from_jwks(&KeySet::from(key).public_jwks().to_json()).unwrap(),
    }
}

impl RsaIdp {
    /// A token as the provider issues it (signed by jsonwebtoken, as another service would).
    fn token(&self, kid: &str, claims: Value) -> String {
        common::install_jsonwebtoken_provider();
        let mut header = Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some(kid.to_owned());
        let key = EncodingKey::from_rsa_pem(self.private_pem.as_bytes()).unwrap();
        jsonwebtoken::encode(&header, &claims, &key).unwrap()
    }
}

fn exchange_with(providers: Vec<IdentityProvider>) -> TokenExchange<Viewer> {
    let mut exchange = TokenExchange::<Viewer>::new(ORG)
        .unwrap()
        .clock(FixedClock::at_unix(NOW))
        .token_provider(TokenProvider::new("app", sb_key()).unwrap())
        .unwrap()
        .token_provider(TokenProvider::new("anonymous-statebacked-dev", sb_key()).unwrap())
        .unwrap();
    for provider in providers {
        exchange = exchange.identity_provider(provider).unwrap();
    }
    exchange
}

#[tokio::test]
async fn the_real_clients_anonymous_request_is_answered() {
    let exchange = exchange_with(vec![IdentityProvider::anonymous(ORG).unwrap()]);
    let response = exchange
        .exchange_form(GOLDEN_BODY.as_bytes())
        .await
        .unwrap();
    let body: Value = serde_json::from_str(&response.to_json()).unwrap();
    assert_eq!(
        body["issued_token_type"],
        "urn:ietf:params:oauth:token-type:access_token"
    );
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let verified = viewer_verifier()
        .verify(body["access_token"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        verified.auth_context(),
        AuthContext::Anonymous {
            sid: "s-1",
            did: "d-1"
        }
    );
    assert_eq!(verified.registered().exp(), NOW + 3600);
    assert_eq!(
        verified.registered().iss(),
        Some("https://sbk_exchange.client.statebacked.dev/")
    );
}

#[tokio::test]
async fn s21_the_anonymous_provider_copies_nothing_but_sid_and_did() {
    let aud = format!("https://{ORG}.anonymous.auth.statebacked.dev");
    let identity = sign_raw_with(
        ORG.as_bytes(),
        r#"{"alg":"HS256","typ":"JWT"}"#,
        &json!({
            "aud": aud, "iss": aud, "iat": NOW, "exp": NOW + 600,
            "sid": "s-2", "did": "d-2",
            "sub": "admin", "roles": ["admin"], "auth": "password", "email": "x@example.com",
        })
        .to_string(),
    );
    let exchange = exchange_with(vec![IdentityProvider::anonymous(ORG).unwrap()]);
    let response = exchange
        .exchange(&ExchangeRequest::new(audience("app"), identity))
        .await
        .unwrap();
    let act = &common_payload(&response.access_token)["act"];
    assert_eq!(
        act,
        &json!({"sid": "s-2", "did": "d-2", "auth": "anonymous"})
    );
}

fn common_payload(token: &str) -> Value {
    serde_json::from_slice(&common::unb64(token.split('.').nth(1).unwrap())).unwrap()
}

/// What the preset fixtures map into: every kind of claim the providers document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[claims(anonymous)]
struct Account {
    #[claim(anonymous)]
    sid: Option<String>,
    #[claim(anonymous)]
    did: Option<String>,
    #[claim(from = "$.sub")]
    sub: Option<String>,
    #[claim(from = "$.email")]
    email: Option<String>,
    #[serde(default)]
    #[claim(
        from = "$['https://example.com/roles']",
        from(provider = "cognito", path = "$['cognito:groups']"),
        from(provider = "supabase", path = "$.app_metadata.roles"),
        from(provider = "keycloak", path = "$.realm_access.roles")
    )]
    roles: Vec<String>,
    #[serde(default)]
    #[claim(from = "$.permissions")]
    permissions: Vec<String>,
    #[serde(default)]
    #[claim(from = "$.scope", split = " ")]
    scopes: Vec<String>,
    #[claim(from = "$.role")]
    role: Option<String>,
    #[claim(from = "$.user_metadata.plan")]
    plan: Option<String>,
}

fn account_exchange(provider: IdentityProvider) -> TokenExchange<Account> {
    TokenExchange::<Account>::new(ORG)
        .unwrap()
        .clock(FixedClock::at_unix(NOW))
        .identity_provider(provider)
        .unwrap()
        .token_provider(TokenProvider::new("app", sb_key()).unwrap())
        .unwrap()
}

async fn exchanged(
    exchange: &TokenExchange<Account>,
    token: String,
) -> Result<Account, ExchangeError> {
    let response = exchange
        .exchange(&ExchangeRequest::new(audience("app"), token))
        .await?;
    let verified = Verifier::<Account>::new(sb_key())
        .clock(FixedClock::at_unix(NOW))
        .verify(&response.access_token)
        .unwrap();
    Ok(verified.claims().clone())
}

/// A JWS with exactly this header, signed with `der` (PKCS#8) as the provider would.
fn provider_token(der: &[u8], header: Value, claims: Value) -> String {
    common::install_jsonwebtoken_provider();
    let alg = header["alg"].as_str().unwrap();
    let (algorithm, key) = match alg {
        "RS256" => (
            jsonwebtoken::Algorithm::RS256,
            EncodingKey::from_rsa_pem(pem("PRIVATE KEY", der).as_bytes()).unwrap(),
        ),
        "ES256" => (
            jsonwebtoken::Algorithm::ES256,
            EncodingKey::from_ec_der(der),
        ),
        other => panic!("{other}"),
    };
    let b64 = |v: &Value| common::b64(v.to_string().as_bytes());
    let input = format!("{}.{}", b64(&header), b64(&claims));
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), &key, algorithm).unwrap();
    format!("{input}.{signature}")
}

/// One provider key pair: the private DER and the JWKS the provider publishes.
fn provider_keys(algorithm: Algorithm, kid: &str) -> (Vec<u8>, KeySet) {
    let pair = generate(algorithm);
    let key = Key::from_der(kid, algorithm, &pair.private_der).unwrap();
    let jwks = KeySet::from_jwks(&KeySet::from(key).public_jwks().to_json()).unwrap();
    (pair.private_der, jwks)
}

/// Auth0's access-token profile for an API, shaped as documented at
/// <https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles> (the
/// `auth0` profile: `aud` an array of the API identifier and `/userinfo`, `azp`, `scope`), with
/// RBAC's `permissions` (<https://auth0.com/docs/get-started/apis/enable-role-based-access-control-for-apis>)
/// and a namespaced custom claim from an Action
/// (<https://auth0.com/docs/secure/tokens/json-web-tokens/create-custom-claims>).
#[tokio::test]
async fn auth0_preset_takes_its_documented_access_tokens() {
    let (der, jwks) = provider_keys(
        Algorithm::RS256,
        "NjVBRjY5MDlCMUIwNzU4RTA2QzZFMDQ4QzQ2MDAyQjVDNjk1RTM2Qg",
    );
    let auth0 = IdentityProvider::auth0("my-domain.us.auth0.com", "https://api.example.com/health")
        .keys(jwks)
        .build()
        .unwrap();
    let exchange = account_exchange(auth0);
    let claims = json!({
        "https://example.com/roles": ["admin"],
        "iss": "https://my-domain.us.auth0.com/",
        "sub": "auth0|6512f4a8c1d2",
        "aud": ["https://api.example.com/health", "https://my-domain.us.auth0.com/userinfo"],
        "iat": NOW - 10, "exp": NOW + 86_400,
        "scope": "openid profile email read:patients read:admin",
        "azp": "my_client_id_0123456789",
        "permissions": ["read:admin", "read:patients"],
        "sid": "auth0-session-9f8e",
    });
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": "NjVBRjY5MDlCMUIwNzU4RTA2QzZFMDQ4QzQ2MDAyQjVDNjk1RTM2Qg"});
    let account = exchanged(
        &exchange,
        provider_token(&der, header.clone(), claims.clone()),
    )
    .await
    .unwrap();
    assert_eq!(account.sub.as_deref(), Some("auth0|6512f4a8c1d2"));
    assert_eq!(account.roles, ["admin"]);
    assert_eq!(account.permissions, ["read:admin", "read:patients"]);
    assert_eq!(
        account.scopes,
        ["openid", "profile", "email", "read:patients", "read:admin"]
    );
    // Auth0's own session id is not an anonymous session's `sid`.
    assert_eq!((account.sid, account.did), (None, None));

    // The issuer needs its trailing slash; the audience is the API, not the Management API.
    let mut no_slash = claims.clone();
    no_slash["iss"] = "https://my-domain.us.auth0.com".into();
    let err = exchanged(&exchange, provider_token(&der, header.clone(), no_slash)).await;
    assert_eq!(err.unwrap_err(), ExchangeError::UnknownProvider);
    let mut management = claims.clone();
    management["aud"] = json!("https://my-domain.us.auth0.com/api/v2/");
    let err = exchanged(&exchange, provider_token(&der, header, management)).await;
    assert_eq!(err.unwrap_err(), ExchangeError::UnknownProvider);
}

/// Cognito's ID and access tokens, shaped as documented at
/// <https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html>
/// and <https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html>:
/// header `{"kid","alg"}` without `typ`; ID tokens carry `aud` (the app client id) and
/// `token_use: "id"`; access tokens carry no `aud`, `client_id` and `token_use: "access"`.
#[tokio::test]
async fn cognito_preset_checks_token_use_and_the_app_client() {
    use statebacked_claims::exchange::CognitoTokenUse;
    let kid = "abcdefghijklmnopqrsexample=";
    let (der, jwks) = provider_keys(Algorithm::RS256, kid);
    let header = json!({"kid": kid, "alg": "RS256"});
    let iss = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example";
    let id_token = json!({
        "sub": "aaaaaaaa-bbbb-cccc-dddd-example",
        "aud": "xxxxxxxxxxxxexample",
        "cognito:groups": ["member"],
        "email_verified": true,
        "token_use": "id",
        "auth_time": NOW - 5,
        "iss": iss,
        "cognito:username": "anaya",
        "exp": NOW + 3600,
        "given_name": "Anaya",
        "iat": NOW - 5,
        "email": "anaya@example.com",
        "origin_jti": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "event_id": "bbbbbbbb-cccc-dddd-eeee-ffffffffffff",
        "jti": "cccccccc-dddd-eeee-ffff-aaaaaaaaaaaa",
    });
    let access_token = json!({
        "sub": "aaaaaaaa-bbbb-cccc-dddd-example",
        "device_key": "aaaaaaaa-bbbb-cccc-dddd-example",
        "cognito:groups": ["admin"],
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": NOW - 5,
        "iss": iss,
        "exp": NOW + 3600,
        "iat": NOW - 5,
        "origin_jti": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "event_id": "bbbbbbbb-cccc-dddd-eeee-ffffffffffff",
        "jti": "dddddddd-eeee-ffff-aaaa-bbbbbbbbbbbb",
        "client_id": "xxxxxxxxxxxxexample",
        "username": "anaya",
    });
    let sign = |claims: &Value| provider_token(&der, header.clone(), claims.clone());
    let ids = account_exchange(
        IdentityProvider::cognito(
            "us-east-1",
            "us-east-1_example",
            CognitoTokenUse::Id,
            "xxxxxxxxxxxxexample",
        )
        .keys(jwks.clone())
        .build()
        .unwrap(),
    );
    let accesses = account_exchange(
        IdentityProvider::cognito(
            "us-east-1",
            "us-east-1_example",
            CognitoTokenUse::Access,
            "xxxxxxxxxxxxexample",
        )
        .keys(jwks)
        .build()
        .unwrap(),
    );
    let account = exchanged(&ids, sign(&id_token)).await.unwrap();
    assert_eq!(account.roles, ["member"]);
    assert_eq!(account.email.as_deref(), Some("anaya@example.com"));
    let account = exchanged(&accesses, sign(&access_token)).await.unwrap();
    assert_eq!(account.roles, ["admin"]);
    assert_eq!(account.scopes, ["aws.cognito.signin.user.admin"]);

    // Each provider takes only its configured kind of token.
    let err = exchanged(&ids, sign(&access_token)).await.unwrap_err();
    assert_eq!(
        err,
        ExchangeError::UnknownProvider,
        "an access token has no aud"
    );
    let err = exchanged(&accesses, sign(&id_token)).await.unwrap_err();
    assert_eq!(
        err,
        ExchangeError::RequiredClaim {
            provider: "cognito".into(),
            claim: "token_use".into()
        }
    );
    assert_eq!(err.error_code(), "invalid_grant");
    // Another app client's access token.
    let mut other_client = access_token.clone();
    other_client["client_id"] = "another-app-client".into();
    let err = exchanged(&accesses, sign(&other_client)).await.unwrap_err();
    assert_eq!(
        err,
        ExchangeError::RequiredClaim {
            provider: "cognito".into(),
            claim: "client_id".into()
        }
    );
    assert!(
        !err.to_json().contains("another-app-client"),
        "{}",
        err.to_json()
    );
    // An ID token for another app client.
    let mut other_aud = id_token.clone();
    other_aud["aud"] = "another-app-client".into();
    let err = exchanged(&ids, sign(&other_aud)).await.unwrap_err();
    assert_eq!(err, ExchangeError::UnknownProvider);
}

/// Supabase's access tokens, shaped as documented at
/// <https://supabase.com/docs/guides/auth/jwt-fields> and
/// <https://supabase.com/docs/guides/auth/signing-keys>: asymmetric (ES256) signing keys with a
/// `kid`, and the legacy HS256 JWT secret, whose tokens carry a `kid` too.
#[tokio::test]
async fn supabase_preset_takes_signing_keys_and_the_legacy_secret() {
    let project = "abcdefghijklmnopqrst";
    let claims = json!({
        "iss": format!("https://{project}.supabase.co/auth/v1"),
        "sub": "8f0f7a2c-4d1e-4b7a-9c3e-2f1a0b9c8d7e",
        "aud": "authenticated",
        "exp": NOW + 3600,
        "iat": NOW,
        "email": "ada@example.com",
        "phone": "",
        "app_metadata": {"provider": "email", "providers": ["email"], "roles": ["member"]},
        "user_metadata": {"plan": "pro", "email_verified": true},
        "role": "authenticated",
        "aal": "aal1",
        "amr": [{"method": "password", "timestamp": NOW}],
        "session_id": "1c2d3e4f-5a6b-7c8d-9e0f-a1b2c3d4e5f6",
        "is_anonymous": false,
    });
    let kid = "b6ba7c4b-9d2e-4f3a-8e1b-0c9d8e7f6a5b";
    let (der, jwks) = provider_keys(Algorithm::ES256, kid);
    let signing_keys = account_exchange(
        IdentityProvider::supabase(project)
            .keys(jwks)
            .build()
            .unwrap(),
    );
    let token = provider_token(
        &der,
        json!({"alg": "ES256", "kid": kid, "typ": "JWT"}),
        claims.clone(),
    );
    let account = exchanged(&signing_keys, token).await.unwrap();
    assert_eq!(account.role.as_deref(), Some("authenticated"));
    assert_eq!(account.plan.as_deref(), Some("pro"));
    assert_eq!(account.roles, ["member"]);

    // The legacy secret: its tokens name a `kid`, which the secret accepts.
    let secret = "super-secret-jwt-token-with-at-least-32-characters-long";
    let legacy = account_exchange(
        IdentityProvider::supabase(project)
            .legacy_secret(secret)
            .build()
            .unwrap(),
    );
    let legacy_token = |header: &str| sign_raw_with(secret.as_bytes(), header, &claims.to_string());
    let account = exchanged(
        &legacy,
        legacy_token(r#"{"alg":"HS256","kid":"Q3b9sXyZ","typ":"JWT"}"#),
    )
    .await
    .unwrap();
    assert_eq!(
        account.sub.as_deref(),
        Some("8f0f7a2c-4d1e-4b7a-9c3e-2f1a0b9c8d7e")
    );
    exchanged(&legacy, legacy_token(r#"{"alg":"HS256","typ":"JWT"}"#))
        .await
        .unwrap();
    // Another secret is still a bad signature, and a short secret is refused at build.
    let forged = sign_raw_with(
        b"another-secret-that-is-also-32-bytes-long!",
        r#"{"alg":"HS256","kid":"Q3b9sXyZ","typ":"JWT"}"#,
        &claims.to_string(),
    );
    assert_eq!(
        exchanged(&legacy, forged).await.unwrap_err(),
        ExchangeError::SubjectToken(VerifyError::BadSignature)
    );
    assert!(matches!(
        IdentityProvider::supabase(project)
            .legacy_secret("short")
            .build(),
        Err(ProviderError::Key(
            statebacked_claims::KeyError::SecretTooShort { len: 5, min: 32 }
        ))
    ));
    // `kid` checks elsewhere stay exact: an HS256 key set refuses a `kid` it lacks.
    let keycloak = account_exchange(
        IdentityProvider::builder("keycloak")
            .issuer(format!("https://{project}.supabase.co/auth/v1"))
            .algorithms([Algorithm::HS256])
            .keys(Key::hs256("kc-1", secret).unwrap())
            .build()
            .unwrap(),
    );
    assert_eq!(
        exchanged(
            &keycloak,
            legacy_token(r#"{"alg":"HS256","kid":"Q3b9sXyZ","typ":"JWT"}"#)
        )
        .await
        .unwrap_err(),
        ExchangeError::SubjectToken(VerifyError::UnknownKey)
    );
}

/// A Keycloak access token (its `sid` and `realm_access`), through a custom provider; and the
/// rule that an identity provider's `sid` never fills a `#[claim(anonymous)]` field unless the
/// field maps it explicitly.
#[tokio::test]
async fn identity_provider_sids_fill_anonymous_fields_only_when_mapped() {
    let (der, jwks) = provider_keys(Algorithm::RS256, "kc");
    let keycloak = IdentityProvider::builder("keycloak")
        .issuer("https://id.example.com/realms/main")
        .audience("account")
        .algorithms([Algorithm::RS256, Algorithm::PS256])
        .keys(jwks.clone())
        .build()
        .unwrap();
    let token = provider_token(
        &der,
        json!({"alg": "RS256", "typ": "JWT", "kid": "kc"}),
        json!({
            "exp": NOW + 300, "iat": NOW, "jti": "onrtac:1", "iss": "https://id.example.com/realms/main",
            "aud": "account", "sub": "f:1234:ada", "typ": "Bearer", "azp": "web",
            "sid": "5b6e9c1a-keycloak-session", "did": "not-a-device",
            "realm_access": {"roles": ["member", "admin"]}, "scope": "openid email",
        }),
    );
    let account = exchanged(&account_exchange(keycloak.clone()), token.clone())
        .await
        .unwrap();
    assert_eq!(account.roles, ["member", "admin"]);
    assert_eq!((account.sid, account.did), (None, None));

    // An explicit `from` takes it.
    #[derive(Debug, Serialize, Deserialize, Claims)]
    struct Session {
        #[claim(from = "$.sub")]
        sub: String,
        #[claim(from = "$.sid")]
        sid: Option<String>,
    }
    let exchange = TokenExchange::<Session>::new(ORG)
        .unwrap()
        .clock(FixedClock::at_unix(NOW))
        .identity_provider(keycloak)
        .unwrap()
        .token_provider(TokenProvider::new("app", sb_key()).unwrap())
        .unwrap();
    let response = exchange
        .exchange(&ExchangeRequest::new(audience("app"), token))
        .await
        .unwrap();
    let session = Verifier::<Session>::new(sb_key())
        .clock(FixedClock::at_unix(NOW))
        .verify(&response.access_token)
        .unwrap();
    assert_eq!(
        session.claims().sid.as_deref(),
        Some("5b6e9c1a-keycloak-session")
    );
}

/// A subject token over the size limit is too large, not malformed.
#[tokio::test]
async fn an_oversized_subject_token_is_reported_as_too_large() {
    let exchange = exchange_with(vec![IdentityProvider::anonymous(ORG).unwrap()]);
    let huge = format!("eyJhbGciOiJIUzI1NiJ9.{}.sig", "e".repeat(9000));
    let err = exchange
        .exchange(&ExchangeRequest::new(audience("app"), huge.clone()))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ExchangeError::SubjectToken(VerifyError::TooLarge {
            len: huge.len(),
            max: statebacked_claims::verify::DEFAULT_MAX_TOKEN_LEN
        })
    );
    assert_eq!(err.error_code(), "invalid_grant");
    assert!(!err.to_json().contains("eeee"));
}

#[tokio::test]
async fn supabase_hs256_tokens_and_mapping_documents() {
    let secret = "super-secret-jwt-token-with-at-least-32-characters-long";
    let supabase = IdentityProvider::supabase("abcdefghijklmnop")
        .legacy_secret(secret)
        .mapping(
            Mapping::from_value(&json!({
                "sub.$": "$.sub", "email.$": "$.email", "roles.$": "$.app_metadata.roles[*]",
            }))
            .unwrap(),
        )
        .build()
        .unwrap();
    let token = sign_raw_with(
        secret.as_bytes(),
        r#"{"alg":"HS256","typ":"JWT"}"#,
        &json!({
            "iss": "https://abcdefghijklmnop.supabase.co/auth/v1", "aud": "authenticated",
            "sub": "8f0f", "email": "ada@example.com", "role": "authenticated",
            "app_metadata": {"roles": ["member"]}, "iat": NOW, "exp": NOW + 3600,
        })
        .to_string(),
    );
    // The token provider's mapping runs after the identity provider's.
    let exchange =
        TokenExchange::<Viewer>::new(ORG)
            .unwrap()
            .clock(FixedClock::at_unix(NOW))
            .identity_provider(supabase)
            .unwrap()
            .token_provider(TokenProvider::new("app", sb_key()).unwrap().mapping(
                Mapping::from_value(&json!({"sub.$": "$.sub", "roles": ["member"]})).unwrap(),
            ))
            .unwrap();
    let response = exchange
        .exchange(&ExchangeRequest::new(audience("app"), token))
        .await
        .unwrap();
    let verified = viewer_verifier().verify(&response.access_token).unwrap();
    assert_eq!(verified.claims().sub.as_deref(), Some("8f0f"));
    assert_eq!(verified.claims().email, None);
    assert_eq!(verified.claims().roles, ["member"]);
}

#[tokio::test]
async fn s19_s24_exchange_errors_have_their_rfc_6749_codes() {
    let idp = rsa_idp("auth0-kid-1");
    let auth0 = IdentityProvider::auth0("example.auth0.com", "https://example.auth0.com/api/v2/")
        .keys(idp.jwks.clone())
        .build()
        .unwrap();
    let exchange = exchange_with(vec![auth0, IdentityProvider::anonymous(ORG).unwrap()]);
    let claims = |edit: &dyn Fn(&mut Value)| {
        let mut claims = json!({
            "iss": "https://example.auth0.com/", "aud": "https://example.auth0.com/api/v2/",
            "sub": "auth0|1", "iat": NOW, "exp": NOW + 3600,
        });
        edit(&mut claims);
        claims
    };
    let good = idp.token("auth0-kid-1", claims(&|_| {}));
    let run = async |audience: String, token: String| {
        exchange
            .exchange(&ExchangeRequest::new(audience, token))
            .await
            .unwrap_err()
    };

    // Unknown service, another org.
    let err = run(audience("billing"), good.clone()).await;
    assert_eq!(err, ExchangeError::InvalidTarget("unknown token service"));
    assert_eq!((err.status(), err.error_code()), (400, "invalid_target"));
    let err = run(
        "https://tokens.statebacked.dev/org_other/app".into(),
        good.clone(),
    )
    .await;
    assert!(matches!(err, ExchangeError::InvalidTarget(_)));

    // No provider for the token's issuer.
    let other = idp.token(
        "auth0-kid-1",
        claims(&|c| c["iss"] = "https://evil.example/".into()),
    );
    let err = run(audience("app"), other).await;
    assert_eq!(err, ExchangeError::UnknownProvider);
    assert_eq!(err.error_code(), "invalid_grant");

    // Signed by another key under the same kid.
    let forger = rsa_idp("auth0-kid-1");
    let err = run(
        audience("app"),
        forger.token("auth0-kid-1", claims(&|_| {})),
    )
    .await;
    assert_eq!(err, ExchangeError::SubjectToken(VerifyError::BadSignature));

    // Expired.
    let expired = idp.token(
        "auth0-kid-1",
        claims(&|c| {
            c["iat"] = (NOW - 7200).into();
            c["exp"] = (NOW - 3600).into();
        }),
    );
    let err = run(audience("app"), expired).await;
    assert!(
        matches!(
            err,
            ExchangeError::SubjectToken(VerifyError::Expired { .. })
        ),
        "{err}"
    );

    // Claims that break the claim type's rules.
    let invalid = idp.token(
        "auth0-kid-1",
        claims(&|c| c["https://example.com/roles"] = json!(["root"])),
    );
    let err = run(audience("app"), invalid).await;
    assert!(
        matches!(err, ExchangeError::Mapping(MappingError::Invalid(_))),
        "{err}"
    );
    let body: Value = serde_json::from_str(&err.to_json()).unwrap();
    assert_eq!(body["error"], "invalid_grant");
    assert!(!body.to_string().contains("root"), "{body}");

    // Garbage never panics and never echoes the token.
    let err = run(audience("app"), "not.a.token".into()).await;
    assert_eq!(err.error_code(), "invalid_grant");
    assert!(!err.to_json().contains("not.a.token"));
}

#[tokio::test]
async fn s24_malformed_requests_are_invalid_requests() {
    let exchange = exchange_with(vec![IdentityProvider::anonymous(ORG).unwrap()]);
    let parse = async |body: &str| exchange.exchange_form(body.as_bytes()).await.unwrap_err();
    let grant = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange";
    let aud = "audience=https%3A%2F%2Ftokens.statebacked.dev%2Forg_test%2Fapp";
    assert_eq!(
        parse(&format!("{aud}&subject_token=x")).await,
        ExchangeError::InvalidRequest("`grant_type` is missing")
    );
    let err = parse(&format!("grant_type=password&{aud}&subject_token=x")).await;
    assert_eq!(err, ExchangeError::UnsupportedGrantType);
    assert_eq!(err.error_code(), "unsupported_grant_type");
    assert_eq!(
        parse(&format!("{grant}&{aud}")).await,
        ExchangeError::InvalidRequest("`subject_token` is missing")
    );
    assert_eq!(
        parse(&format!("{grant}&{aud}&{aud}&subject_token=x")).await,
        ExchangeError::InvalidRequest("a parameter appears twice")
    );
    assert_eq!(
        parse(&format!("{grant}&subject_token=x")).await,
        ExchangeError::InvalidRequest("`audience` is missing")
    );
    assert_eq!(
        parse(&format!(
            "{grant}&{aud}&subject_token=x&requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aid_token"
        )).await,
        ExchangeError::InvalidTarget("only access tokens are issued")
    );
    assert!(matches!(
        parse(&format!(
            "{grant}&{aud}&subject_token=x&subject_token_type=saml"
        ))
        .await,
        ExchangeError::InvalidRequest(_)
    ));
    // A subject_token_type the client may name is accepted.
    let ok = format!(
        "{}&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt",
        GOLDEN_BODY
    );
    assert!(exchange.exchange_form(ok.as_bytes()).await.is_ok());
    assert!(
        exchange
            .exchange_form(&[0xff, 0xfe, b'&', b'='])
            .await
            .is_err()
    );
}

#[derive(Debug, Serialize, Deserialize, Claims)]
struct UsersOnly {
    sub: String,
}

#[tokio::test]
async fn s23_anonymous_sessions_need_an_anonymous_claims_type() {
    let exchange = TokenExchange::<UsersOnly>::new(ORG)
        .unwrap()
        .clock(FixedClock::at_unix(NOW))
        .identity_provider(IdentityProvider::anonymous(ORG).unwrap())
        .unwrap()
        .token_provider(TokenProvider::new("anonymous-statebacked-dev", sb_key()).unwrap())
        .unwrap();
    assert_eq!(
        exchange
            .exchange_form(GOLDEN_BODY.as_bytes())
            .await
            .unwrap_err(),
        ExchangeError::AnonymousNotAllowed
    );
}

#[tokio::test]
async fn provider_configuration_is_checked() {
    let keys = Key::hs256("k", "a-shared-secret-of-at-least-32-bytes").unwrap();
    let err = IdentityProvider::builder("p")
        .algorithms([Algorithm::HS256])
        .keys(keys.clone())
        .build()
        .unwrap_err();
    assert_eq!(err, ProviderError::NoIssuerOrAudience("p".into()));
    let err = IdentityProvider::builder("p")
        .issuer("https://p/")
        .keys(keys.clone())
        .build()
        .unwrap_err();
    assert_eq!(err, ProviderError::NoAlgorithms("p".into()));
    let err = IdentityProvider::builder("p")
        .issuer("https://p/")
        .algorithms([Algorithm::RS256])
        .keys(keys.clone())
        .build()
        .unwrap_err();
    assert!(matches!(
        err,
        ProviderError::KeyAlgorithmNotAllowed {
            algorithm: Algorithm::HS256,
            ..
        }
    ));
    let err = IdentityProvider::builder("p")
        .issuer("https://p/")
        .algorithms([Algorithm::HS256])
        .build()
        .unwrap_err();
    assert_eq!(err, ProviderError::NoKeys("p".into()));
    // The presets read their keys from the provider's JWKS URL: that needs `jwks-http` in the
    // runtime crate (which another workspace member may turn on), else it says so.
    match IdentityProvider::auth0("example.auth0.com", "https://api.example.com/").build() {
        Ok(preset) => assert_eq!(preset.name(), "auth0"),
        Err(err) => assert_eq!(err, ProviderError::JwksUrlNeedsFeature("auth0".into())),
    }
    let err = IdentityProvider::builder("p")
        .issuer("https://p/")
        .algorithms([Algorithm::HS256])
        .keys(keys.clone())
        .leeway(std::time::Duration::from_secs(3600))
        .build()
        .unwrap_err();
    assert!(matches!(err, ProviderError::Config(_)));
    assert!(matches!(
        TokenProvider::new("bad service", keys.clone()),
        Err(ProviderError::InvalidName(_))
    ));
    assert!(matches!(
        TokenExchange::<Viewer>::new("bad org!"),
        Err(ProviderError::InvalidOrgId)
    ));
    let twice = TokenExchange::<Viewer>::new(ORG)
        .unwrap()
        .identity_provider(IdentityProvider::anonymous(ORG).unwrap())
        .unwrap()
        .identity_provider(IdentityProvider::anonymous(ORG).unwrap());
    assert_eq!(
        twice.unwrap_err(),
        ProviderError::Duplicate("anonymous".into())
    );
    // Debug output of a configured exchange holds no secret.
    let debug = format!("{:?}", exchange_with(vec![]));
    assert!(!debug.contains(SB_SECRET), "{debug}");
}

/// S24: wrong algorithm, not yet valid: each its own error, with an RFC 6749 code, and no
/// body repeats the subject token.
#[tokio::test]
async fn s24_wrong_algorithm_and_not_yet_valid_subject_tokens() {
    let pair = generate(Algorithm::RS256);
    let rs = Key::from_der("kc", Algorithm::RS256, &pair.private_der).unwrap();
    let ps = Key::from_der("kc", Algorithm::PS256, &pair.private_der).unwrap();
    let keycloak = IdentityProvider::builder("keycloak")
        .issuer("https://id.example.com/realms/main")
        .algorithms([Algorithm::RS256])
        .keys(KeySet::from_jwks(&KeySet::from(rs.clone()).public_jwks().to_json()).unwrap())
        .build()
        .unwrap();
    let exchange = exchange_with(vec![keycloak]);
    #[derive(Serialize, Deserialize, Claims)]
    #[claims(profile = "flat")]
    struct Subject {
        sub: String,
    }
    let sign = |key: &Key, clock: u64| {
        statebacked_claims::Issuer::<Subject>::new(key.clone())
            .issuer("https://id.example.com/realms/main")
            .clock(FixedClock::at_unix(clock))
            .sign(&Subject { sub: "u".into() }, "10m".parse().unwrap())
            .unwrap()
            .into_string()
    };
    let run = async |token: String| {
        exchange
            .exchange(&ExchangeRequest::new(audience("app"), token.clone()))
            .await
            .map(|_| ())
            .inspect_err(|err| assert!(!err.to_json().contains(&token)))
    };
    assert!(run(sign(&rs, NOW)).await.is_ok());
    // The same key's bytes, another algorithm: refused before the signature is looked at.
    let err = run(sign(&ps, NOW)).await.unwrap_err();
    assert_eq!(
        err,
        ExchangeError::SubjectToken(VerifyError::AlgorithmMismatch {
            expected: Algorithm::RS256,
            found: Algorithm::PS256
        })
    );
    assert_eq!(err.error_code(), "invalid_grant");
    // Issued an hour ahead of the exchange's clock.
    let err = run(sign(&rs, NOW + 3600)).await.unwrap_err();
    assert!(
        matches!(
            err,
            ExchangeError::SubjectToken(VerifyError::IssuedInFuture { .. })
        ),
        "{err}"
    );
}

/// A subject token's claim values reach no error: not the body, not `Display` (logs), not
/// `Debug`. The broken rules are named by path and rule.
#[tokio::test]
async fn exchange_errors_never_carry_the_subject_tokens_claim_values() {
    let idp = rsa_idp("corp-kid");
    let corp = IdentityProvider::builder("corp")
        .issuer("https://corp.example/")
        .algorithms([Algorithm::RS256])
        .keys(idp.jwks.clone())
        .build()
        .unwrap();
    let token = idp.token(
        "corp-kid",
        json!({
            "iss": "https://corp.example/", "sub": "u1", "iat": NOW - 10, "exp": NOW + 3600,
            "email": "not-an-email-value",
            "https://example.com/roles": ["r00t-value"],
        }),
    );
    let err = exchange_with(vec![corp])
        .exchange_form(exchange_form(&audience("app"), &token).as_bytes())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ExchangeError::Mapping(MappingError::Invalid(_))),
        "{err:?}"
    );
    for text in [err.to_string(), format!("{err:?}"), err.to_json()] {
        assert!(!text.contains("r00t-value"), "{text}");
        assert!(!text.contains("not-an-email-value"), "{text}");
        assert!(text.contains("act.email"), "{text}");
        assert!(text.contains("act.roles[0]"), "{text}");
    }
}

/// An identity token as anyone who knows the org id can sign it, with these ids.
fn identity_with(sid: &str, did: &str) -> String {
    let aud = format!("https://{ORG}.anonymous.auth.statebacked.dev");
    sign_raw_with(
        ORG.as_bytes(),
        r#"{"alg":"HS256","typ":"JWT"}"#,
        &json!({"aud": aud, "iss": aud, "iat": NOW, "exp": NOW + 600, "sid": sid, "did": did})
            .to_string(),
    )
}

/// #20 item 1: the ids of a self-signed identity token are bounded (1 to 128 characters, no
/// control characters) and held to the claims type's rules before anything is signed.
#[tokio::test]
async fn anonymous_session_ids_are_bounded_and_follow_the_types_rules() {
    let exchange = exchange_with(vec![IdentityProvider::anonymous(ORG).unwrap()]);
    let long = "s".repeat(1_000);
    for (sid, did, claim) in [
        (long.as_str(), "d-1", "sid"),
        ("../../etc/passwd\0\n", "d-1", "sid"),
        ("s-1", "d\u{7}-1", "did"),
    ] {
        let err = exchange
            .exchange(&ExchangeRequest::new(
                audience("app"),
                identity_with(sid, did),
            ))
            .await
            .unwrap_err();
        assert_eq!(
            err,
            ExchangeError::SubjectToken(VerifyError::InvalidClaim(claim)),
            "{sid:?}"
        );
        assert_eq!(err.error_code(), "invalid_grant");
        assert_eq!(err.status(), 400);
    }
    // At the bound: accepted.
    let at_bound = "s".repeat(128);
    exchange
        .exchange(&ExchangeRequest::new(
            audience("app"),
            identity_with(&at_bound, "d-1"),
        ))
        .await
        .unwrap();
    // A bound of one's own.
    let strict = exchange_with(vec![IdentityProvider::from_anonymous(
        statebacked_claims::AnonymousProvider::new(ORG)
            .unwrap()
            .max_session_id_len(8),
    )]);
    let err = strict
        .exchange(&ExchangeRequest::new(
            audience("app"),
            identity_with("s-123456789", "d-1"),
        ))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ExchangeError::SubjectToken(VerifyError::InvalidClaim("sid"))
    );

    // The claims type's own rule for `sid` (here a prefix) is checked at the exchange: the
    // token would never verify, so it is not signed.
    #[derive(Debug, Serialize, Deserialize, Claims)]
    #[claims(anonymous)]
    struct Prefixed {
        #[claim(anonymous, validate(prefix = "sess_"))]
        sid: Option<String>,
        sub: Option<String>,
    }
    let exchange = TokenExchange::<Prefixed>::new(ORG)
        .unwrap()
        .clock(FixedClock::at_unix(NOW))
        .token_provider(TokenProvider::new("app", sb_key()).unwrap())
        .unwrap()
        .identity_provider(IdentityProvider::anonymous(ORG).unwrap())
        .unwrap();
    let err = exchange
        .exchange(&ExchangeRequest::new(
            audience("app"),
            identity_with("other-1", "d-1"),
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ExchangeError::Mapping(MappingError::Invalid(errors)) if errors.errors()[0].path() == "act.sid"),
        "{err:?}"
    );
    assert_eq!(err.error_code(), "invalid_grant");
    exchange
        .exchange(&ExchangeRequest::new(
            audience("app"),
            identity_with("sess_1", "d-1"),
        ))
        .await
        .unwrap();
}

/// #20 item 4: what an exchange may issue. By default the token ends no later than the
/// subject token; `outlive_subject(true)` gives the full lifetime; `namespace_subjects` keeps
/// two providers' subjects apart; `actor_token` (delegation) is refused, not ignored.
#[tokio::test]
async fn exchange_policy_caps_lifetimes_namespaces_subjects_and_refuses_delegation() {
    let idp = rsa_idp("corp-kid");
    let corp = |configure: fn(
        statebacked_claims::exchange::IdentityProviderBuilder,
    ) -> statebacked_claims::exchange::IdentityProviderBuilder| {
        configure(
            IdentityProvider::builder("corp")
                .issuer("https://corp.example/")
                .algorithms([Algorithm::RS256])
                .keys(idp.jwks.clone()),
        )
        .build()
        .unwrap()
    };
    let subject = |exp: u64| {
        idp.token(
            "corp-kid",
            json!({"iss": "https://corp.example/", "sub": "u1", "iat": NOW - 10, "exp": exp}),
        )
    };
    let exchange_of = async |provider: IdentityProvider, token: String| {
        exchange_with(vec![provider])
            .exchange(&ExchangeRequest::new(audience("app"), token))
            .await
    };

    // Capped at the subject's exp by default (the token provider's lifetime is an hour).
    let response = exchange_of(corp(|b| b), subject(NOW + 600)).await.unwrap();
    assert_eq!(response.expires_in, 600);
    assert_eq!(common_payload(&response.access_token)["exp"], NOW + 600);
    // A subject token with more time than the lifetime: the lifetime.
    let response = exchange_of(corp(|b| b), subject(NOW + 7200)).await.unwrap();
    assert_eq!(response.expires_in, 3600);
    // Uncapped on request.
    let response = exchange_of(corp(|b| b.outlive_subject(true)), subject(NOW + 600))
        .await
        .unwrap();
    assert_eq!(response.expires_in, 3600);
    assert_eq!(common_payload(&response.access_token)["exp"], NOW + 3600);
    // Past its exp but inside the leeway: nothing is left to issue.
    let err = exchange_of(corp(|b| b), subject(NOW - 5))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ExchangeError::SubjectToken(VerifyError::Expired {
            exp: NOW - 5,
            now: NOW
        })
    );
    assert_eq!(err.error_code(), "invalid_grant");

    // Namespaced subjects.
    let response = exchange_of(corp(|b| b.namespace_subjects("corp|")), subject(NOW + 600))
        .await
        .unwrap();
    let act = &common_payload(&response.access_token)["act"];
    assert_eq!(act["sub"], "corp|u1");

    // Delegation is refused.
    let form = format!(
        "{}&actor_token=abc&actor_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt",
        exchange_form(&audience("app"), &subject(NOW + 600))
    );
    let err = exchange_with(vec![corp(|b| b)])
        .exchange_form(form.as_bytes())
        .await
        .unwrap_err();
    assert!(matches!(err, ExchangeError::InvalidRequest(why) if why.contains("actor_token")));
    assert_eq!(err.error_code(), "invalid_request");
}

/// The exchange with static keys (and the in-process store) completes on its first poll, as
/// its docs promise to users without an async runtime: any executor drives it.
#[test]
fn with_static_keys_the_exchange_completes_on_its_first_poll() {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};
    let exchange = exchange_with(vec![IdentityProvider::anonymous(ORG).unwrap()]).reject_replays(
        statebacked_claims::replay::ReplayGuard::new(statebacked_claims::store::Store::memory())
            .provider("anonymous"),
    );
    let request = ExchangeRequest::new(audience("app"), identity_with("s-1", "d-1"));
    let mut future = std::pin::pin!(exchange.exchange(&request));
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(response) => assert!(response.is_ok(), "{response:?}"),
        Poll::Pending => panic!("the exchange waited with nothing to wait for"),
    }
}
