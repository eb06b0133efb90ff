//! `#[claim(validate(...))]`: parsing each rule, and checking that it fits the field's type.

use super::ctxt::Ctxt;
use super::symbol::{Symbol, list};
use super::ty::TypeDesc;
use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::parse::ParseStream;
use syn::{LitFloat, LitInt, LitStr, Token};

const NON_EMPTY: Symbol = Symbol("non_empty");
const LENGTH: Symbol = Symbol("length");
const RANGE: Symbol = Symbol("range");
const EMAIL: Symbol = Symbol("email");
const URL: Symbol = Symbol("url");
const REGEX: Symbol = Symbol("regex");
const ONE_OF: Symbol = Symbol("one_of");
const PREFIX: Symbol = Symbol("prefix");
const EACH: Symbol = Symbol("each");
const CUSTOM: Symbol = Symbol("custom");
const MIN: Symbol = Symbol("min");
const MAX: Symbol = Symbol("max");

/// Every rule `validate(...)` accepts, in the order error messages list them.
pub const RULES: &[Symbol] = &[
    NON_EMPTY, LENGTH, RANGE, EMAIL, URL, REGEX, ONE_OF, PREFIX, EACH, CUSTOM,
];

/// A number as written in an attribute, sign included.
#[derive(Clone)]
pub struct Number {
    pub value: NumberValue,
    pub span: Span,
}

#[derive(Clone, Copy, PartialEq)]
pub enum NumberValue {
    Int(i128),
    Float(f64),
}

impl NumberValue {
    fn as_f64(self) -> f64 {
        match self {
            NumberValue::Int(i) => i as f64,
            NumberValue::Float(f) => f,
        }
    }
}

#[derive(Clone)]
pub enum Choice {
    Str(LitStr),
    Int(Number),
}

#[derive(Clone)]
pub enum RuleKind {
    NonEmpty,
    Length {
        min: Option<u64>,
        max: Option<u64>,
    },
    Range {
        min: Option<Number>,
        max: Option<Number>,
    },
    Email,
    Url,
    Regex(LitStr),
    OneOf(Vec<Choice>),
    Prefix(LitStr),
    Each(Vec<Rule>),
    Custom(syn::Path),
}

/// One rule, with the span of its name for error messages.
#[derive(Clone)]
pub struct Rule {
    pub kind: RuleKind,
    pub name: Symbol,
    pub span: Span,
}

