use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;

#[derive(Serialize, Deserialize, Claims)]
enum Viewer {
    User { sub: String },
    Anonymous,
}

fn main() {}
