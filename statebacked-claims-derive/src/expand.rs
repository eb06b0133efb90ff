//! Code generation from the checked model.

use crate::internals::check::{Checked, Claim};
use crate::internals::rules::{Choice, NumberValue, Rule, RuleKind, number_tokens};
use crate::internals::ty::{TypeDesc, named_type};
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
        .map(|claim| field_schema(krate, claim, checked.generics));
    let validate = validate_at(krate, checked);
    let anonymous = checked.anonymous;
    let flat = checked.flat.then(|| quote!(.__flat()));
    let deny_unknown_fields = checked
        .deny_unknown_fields
        .then(|| quote!(.__deny_unknown_fields()));
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
                        #krate::__private::ClaimSchema::__new(#name, &[#(#claims),*], #anonymous)
                            #flat #deny_unknown_fields;
                    &__SBC_SCHEMA
                }
                #validate
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

fn field_schema(krate: &Path, claim: &Claim, generics: &Generics) -> TokenStream {
    let rust_name = syn::ext::IdentExt::unraw(claim.ident).to_string();
    let wire_name = &claim.wire_name;
    let rust_type = type_name(claim.ty);
    let desc = type_desc(krate, &claim.desc);
    let required = claim.required;
    let anonymous = claim.anonymous;
    let sensitive = claim.sensitive;
    let rules = claim
        .rules
        .iter()
        .map(|rule| rule_schema(krate, rule))
        .chain(
            claim
                .nested
                .then(|| quote!(#krate::__private::Rule::Nested)),
        );
    let sources = (!claim.sources.is_empty()).then(|| {
        let sources = claim.sources.iter().map(|source| {
            let path = &source.path;
            let provider = match &source.provider {
                Some(provider) => quote!(::core::option::Option::Some(#provider)),
                None => quote!(::core::option::Option::None),
            };
            quote!(#krate::__private::Source::__new(#provider, #path))
        });
        quote!(.__from(&[#(#sources),*]))
    });
    let split = claim.split.as_ref().map(|split| quote!(.__split(#split)));
    let nested = nested_schema(krate, claim, generics);
    quote_spanned! {claim.ty.span()=>
        #krate::__private::FieldSchema::__new(
            #rust_name,
            #wire_name,
            #rust_type,
            #desc,
            #required,
            #anonymous,
            #sensitive,
            &[#(#rules),*],
        )#sources #split #nested
    }
}

/// `.__nested(<T as Claims>::schema)` for a `#[claim(nested)]` field, so the schema reaches
/// the nested type's own schema. Left out when `T` names one of the type's generic parameters
/// or `Self`, which the `static` holding the schema cannot name.
fn nested_schema(krate: &Path, claim: &Claim, generics: &Generics) -> Option<TokenStream> {
    if !claim.nested {
        return None;
    }
    let target = named_type(claim.ty)?;
    let mut params: Vec<String> = generics
        .params
        .iter()
        .map(|param| match param {
            syn::GenericParam::Type(param) => param.ident.to_string(),
            syn::GenericParam::Lifetime(param) => param.lifetime.ident.to_string(),
            syn::GenericParam::Const(param) => param.ident.to_string(),
        })
        .collect();
    params.push("Self".to_owned());
    if mentions(target.to_token_stream(), &params) {
        return None;
    }
    Some(quote_spanned! {target.span()=>
        .__nested(<#target as #krate::__private::Claims>::schema)
    })
}

/// Whether any identifier in `tokens` (lifetimes' included) is one of `names`.
fn mentions(tokens: TokenStream, names: &[String]) -> bool {
    tokens.into_iter().any(|tree| match tree {
        proc_macro2::TokenTree::Ident(ident) => names.iter().any(|name| ident == name),
        proc_macro2::TokenTree::Group(group) => mentions(group.stream(), names),
        _ => false,
    })
}

/// `Claims::validate_at`, when any claim has rules or is nested.
fn validate_at(krate: &Path, checked: &Checked) -> Option<TokenStream> {
    let fields: Vec<TokenStream> = checked
        .claims
        .iter()
        .filter(|claim| !claim.rules.is_empty() || claim.nested)
        .map(|claim| {
            let ident = claim.ident;
            let wire_name = &claim.wire_name;
            let value = Ident::new("__sbc_value", proc_macro2::Span::call_site());
            let path = Ident::new("__sbc_claim", proc_macro2::Span::call_site());
            let checks = value_checks(
                krate,
                claim,
                &claim.rules,
                claim.nested,
                &value,
                &path,
                &claim.desc,
                0,
            );
            quote! {
                {
                    let #path = __sbc_path.field(#wire_name);
                    let #value = &self.#ident;
                    #checks
                }
            }
        })
        .collect();
    if fields.is_empty() {
        return None;
    }
    Some(quote! {
        fn validate_at(
            &self,
            __sbc_path: &#krate::__private::ClaimPath<'_>,
            __sbc_errors: &mut #krate::__private::ValidationErrors,
        ) {
            #(#fields)*
        }
    })
}

/// The checks of `rules` (and `nested`) on `value`, a reference to a value of type `desc`.
#[allow(clippy::too_many_arguments)]
fn value_checks(
    krate: &Path,
    claim: &Claim,
    rules: &[Rule],
    nested: bool,
    value: &Ident,
    path: &Ident,
    desc: &TypeDesc,
    depth: usize,
) -> TokenStream {
    let span = proc_macro2::Span::call_site();
    if let TypeDesc::Optional(inner) = desc {
        let present = Ident::new(&format!("__sbc_some{depth}"), span);
        let checks = value_checks(
            krate,
            claim,
            rules,
            nested,
            &present,
            path,
            inner,
            depth + 1,
        );
        return quote! {
            if let ::core::option::Option::Some(#present) = #value {
                #checks
            }
        };
    }
    let check = quote!(#krate::__private::check);
    let sensitive = claim.sensitive;
    let mut out = TokenStream::new();
    for rule in rules {
        let tokens = match &rule.kind {
            RuleKind::NonEmpty => quote!(#check::non_empty(#value, &#path, __sbc_errors);),
            RuleKind::Length { min, max } => {
                let min = option(min.map(|m| quote!(#m as usize)));
                let max = option(max.map(|m| quote!(#m as usize)));
                let strings = matches!(desc, TypeDesc::String);
                quote!(#check::length(#value, #min, #max, #strings, &#path, __sbc_errors);)
            }
            RuleKind::Range { min, max } => {
                let float = matches!(desc, TypeDesc::Number);
                let min = option(min.as_ref().map(|n| number_tokens(n, float)));
                let max = option(max.as_ref().map(|n| number_tokens(n, float)));
                quote!(#check::range(#value, #min, #max, #sensitive, &#path, __sbc_errors);)
            }
            RuleKind::Email => quote!(#check::email(#value, &#path, __sbc_errors);),
            RuleKind::Url => quote!(#check::url(#value, &#path, __sbc_errors);),
            RuleKind::Regex(pattern) => quote! {
                {
                    static __SBC_REGEX: ::std::sync::OnceLock<
                        ::core::option::Option<#krate::__private::regex::Regex>,
                    > = ::std::sync::OnceLock::new();
                    #check::regex(#value, &__SBC_REGEX, #pattern, &#path, __sbc_errors);
                }
            },
            RuleKind::Prefix(prefix) => {
                quote!(#check::prefix(#value, #prefix, &#path, __sbc_errors);)
            }
            RuleKind::OneOf(choices) => {
                let items = choices.iter().map(|choice| match choice {
                    Choice::Str(lit) => lit.to_token_stream(),
                    Choice::Int(n) => number_tokens(n, false),
                });
                if matches!(choices.first(), Some(Choice::Str(_))) {
                    quote!(#check::one_of_str(#value, &[#(#items),*], #sensitive, &#path, __sbc_errors);)
                } else {
                    quote!(#check::one_of(#value, &[#(#items),*], #sensitive, &#path, __sbc_errors);)
                }
            }
            RuleKind::Each(inner) => {
                let TypeDesc::Array(item_desc) = desc else {
                    continue;
                };
                let item = Ident::new(&format!("__sbc_item{depth}"), span);
                let index = Ident::new(&format!("__sbc_index{depth}"), span);
                let item_path = Ident::new(&format!("__sbc_item_path{depth}"), span);
                let checks = value_checks(
                    krate,
                    claim,
                    inner,
                    false,
                    &item,
                    &item_path,
                    item_desc,
                    depth + 1,
                );
                quote! {
                    for (#index, #item) in #value.iter().enumerate() {
                        let #item_path = #path.index(#index);
                        #checks
                    }
                }
            }
            RuleKind::Custom(function) => {
                quote!(#check::custom(#value, #function, &#path, __sbc_errors);)
            }
        };
        out.extend(quote_spanned!(rule.span=> #tokens));
    }
    if nested {
        out.extend(match desc {
            TypeDesc::Array(item_desc) => {
                let item = Ident::new(&format!("__sbc_item{depth}"), span);
                let index = Ident::new(&format!("__sbc_index{depth}"), span);
                let item_path = Ident::new(&format!("__sbc_item_path{depth}"), span);
                let checks = value_checks(
                    krate,
                    claim,
                    &[],
                    true,
                    &item,
                    &item_path,
                    item_desc,
                    depth + 1,
                );
                quote! {
                    for (#index, #item) in #value.iter().enumerate() {
                        let #item_path = #path.index(#index);
                        #checks
                    }
                }
            }
            _ => quote_spanned! {claim.ty.span()=>
                #krate::__private::Claims::validate_at(#value, &#path, __sbc_errors);
            },
        });
    }
    out
}

fn option(value: Option<TokenStream>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}

/// The schema's record of a rule.
fn rule_schema(krate: &Path, rule: &Rule) -> TokenStream {
    let r = quote!(#krate::__private::Rule);
    let bound = |n: &Option<crate::internals::rules::Number>| {
        option(n.as_ref().map(|n| match n.value {
            NumberValue::Int(i) => quote!(#krate::__private::Bound::Int(#i)),
            NumberValue::Float(f) => quote!(#krate::__private::Bound::Float(#f)),
        }))
    };
    match &rule.kind {
        RuleKind::NonEmpty => quote!(#r::NonEmpty),
        RuleKind::Length { min, max } => {
            let (min, max) = (
                option(min.map(|m| quote!(#m))),
                option(max.map(|m| quote!(#m))),
            );
            quote!(#r::Length { min: #min, max: #max })
        }
        RuleKind::Range { min, max } => {
            let (min, max) = (bound(min), bound(max));
            quote!(#r::Range { min: #min, max: #max })
        }
        RuleKind::Email => quote!(#r::Email),
        RuleKind::Url => quote!(#r::Url),
        RuleKind::Regex(pattern) => quote!(#r::Regex(#pattern)),
        RuleKind::Prefix(prefix) => quote!(#r::Prefix(#prefix)),
        RuleKind::OneOf(choices) => {
            let choices = choices.iter().map(|choice| match choice {
                Choice::Str(lit) => quote!(#krate::__private::Choice::Str(#lit)),
                Choice::Int(n) => match n.value {
                    NumberValue::Int(i) => quote!(#krate::__private::Choice::Int(#i)),
                    NumberValue::Float(_) => quote!(),
                },
            });
            quote!(#r::OneOf(&[#(#choices),*]))
        }
        RuleKind::Each(inner) => {
            let inner = inner.iter().map(|rule| rule_schema(krate, rule));
            quote!(#r::Each(&[#(#inner),*]))
        }
        RuleKind::Custom(function) => {
            let name = function.to_token_stream().to_string().replace(' ', "");
            quote!(#r::Custom(#name))
        }
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
    use super::{mentions, type_name};
    use quote::quote;
    use syn::parse_quote;

    #[test]
    fn generic_parameters_are_found_anywhere_in_a_type() {
        let names = ["T".to_owned(), "a".to_owned(), "Self".to_owned()];
        assert!(mentions(quote!(Vec<Option<T>>), &names));
        assert!(mentions(quote!(Wrapper<'a, u8>), &names));
        assert!(mentions(quote!([Self; 2]), &names));
        assert!(!mentions(quote!(geo::Address<'static>), &names));
        assert!(!mentions(quote!(Vec<Tenant>), &names));
    }

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
