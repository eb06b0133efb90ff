//! `ClaimSchema` as JSON Schema (draft 2020-12) and as a TypeScript declaration, so the
//! JavaScript authorizers of `@statebacked/machine` (whose `authContext` is the token's `act`
//! claim) share the type the Rust side signs and verifies. What each rule, profile and option
//! becomes is documented on [`ClaimSchema::json_schema`](crate::ClaimSchema::json_schema),
//! where users see it.
//!
//! The two emitters, `json_schema` and `typescript`, read one model, `model`: the types a
//! document describes and their names, what a value's rules say, and insertion-ordered JSON.

mod json_schema;
mod model;
mod typescript;
