//! Checks the raw model and produces the checked one, the only input code generation takes.

use super::ast;
use super::attr::{Profile, SerDe, Source, Spanned};
use super::case::RenameRule;
use super::ctxt::Ctxt;
use super::rules::{self, Rule};
use super::ty::TypeDesc;
use proc_macro2::Span;
use std::collections::BTreeMap;
use syn::ext::IdentExt;
use syn::{Generics, Ident, Type};

/// Wire name reserved for the marker of anonymous sessions (`act.auth`).
const RESERVED_AUTH: &str = "auth";
/// The only claims an anonymous session carries besides `auth`.
const ANONYMOUS_CLAIMS: [&str; 2] = ["sid", "did"];
/// Registered claims the flat profile writes beside the user's claims (`sub` is the subject
/// and may be a field).
const FLAT_RESERVED: [&str; 6] = ["iss", "aud", "exp", "nbf", "iat", "jti"];

/// A claims type that passed every check.
pub struct Checked<'a> {
    pub ident: &'a Ident,
    pub generics: &'a Generics,
    pub crate_path: syn::Path,
    /// Whether the type admits anonymous sessions.
    pub anonymous: bool,
    /// Whether the claims sit at the top level of the claims set (`profile = "flat"`).
    pub flat: bool,
    /// Whether serde refuses unknown members (`#[serde(deny_unknown_fields)]`).
    pub deny_unknown_fields: bool,
    /// The claims that appear on the wire, in declaration order.
    pub claims: Vec<Claim<'a>>,
}

pub struct Claim<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub wire_name: String,
    pub required: bool,
    /// Whether an anonymous session may carry the claim.
    pub anonymous: bool,
    pub desc: TypeDesc,
    pub rules: Vec<Rule>,
    pub nested: bool,
    pub sensitive: bool,
    /// Where the claim comes from in identity-provider tokens.
    pub sources: Vec<Source>,
    /// The separator of a delimited string that may fill this list of strings.
    pub split: Option<String>,
}

