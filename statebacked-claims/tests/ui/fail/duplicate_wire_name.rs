use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;

#[derive(Serialize, Deserialize, Claims)]
#[serde(rename_all = "camelCase")]
struct Viewer {
    user_id: String,
    #[serde(rename = "userId")]
    legacy_id: String,
}

fn main() {}
