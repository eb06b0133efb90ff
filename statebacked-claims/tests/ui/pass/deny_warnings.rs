//! Generated code is warning-free in a crate that denies warnings.
#![deny(warnings, missing_docs, unused_qualifications, unused_results)]

use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;

fn not_root(value: &String) -> Result<(), String> {
    if value == "root" { Err("reserved".into()) } else { Ok(()) }
}

/// Nested claims.
#[derive(Debug, Serialize, Deserialize, Claims)]
pub struct Address {
    /// Zip.
    #[claim(validate(regex = "^[0-9]{5}$"))]
    pub zip: String,
}

/// Claims.
#[derive(Debug, Serialize, Deserialize, Claims)]
#[serde(rename_all = "kebab-case")]
#[claims(anonymous)]
pub struct Viewer {
    /// Session.
    #[claim(anonymous, validate(non_empty))]
    pub sid: Option<String>,
    /// Subject.
    #[claim(validate(length(min = 1, max = 64), custom = not_root))]
    pub sub: Option<String>,
    /// Groups.
    #[serde(default)]
    #[claim(validate(length(max = 8), each(one_of("a", "b"), prefix = "a")))]
    pub user_groups: Vec<String>,
    /// Age.
    #[claim(sensitive, validate(range(min = 0, max = 150), one_of(1, 2)))]
    pub age: Option<i32>,
    /// Score.
    #[serde(default)]
    #[claim(validate(range(min = -1, max = 1.5)))]
    pub score: f64,
    /// Contact.
    #[claim(validate(email))]
    pub email: Option<String>,
    /// Site.
    #[claim(validate(url))]
    pub site: Option<String>,
    /// Addresses.
    #[serde(default)]
    #[claim(nested)]
    pub addresses: Vec<Address>,
    /// Home.
    #[claim(nested)]
    pub home: Option<Address>,
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
    #[claim(validate(non_empty))]
    pub name: std::borrow::Cow<'a, str>,
    /// Codes.
    pub codes: [u8; 2],
}

fn main() {
    assert_eq!(Viewer::schema().fields().len(), 9);
    assert_eq!(Tenant::<'static, u8>::schema().fields().len(), 3);
    let viewer: Viewer = serde_json::from_str(r#"{"sub":"root","age":3}"#).unwrap();
    assert_eq!(viewer.validate().unwrap_err().len(), 2);
}
