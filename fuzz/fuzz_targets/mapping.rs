//! Arbitrary bytes as a mapping document and as identity-provider claims.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::{Deserialize, Serialize};
use statebacked_claims::{Claims, Mapping};

#[derive(Serialize, Deserialize, Claims)]
struct Member {
    #[claim(from = "$.sub")]
    sub: String,
    #[serde(default)]
    #[claim(from = "$.groups[*].name", from(provider = "kc", path = "$..roles[*]"))]
    groups: Vec<String>,
    #[serde(default)]
    #[claim(from = "$.scope", split = " ")]
    scopes: Vec<String>,
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (document, claims) = text.split_once('\n').unwrap_or((&text, "{}"));
    let claims: serde_json::Value = serde_json::from_str(claims).unwrap_or_default();
    if let Ok(mapping) = Mapping::from_json(document) {
        let _ = mapping.apply(&claims);
    }
    let _ = Member::from_identity(None, &claims);
    let _ = Member::from_identity(Some("kc"), &claims);
});
