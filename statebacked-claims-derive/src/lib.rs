//! `#[derive(Claims)]` for [statebacked-claims](https://docs.rs/statebacked-claims).
//!
//! Use it through the runtime crate, which re-exports it: `use statebacked_claims::Claims;`.
//! The derive reads serde's attributes to learn each claim's wire name and its own
//! `#[claims(...)]` / `#[claim(...)]` attributes, checks them, and implements
//! `statebacked_claims::Claims` with a static claim schema.

mod expand;
mod generate;
mod internals;
#[cfg(test)]
mod tests;

use internals::{ast, check, ctxt::Ctxt};
use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// `#[derive(Claims)]`: implements `statebacked_claims::Claims` from a struct's fields and
/// serde's attributes.
///
/// Every attribute it takes — `#[claims(anonymous | crate | profile)]` and
/// `#[claim(anonymous | from | nested | sensitive | split | subject | validate(...))]` — is
/// listed with an example on the runtime crate's
/// [`attributes`](https://docs.rs/statebacked-claims/latest/statebacked_claims/attributes/index.html)
/// page.
#[proc_macro_derive(Claims, attributes(claims, claim))]
pub fn derive_claims(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    derive(&input).into()
}

/// The expansion of `#[derive(Claims)]` on `input`: parse, check, emit.
fn derive(input: &DeriveInput) -> proc_macro2::TokenStream {
    let cx = Ctxt::new();
    let Some(raw) = ast::Container::from_ast(&cx, input) else {
        // Not a struct with named fields: no impl at all, since a stub would only add
        // "Serialize is not implemented" noise for a type serde cannot derive either.
        return compile_errors(cx);
    };
    let krate = check::crate_path(&raw.attrs);
    match check::check(cx, raw) {
        Ok(checked) => expand::expand(&checked),
        Err(err) => {
            let errors = err.to_compile_error();
            let fallback = expand::fallback(&krate, &input.ident, &input.generics);
            quote::quote!(#errors #fallback)
        }
    }
}

fn compile_errors(cx: Ctxt) -> proc_macro2::TokenStream {
    cx.check()
        .err()
        .map(|err| err.to_compile_error())
        .unwrap_or_default()
}
