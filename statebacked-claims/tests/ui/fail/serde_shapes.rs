use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;

#[derive(Serialize, Deserialize, Claims)]
#[serde(transparent)]
struct Viewer {
    sub: String,
}

#[derive(Serialize, Deserialize, Claims)]
struct Split {
    #[serde(rename(serialize = "user", deserialize = "sub"))]
    sub: String,
}

fn main() {}