pub fn check<'a>(cx: &Ctxt, input: ast::Container<'a>) -> Checked<'a> {
    let container = &input.attrs;
    for key in &container.unsupported_serde {
        cx.syn_error(syn::Error::new(
            key.span,
            format!(
                "#[derive(Claims)] does not support #[serde({})]: the claims on the wire must be \
                 the struct's own fields",
                key.value
            ),
        ));
    }
    let rename_all = one_name(cx, &container.rename_all, "rename_all")
        .map_or(RenameRule::None, |rule| rule.value);
    let flat = container
        .profile
        .as_ref()
        .is_some_and(|profile| profile.value == Profile::Flat);
    if let (Some(span), true) = (container.anonymous, flat) {
        cx.syn_error(syn::Error::new(
            span,
            "#[claims(anonymous)] needs the State Backed profile: an anonymous session's \
             claims live in `act`, which the flat profile does not have",
        ));
    }

    let mut claims = Vec::new();
    let mut names: BTreeMap<String, (Span, &Ident)> = BTreeMap::new();
    for field in &input.fields {
        let attrs = &field.attrs;
        if let Some(span) = attrs.flatten {
            cx.syn_error(syn::Error::new(
                span,
                "#[derive(Claims)] does not support #[serde(flatten)]: the schema must know every \
                 claim's wire name; declare the claims as fields of this struct",
            ));
            continue;
        }
        let rename = one_name(cx, &attrs.rename, "rename");
        let (wire_name, name_span) = match rename {
            Some(Spanned { value, span }) => (value, span),
            None => (
                rename_all.apply_to_field(&field.ident.unraw().to_string()),
                field.ident.span(),
            ),
        };
        let desc = TypeDesc::of(field.ty);
        let optional_by_type = desc.is_option() && !attrs.deserialize_with;
        let required =
            !(optional_by_type || attrs.default || container.default || attrs.skip_deserializing);
        check_anonymous(
            cx,
            container.anonymous.is_some(),
            field,
            &wire_name,
            &desc,
            required,
        );
        if attrs.skip_serializing {
            continue;
        }
        rules::check_fit(cx, &attrs.rules, &desc, &field.ident.unraw().to_string());
        if let Some(span) = attrs.nested
            && !matches!(nested_target(&desc), TypeDesc::Named(_))
        {
            cx.syn_error(syn::Error::new(
                span,
                format!(
                    "#[claim(nested)] needs a field whose type is itself `Claims` (or an \
                     `Option` or collection of one); `{}` is not a struct",
                    field.ident.unraw()
                ),
            ));
        }

        let wire_names = std::iter::once((wire_name.clone(), name_span)).chain(
            attrs
                .aliases
                .iter()
                .map(|alias| (alias.value.clone(), alias.span)),
        );
        for (name, span) in wire_names {
            if name == RESERVED_AUTH {
                cx.syn_error(syn::Error::new(
                    span,
                    format!(
                        "field `{}` is wired to the claim `auth`, which is reserved: \
                         `auth: \"anonymous\"` marks anonymous sessions; rename the field",
                        field.ident.unraw()
                    ),
                ));
            }
            if flat && FLAT_RESERVED.contains(&name.as_str()) {
                cx.syn_error(syn::Error::new(
                    span,
                    format!(
                        "field `{}` is wired to the claim `{name}`, which the flat profile \
                         reserves for the registered claim: rename the field",
                        field.ident.unraw()
                    ),
                ));
            }
            if let Some((first_span, first_field)) = names.get(&name) {
                let mut err = syn::Error::new(
                    span,
                    format!(
                        "two fields are wired to the claim `{name}`: `{}` and `{}`",
                        first_field.unraw(),
                        field.ident.unraw()
                    ),
                );
                err.combine(syn::Error::new(
                    *first_span,
                    format!("`{name}` is first used here"),
                ));
                cx.syn_error(err);
            } else {
                names.insert(name, (span, field.ident));
            }
        }

        if let Some(split) = &attrs.split
            && !matches!(desc.without_option(), TypeDesc::Array(item) if **item == TypeDesc::String)
        {
            cx.syn_error(syn::Error::new(
                split.span,
                format!(
                    "#[claim(split)] fills a list of strings from one delimited string; `{}` is \
                     not a list of strings",
                    field.ident.unraw()
                ),
            ));
        }
        claims.push(Claim {
            ident: field.ident,
            ty: field.ty,
            wire_name,
            required,
            anonymous: attrs.anonymous.is_some(),
            rules: attrs.rules.clone(),
            nested: attrs.nested.is_some(),
            sensitive: attrs.sensitive.is_some(),
            sources: attrs.sources.clone(),
            split: attrs.split.as_ref().map(|split| split.value.clone()),
            desc,
        });
    }

    Checked {
        ident: input.ident,
        generics: input.generics,
        crate_path: crate_path(container),
        anonymous: container.anonymous.is_some(),
        flat,
        deny_unknown_fields: container.deny_unknown_fields,
        claims,
    }
}

/// The single name a serde setting gives, or an error when serializing and deserializing
/// would use different names (a token this crate signs must read back as the same claims).
fn one_name<T: Clone + PartialEq>(cx: &Ctxt, setting: &SerDe<T>, key: &str) -> Option<Spanned<T>> {
    match (&setting.ser, &setting.de) {
        (Some(ser), Some(de)) if ser.value == de.value => Some(ser.clone()),
        (None, None) => None,
        (ser, de) => {
            let span = ser
                .as_ref()
                .or(de.as_ref())
                .map_or_else(Span::call_site, |s| s.span);
            cx.syn_error(syn::Error::new(
                span,
                format!(
                    "#[derive(Claims)] needs one wire name per claim: `{key}` must give the same \
                     name for serializing and deserializing"
                ),
            ));
            None
        }
    }
}

/// The path generated code uses to reach the runtime crate.
pub fn crate_path(container: &super::attr::Container) -> syn::Path {
    container
        .crate_path
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::statebacked_claims))
}

