use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;

#[derive(Serialize, Deserialize, Claims)]
#[claims(anonymous)]
struct Viewer {
    #[claim(anonymous)]
    sid: String,
    #[claim(anonymous)]
    did: Option<String>,
    sub: String,
    #[serde(default)]
    roles: Vec<String>,
    email: Option<String>,
}

fn main() {}
