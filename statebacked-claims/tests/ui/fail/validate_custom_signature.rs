use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;

fn short(value: &u64) -> Result<(), String> {
    if *value < 10 { Ok(()) } else { Err("too long".into()) }
}

#[derive(Serialize, Deserialize, Claims)]
struct Viewer {
    #[claim(validate(custom = short))]
    name: String,
}

fn main() {}
