use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;

#[derive(Serialize, Deserialize, Claims)]
struct Viewer {
    sub: String,
    auth: String,
}

#[derive(Serialize, Deserialize, Claims)]
struct Renamed {
    sub: String,
    #[serde(rename = "auth")]
    method: String,
}

fn main() {}
