use serde::{Deserialize, Serialize};
use statebacked_claims::{Claims, Expires, Issuer, Key};

#[derive(Serialize, Deserialize, Claims)]
struct Viewer {
    sub: String,
}

#[derive(Serialize, Deserialize, Claims)]
struct Admin {
    sub: String,
}

fn main() {
    let key = Key::hs256("sbk_test", "sbsec_test_secret_0123456789abcdef").unwrap();
    let issuer = Issuer::<Viewer>::new(key);
    let expires = Expires::at_unix(4_102_444_800);
    let _ = issuer.sign(&Admin { sub: "root".into() }, expires);
    let _ = issuer.sign(&serde_json::json!({ "sub": "root" }), expires);
}
