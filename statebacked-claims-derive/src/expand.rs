//! Code generation from the checked model.

use crate::internals::check::{Checked, Claim};
use crate::internals::ty::TypeDesc;
use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Generics, Ident, Path};

pub fn expand(checked: &Checked) -> TokenStream {
    let krate = &checked.crate_path;
    let ident = checked.ident;
    let name = ident.to_string();
    let claims = checked
        .claims
        .iter()
        .map(|claim| field_schema(krate, claim));
    let anonymous = checked.anonymous;
    let (impl_generics, ty_generics, where_clause) = split(krate, checked.generics);
    let admits_anonymous = anonymous.then(|| {
        quote! {
            #[automatically_derived]
            impl #impl_generics #krate::__private::AdmitsAnonymous
                for #ident #ty_generics #where_clause {}
        }
    });
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #krate::__private::Claims for #ident #ty_generics #where_clause {
                fn schema() -> &'static #krate::__private::ClaimSchema {
                    static __SBC_SCHEMA: #krate::__private::ClaimSchema =
                        #krate::__private::ClaimSchema::__new(#name, &[#(#claims),*], #anonymous);
                    &__SBC_SCHEMA
                }
            }
            #admits_anonymous
        };
    }
}

/// The impl emitted beside `compile_error!`s, so that one mistake in the attributes does not
/// turn every use of the type into a second wave of "`Claims` is not implemented" errors.
pub fn fallback(krate: &Path, ident: &Ident, generics: &Generics) -> TokenStream {
    let (impl_generics, ty_generics, where_clause) = split(krate, generics);
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #krate::__private::Claims for #ident #ty_generics #where_clause {
                fn schema() -> &'static #krate::__private::ClaimSchema {
                    ::core::unreachable!()
                }
            }
        };
    }
}

fn split(krate: &Path, generics: &Generics) -> (TokenStream, TokenStream, TokenStream) {
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let mut predicates: Vec<TokenStream> = where_clause
        .map(|w| w.predicates.iter().map(ToTokens::to_token_stream).collect())
        .unwrap_or_default();
    if generics.type_params().next().is_some() {
        // `Claims: Serialize + DeserializeOwned`; serde's own impls carry the bounds on the
        // type parameters, so asking for them on `Self` is exact.
        predicates.push(quote! {
            Self: #krate::__private::serde::Serialize
                + #krate::__private::serde::de::DeserializeOwned
        });
    }
    let where_clause = if predicates.is_empty() {
        TokenStream::new()
    } else {
        quote!(where #(#predicates),*)
    };
    (
        impl_generics.to_token_stream(),
        ty_generics.to_token_stream(),
        where_clause,
    )
}

fn field_schema(krate: &Path, claim: &Claim) -> TokenStream {
    let rust_name = syn::ext::IdentExt::unraw(claim.ident).to_string();
    let wire_name = &claim.wire_name;
    let rust_type = type_name(claim.ty);
    let desc = type_desc(krate, &claim.desc);
    let required = claim.required;
    let anonymous = claim.anonymous;
    quote_spanned! {claim.ty.span()=>
        #krate::__private::FieldSchema::__new(
            #rust_name,
            #wire_name,
            #rust_type,
            #desc,
            #required,
            #anonymous,
        )
    }
}

fn type_desc(krate: &Path, desc: &TypeDesc) -> TokenStream {
    let ty = quote!(#krate::__private::ClaimType);
    match desc {
        TypeDesc::String => quote!(#ty::String),
        TypeDesc::Integer => quote!(#ty::Integer),
        TypeDesc::Number => quote!(#ty::Number),
        TypeDesc::Boolean => quote!(#ty::Boolean),
        TypeDesc::Any => quote!(#ty::Any),
        TypeDesc::Array(item) => {
            let item = type_desc(krate, item);
            quote!(#ty::Array(&#item))
        }
        TypeDesc::Map(value) => {
            let value = type_desc(krate, value);
            quote!(#ty::Map(&#value))
        }
        TypeDesc::Optional(inner) => {
            let inner = type_desc(krate, inner);
            quote!(#ty::Optional(&#inner))
        }
        TypeDesc::Named(name) => quote!(#ty::Named(#name)),
    }
}

/// The field's type as a user would write it: `Option<Vec<String>>`, not `Option < Vec < … > >`.
fn type_name(ty: &syn::Type) -> String {
    let spaced = ty.to_token_stream().to_string();
    let mut out = String::with_capacity(spaced.len());
    let mut chars = spaced.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch == ' ' {
            let prev = out.chars().last();
            let next = chars.peek().copied();
            let tight = matches!(prev, Some('<' | ':' | '&' | '(' | '[' | '\''))
                || matches!(next, Some('<' | '>' | ':' | ',' | ')' | ']' | ';'));
            if tight {
                continue;
            }
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::type_name;
    use syn::parse_quote;

    #[test]
    fn type_names_read_like_source() {
        assert_eq!(
            type_name(&parse_quote!(Option<Vec<String>>)),
            "Option<Vec<String>>"
        );
        assert_eq!(
            type_name(&parse_quote!(std::collections::BTreeMap<String, u8>)),
            "std::collections::BTreeMap<String, u8>"
        );
        assert_eq!(type_name(&parse_quote!(&'a [u8; 4])), "&'a [u8; 4]");
    }
}
