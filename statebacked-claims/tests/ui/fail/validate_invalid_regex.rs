use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;

#[derive(Serialize, Deserialize, Claims)]
struct Viewer {
    #[claim(validate(regex = "^[a-z+$"))]
    handle: String,
}

fn main() {}
