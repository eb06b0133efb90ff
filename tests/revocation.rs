//! Revocation by subject on one node (the in-process store): which subject a token is
//! looked up by — the claim the type marks `#[claim(subject)]`, else the top-level `sub`,
//! else the anonymous session's `sid`.

mod common;

use common::{HEADER, NOW, key, payload, sign_raw};
use serde::{Deserialize, Serialize};
use serde_json::json;
use statebacked_claims::revocation::Revocations;
use statebacked_claims::store::Store;
use statebacked_claims::{Claims, FixedClock, Verifier, VerifyError};

#[derive(Debug, Serialize, Deserialize, Claims)]
#[claims(anonymous)]
struct Viewer {
    #[claim(subject)]
    user_id: Option<String>,
    #[claim(anonymous)]
    sid: Option<String>,
    #[claim(anonymous)]
    did: Option<String>,
}

/// A token issued at `NOW` whose `act` is `act`, with a top-level `sub` when given.
fn token(act: serde_json::Value, sub: Option<&str>) -> String {
    sign_raw(
        HEADER,
        &payload(|claims| {
            claims.insert("act".into(), act);
            if let Some(sub) = sub {
                claims.insert("sub".into(), sub.into());
            }
        }),
    )
}

/// Revocations on the in-process store, made 10 s after the tokens were issued, and a
/// verifier that checks them.
fn revocations_and_verifier() -> (Revocations, Verifier<Viewer>) {
    let revocations = Revocations::new(Store::memory())
        .unwrap()
        .clock(FixedClock::at_unix(NOW + 10));
    let verifier = Verifier::<Viewer>::new(key())
        .clock(FixedClock::at_unix(NOW))
        .revocations(revocations.view());
    (revocations, verifier)
}

#[tokio::test]
async fn the_subject_is_the_marked_claim_then_the_top_level_sub_then_the_sid() {
    let (revocations, verifier) = revocations_and_verifier();
    let marked = token(json!({"user_id": "u-inner"}), Some("u-outer"));
    let top_level = token(json!({}), Some("u-outer"));
    let anonymous = token(
        json!({"sid": "s-1", "did": "d-1", "auth": "anonymous"}),
        None,
    );
    let accepted = |token: &str| verifier.verify(token).map(drop);
    for token in [&marked, &top_level, &anonymous] {
        accepted(token).unwrap();
    }

    // The top-level `sub` is the subject only where the type's own claim is absent.
    revocations.revoke_subject("u-outer").await.unwrap();
    assert_eq!(accepted(&top_level), Err(VerifyError::Revoked));
    accepted(&marked).unwrap();

    revocations.revoke_subject("u-inner").await.unwrap();
    assert_eq!(accepted(&marked), Err(VerifyError::Revoked));

    accepted(&anonymous).unwrap();
    revocations.revoke_subject("s-1").await.unwrap();
    assert_eq!(accepted(&anonymous), Err(VerifyError::Revoked));
}

/// An empty subject claim names nobody: the top-level `sub` stands in.
#[tokio::test]
async fn an_empty_subject_claim_falls_back_to_the_top_level_sub() {
    let (revocations, verifier) = revocations_and_verifier();
    let token = token(json!({"user_id": ""}), Some("u-outer"));
    verifier.verify(&token).unwrap();
    revocations.revoke_subject("u-outer").await.unwrap();
    assert_eq!(verifier.verify(&token).map(drop), Err(VerifyError::Revoked));
}
