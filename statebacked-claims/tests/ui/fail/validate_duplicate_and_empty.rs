use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;

#[derive(Serialize, Deserialize, Claims)]
struct Viewer {
    #[claim(validate(email, email))]
    email: String,
    #[claim(validate(one_of()))]
    plan: String,
    #[claim(validate(one_of("a", 1)))]
    mixed: String,
    #[claim(validate(non_empty), validate(email))]
    contact: String,
}

fn main() {}
