//! Export the quickstart's claims type as JSON Schema and as TypeScript, for the JavaScript
//! authorizers of `@statebacked/machine` (whose `authContext` is the token's `act` claim).
//!
//! Run with `cargo run --example schema_export [DIR]`; the files go to `DIR`, by default
//! `target/schema-export/`.

use serde::{Deserialize, Serialize};
use statebacked_claims::Claims;
use std::error::Error;
use std::path::PathBuf;

/// The authContext your authorizers receive: the type of `examples/quickstart.rs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[serde(rename_all = "camelCase")]
struct Viewer {
    #[claim(validate(length(min = 1, max = 128)))]
    sub: String,
    #[claim(validate(email))]
    email: Option<String>,
    #[serde(default)]
    #[claim(validate(each(one_of("admin", "beta", "member"))))]
    groups: Vec<String>,
    display_name: Option<String>,
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("target/schema-export"), PathBuf::from);
    std::fs::create_dir_all(&dir)?;

    let schema = Viewer::schema();
    let json_path = dir.join("viewer.schema.json");
    std::fs::write(&json_path, schema.json_schema_pretty())?;

    let ts_path = dir.join("viewer.d.ts");
    std::fs::write(&ts_path, schema.typescript())?;

    println!("{}", json_path.display());
    println!("{}", ts_path.display());
    Ok(())
}
