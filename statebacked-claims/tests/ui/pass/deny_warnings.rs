//! Generated code is warning-free in a crate that denies warnings.
#![deny(warnings, missing_docs, unused_qualifications, unused_results)]

use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;

/// Claims.
#[derive(Debug, Serialize, Deserialize, Claims)]
#[serde(rename_all = "kebab-case")]
pub struct Viewer {
    /// Subject.
    pub sub: String,
    /// Groups.
    #[serde(default)]
    pub user_groups: Vec<String>,
}

/// Generic claims.
#[derive(Serialize, Deserialize, Claims)]
pub struct Tenant<'a, T: Clone>
where
    T: Default,
{
    /// Value.
    pub value: T,
    /// Name.
    pub name: std::borrow::Cow<'a, str>,
    /// Codes.
    pub codes: [u8; 2],
}

fn main() {
    assert_eq!(Viewer::schema().wire_names().collect::<Vec<_>>(), ["sub", "user-groups"]);
    assert_eq!(Tenant::<'static, u8>::schema().fields().len(), 3);
}
