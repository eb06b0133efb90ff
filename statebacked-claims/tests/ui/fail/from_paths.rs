use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;

#[derive(Serialize, Deserialize, Claims)]
struct Mistakes {
    // Not RFC 9535: unclosed bracket.
    #[claim(from = "$.roles[")]
    roles: Vec<String>,
    // A second path for every provider.
    #[claim(from = "$.sub", from = "$.user_id")]
    sub: String,
    // The same provider twice.
    #[claim(from(provider = "auth0", path = "$.a"), from(provider = "auth0", path = "$.b"))]
    a: String,
    // `from(...)` needs both keys, and only those.
    #[claim(from(path = "$.c"))]
    c: String,
    #[claim(from(provider = "x", path = "$.d", strict = true))]
    d: String,
    // `split` fills lists of strings only.
    #[claim(from = "$.scope", split = " ")]
    scope: String,
    #[claim(split = "")]
    empty: Vec<String>,
}

fn main() {}
