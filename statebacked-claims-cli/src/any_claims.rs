//! The claims the command line signs and verifies: any JSON object, since a command-line tool
//! has no Rust type for them. Anonymous sessions are accepted; the verifier still enforces
//! their restriction.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use statebacked_claims::{ClaimSchema, Claims};

/// An `act` claim of any shape (a JSON object).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AnyClaims(pub Map<String, Value>);

static SCHEMA: ClaimSchema = ClaimSchema::__new("AnyClaims", &[], true);

impl Claims for AnyClaims {
    fn schema() -> &'static ClaimSchema {
        &SCHEMA
    }
}