/// The anonymous-session rules for one field: only `sid` and `did` may be marked anonymous,
/// only in a type that admits anonymous sessions, and such a type may not require a claim an
/// anonymous session cannot carry.
fn check_anonymous(
    cx: &Ctxt,
    type_admits: bool,
    field: &ast::Field,
    wire_name: &str,
    desc: &TypeDesc,
    required: bool,
) {
    let name = field.ident.unraw();
    match field.attrs.anonymous {
        Some(span) if !ANONYMOUS_CLAIMS.contains(&wire_name) => {
            cx.syn_error(syn::Error::new(
                span,
                format!(
                    "field `{name}` is wired to the claim `{wire_name}`, but anonymous sessions \
                     carry only `sid` and `did`"
                ),
            ));
        }
        Some(span) if !matches!(desc.without_option(), TypeDesc::String) => {
            cx.syn_error(syn::Error::new(
                span,
                format!(
                    "field `{name}` is marked anonymous, but anonymous sessions carry `{wire_name}` \
                     as a string: make the field a `String` or `Option<String>`"
                ),
            ));
        }
        Some(span) if !type_admits => {
            cx.syn_error(syn::Error::new(
                span,
                "#[claim(anonymous)] needs #[claims(anonymous)] on the type: without it the \
                 type rejects anonymous sessions",
            ));
        }
        None if type_admits && required => {
            cx.syn_error(syn::Error::new(
                field.ident.span(),
                format!(
                    "field `{name}` is required, but an anonymous session carries only `sid` \
                     and `did`: make it an `Option`, give it #[serde(default)], or remove \
                     #[claims(anonymous)] from the type"
                ),
            ));
        }
        _ => {}
    }
}

/// The type `#[claim(nested)]` validates: through one `Option` and one collection.
pub fn nested_target(desc: &TypeDesc) -> &TypeDesc {
    match desc.without_option() {
        TypeDesc::Array(item) => item.without_option(),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::{DeriveInput, parse_quote};

    /// The messages of every error the input produces, in order.
    fn errors(input: DeriveInput) -> Vec<String> {
        let cx = Ctxt::new();
        if let Some(raw) = ast::Container::from_ast(&cx, &input) {
            let _ = check(&cx, raw);
        }
        match cx.check() {
            Ok(()) => vec![],
            Err(err) => err.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn valid_input_has_no_errors_and_serde_wire_names() {
        let input: DeriveInput = parse_quote! {
            #[serde(rename_all = "camelCase")]
            #[claims(anonymous)]
            struct Viewer {
                #[claim(anonymous)]
                sid: Option<String>,
                #[serde(rename = "https://example.com/roles", default)]
                roles: Vec<String>,
                display_name: Option<String>,
            }
        };
        let cx = Ctxt::new();
        let raw = ast::Container::from_ast(&cx, &input).unwrap();
        let checked = check(&cx, raw);
        cx.check().unwrap();
        let names: Vec<&str> = checked
            .claims
            .iter()
            .map(|c| c.wire_name.as_str())
            .collect();
        assert_eq!(names, ["sid", "https://example.com/roles", "displayName"]);
        assert!(checked.anonymous);
        assert!(checked.claims.iter().all(|c| !c.required));
    }

    #[test]
    fn every_mistake_is_reported() {
        let found = errors(parse_quote! {
            #[claims(anonymous, bogus)]
            struct Viewer {
                #[claim(anonymous)]
                sub: Option<String>,
                auth: Option<String>,
                #[serde(rename = "x")]
                a: Option<String>,
                #[serde(rename = "x")]
                b: Option<String>,
                required: String,
            }
        });
        assert_eq!(found.len(), 6, "{found:#?}");
        assert!(found[0].starts_with("unknown key `bogus` in #[claims(...)]"));
        assert!(found[1].contains("anonymous sessions carry only `sid` and `did`"));
        assert!(found[2].contains("wired to the claim `auth`, which is reserved"));
        assert_eq!(
            found[3],
            "two fields are wired to the claim `x`: `a` and `b`"
        );
        assert_eq!(found[4], "`x` is first used here");
        assert!(found[5].starts_with("field `required` is required, but an anonymous session"));
    }

    #[test]
    fn rules_must_fit_types() {
        let found = errors(parse_quote! {
            struct Viewer {
                #[claim(validate(email, range(min = 1)))]
                id: u64,
                #[claim(validate(length(min = 3, max = 1)))]
                name: String,
            }
        });
        // Parsing reports first, then the checks of the parsed model.
        assert_eq!(
            found,
            [
                "`min` (3) is greater than `max` (1): no value could pass",
                "rule `email` does not fit field `id` of type integer: it applies to strings",
            ]
        );
    }
}
