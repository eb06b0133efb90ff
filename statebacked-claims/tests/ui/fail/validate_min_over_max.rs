use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;

#[derive(Serialize, Deserialize, Claims)]
struct Viewer {
    #[claim(validate(length(min = 10, max = 2)))]
    name: String,
    #[claim(validate(range(min = 0.5, max = -0.5)))]
    score: f64,
    #[claim(validate(range()))]
    age: u8,
}

fn main() {}
