use serde::{Deserialize, Serialize};
use statebacked_claims::{Expires, Issuer, Key};

#[derive(Serialize, Deserialize)]
struct NotClaims {
    sub: String,
}

fn main() {
    let key = Key::hs256("sbk_test", "sbsec_test_secret_0123456789abcdef").unwrap();
    let issuer = Issuer::<NotClaims>::new(key);
    let _ = issuer.sign(&NotClaims { sub: "u".into() }, Expires::at_unix(4_102_444_800));
}