/// Parses the contents of `validate(...)` (or of `each(...)`), recording mistakes in `cx`.
pub fn parse_rules(cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<Vec<Rule>> {
    let mut rules: Vec<Rule> = Vec::new();
    meta.parse_nested_meta(|meta| {
        let span = meta
            .path
            .get_ident()
            .map_or_else(Span::call_site, |i| i.span());
        let Some(&name) = RULES.iter().find(|rule| meta.path == **rule) else {
            let key = meta.path.to_token_stream().to_string().replace(' ', "");
            return Err(meta.error(format!(
                "unknown validation rule `{key}`; expected one of: {}",
                list(RULES)
            )));
        };
        let kind = match name {
            NON_EMPTY => RuleKind::NonEmpty,
            EMAIL => RuleKind::Email,
            URL => RuleKind::Url,
            LENGTH => parse_length(&meta)?,
            RANGE => parse_range(&meta)?,
            REGEX => {
                let lit: LitStr = meta.value()?.parse()?;
                if let Err(err) = regex_syntax::Parser::new().parse(&lit.value()) {
                    cx.error_spanned_by(&lit, format!("invalid regex: {}", regex_error(&err)));
                }
                RuleKind::Regex(lit)
            }
            PREFIX => RuleKind::Prefix(meta.value()?.parse()?),
            ONE_OF => parse_one_of(cx, &meta, span)?,
            EACH => RuleKind::Each(parse_rules(cx, &meta)?),
            _ => RuleKind::Custom(meta.value()?.parse()?),
        };
        if rules.iter().any(|rule| rule.name == name) {
            cx.syn_error(syn::Error::new(
                span,
                format!("rule `{name}` is given twice"),
            ));
        } else {
            rules.push(Rule { kind, name, span });
        }
        Ok(())
    })?;
    Ok(rules)
}

fn regex_error(err: &regex_syntax::Error) -> String {
    match err {
        regex_syntax::Error::Parse(err) => err.kind().to_string(),
        regex_syntax::Error::Translate(err) => err.kind().to_string(),
        other => other.to_string(),
    }
}

/// `()` with nothing inside, which `parse_nested_meta` would report in its own words.
fn require_bounds(meta: &ParseNestedMeta) -> syn::Result<()> {
    let fork = meta.input.fork();
    let content;
    syn::parenthesized!(content in fork);
    if content.is_empty() {
        return Err(meta.error("expected `min = …`, `max = …` or both"));
    }
    Ok(())
}

fn parse_length(meta: &ParseNestedMeta) -> syn::Result<RuleKind> {
    require_bounds(meta)?;
    let (mut min, mut max) = (None, None);
    meta.parse_nested_meta(|bound| {
        let lit: LitInt = bound.value()?.parse()?;
        let value = lit.base10_parse::<u64>()?;
        if bound.path == MIN {
            min = Some(value);
        } else if bound.path == MAX {
            max = Some(value);
        } else {
            return Err(bound.error("expected `min` or `max`"));
        }
        Ok(())
    })?;
    check_bounds(meta, min.map(|m| m as f64), max.map(|m| m as f64))?;
    Ok(RuleKind::Length { min, max })
}

fn parse_range(meta: &ParseNestedMeta) -> syn::Result<RuleKind> {
    require_bounds(meta)?;
    let (mut min, mut max) = (None, None);
    meta.parse_nested_meta(|bound| {
        let value = parse_number(bound.value()?)?;
        if bound.path == MIN {
            min = Some(value);
        } else if bound.path == MAX {
            max = Some(value);
        } else {
            return Err(bound.error("expected `min` or `max`"));
        }
        Ok(())
    })?;
    check_bounds(
        meta,
        min.as_ref().map(|n| n.value.as_f64()),
        max.as_ref().map(|n| n.value.as_f64()),
    )?;
    Ok(RuleKind::Range { min, max })
}

/// At least one bound, and `min <= max`.
fn check_bounds(meta: &ParseNestedMeta, min: Option<f64>, max: Option<f64>) -> syn::Result<()> {
    match (min, max) {
        (None, None) => Err(meta.error("expected `min = …`, `max = …` or both")),
        (Some(min), Some(max)) if min > max => Err(meta.error(format!(
            "`min` ({min}) is greater than `max` ({max}): no value could pass"
        ))),
        _ => Ok(()),
    }
}

fn parse_number(input: ParseStream) -> syn::Result<Number> {
    let negative: Option<Token![-]> = input.parse()?;
    let sign = if negative.is_some() { -1.0 } else { 1.0 };
    let (value, span) = if input.peek(LitFloat) {
        let lit: LitFloat = input.parse()?;
        (
            NumberValue::Float(sign * lit.base10_parse::<f64>()?),
            lit.span(),
        )
    } else {
        let lit: LitInt = input.parse()?;
        let magnitude = lit.base10_parse::<i128>()?;
        let value = if negative.is_some() {
            -magnitude
        } else {
            magnitude
        };
        (NumberValue::Int(value), lit.span())
    };
    Ok(Number { value, span })
}

fn parse_one_of(cx: &Ctxt, meta: &ParseNestedMeta, span: Span) -> syn::Result<RuleKind> {
    let content;
    syn::parenthesized!(content in meta.input);
    let mut choices = Vec::new();
    while !content.is_empty() {
        if content.peek(LitStr) {
            choices.push(Choice::Str(content.parse()?));
        } else {
            let number = parse_number(&content)?;
            if let NumberValue::Float(_) = number.value {
                return Err(syn::Error::new(
                    number.span,
                    "one_of takes strings or integers",
                ));
            }
            choices.push(Choice::Int(number));
        }
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    let strings = choices
        .iter()
        .filter(|c| matches!(c, Choice::Str(_)))
        .count();
    if choices.is_empty() {
        cx.syn_error(syn::Error::new(
            span,
            "one_of needs at least one value: an empty list admits nothing",
        ));
    } else if strings != 0 && strings != choices.len() {
        cx.syn_error(syn::Error::new(
            span,
            "one_of takes either strings or integers, not both",
        ));
    }
    Ok(RuleKind::OneOf(choices))
}

/// Checks that every rule fits the type it applies to (`Option` is looked through: rules
/// apply to the value when present).
pub fn check_fit(cx: &Ctxt, rules: &[Rule], desc: &TypeDesc, field: &str) {
    let desc = desc.without_option();
    for rule in rules {
        let fits = match (&rule.kind, desc) {
            (RuleKind::Custom(_), _) => true,
            (RuleKind::NonEmpty | RuleKind::Length { .. }, d) => {
                matches!(d, TypeDesc::String | TypeDesc::Array(_) | TypeDesc::Map(_))
            }
            (RuleKind::Email | RuleKind::Url | RuleKind::Regex(_) | RuleKind::Prefix(_), d) => {
                matches!(d, TypeDesc::String)
            }
            (RuleKind::Range { min, max }, TypeDesc::Integer) => {
                for bound in [min, max].into_iter().flatten() {
                    if let NumberValue::Float(_) = bound.value {
                        cx.syn_error(syn::Error::new(
                            bound.span,
                            format!(
                                "field `{field}` is an integer: its range needs integer bounds"
                            ),
                        ));
                    }
                }
                true
            }
            (RuleKind::Range { .. }, d) => matches!(d, TypeDesc::Number),
            (RuleKind::OneOf(choices), d) => match choices.first() {
                None => true,
                Some(Choice::Str(_)) => matches!(d, TypeDesc::String),
                Some(Choice::Int(_)) => matches!(d, TypeDesc::Integer),
            },
            (RuleKind::Each(inner), TypeDesc::Array(item)) => {
                check_fit(cx, inner, item, field);
                true
            }
            (RuleKind::Each(_), _) => false,
        };
        if !fits {
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
    }
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

fn applies_to(kind: &RuleKind) -> &'static str {
    match kind {
        RuleKind::NonEmpty | RuleKind::Length { .. } => "it applies to strings and collections",
        RuleKind::Email | RuleKind::Url | RuleKind::Regex(_) | RuleKind::Prefix(_) => {
            "it applies to strings"
        }
        RuleKind::Range { .. } => "it applies to integers and floats",
        RuleKind::OneOf(choices) => match choices.first() {
            Some(Choice::Int(_)) => "integer choices apply to integers",
            _ => "string choices apply to strings",
        },
        RuleKind::Each(_) => "it applies to the items of a Vec, slice, array or set",
        RuleKind::Custom(_) => "it applies to any type",
    }
}

/// The tokens of a number as a literal of the field's kind: floats for float fields.
pub fn number_tokens(number: &Number, float: bool) -> TokenStream {
    let value = match number.value {
        NumberValue::Int(i) if float => NumberValue::Float(i as f64),
        other => other,
    };
    match value {
        NumberValue::Int(i) => {
            let lit = LitInt::new(&i.unsigned_abs().to_string(), number.span);
            if i < 0 {
                quote::quote!(-#lit)
            } else {
                lit.into_token_stream()
            }
        }
        NumberValue::Float(f) => {
            let lit = LitFloat::new(&format!("{:?}", f.abs()), number.span);
            if f < 0.0 {
                quote::quote!(-#lit)
            } else {
                lit.into_token_stream()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_literals_keep_a_decimal_point() {
        let n = Number {
            value: NumberValue::Int(3),
            span: Span::call_site(),
        };
        assert_eq!(number_tokens(&n, true).to_string(), "3.0");
        assert_eq!(number_tokens(&n, false).to_string(), "3");
        let n = Number {
            value: NumberValue::Float(-0.5),
            span: Span::call_site(),
        };
        assert_eq!(number_tokens(&n, true).to_string(), "- 0.5");
    }
}
