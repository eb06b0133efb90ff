use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;

#[derive(Serialize, Deserialize, Claims)]
#[claims(anonymous)]
struct Viewer {
    #[claim(anonymous)]
    sid: Option<String>,
    #[claim(anonymous)]
    sub: Option<String>,
    #[serde(rename = "deviceId")]
    #[claim(anonymous)]
    did: Option<String>,
}

fn main() {}
