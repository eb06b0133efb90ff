use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;

fn short(value: &u64) -> Result<(), String> {
    if *value < 10 { Ok(()) } else { Err("too long".into()) }
}

// The attribute error only: the derive checks `custom` functions' signatures (a type error,
// reported by rustc) in the impl it emits once the attributes are right.
#[derive(Serialize, Deserialize, Claims)]
#[claims(anonymus)]
struct Viewer {
    #[claim(validate(custom = short))]
    name: String,
}

fn main() {}
