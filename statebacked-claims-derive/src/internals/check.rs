//! Checks the raw model and builds the checked one, the only input code generation takes.
//!
//! Each `check_*` function checks one thing and reports what is wrong into the [`Ctxt`], so
//! that every mistake shows in one build. The checked model is built from what passed: a rule
//! that does not fit its field has no checked form, and [`check`] returns a model only when no
//! error was reported, while parsing or here.

use super::ast;
use super::attr::{self, Profile, SerDe, Spanned};
use super::case::RenameRule;
use super::ctxt::Ctxt;
use super::model::{self, Checked, Claim, Items, Nested, OneOf, Range, Validation};
use super::rules::{self, Choice, Int, Number, NumberValue};
use super::ty::TypeDesc;
use proc_macro2::Span;
use std::collections::BTreeMap;
use syn::Ident;
use syn::ext::IdentExt;

/// Wire name reserved for the marker of anonymous sessions (`act.auth`).
const RESERVED_AUTH: &str = "auth";
/// The only claims an anonymous session carries besides `auth`.
const ANONYMOUS_CLAIMS: [&str; 2] = ["sid", "did"];
/// Registered claims the flat profile writes beside the user's claims (`sub` is the subject
/// and may be a field).
const FLAT_RESERVED: [&str; 6] = ["iss", "aud", "exp", "nbf", "iat", "jti"];

/// Checks the raw model; the checked one when neither parsing nor checking found a mistake,
/// else every mistake combined.
pub fn check<'a>(cx: Ctxt, input: ast::Container<'a>) -> syn::Result<Checked<'a>> {
    let checked = check_container(&cx, input);
    cx.check()?;
    Ok(checked)
}

/// What checking a field needs to know of its container.
struct Scope {
    rename_all: RenameRule,
    /// `#[claims(anonymous)]`.
    anonymous: bool,
    /// `#[serde(default)]` on the struct.
    default: bool,
    flat: bool,
}

fn check_container<'a>(cx: &Ctxt, input: ast::Container<'a>) -> Checked<'a> {
    let container = &input.attrs;
    check_serde_container(cx, container);
    let scope = Scope {
        rename_all: one_name(cx, &container.rename_all, "rename_all")
            .map_or(RenameRule::None, |rule| rule.value),
        anonymous: container.anonymous.is_some(),
        default: container.default,
        flat: check_profile(cx, container),
    };
    let mut names = WireNames::new(scope.flat);
    let claims = input
        .fields
        .iter()
        .filter_map(|field| check_field(cx, &scope, &mut names, field))
        .collect();
    check_subject(cx, &input.fields);
    let skipped = input
        .fields
        .iter()
        .filter(|field| field.attrs.skip_serializing)
        .map(|field| field.ident)
        .collect();
    Checked {
        ident: input.ident,
        generics: input.generics,
        crate_path: crate_path(container),
        anonymous: scope.anonymous,
        flat: scope.flat,
        deny_unknown_fields: container.deny_unknown_fields,
        claims,
        skipped,
    }
}

/// At most one claim names the subject, and it is on the wire.
fn check_subject(cx: &Ctxt, fields: &[ast::Field]) {
    let mut marked = fields
        .iter()
        .filter_map(|f| f.attrs.subject.map(|span| (f, span)));
    let Some((first, span)) = marked.next() else {
        return;
    };
    if first.attrs.skip_serializing || first.attrs.skip_deserializing {
        cx.syn_error(syn::Error::new(
            span,
            "#[claim(subject)] needs a claim read from the token: this field is skipped by serde",
        ));
    }
    for (_, span) in marked {
        cx.syn_error(syn::Error::new(
            span,
            format!(
                "only one claim can be #[claim(subject)]: `{}` already is",
                first.ident.unraw()
            ),
        ));
    }
}

/// serde settings under which the wire form is not the struct's fields.
fn check_serde_container(cx: &Ctxt, container: &attr::Container) {
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
}

