//! Anonymous sessions end to end: a browser-side session mints its identity token, the server
//! exchanges it for a State Backed token, and an authorizer lets the session into its own
//! machine instance and no other.
//!
//! Run with `cargo run --example anonymous_sessions`.

use serde::{Deserialize, Serialize};
use statebacked_claims::{
    AnonymousProvider, AnonymousSession, AuthContext, Claims, Issuer, Key, Verifier,
};
use std::error::Error;

/// The authContext of a service that admits both signed-in users and anonymous sessions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[claims(anonymous)]
struct Viewer {
    #[claim(anonymous)]
    sid: Option<String>,
    #[claim(anonymous)]
    did: Option<String>,
    sub: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
}

/// An authorizer for a machine whose instances are named after whoever owns them: an
/// anonymous session owns `session-<sid>`, a user owns `user-<sub>`.
fn allow_read(machine_instance_name: &str, auth: AuthContext<'_, Viewer>) -> bool {
    match auth {
        AuthContext::Anonymous { sid, .. } => machine_instance_name == format!("session-{sid}"),
        AuthContext::Authenticated(viewer) => viewer
            .sub
            .as_deref()
            .is_some_and(|sub| machine_instance_name == format!("user-{sub}")),
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let org_id = "org_example";

    // In the browser: anyone can mint this token; it is signed with the public org id.
    let session = AnonymousSession::new(org_id);
    let identity_token = session.identity_token()?;
    println!("session id:     {}", session.sid());
    println!("identity token: {identity_token}");

    // On the server: verify the identity token, then sign a State Backed token whose `act`
    // is exactly {"sid","did","auth":"anonymous"}.
    let key = Key::hs256("sbk_example", "sbsec_example_secret_0123456789abcdef")?;
    let provider = AnonymousProvider::new(org_id)?;
    let issuer = Issuer::<Viewer>::new(key.clone());
    let token = provider.exchange(identity_token.as_str(), &issuer, "1h".parse()?)?;
    println!("exchanged:      {token}");

    // Where the token is used: verify it and hand the authContext to the authorizer.
    let verifier = Verifier::<Viewer>::new(key);
    let verified = verifier.verify(token.as_str())?;
    println!("auth context:   {:?}", verified.auth_context());

    let own = format!("session-{}", session.sid());
    for instance in [own.as_str(), "session-someone-else", "user-admin"] {
        let allowed = allow_read(instance, verified.auth_context());
        println!(
            "read {instance:<50} {}",
            if allowed { "allowed" } else { "denied" }
        );
        assert_eq!(allowed, instance == own);
    }

    // Only a session's token is anonymous: a user's token that happens to carry a `sid` is a
    // user's, and the typed API has no way to sign `auth: "anonymous"` beside user claims.
    let user_token = issuer.sign(
        &Viewer {
            sid: Some(session.sid().into()),
            did: None,
            sub: Some("admin".into()),
            groups: vec!["admin".into()],
        },
        "1h".parse()?,
    )?;
    let verified = verifier.verify(user_token.as_str())?;
    println!("user token:     {:?}", verified.auth_context());
    assert!(!verified.is_anonymous());
    Ok(())
}
