//! Code generation from the checked model.

use crate::internals::model::{Checked, Claim, Nested, OneOf, Range, Rule, RuleKind, Validation};
use crate::internals::rules::{Int, Number, NumberValue};
use crate::internals::ty::{TypeDesc, named_type};
use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Generics, Ident, LitFloat, LitInt, Path};

pub fn expand(checked: &Checked) -> TokenStream {
    let krate = &checked.crate_path;
    let ident = checked.ident;
    let name = ident.to_string();
    let claims = checked
        .claims
        .iter()
        .map(|claim| field_schema(krate, claim, checked.generics));
    let validate = validate_at(krate, checked);
    let subject = subject(krate, checked);
    let anonymous = checked.anonymous;
    let flat = checked.flat.then(|| quote!(.__flat()));
    let deny_unknown_fields = checked
        .deny_unknown_fields
        .then(|| quote!(.__deny_unknown_fields()));
    let generators = crate::generate::generators(checked);
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
                #subject
            }
            #admits_anonymous
            #generators
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

pub fn split(krate: &Path, generics: &Generics) -> (TokenStream, TokenStream, TokenStream) {
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let mut predicates: Vec<TokenStream> = where_clause
        .map(|w| w.predicates.iter().map(ToTokens::to_token_stream).collect())
        .unwrap_or_default();
    if generics.type_params().next().is_some() {
        // `Claims: Serialize`; serde's own impl carries the bounds on the type parameters,
        // so asking for it on `Self` is exact.
        predicates.push(quote! {
            Self: #krate::__private::serde::Serialize
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
    let validation = &claim.validation;
    let rules = validation
        .rules
        .iter()
        .map(|rule| rule_schema(krate, rule))
        .chain(
            validation
                .nested
                .as_ref()
                .map(|_| quote!(#krate::__private::Rule::Nested)),
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
    let nested = claim.validation.nested.as_ref()?;
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
    // At the `nested` key, like the call in `validate_at`: a type that is not `Claims` gets
    // one error (rustc drops the identical second), there, in `NestedClaims`' words.
    let span = nested.span();
    let target = respan(target.to_token_stream(), span);
    Some(quote_spanned! {span=>
        .__nested(<#target as #krate::__private::NestedClaims>::nested_schema)
    })
}

/// `tokens` with every span set to `span`, so that rustc reports an error about them there.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(group) = &tree {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                tree = proc_macro2::TokenTree::Group(inner);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

/// Whether any identifier in `tokens` (lifetimes' included) is one of `names`.
pub fn mentions(tokens: TokenStream, names: &[String]) -> bool {
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
        .filter(|claim| !claim.validation.is_empty())
        .map(|claim| {
            let ident = claim.ident;
            let wire_name = &claim.wire_name;
            let place = Place {
                value: Ident::new("__sbc_value", Span::call_site()),
                path: Ident::new("__sbc_claim", Span::call_site()),
                depth: 0,
            };
            let checks = Checks { krate, claim }.validation(&place, &claim.validation);
            let Place { value, path, .. } = place;
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

/// `Claims::subject`, from the claim marked `#[claim(subject)]`; the bound on its type is
/// spanned at the field, so a claim that is not a string is reported there.
fn subject(krate: &Path, checked: &Checked) -> Option<TokenStream> {
    let claim = checked.claims.iter().find(|claim| claim.subject)?;
    let ident = claim.ident;
    let ty = claim.ty;
    let text = quote_spanned! {ty.span()=>
        <#ty as #krate::__private::SubjectClaim>::subject_text(&self.#ident)
    };
    Some(quote! {
        fn subject(&self) -> ::core::option::Option<&str> {
            #text
        }
    })
}

/// The checks `validate_at` runs on one claim, on `__sbc_value` (a reference to the claim's
/// value) under the path `__sbc_claim`, into `__sbc_errors`; the generators filter with them.
pub fn claim_checks(krate: &Path, claim: &Claim) -> TokenStream {
    let place = Place {
        value: Ident::new("__sbc_value", Span::call_site()),
        path: Ident::new("__sbc_claim", Span::call_site()),
        depth: 0,
    };
    Checks { krate, claim }.validation(&place, &claim.validation)
}

/// The checks `validate_at` runs on one claim.
struct Checks<'a> {
    krate: &'a Path,
    claim: &'a Claim<'a>,
}

/// A value the generated checks look at: the variable holding a reference to it, the variable
/// holding its claim path, and how deep it sits in `Option`s and collections, which keeps the
/// names generated at each level apart.
struct Place {
    value: Ident,
    path: Ident,
    depth: usize,
}

impl Place {
    /// A name for a variable at this depth: `__sbc_some0`.
    fn name(&self, prefix: &str) -> Ident {
        Ident::new(&format!("{prefix}{}", self.depth), Span::call_site())
    }

    /// `body` on the value inside `options` `Option`s, when it is present.
    fn when_present(
        &self,
        options: usize,
        body: impl FnOnce(&Place) -> TokenStream,
    ) -> TokenStream {
        if options == 0 {
            return body(self);
        }
        let present = self.name("__sbc_some");
        let inner = Place {
            value: present.clone(),
            path: self.path.clone(),
            depth: self.depth + 1,
        };
        let checks = inner.when_present(options - 1, body);
        let value = &self.value;
        quote! {
            if let ::core::option::Option::Some(#present) = #value {
                #checks
            }
        }
    }

    /// `body` on each item of the collection, with the item's claim path.
    fn for_each_item(&self, body: impl FnOnce(&Place) -> TokenStream) -> TokenStream {
        let item = Place {
            value: self.name("__sbc_item"),
            path: self.name("__sbc_item_path"),
            depth: self.depth + 1,
        };
        let index = self.name("__sbc_index");
        let checks = body(&item);
        let (value, path) = (&self.value, &self.path);
        let Place {
            value: item,
            path: item_path,
            ..
        } = item;
        quote! {
            for (#index, #item) in #value.iter().enumerate() {
                let #item_path = #path.index(#index);
                #checks
            }
        }
    }
}

impl Checks<'_> {
    /// The claim's rules, then its nested type's own validation.
    fn validation(&self, place: &Place, validation: &Validation) -> TokenStream {
        place.when_present(validation.options, |place| {
            let mut out = self.rules(place, &validation.rules);
            out.extend(
                validation
                    .nested
                    .as_ref()
                    .map(|nested| self.nested(place, nested)),
            );
            out
        })
    }

    fn rules(&self, place: &Place, rules: &[Rule]) -> TokenStream {
        rules
            .iter()
            .map(|rule| {
                let tokens = self.rule(place, &rule.kind);
                quote_spanned!(rule.span=> #tokens)
            })
            .collect()
    }

    fn rule(&self, place: &Place, rule: &RuleKind) -> TokenStream {
        let krate = self.krate;
        let check = quote!(#krate::__private::check);
        let sensitive = self.claim.sensitive;
        let (value, path) = (&place.value, &place.path);
        match rule {
            RuleKind::NonEmpty => quote!(#check::non_empty(#value, &#path, __sbc_errors);),
            RuleKind::Length { min, max, chars } => {
                let min = option(min.map(|m| quote!(#m as usize)));
                let max = option(max.map(|m| quote!(#m as usize)));
                quote!(#check::length(#value, #min, #max, #chars, &#path, __sbc_errors);)
            }
            RuleKind::Range(range) => {
                let (min, max) = match range {
                    Range::Int { min, max } => (
                        option(min.as_ref().map(int_tokens)),
                        option(max.as_ref().map(int_tokens)),
                    ),
                    Range::Float { min, max } => (
                        option(min.as_ref().map(float_tokens)),
                        option(max.as_ref().map(float_tokens)),
                    ),
                };
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
            RuleKind::OneOf(OneOf::Str(choices)) => {
                quote!(#check::one_of_str(#value, &[#(#choices),*], #sensitive, &#path, __sbc_errors);)
            }
            RuleKind::OneOf(OneOf::Int(choices)) => {
                let choices = choices.iter().map(int_tokens);
                quote!(#check::one_of(#value, &[#(#choices),*], #sensitive, &#path, __sbc_errors);)
            }
            RuleKind::Each(items) => place.for_each_item(|item| {
                item.when_present(items.options, |item| self.rules(item, &items.rules))
            }),
            RuleKind::Custom(custom) => {
                let function = &custom.function;
                quote!(#check::custom(#value, #function, &#path, __sbc_errors);)
            }
        }
    }

    /// `Claims::validate_at` of the nested type, on the value or on each item.
    fn nested(&self, place: &Place, nested: &Nested) -> TokenStream {
        let span = nested.span();
        match nested {
            Nested::Value { .. } => self.validate_nested(place, span),
            Nested::Items { options, .. } => place.for_each_item(|item| {
                item.when_present(*options, |item| self.validate_nested(item, span))
            }),
        }
    }

    /// The call is at the `nested` key, the value too (rustc reports an unmet bound on `Self`
    /// at the argument): a type that is not `Claims` is reported there, in `NestedClaims`' words.
    fn validate_nested(&self, place: &Place, span: Span) -> TokenStream {
        let krate = self.krate;
        let value = Ident::new(&place.value.to_string(), span);
        let path = &place.path;
        quote_spanned! {span=>
            #krate::__private::NestedClaims::nested_validate_at(#value, &#path, __sbc_errors);
        }
    }
}

fn option(value: Option<TokenStream>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}

/// An integer as a literal at its span: `-3`.
fn int_tokens(int: &Int) -> TokenStream {
    let lit = LitInt::new(&int.value.unsigned_abs().to_string(), int.span);
    if int.value < 0 {
        quote!(-#lit)
    } else {
        lit.into_token_stream()
    }
}

/// A bound of a float range as a float literal at its span, however it was written: `3.0`.
fn float_tokens(number: &Number) -> TokenStream {
    let value = number.value.as_f64();
    let lit = LitFloat::new(&format!("{:?}", value.abs()), number.span);
    if value < 0.0 {
        quote!(-#lit)
    } else {
        lit.into_token_stream()
    }
}

/// The schema's record of a rule.
fn rule_schema(krate: &Path, rule: &Rule) -> TokenStream {
    let r = quote!(#krate::__private::Rule);
    let int_bound = |n: &Option<Int>| {
        option(n.map(|Int { value, .. }| quote!(#krate::__private::Bound::Int(#value))))
    };
    let number_bound = |n: &Option<Number>| {
        option(n.map(|n| match n.value {
            NumberValue::Int(i) => quote!(#krate::__private::Bound::Int(#i)),
            NumberValue::Float(f) => quote!(#krate::__private::Bound::Float(#f)),
        }))
    };
    match &rule.kind {
        RuleKind::NonEmpty => quote!(#r::NonEmpty),
        RuleKind::Length { min, max, .. } => {
            let (min, max) = (
                option(min.map(|m| quote!(#m))),
                option(max.map(|m| quote!(#m))),
            );
            quote!(#r::Length { min: #min, max: #max })
        }
        RuleKind::Range(Range::Int { min, max }) => {
            let (min, max) = (int_bound(min), int_bound(max));
            quote!(#r::Range { min: #min, max: #max })
        }
        RuleKind::Range(Range::Float { min, max }) => {
            let (min, max) = (number_bound(min), number_bound(max));
            quote!(#r::Range { min: #min, max: #max })
        }
        RuleKind::Email => quote!(#r::Email),
        RuleKind::Url => quote!(#r::Url),
        RuleKind::Regex(pattern) => quote!(#r::Regex(#pattern)),
        RuleKind::Prefix(prefix) => quote!(#r::Prefix(#prefix)),
        RuleKind::OneOf(OneOf::Str(choices)) => {
            quote!(#r::OneOf(&[#(#krate::__private::Choice::Str(#choices)),*]))
        }
        RuleKind::OneOf(OneOf::Int(choices)) => {
            let choices = choices.iter().map(|choice| choice.value);
            quote!(#r::OneOf(&[#(#krate::__private::Choice::Int(#choices)),*]))
        }
        RuleKind::Each(items) => {
            let inner = items.rules.iter().map(|rule| rule_schema(krate, rule));
            quote!(#r::Each(&[#(#inner),*]))
        }
        RuleKind::Custom(custom) => {
            let name = custom
                .function
                .to_token_stream()
                .to_string()
                .replace(' ', "");
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
    use super::{Int, Number, NumberValue, float_tokens, int_tokens, mentions, type_name};
    use proc_macro2::Span;
    use quote::quote;
    use syn::parse_quote;

    #[test]
    fn float_literals_keep_a_decimal_point() {
        let three = Number {
            value: NumberValue::Int(3),
            span: Span::call_site(),
        };
        assert_eq!(float_tokens(&three).to_string(), "3.0");
        let half = Number {
            value: NumberValue::Float(-0.5),
            span: Span::call_site(),
        };
        assert_eq!(float_tokens(&half).to_string(), "- 0.5");
        let minus_three = Int {
            value: -3,
            span: Span::call_site(),
        };
        assert_eq!(int_tokens(&minus_three).to_string(), "- 3");
    }

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
