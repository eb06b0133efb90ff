//! `#[claim(validate(...))]`: the raw rules, as parsing reads them.
//!
//! Parsing refuses what it can see in the rule alone (an unknown rule, a malformed bound,
//! `min > max`) and reports what it can see in a value (a regex that does not compile, an empty
//! or mixed `one_of`); whether a rule fits the field's type is for [`check`](super::check).

use super::ctxt::Ctxt;
use super::symbol::{Symbol, expected};
use proc_macro2::Span;
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
const STRATEGY: Symbol = Symbol("strategy");
const MAX: Symbol = Symbol("max");

/// Every rule `validate(...)` accepts, in the order error messages list them.
pub const RULES: &[Symbol] = &[
    NON_EMPTY, LENGTH, RANGE, EMAIL, URL, REGEX, ONE_OF, PREFIX, EACH, CUSTOM,
];

/// A number as written in an attribute, sign included.
#[derive(Clone, Copy)]
pub struct Number {
    pub value: NumberValue,
    pub span: Span,
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum NumberValue {
    Int(i128),
    Float(f64),
}

impl NumberValue {
    pub fn as_f64(self) -> f64 {
        match self {
            NumberValue::Int(i) => i as f64,
            NumberValue::Float(f) => f,
        }
    }
}

pub enum Choice {
    Str(LitStr),
    Int(Int),
}

/// An integer as written in an attribute, sign included.
#[derive(Clone, Copy)]
pub struct Int {
    pub value: i128,
    pub span: Span,
}

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
    Regex {
        pattern: LitStr,
        /// Whether the pattern compiles; one that does not was reported while parsing.
        compiles: bool,
    },
    /// The choices as written; an empty or a mixed list was reported while parsing.
    OneOf(Vec<Choice>),
    Prefix(LitStr),
    Each(Vec<Rule>),
    Custom(Custom),
}

/// `custom = path`, or `custom(path, strategy = path)` with a generator of values the
/// function accepts (for the `proptest` feature's strategies).
#[derive(Clone)]
pub struct Custom {
    pub function: syn::Path,
    pub strategy: Option<syn::Path>,
}

