use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;

#[derive(Serialize, Deserialize, Claims)]
struct TwoSubjects {
    #[claim(subject)]
    sub: String,
    #[claim(subject)]
    email: String,
}

#[derive(Serialize, Deserialize, Claims)]
struct SkippedSubject {
    #[serde(skip)]
    #[claim(subject)]
    sub: String,
}

#[derive(Serialize, Deserialize, Claims)]
struct NumericSubject {
    #[claim(subject)]
    user_number: u64,
}

fn main() {}
