//! Parse → raw model → check → checked model, in the manner of serde_derive's internals.

pub mod ast;
pub mod attr;
pub mod case;
pub mod check;
pub mod ctxt;
pub mod model;
pub mod rules;
pub mod symbol;
pub mod ty;
