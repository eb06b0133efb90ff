//! `#[claims(crate = "...")]` for crates that re-export statebacked-claims.

mod reexport {
    pub use statebacked_claims as claims;
}

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, statebacked_claims::Claims)]
#[claims(crate = "reexport::claims")]
struct Viewer {
    sub: String,
}

fn main() {
    use statebacked_claims::Claims;
    assert_eq!(Viewer::schema().type_name(), "Viewer");
}
