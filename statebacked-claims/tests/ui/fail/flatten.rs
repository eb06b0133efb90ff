use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;

#[derive(Serialize, Deserialize)]
struct Profile {
    email: String,
}

#[derive(Serialize, Deserialize, Claims)]
struct Viewer {
    sub: String,
    #[serde(flatten)]
    profile: Profile,
}

fn main() {}
