use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;

#[derive(Serialize, Deserialize, Claims)]
struct Viewer {
    #[claim(validate(email))]
    id: u64,
    #[claim(validate(range(min = 1, max = 10)))]
    name: String,
    #[claim(validate(each(non_empty)))]
    group: Option<String>,
    #[claim(validate(one_of(1, 2)))]
    plan: String,
    #[claim(validate(range(max = 2.5)))]
    count: u32,
    #[claim(validate(each(email)))]
    ids: Vec<u64>,
    #[claim(nested)]
    level: u8,
}

fn main() {}
