use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;

#[derive(Serialize, Deserialize, Claims)]
struct Viewer {
    #[claim(validate(emial))]
    email: String,
}

fn main() {}
