use serde::{Deserialize, Serialize};
use statebacked_claims::{AnonymousIdentity, Claims, Expires, Issuer, Key};

#[derive(Serialize, Deserialize, Claims)]
struct UsersOnly {
    sub: String,
}

#[derive(Serialize, Deserialize, Claims)]
#[claims(anonymous)]
struct Viewer {
    #[claim(anonymous)]
    sid: Option<String>,
    sub: Option<String>,
}

fn main() {
    let key = Key::hs256("sbk_test", "sbsec_test_secret_0123456789abcdef").unwrap();
    let expires = Expires::at_unix(4_102_444_800);
    let session = AnonymousIdentity::new("s-1", "d-1");

    // A type without #[claims(anonymous)] cannot sign anonymous tokens.
    let users = Issuer::<UsersOnly>::new(key.clone());
    let _ = users.sign_anonymous(&session, expires);

    // Anonymous tokens are built from a session, never from a user claims value.
    let viewers = Issuer::<Viewer>::new(key);
    let viewer = Viewer { sid: None, sub: Some("admin".into()) };
    let _ = viewers.sign_anonymous(&viewer, expires);
}