/// One rule, with the span of its name for error messages.
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
                "unknown validation rule `{key}`; {}",
                expected(&key, RULES)
            )));
        };
        let kind = match name {
            NON_EMPTY => RuleKind::NonEmpty,
            EMAIL => RuleKind::Email,
            URL => RuleKind::Url,
            LENGTH => parse_length(&meta)?,
            RANGE => parse_range(&meta)?,
            REGEX => {
                let pattern: LitStr = meta.value()?.parse()?;
                let compiles = match regex_syntax::Parser::new().parse(&pattern.value()) {
                    Ok(_) => true,
                    Err(err) => {
                        cx.error_spanned_by(
                            &pattern,
                            format!("invalid regex: {}", regex_error(&err)),
                        );
                        false
                    }
                };
                RuleKind::Regex { pattern, compiles }
            }
            PREFIX => RuleKind::Prefix(meta.value()?.parse()?),
            ONE_OF => parse_one_of(cx, &meta, span)?,
            EACH => RuleKind::Each(parse_rules(cx, &meta)?),
            _ => RuleKind::Custom(parse_custom(&meta)?),
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

/// `custom = path` or `custom(path, strategy = path)`.
fn parse_custom(meta: &ParseNestedMeta) -> syn::Result<Custom> {
    if meta.input.peek(Token![=]) {
        return Ok(Custom {
            function: meta.value()?.parse()?,
            strategy: None,
        });
    }
    let content;
    syn::parenthesized!(content in meta.input);
    let function: syn::Path = content.parse()?;
    let mut strategy = None;
    if !content.is_empty() {
        content.parse::<Token![,]>()?;
        let key: syn::Path = content.parse()?;
        if key != STRATEGY {
            return Err(syn::Error::new_spanned(
                key,
                "expected `strategy = path::to::strategy`",
            ));
        }
        content.parse::<Token![=]>()?;
        strategy = Some(content.parse()?);
        if !content.is_empty() {
            content.parse::<Token![,]>()?;
        }
    }
    if !content.is_empty() {
        return Err(
            content.error("expected `)`: custom(check, strategy = path) takes nothing more")
        );
    }
    Ok(Custom { function, strategy })
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
            let NumberValue::Int(value) = number.value else {
                return Err(syn::Error::new(
                    number.span,
                    "one_of takes strings or integers",
                ));
            };
            choices.push(Choice::Int(Int {
                value,
                span: number.span,
            }));
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

#[cfg(test)]
mod tests {
    use super::*;
    use syn::{Attribute, parse_quote};

    /// Parses the `validate(...)` inside `#[claim(...)]`: each rule as text, then every error.
    fn parse(attr: Attribute) -> (Vec<String>, Vec<String>) {
        let cx = Ctxt::new();
        let mut rules = Vec::new();
        if let Err(err) = attr.parse_nested_meta(|meta| {
            rules = parse_rules(&cx, &meta)?;
            Ok(())
        }) {
            cx.syn_error(err);
        }
        let errors = match cx.check() {
            Ok(()) => Vec::new(),
            Err(err) => err.into_iter().map(|e| e.to_string()).collect(),
        };
        (rules.iter().map(show).collect(), errors)
    }

    fn show(rule: &Rule) -> String {
        let kind = match &rule.kind {
            RuleKind::NonEmpty | RuleKind::Email | RuleKind::Url => String::new(),
            RuleKind::Length { min, max } => format!("({min:?}, {max:?})"),
            RuleKind::Range { min, max } => {
                format!("({:?}, {:?})", min.map(|n| n.value), max.map(|n| n.value))
            }
            RuleKind::Regex { pattern, compiles } => {
                format!(" = {:?}, compiles: {compiles}", pattern.value())
            }
            RuleKind::OneOf(choices) => {
                let choices: Vec<String> = choices
                    .iter()
                    .map(|choice| match choice {
                        Choice::Str(lit) => format!("{:?}", lit.value()),
                        Choice::Int(int) => int.value.to_string(),
                    })
                    .collect();
                format!("({})", choices.join(", "))
            }
            RuleKind::Prefix(prefix) => format!(" = {:?}", prefix.value()),
            RuleKind::Each(rules) => {
                format!(
                    "({})",
                    rules.iter().map(show).collect::<Vec<_>>().join(", ")
                )
            }
            RuleKind::Custom(Custom {
                function,
                strategy: None,
            }) => {
                format!(" = {}", function.to_token_stream())
            }
            RuleKind::Custom(Custom {
                function,
                strategy: Some(strategy),
            }) => {
                format!(
                    "({}, strategy = {})",
                    function.to_token_stream(),
                    strategy.to_token_stream()
                )
            }
        };
        format!("{}{kind}", rule.name)
    }

    fn ok(rules: &[&str]) -> (Vec<String>, Vec<String>) {
        (rules.iter().map(|r| r.to_string()).collect(), Vec::new())
    }

    fn err(message: &str) -> (Vec<String>, Vec<String>) {
        (Vec::new(), vec![message.to_owned()])
    }

    #[test]
    fn every_rule_parses() {
        assert_eq!(
            parse(parse_quote!(#[claim(validate(
                non_empty,
                length(min = 1, max = 3),
                range(min = -2, max = 2.5),
                email,
                url,
                regex = "^a+$",
                one_of("free", "pro"),
                prefix = "org_",
                each(email, length(max = 9)),
                custom = crate::checks::region,
            ))])),
            ok(&[
                "non_empty",
                "length(Some(1), Some(3))",
                "range(Some(Int(-2)), Some(Float(2.5)))",
                "email",
                "url",
                "regex = \"^a+$\", compiles: true",
                "one_of(\"free\", \"pro\")",
                "prefix = \"org_\"",
                "each(email, length(None, Some(9)))",
                "custom = crate :: checks :: region",
            ])
        );
    }

    #[test]
    fn custom_rules_may_name_a_generator() {
        assert_eq!(
            parse(
                parse_quote!(#[claim(validate(custom(checks::region, strategy = gen::regions)))])
            ),
            ok(&["custom(checks :: region, strategy = gen :: regions)"])
        );
        assert_eq!(
            parse(parse_quote!(#[claim(validate(custom(checks::region)))])),
            ok(&["custom = checks :: region"])
        );
        assert_eq!(
            parse(parse_quote!(#[claim(validate(custom(checks::region, generator = g)))])),
            err("expected `strategy = path::to::strategy`")
        );
    }

    #[test]
    fn bounds_may_be_given_alone_and_signed() {
        assert_eq!(
            parse(
                parse_quote!(#[claim(validate(length(max = 0), range(min = -0.5), one_of(-1, 0, 7)))])
            ),
            ok(&[
                "length(None, Some(0))",
                "range(Some(Float(-0.5)), None)",
                "one_of(-1, 0, 7)",
            ])
        );
    }

    #[test]
    fn unknown_rules_list_the_valid_ones() {
        assert_eq!(
            parse(parse_quote!(#[claim(validate(emial))])),
            err(
                "unknown validation rule `emial`; expected one of: `non_empty`, `length`, \
                 `range`, `email`, `url`, `regex`, `one_of`, `prefix`, `each`, `custom`; \
                 did you mean `email`?"
            )
        );
        assert_eq!(
            parse(parse_quote!(#[claim(validate(lenght(max = 3)))])),
            err(
                "unknown validation rule `lenght`; expected one of: `non_empty`, `length`, \
                 `range`, `email`, `url`, `regex`, `one_of`, `prefix`, `each`, `custom`; \
                 did you mean `length`?"
            )
        );
        assert_eq!(
            parse(parse_quote!(#[claim(validate(each(rules::email)))])),
            err(
                "unknown validation rule `rules::email`; expected one of: `non_empty`, \
                 `length`, `range`, `email`, `url`, `regex`, `one_of`, `prefix`, `each`, \
                 `custom`"
            )
        );
    }

    #[test]
    fn min_over_max_is_refused() {
        assert_eq!(
            parse(parse_quote!(#[claim(validate(length(min = 10, max = 2), email))])),
            err("`min` (10) is greater than `max` (2): no value could pass")
        );
        assert_eq!(
            parse(parse_quote!(#[claim(validate(range(min = 0.5, max = -0.5)))])),
            err("`min` (0.5) is greater than `max` (-0.5): no value could pass")
        );
        assert_eq!(
            parse(parse_quote!(#[claim(validate(each(range(min = 3, max = -3))))])),
            err("`min` (3) is greater than `max` (-3): no value could pass")
        );
        // Equal bounds admit one value.
        assert_eq!(
            parse(parse_quote!(#[claim(validate(range(min = 2, max = 2)))])),
            ok(&["range(Some(Int(2)), Some(Int(2)))"])
        );
    }

    #[test]
    fn bounds_must_be_min_or_max_and_present() {
        assert_eq!(
            parse(parse_quote!(#[claim(validate(range()))])),
            err("expected `min = …`, `max = …` or both")
        );
        assert_eq!(
            parse(parse_quote!(#[claim(validate(length(least = 1)))])),
            err("expected `min` or `max`")
        );
        assert_eq!(
            // The message is `u64`'s own parse error.
            parse(parse_quote!(#[claim(validate(length(min = -1)))])),
            err("invalid digit found in string")
        );
    }

    #[test]
    fn an_invalid_regex_is_reported_and_kept_as_not_compiling() {
        assert_eq!(
            parse(parse_quote!(#[claim(validate(regex = "(", email))])),
            (
                vec![
                    "regex = \"(\", compiles: false".to_owned(),
                    "email".to_owned()
                ],
                vec!["invalid regex: unclosed group".to_owned()]
            )
        );
        assert_eq!(
            parse(parse_quote!(#[claim(validate(regex = "a{2,1}"))])).1,
            ["invalid regex: invalid repetition count range, the start must be <= the end"]
        );
    }

    #[test]
    fn one_of_takes_a_non_empty_list_of_one_kind() {
        assert_eq!(
            parse(parse_quote!(#[claim(validate(one_of()))])),
            (
                vec!["one_of()".to_owned()],
                vec!["one_of needs at least one value: an empty list admits nothing".to_owned()]
            )
        );
        assert_eq!(
            parse(parse_quote!(#[claim(validate(one_of("a", 1)))])),
            (
                vec!["one_of(\"a\", 1)".to_owned()],
                vec!["one_of takes either strings or integers, not both".to_owned()]
            )
        );
        assert_eq!(
            parse(parse_quote!(#[claim(validate(one_of(1, 2.5)))])),
            err("one_of takes strings or integers")
        );
    }

    #[test]
    fn a_rule_given_twice_is_reported_once_and_kept_once() {
        assert_eq!(
            parse(parse_quote!(#[claim(validate(email, url, email))])),
            (
                vec!["email".to_owned(), "url".to_owned()],
                vec!["rule `email` is given twice".to_owned()]
            )
        );
    }
}