/// Whether the claims sit at the top level; an anonymous type needs `act`, so not there.
fn check_profile(cx: &Ctxt, container: &attr::Container) -> bool {
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
    flat
}

/// One field's claim; `None` for a field that is not on the wire (or is refused).
fn check_field<'a>(
    cx: &Ctxt,
    scope: &Scope,
    names: &mut WireNames<'a>,
    field: &ast::Field<'a>,
) -> Option<Claim<'a>> {
    let attrs = &field.attrs;
    check_flatten(cx, attrs)?;
    let (wire_name, name_span) = wire_name(cx, scope.rename_all, field);
    let desc = TypeDesc::of(field.ty);
    let required = is_required(scope, attrs, &desc);
    check_anonymous(cx, scope.anonymous, field, &wire_name, &desc, required);
    if attrs.skip_serializing {
        return None;
    }
    let validation = check_validation(cx, field, &desc);
    names.check(cx, field, &wire_name, name_span);
    check_split(cx, field, &desc);
    Some(Claim {
        ident: field.ident,
        ty: field.ty,
        wire_name,
        required,
        anonymous: attrs.anonymous.is_some(),
        desc,
        validation,
        sensitive: attrs.sensitive.is_some(),
        subject: attrs.subject.is_some(),
        sources: attrs.sources.clone(),
        split: attrs.split.as_ref().map(|split| split.value.clone()),
    })
}

/// `#[serde(flatten)]` hides the wire names from the schema: `None` when it is there.
fn check_flatten(cx: &Ctxt, attrs: &attr::Field) -> Option<()> {
    match attrs.flatten {
        Some(span) => {
            cx.syn_error(syn::Error::new(
                span,
                "#[derive(Claims)] does not support #[serde(flatten)]: the schema must know every \
                 claim's wire name; declare the claims as fields of this struct",
            ));
            None
        }
        None => Some(()),
    }
}

/// The field's wire name, as serde writes it, and where it was given.
fn wire_name(cx: &Ctxt, rename_all: RenameRule, field: &ast::Field) -> (String, Span) {
    match one_name(cx, &field.attrs.rename, "rename") {
        Some(Spanned { value, span }) => (value, span),
        None => (
            rename_all.apply_to_field(&field.ident.unraw().to_string()),
            field.ident.span(),
        ),
    }
}

