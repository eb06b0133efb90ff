//! Code generation for the runtime crate's feature `proptest`: `GenerateClaims` and
//! `ClaimValue` impls, from the checked model.
//!
//! A proc macro cannot see the features of the crate it expands in, so the impls are always
//! emitted, inside `__private::if_proptest! { … }`. The runtime crate defines that macro twice:
//! with the feature on it expands to its input, with it off to nothing. The switch and the
//! traits it guards live in one crate and so always agree; with the feature off, the derive's
//! only cost is the tokens of one macro call that the compiler drops before name resolution.

use crate::expand::{claim_checks, mentions, split};
use crate::internals::model::{Checked, Claim, Custom, RuleKind};
use crate::internals::ty::type_args;
use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Path, Type};

/// The generators of `checked`, behind the runtime crate's feature switch; nothing for a type
/// with lifetime parameters, whose values a `'static` strategy cannot hold.
pub fn generators(checked: &Checked) -> Option<TokenStream> {
    let impls = impls(checked)?;
    let krate = &checked.crate_path;
    Some(quote!(#krate::__private::if_proptest! { #impls }))
}

/// The `GenerateClaims` and `ClaimValue` impls themselves; none for a type with lifetime
/// parameters or a recursive one (`children: Vec<Node>`), whose generator would call itself.
pub fn impls(checked: &Checked) -> Option<TokenStream> {
    if checked.generics.lifetimes().next().is_some() {
        return None;
    }
    let own = [checked.ident.to_string(), "Self".to_owned()];
    if checked
        .claims
        .iter()
        .any(|claim| mentions(claim.ty.to_token_stream(), &own))
    {
        return None;
    }
    let krate = &checked.crate_path;
    let p = quote!(#krate::__private);
    let g = quote!(#p::generate);
    let ident = checked.ident;
    let (impl_generics, ty_generics, _) = split(krate, checked.generics);
    let where_clause = where_clause(checked, &p);

    let claims: Vec<Field> = checked
        .claims
        .iter()
        .enumerate()
        .map(|(i, claim)| Field::new(i, claim))
        .collect();
    let tuple = nest(
        claims.iter().map(|field| field.valid(krate, &g)),
        quote!(#g::end()),
    );
    let pattern = nest(
        claims.iter().map(|f| f.binding.to_token_stream()),
        quote!(()),
    );
    let skipped = checked
        .skipped
        .iter()
        .map(|ident| quote!(#ident: ::core::default::Default::default()));
    let members: Vec<TokenStream> = claims
        .iter()
        .map(|field| {
            let (ident, binding) = (field.claim.ident, &field.binding);
            quote!(#ident: #binding)
        })
        .chain(skipped)
        .collect();

    let alternatives: Vec<TokenStream> = claims
        .iter()
        .filter(|field| field.named_strategy().is_none())
        .map(|field| {
            let ty = field.claim.ty;
            let wire_name = &field.claim.wire_name;
            let check = field.check(krate);
            let pattern = nest(
                claims.iter().map(|other| {
                    if other.index == field.index {
                        quote!(_)
                    } else {
                        other.binding.to_token_stream()
                    }
                }),
                quote!(()),
            );
            let binding = &field.binding;
            quote_spanned! {ty.span()=>
                for __sbc_broken in #g::field_invalid::<Self, #ty>(#wire_name, #check) {
                    __sbc_alternatives.push(#p::proptest::strategy::Strategy::boxed(
                        #p::proptest::strategy::Strategy::prop_map(
                            (__sbc_broken, __sbc_fields()),
                            |(__sbc_broken, #pattern)| {
                                let (#binding, __sbc_broken) = __sbc_broken.split();
                                #g::invalid(Self { #(#members),* }, #wire_name, &__sbc_broken)
                            },
                        ),
                    ));
                }
            }
        })
        .collect();
    let declare_alternatives = if alternatives.is_empty() {
        quote!(let __sbc_alternatives = ::std::vec::Vec::new();)
    } else {
        quote!(let mut __sbc_alternatives = ::std::vec::Vec::new();)
    };
    let contexts = if checked.anonymous {
        quote!(#g::with_anonymous::<Self>())
    } else {
        quote!(#g::authenticated::<Self>())
    };
    let boxed = quote!(#p::proptest::strategy::BoxedStrategy);

    Some(quote! {
            #[automatically_derived]
            impl #impl_generics #p::GenerateClaims for #ident #ty_generics #where_clause {
                fn valid() -> #boxed<Self> {
                    let __sbc_fields = || #tuple;
                    #p::proptest::strategy::Strategy::boxed(
                        #p::proptest::strategy::Strategy::prop_map(
                            __sbc_fields(),
                            |#pattern| Self { #(#members),* },
                        ),
                    )
                }

                fn invalid() -> #boxed<#p::generate::Invalid<Self>> {
                    let __sbc_fields = || #tuple;
                    #declare_alternatives
                    #(#alternatives)*
                    #g::any_invalid(__sbc_alternatives)
                }

                fn auth_contexts() -> #boxed<#p::generate::OwnedAuthContext<Self>> {
                    #contexts
                }
            }

            #[automatically_derived]
            impl #impl_generics #p::ClaimValue for #ident #ty_generics #where_clause {
                fn valid(_: &[#g::Rule], _: &#g::Site) -> #boxed<Self> {
                    <Self as #p::GenerateClaims>::valid()
                }

                fn invalid(
                    __sbc_rules: &[#g::Rule],
                    _: &#g::Site,
                ) -> ::std::vec::Vec<#boxed<#p::generate::Broken<Self>>> {
                    #g::nested_invalid::<Self>(__sbc_rules)
                }
            }
    })
}

/// `(a, (b, (c, end)))`: proptest implements `Strategy` for tuples of up to twelve, so the
/// claims nest in pairs, however many there are.
fn nest(items: impl DoubleEndedIterator<Item = TokenStream>, end: TokenStream) -> TokenStream {
    items.rev().fold(end, |rest, item| quote!((#item, #rest)))
}

/// The type's own where clause, `Self: Serialize + DeserializeOwned` when generic (the
/// generators build owned values), and what the generators need: `Self: Debug + 'static` (proptest shows
/// values with `Debug`) and a generator for each claim's type.
///
/// The needs are bounds under `for<'__sbc>`, which the compiler checks where the impl is used
/// rather than where it is declared: a type without `Debug`, or with a claim of a type no
/// generator knows, compiles as before and only lacks `GenerateClaims`, so turning the
/// feature on (cargo unifies features across a build) breaks no crate.
fn where_clause(checked: &Checked, p: &TokenStream) -> TokenStream {
    let generics = checked.generics;
    let mut predicates: Vec<TokenStream> = generics
        .where_clause
        .as_ref()
        .map(|w| w.predicates.iter().map(ToTokens::to_token_stream).collect())
        .unwrap_or_default();
    if generics.type_params().next().is_some() {
        predicates.push(quote! {
            Self: #p::serde::Serialize + #p::serde::de::DeserializeOwned
        });
    }
    predicates.push(quote!(for<'__sbc> Self: ::core::fmt::Debug + 'static));
    for (i, claim) in checked.claims.iter().enumerate() {
        let ty = claim.ty;
        let needs = match Field::new(i, claim).named_strategy() {
            None => quote!(#p::ClaimValue),
            Some(_) => quote!(::core::fmt::Debug + 'static),
        };
        let predicate = quote_spanned!(ty.span()=> for<'__sbc> #ty: #needs);
        let text = predicate.to_string();
        if !predicates.iter().any(|p| p.to_string() == text) {
            predicates.push(predicate);
        }
    }
    quote!(where #(#predicates),*)
}

/// One claim, as the generators see it.
struct Field<'a> {
    index: usize,
    claim: &'a Claim<'a>,
    /// The variable holding its generated value.
    binding: Ident,
}

impl<'a> Field<'a> {
    fn new(index: usize, claim: &'a Claim<'a>) -> Self {
        Field {
            index,
            claim,
            binding: Ident::new(&format!("__sbc_field{index}"), Span::call_site()),
        }
    }

    /// The claim's checks as the function generators filter with.
    fn check(&self, krate: &Path) -> TokenStream {
        let checks = claim_checks(krate, self.claim);
        quote!(|__sbc_value, __sbc_claim, __sbc_errors| { #checks })
    }

    /// A generator named in `custom(check, strategy = path)`, and whether it is for the items
    /// (under `each(...)`) rather than the value.
    fn named_strategy(&self) -> Option<(&'a Path, Option<usize>)> {
        let validation = &self.claim.validation;
        validation.rules.iter().find_map(|rule| match &rule.kind {
            RuleKind::Custom(Custom {
                strategy: Some(strategy),
                ..
            }) => Some((strategy, None)),
            RuleKind::Each(items) => items.rules.iter().find_map(|rule| match &rule.kind {
                RuleKind::Custom(Custom {
                    strategy: Some(strategy),
                    ..
                }) => Some((strategy, Some(items.options))),
                _ => None,
            }),
            _ => None,
        })
    }

    /// The strategy of the claim's valid values.
    fn valid(&self, krate: &Path, g: &TokenStream) -> TokenStream {
        let claim = self.claim;
        let (ty, wire_name) = (claim.ty, &claim.wire_name);
        let check = self.check(krate);
        let options = claim.validation.options;
        match self.named_strategy() {
            None => quote_spanned! {ty.span()=>
                #g::field::<Self, #ty>(#wire_name, #check)
            },
            Some((strategy, None)) => {
                let base = wrap_options(g, quote_spanned!(strategy.span()=> #strategy()), options);
                quote_spanned! {ty.span()=>
                    #g::field_from::<Self, #ty>(#wire_name, #base, #check)
                }
            }
            Some((strategy, Some(item_options))) => {
                let items = wrap_options(
                    g,
                    quote_spanned!(strategy.span()=> #strategy()),
                    item_options,
                );
                let collection = peel_options(ty, options);
                let base = wrap_options(
                    g,
                    quote!(#g::items::<Self, #collection, _>(#wire_name, #items)),
                    options,
                );
                quote_spanned! {ty.span()=>
                    #g::field_from::<Self, #ty>(#wire_name, #base, #check)
                }
            }
        }
    }
}

/// `option(option(inner))`, `options` deep, boxed.
fn wrap_options(g: &TokenStream, inner: TokenStream, options: usize) -> TokenStream {
    let boxed = (0..options).fold(inner, |inner, _| quote!(#g::option(#inner)));
    quote!(#g::Strategy::boxed(#boxed))
}

/// The type inside `options` `Option`s: `Vec<String>` in `Option<Vec<String>>`.
fn peel_options(ty: &Type, options: usize) -> &Type {
    if options == 0 {
        return ty;
    }
    match ty {
        Type::Path(path) => match path
            .path
            .segments
            .last()
            .map(|last| type_args(&last.arguments))
        {
            Some(args) => match args.as_slice() {
                [inner] => peel_options(inner, options - 1),
                _ => ty,
            },
            None => ty,
        },
        Type::Paren(paren) => peel_options(&paren.elem, options),
        Type::Group(group) => peel_options(&group.elem, options),
        _ => ty,
    }
}
