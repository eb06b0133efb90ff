use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;

// `#[claim(anonymous)]` without `#[claims(anonymous)]` on the type.
#[derive(Serialize, Deserialize, Claims)]
struct Viewer {
    #[claim(anonymous)]
    sid: Option<String>,
}

// Anonymous sessions carry `sid` and `did` as strings.
#[derive(Serialize, Deserialize, Claims)]
#[claims(anonymous)]
struct Numbered {
    #[claim(anonymous)]
    sid: Option<u64>,
}

// A key given twice.
#[derive(Serialize, Deserialize, Claims)]
#[claims(anonymous, anonymous)]
struct Twice {
    sid: Option<String>,
}

fn main() {}
