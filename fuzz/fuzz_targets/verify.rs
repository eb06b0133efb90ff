//! Arbitrary bytes as a token, twice: as they are, and as a header and a claims set signed
//! with the verifier's key (so everything after the signature check is reached too).
#![no_main]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;
use libfuzzer_sys::fuzz_target;
use serde::{Deserialize, Serialize};
use statebacked_claims::{Claims, FixedClock, Key, Verifier, jws::verify_jws};

#[derive(Serialize, Deserialize, Claims)]
#[claims(anonymous)]
struct Viewer {
    #[claim(anonymous)]
    sid: Option<String>,
    #[claim(anonymous)]
    did: Option<String>,
    #[claim(validate(length(min = 1, max = 64)))]
    sub: Option<String>,
    #[serde(default)]
    #[claim(validate(each(one_of("admin", "member"))))]
    groups: Vec<String>,
}

const SECRET: &str = "sbsec_fuzz_secret_0123456789abcdef";

fuzz_target!(|data: &[u8]| {
    let key = Key::hs256("sbk_fuzz", SECRET).unwrap();
    let verifier = Verifier::<Viewer>::new(key.clone()).clock(FixedClock::at_unix(1_700_000_000));
    let text = String::from_utf8_lossy(data);
    let _ = verifier.verify(&text);
    let _ = verify_jws(&text, &key.clone().into());
    // Split the input into a header and a claims set, and sign them properly.
    let (header, payload) = match text.split_once('\n') {
        Some(parts) => parts,
        None => (r#"{"alg":"HS256","kid":"sbk_fuzz"}"#, text.as_ref()),
    };
    let _ = verifier.verify(&sign(header, payload));
});

/// `header.payload.HMAC`, signed with the verifier's secret by RustCrypto's HMAC.
fn sign(header: &str, payload: &str) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(input.as_bytes());
    format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}
