use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;

#[derive(Serialize, Deserialize)]
struct Address {
    city: String,
}

// One error, at `nested`, though both the schema and `validate` use the type.
#[derive(Serialize, Deserialize, Claims)]
struct Viewer {
    sub: String,
    #[claim(nested)]
    address: Address,
}

fn main() {}
