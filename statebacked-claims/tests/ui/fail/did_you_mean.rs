use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;

#[derive(Serialize, Deserialize, Claims)]
struct Viewer {
    #[claim(validat(email))]
    email: String,
    #[claim(validate(lenght(max = 32)))]
    name: String,
    #[claim(from(provider = "auth0", pth = "$.sub"))]
    sub: String,
}

fn main() {}