/// Whether serde refuses a claims set that lacks the field.
fn is_required(scope: &Scope, attrs: &attr::Field, desc: &TypeDesc) -> bool {
    let optional_by_type = desc.is_option() && !attrs.deserialize_with;
    !(optional_by_type || attrs.default || scope.default || attrs.skip_deserializing)
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
pub fn crate_path(container: &attr::Container) -> syn::Path {
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

/// The field's rules and `#[claim(nested)]`, each checked against the field's type.
fn check_validation(cx: &Ctxt, field: &ast::Field, desc: &TypeDesc) -> Validation {
    let name = field.ident.unraw().to_string();
    let rules = check_rules(cx, &field.attrs.rules, desc, &name);
    let nested = field
        .attrs
        .nested
        .and_then(|span| check_nested(cx, span, &name, desc));
    Validation {
        options: desc.options(),
        rules,
        nested,
    }
}

/// The rules that fit the type they apply to (`Option` is looked through: rules apply to the
/// value when present).
fn check_rules(cx: &Ctxt, rules: &[rules::Rule], desc: &TypeDesc, field: &str) -> Vec<model::Rule> {
    let desc = desc.without_option();
    rules
        .iter()
        .filter_map(|rule| check_rule(cx, rule, desc, field))
        .collect()
}

/// One rule on a value of type `desc`.
fn check_rule(cx: &Ctxt, rule: &rules::Rule, desc: &TypeDesc, field: &str) -> Option<model::Rule> {
    use model::RuleKind as Checked;
    use rules::RuleKind as Raw;
    let kind = match (&rule.kind, desc) {
        (Raw::Custom(custom), _) => Some(Checked::Custom(custom.clone())),
        (Raw::NonEmpty, TypeDesc::String | TypeDesc::Array(_) | TypeDesc::Map(_)) => {
            Some(Checked::NonEmpty)
        }
        (Raw::Length { min, max }, TypeDesc::String | TypeDesc::Array(_) | TypeDesc::Map(_)) => {
            Some(Checked::Length {
                min: *min,
                max: *max,
                chars: *desc == TypeDesc::String,
            })
        }
        (Raw::Email, TypeDesc::String) => Some(Checked::Email),
        (Raw::Url, TypeDesc::String) => Some(Checked::Url),
        // A pattern that does not compile was reported while parsing.
        (Raw::Regex { pattern, compiles }, TypeDesc::String) => {
            compiles.then(|| Checked::Regex(pattern.clone()))
        }
        (Raw::Prefix(prefix), TypeDesc::String) => Some(Checked::Prefix(prefix.clone())),
        (Raw::Range { min, max }, TypeDesc::Integer) => {
            check_integer_range(cx, *min, *max, field).map(Checked::Range)
        }
        (Raw::Range { min, max }, TypeDesc::Number) => Some(Checked::Range(Range::Float {
            min: *min,
            max: *max,
        })),
        (Raw::OneOf(choices), _) => {
            check_one_of(cx, rule, choices, desc, field).map(Checked::OneOf)
        }
        (Raw::Each(rules), TypeDesc::Array(item)) => Some(Checked::Each(Items {
            options: item.options(),
            rules: check_rules(cx, rules, item, field),
        })),
        _ => {
            report_misfit(cx, rule, desc, field);
            None
        }
    };
    kind.map(|kind| model::Rule {
        kind,
        span: rule.span,
    })
}

/// A range on an integer field, whose bounds must be integers.
fn check_integer_range(
    cx: &Ctxt,
    min: Option<Number>,
    max: Option<Number>,
    field: &str,
) -> Option<Range> {
    let integer = |bound: Option<Number>| match bound {
        None => Some(None),
        Some(Number {
            value: NumberValue::Int(value),
            span,
        }) => Some(Some(Int { value, span })),
        Some(Number {
            value: NumberValue::Float(_),
            span,
        }) => {
            cx.syn_error(syn::Error::new(
                span,
                format!("field `{field}` is an integer: its range needs integer bounds"),
            ));
            None
        }
    };
    let (min, max) = (integer(min), integer(max));
    Some(Range::Int {
        min: min?,
        max: max?,
    })
}

/// `one_of` on a field of its values' kind: strings on a string, integers on an integer. An
/// empty or a mixed list has no checked form; parsing reported it.
fn check_one_of(
    cx: &Ctxt,
    rule: &rules::Rule,
    choices: &[Choice],
    desc: &TypeDesc,
    field: &str,
) -> Option<OneOf> {
    match (choices.first(), desc) {
        (None, _) => None,
        (Some(Choice::Str(_)), TypeDesc::String) => choices
            .iter()
            .map(|choice| match choice {
                Choice::Str(lit) => Some(lit.clone()),
                Choice::Int(_) => None,
            })
            .collect::<Option<_>>()
            .map(OneOf::Str),
        (Some(Choice::Int(_)), TypeDesc::Integer) => choices
            .iter()
            .map(|choice| match choice {
                Choice::Int(int) => Some(*int),
                Choice::Str(_) => None,
            })
            .collect::<Option<_>>()
            .map(OneOf::Int),
        _ => {
            report_misfit(cx, rule, desc, field);
            None
        }
    }
}

fn report_misfit(cx: &Ctxt, rule: &rules::Rule, desc: &TypeDesc, field: &str) {
    cx.syn_error(syn::Error::new(
        rule.span,
        format!(
            "rule `{}` does not fit field `{field}` of type {}: {}",
            rule.name,
            describe(desc),
            applies_to(&rule.kind)
        ),
    ));
}

fn describe(desc: &TypeDesc) -> String {
    match desc {
        TypeDesc::String => "string".into(),
        TypeDesc::Integer => "integer".into(),
        TypeDesc::Number => "float".into(),
        TypeDesc::Boolean => "bool".into(),
        TypeDesc::Array(_) => "collection".into(),
        TypeDesc::Map(_) => "map".into(),
        TypeDesc::Optional(inner) => describe(inner),
        TypeDesc::Any => "JSON value".into(),
        TypeDesc::Named(name) => format!("`{name}`"),
    }
}

fn applies_to(kind: &rules::RuleKind) -> &'static str {
    use rules::RuleKind as Raw;
    match kind {
        Raw::NonEmpty | Raw::Length { .. } => "it applies to strings and collections",
        Raw::Email | Raw::Url | Raw::Regex { .. } | Raw::Prefix(_) => "it applies to strings",
        Raw::Range { .. } => "it applies to integers and floats",
        Raw::OneOf(choices) => match choices.first() {
            Some(Choice::Int(_)) => "integer choices apply to integers",
            _ => "string choices apply to strings",
        },
        Raw::Each(_) => "it applies to the items of a Vec, slice, array or set",
        Raw::Custom(_) => "it applies to any type",
    }
}

/// `#[claim(nested)]` validates a `Claims` type through one `Option` and one collection.
fn check_nested(cx: &Ctxt, span: Span, field: &str, desc: &TypeDesc) -> Option<Nested> {
    let nested = match desc.without_option() {
        TypeDesc::Named(_) => Some(Nested::Value { span }),
        TypeDesc::Array(item) => {
            matches!(item.without_option(), TypeDesc::Named(_)).then(|| Nested::Items {
                options: item.options(),
                span,
            })
        }
        _ => None,
    };
    if nested.is_none() {
        cx.syn_error(syn::Error::new(
            span,
            format!(
                "#[claim(nested)] needs a field whose type is itself `Claims` (or an \
                 `Option` or collection of one); `{field}` is not a struct"
            ),
        ));
    }
    nested
}

/// The wire names taken so far, each with where it was given and by which field.
struct WireNames<'a> {
    flat: bool,
    taken: BTreeMap<String, (Span, &'a Ident)>,
}

impl<'a> WireNames<'a> {
    fn new(flat: bool) -> Self {
        WireNames {
            flat,
            taken: BTreeMap::new(),
        }
    }

    /// The field's wire name and its aliases: none reserved, none another field's.
    fn check(&mut self, cx: &Ctxt, field: &ast::Field<'a>, wire_name: &str, span: Span) {
        let aliases = field
            .attrs
            .aliases
            .iter()
            .map(|alias| (alias.value.as_str(), alias.span));
        for (name, span) in std::iter::once((wire_name, span)).chain(aliases) {
            check_reserved(cx, self.flat, field.ident, name, span);
            self.check_unique(cx, field.ident, name, span);
        }
    }

    fn check_unique(&mut self, cx: &Ctxt, field: &'a Ident, name: &str, span: Span) {
        if let Some((first_span, first_field)) = self.taken.get(name) {
            let mut err = syn::Error::new(
                span,
                format!(
                    "two fields are wired to the claim `{name}`: `{}` and `{}`",
                    first_field.unraw(),
                    field.unraw()
                ),
            );
            err.combine(syn::Error::new(
                *first_span,
                format!("`{name}` is first used here"),
            ));
            cx.syn_error(err);
        } else {
            self.taken.insert(name.to_owned(), (span, field));
        }
    }
}

/// `auth` marks anonymous sessions; the flat profile writes the registered claims beside the
/// user's.
fn check_reserved(cx: &Ctxt, flat: bool, field: &Ident, name: &str, span: Span) {
    if name == RESERVED_AUTH {
        cx.syn_error(syn::Error::new(
            span,
            format!(
                "field `{}` is wired to the claim `auth`, which is reserved: \
                 `auth: \"anonymous\"` marks anonymous sessions; rename the field",
                field.unraw()
            ),
        ));
    }
    if flat && FLAT_RESERVED.contains(&name) {
        cx.syn_error(syn::Error::new(
            span,
            format!(
                "field `{}` is wired to the claim `{name}`, which the flat profile \
                 reserves for the registered claim: rename the field",
                field.unraw()
            ),
        ));
    }
}

/// `#[claim(split)]` fills a list of strings.
fn check_split(cx: &Ctxt, field: &ast::Field, desc: &TypeDesc) {
    if let Some(split) = &field.attrs.split
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::TokenStream;
    use quote::{ToTokens, quote};
    use syn::{DeriveInput, parse_quote};

    /// The messages of every error the input produces, in order.
    fn errors(input: DeriveInput) -> Vec<String> {
        let cx = Ctxt::new();
        let result = match ast::Container::from_ast(&cx, &input) {
            Some(raw) => check(cx, raw).map(|_| ()),
            None => cx.check(),
        };
        match result {
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
        let Ok(checked) = check(cx, raw) else {
            panic!("valid input is refused");
        };
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

    /// The checked validation of field `f` of type `ty` under `#[claim(#attr)]`, as text, or
    /// every error's message.
    fn field(ty: TokenStream, attr: TokenStream) -> Result<String, Vec<String>> {
        let input: DeriveInput = parse_quote! {
            struct S {
                #[claim(#attr)]
                f: #ty,
            }
        };
        let cx = Ctxt::new();
        let raw = ast::Container::from_ast(&cx, &input).unwrap();
        match check(cx, raw) {
            Ok(checked) => Ok(show_validation(&checked.claims[0].validation)),
            Err(err) => Err(err.into_iter().map(|e| e.to_string()).collect()),
        }
    }

    /// `rules` on field `f` of type `ty`.
    fn rules(ty: TokenStream, rules: TokenStream) -> Result<String, Vec<String>> {
        field(ty, quote!(validate(#rules)))
    }

    fn show_validation(validation: &Validation) -> String {
        let nested = match &validation.nested {
            None => String::new(),
            Some(Nested::Value { .. }) => "; nested".to_owned(),
            Some(Nested::Items { options, .. }) => format!("; nested items in {options} options"),
        };
        format!(
            "in {} options: {}{nested}",
            validation.options,
            show_rules(&validation.rules)
        )
    }

    fn show_rules(rules: &[model::Rule]) -> String {
        rules.iter().map(show).collect::<Vec<_>>().join(", ")
    }

    fn show(rule: &model::Rule) -> String {
        use model::RuleKind::*;
        let ints = |ints: &[Int]| ints.iter().map(|i| i.value).collect::<Vec<_>>();
        match &rule.kind {
            NonEmpty => "non_empty".into(),
            Length { min, max, chars } => {
                let unit = if *chars { "chars" } else { "items" };
                format!("length({min:?}, {max:?}) in {unit}")
            }
            Range(model::Range::Int { min, max }) => format!(
                "integer range({:?}, {:?})",
                min.map(|i| i.value),
                max.map(|i| i.value)
            ),
            Range(model::Range::Float { min, max }) => format!(
                "float range({:?}, {:?})",
                min.map(|n| n.value),
                max.map(|n| n.value)
            ),
            Email => "email".into(),
            Url => "url".into(),
            Regex(pattern) => format!("regex {:?}", pattern.value()),
            OneOf(model::OneOf::Str(choices)) => format!(
                "one_of strings {:?}",
                choices.iter().map(syn::LitStr::value).collect::<Vec<_>>()
            ),
            OneOf(model::OneOf::Int(choices)) => format!("one_of integers {:?}", ints(choices)),
            Prefix(prefix) => format!("prefix {:?}", prefix.value()),
            Each(items) => format!(
                "each in {} options({})",
                items.options,
                show_rules(&items.rules)
            ),
            Custom(custom) => format!("custom {}", custom.function.to_token_stream()),
        }
    }

    fn misfit(rule: &str, ty: &str, applies: &str) -> Result<String, Vec<String>> {
        Err(vec![format!(
            "rule `{rule}` does not fit field `f` of type {ty}: {applies}"
        )])
    }

    #[test]
    fn every_rule_is_accepted_on_a_fitting_type() {
        let cases = [
            (quote!(String), quote!(non_empty), "in 0 options: non_empty"),
            (
                quote!(Vec<u8>),
                quote!(non_empty),
                "in 0 options: non_empty",
            ),
            (
                quote!(BTreeMap<String, u8>),
                quote!(non_empty),
                "in 0 options: non_empty",
            ),
            (
                quote!(String),
                quote!(length(min = 1, max = 3)),
                "in 0 options: length(Some(1), Some(3)) in chars",
            ),
            (
                quote!(Option<Vec<String>>),
                quote!(length(max = 2)),
                "in 1 options: length(None, Some(2)) in items",
            ),
            (quote!(String), quote!(email), "in 0 options: email"),
            (quote!(Option<String>), quote!(url), "in 1 options: url"),
            (
                quote!(&'a str),
                quote!(regex = "^a$"),
                "in 0 options: regex \"^a$\"",
            ),
            (
                quote!(String),
                quote!(prefix = "org_"),
                "in 0 options: prefix \"org_\"",
            ),
            (
                quote!(u8),
                quote!(range(min = 1, max = 3)),
                "in 0 options: integer range(Some(1), Some(3))",
            ),
            (
                quote!(f64),
                quote!(range(min = 1, max = 2.5)),
                "in 0 options: float range(Some(Int(1)), Some(Float(2.5)))",
            ),
            (
                quote!(String),
                quote!(one_of("a", "b")),
                "in 0 options: one_of strings [\"a\", \"b\"]",
            ),
            (
                quote!(Option<i32>),
                quote!(one_of(-1, 2)),
                "in 1 options: one_of integers [-1, 2]",
            ),
            (
                quote!(Vec<Option<String>>),
                quote!(each(email, length(min = 1))),
                "in 0 options: each in 1 options(email, length(Some(1), None) in chars)",
            ),
            (
                quote!([Vec<u8>; 2]),
                quote!(each(each(range(max = 9)))),
                "in 0 options: each in 0 options(each in 0 options(integer range(None, Some(9))))",
            ),
            (
                quote!(Option<Option<String>>),
                quote!(custom = checks::note),
                "in 2 options: custom checks :: note",
            ),
            (
                quote!(serde_json::Value),
                quote!(custom = json),
                "in 0 options: custom json",
            ),
        ];
        for (ty, rule, expected) in cases {
            let case = format!("{rule} on {ty}");
            assert_eq!(rules(ty, rule), Ok(expected.to_owned()), "{case}");
        }
    }

    #[test]
    fn every_rule_is_refused_on_a_type_it_does_not_fit() {
        let sized = "it applies to strings and collections";
        let string = "it applies to strings";
        let number = "it applies to integers and floats";
        let cases = [
            (
                quote!(u64),
                quote!(non_empty),
                misfit("non_empty", "integer", sized),
            ),
            (
                quote!(bool),
                quote!(length(min = 1)),
                misfit("length", "bool", sized),
            ),
            (
                quote!(Vec<String>),
                quote!(email),
                misfit("email", "collection", string),
            ),
            (
                quote!(Option<u8>),
                quote!(url),
                misfit("url", "integer", string),
            ),
            (
                quote!(f64),
                quote!(regex = "a"),
                misfit("regex", "float", string),
            ),
            (
                quote!(BTreeMap<String, String>),
                quote!(prefix = "a"),
                misfit("prefix", "map", string),
            ),
            (
                quote!(Address),
                quote!(email),
                misfit("email", "`Address`", string),
            ),
            (
                quote!(serde_json::Value),
                quote!(non_empty),
                misfit("non_empty", "JSON value", sized),
            ),
            (
                quote!(String),
                quote!(range(min = 1)),
                misfit("range", "string", number),
            ),
            (
                quote!(u8),
                quote!(one_of("a")),
                misfit("one_of", "integer", "string choices apply to strings"),
            ),
            (
                quote!(String),
                quote!(one_of(1)),
                misfit("one_of", "string", "integer choices apply to integers"),
            ),
            // There is no float `one_of`.
            (
                quote!(f32),
                quote!(one_of(1)),
                misfit("one_of", "float", "integer choices apply to integers"),
            ),
            (
                quote!(Option<String>),
                quote!(each(email)),
                misfit(
                    "each",
                    "string",
                    "it applies to the items of a Vec, slice, array or set",
                ),
            ),
            (
                quote!(BTreeMap<String, String>),
                quote!(each(email)),
                misfit(
                    "each",
                    "map",
                    "it applies to the items of a Vec, slice, array or set",
                ),
            ),
            // The items' rules are checked against the item type.
            (
                quote!(Vec<u64>),
                quote!(each(email)),
                misfit("email", "integer", string),
            ),
            // `Option` is looked through once: the value of an `Option<Option<_>>` is an `Option`.
            (
                quote!(Option<Option<String>>),
                quote!(email),
                misfit("email", "string", string),
            ),
            (
                quote!(u32),
                quote!(range(min = 0.5, max = 2.5)),
                Err(vec![
                    "field `f` is an integer: its range needs integer bounds".to_owned(),
                    "field `f` is an integer: its range needs integer bounds".to_owned(),
                ]),
            ),
        ];
        for (ty, rule, expected) in cases {
            let case = format!("{rule} on {ty}");
            assert_eq!(rules(ty, rule), expected, "{case}");
        }
    }

    #[test]
    fn values_refused_while_parsing_build_no_rule() {
        // A bad regex is reported once; on a misfit type the misfit is reported too.
        assert_eq!(
            rules(quote!(String), quote!(regex = "(")),
            Err(vec!["invalid regex: unclosed group".to_owned()])
        );
        assert_eq!(
            rules(quote!(u64), quote!(regex = "(")),
            Err(vec![
                "invalid regex: unclosed group".to_owned(),
                "rule `regex` does not fit field `f` of type integer: it applies to strings"
                    .to_owned(),
            ])
        );
        // An empty `one_of` fits anything: its one error is that it is empty.
        assert_eq!(
            rules(quote!(u8), quote!(one_of())),
            Err(vec![
                "one_of needs at least one value: an empty list admits nothing".to_owned()
            ])
        );
        // A mixed `one_of` is checked by its first value's kind.
        assert_eq!(
            rules(quote!(u8), quote!(one_of(1, "a"))),
            Err(vec![
                "one_of takes either strings or integers, not both".to_owned()
            ])
        );
        assert_eq!(
            rules(quote!(String), quote!(length(min = 2, max = 1))),
            Err(vec![
                "`min` (2) is greater than `max` (1): no value could pass".to_owned()
            ])
        );
    }

    #[test]
    fn nested_validates_a_claims_type_through_one_option_and_one_collection() {
        let refused = |name: &str| {
            Err(vec![format!(
                "#[claim(nested)] needs a field whose type is itself `Claims` (or an `Option` \
                 or collection of one); `{name}` is not a struct"
            )])
        };
        assert_eq!(
            field(quote!(Address), quote!(nested)),
            Ok("in 0 options: ; nested".to_owned())
        );
        assert_eq!(
            field(quote!(Option<Box<Address>>), quote!(nested)),
            Ok("in 1 options: ; nested".to_owned())
        );
        assert_eq!(
            field(
                quote!(Option<Vec<Option<Address>>>),
                quote!(nested, validate(length(max = 2)))
            ),
            Ok(
                "in 1 options: length(None, Some(2)) in items; nested items in 1 options"
                    .to_owned()
            )
        );
        assert_eq!(field(quote!(u8), quote!(nested)), refused("f"));
        assert_eq!(
            field(quote!(Vec<Vec<Address>>), quote!(nested)),
            refused("f")
        );
        assert_eq!(
            field(quote!(Option<Option<Address>>), quote!(nested)),
            refused("f")
        );
        assert_eq!(
            field(quote!(BTreeMap<String, Address>), quote!(nested)),
            refused("f")
        );
    }

    #[test]
    fn split_fills_only_a_list_of_strings() {
        assert_eq!(
            field(quote!(Option<Vec<String>>), quote!(split = " ")),
            Ok("in 1 options: ".to_owned())
        );
        assert_eq!(
            field(quote!(String), quote!(split = " ")),
            Err(vec![
                "#[claim(split)] fills a list of strings from one delimited string; `f` is not \
                 a list of strings"
                    .to_owned()
            ])
        );
    }

    #[test]
    fn container_and_serde_mistakes_are_reported() {
        assert_eq!(
            errors(parse_quote! {
                #[claims(anonymous, profile = "flat")]
                #[serde(transparent)]
                struct Flat {
                    #[serde(rename = "exp")]
                    expiry: Option<u64>,
                    #[serde(rename(serialize = "a", deserialize = "b"))]
                    a: Option<String>,
                    #[serde(flatten)]
                    rest: Extra,
                }
            }),
            [
                "#[derive(Claims)] does not support #[serde(transparent)]: the claims on the \
                 wire must be the struct's own fields",
                "#[claims(anonymous)] needs the State Backed profile: an anonymous session's \
                 claims live in `act`, which the flat profile does not have",
                "field `expiry` is wired to the claim `exp`, which the flat profile reserves \
                 for the registered claim: rename the field",
                "#[derive(Claims)] needs one wire name per claim: `rename` must give the same \
                 name for serializing and deserializing",
                "#[derive(Claims)] does not support #[serde(flatten)]: the schema must know \
                 every claim's wire name; declare the claims as fields of this struct",
            ]
        );
    }

    #[test]
    fn anonymous_fields_are_sid_or_did_strings_in_an_anonymous_type() {
        assert_eq!(
            errors(parse_quote! {
                struct Viewer {
                    #[claim(anonymous)]
                    #[serde(default)]
                    did: String,
                }
            }),
            [
                "#[claim(anonymous)] needs #[claims(anonymous)] on the type: without it the type \
                 rejects anonymous sessions"
            ]
        );
        assert_eq!(
            errors(parse_quote! {
                #[claims(anonymous)]
                struct Viewer {
                    #[claim(anonymous)]
                    sid: Option<u64>,
                }
            }),
            [
                "field `sid` is marked anonymous, but anonymous sessions carry `sid` as a \
                 string: make the field a `String` or `Option<String>`"
            ]
        );
    }

    #[test]
    fn skipped_fields_are_not_claims() {
        let input: DeriveInput = parse_quote! {
            struct Viewer {
                #[serde(skip_serializing)]
                #[claim(validate(email))]
                cache: u64,
                sub: String,
            }
        };
        let cx = Ctxt::new();
        let raw = ast::Container::from_ast(&cx, &input).unwrap();
        let Ok(checked) = check(cx, raw) else {
            panic!("a skipped field's rules are not checked");
        };
        let names: Vec<&str> = checked
            .claims
            .iter()
            .map(|c| c.wire_name.as_str())
            .collect();
        assert_eq!(names, ["sub"]);
    }
}
