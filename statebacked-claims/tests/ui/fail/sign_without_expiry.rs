use serde::{Deserialize, Serialize};
use statebacked_claims::{Claims, Issuer, Key};

#[derive(Serialize, Deserialize, Claims)]
struct Viewer {
    sub: String,
}

fn main() {
    let key = Key::hs256("sbk_test", "sbsec_test_secret_0123456789abcdef").unwrap();
    let issuer = Issuer::<Viewer>::new(key);
    let _ = issuer.sign(&Viewer { sub: "u".into() });
    let _ = issuer.sign(&Viewer { sub: "u".into() }, None);
}
