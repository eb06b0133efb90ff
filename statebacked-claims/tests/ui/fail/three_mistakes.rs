use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;

#[derive(Serialize, Deserialize, Claims)]
#[claims(strict)]
struct Viewer {
    auth: String,
    #[claim(from_path = "$.sub")]
    sub: String,
}

fn main() {}
