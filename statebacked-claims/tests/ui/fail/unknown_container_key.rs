use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;

#[derive(Serialize, Deserialize, Claims)]
#[claims(anonymus)]
struct Viewer {
    sub: String,
}

fn main() {}
