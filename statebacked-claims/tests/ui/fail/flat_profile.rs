use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;

// The flat profile writes the registered claims beside the user's: a field may not take
// their names (`sub` is the subject and may be a field).
#[derive(Serialize, Deserialize, Claims)]
#[claims(profile = "flat")]
struct Collides {
    sub: String,
    exp: u64,
    #[serde(rename = "iss")]
    issuer: String,
    #[serde(alias = "aud")]
    audience: String,
}

#[derive(Serialize, Deserialize, Claims)]
#[serde(rename_all = "UPPERCASE")]
#[claims(profile = "flat")]
struct RenamedAll {
    // `JTI` is not `jti`: no collision.
    jti: String,
}

// Anonymous sessions live in `act`.
#[derive(Serialize, Deserialize, Claims)]
#[claims(anonymous, profile = "flat")]
struct Anonymous {
    sid: Option<String>,
}

#[derive(Serialize, Deserialize, Claims)]
#[claims(profile = "nested")]
struct Unknown {
    sub: String,
}

fn main() {}
