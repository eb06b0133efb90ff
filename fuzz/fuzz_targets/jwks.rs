//! Arbitrary bytes as a JWKS document and as one JWK.
#![no_main]

use libfuzzer_sys::fuzz_target;
use statebacked_claims::{Key, KeySet};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(set) = KeySet::from_jwks(&text) {
        let _ = set.public_jwks().to_json();
    }
    let _ = Key::from_jwk(&text);
});
