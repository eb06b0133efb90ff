//! Attribute parsing: serde's attributes (read the way serde reads them, to know the wire
//! names) and this crate's own `#[claims(...)]` / `#[claim(...)]`.
//!
//! serde's attributes are read leniently: keys the derive does not need are skipped, and a
//! malformed serde attribute is left for serde_derive to report. This crate's attributes are
//! read strictly: every unknown key is an error that lists the valid ones.

use super::case::RenameRule;
use super::ctxt::Ctxt;
use super::rules::{Rule, parse_rules};
use super::symbol::*;
use proc_macro2::{Span, TokenTree};
use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitStr, Token};

/// A value together with the tokens it was written at, for error messages.
#[derive(Clone)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// A serde setting that may differ between serializing and deserializing.
#[derive(Clone)]
pub struct SerDe<T> {
    pub ser: Option<Spanned<T>>,
    pub de: Option<Spanned<T>>,
}

impl<T> Default for SerDe<T> {
    fn default() -> Self {
        SerDe {
            ser: None,
            de: None,
        }
    }
}

impl<T: Clone> SerDe<T> {
    fn set_both(&mut self, value: T, span: Span) {
        self.ser = Some(Spanned {
            value: value.clone(),
            span,
        });
        self.de = Some(Spanned { value, span });
    }
}

/// Container-level attributes.
pub struct Container {
    pub rename_all: SerDe<RenameRule>,
    /// `#[serde(default)]` on the struct: every field may be missing.
    pub default: bool,
    /// `#[serde(deny_unknown_fields)]`: serde refuses members that are not fields.
    pub deny_unknown_fields: bool,
    /// serde settings under which the wire form is not the struct's fields.
    pub unsupported_serde: Vec<Spanned<Symbol>>,
    /// `#[claims(crate = "...")]`.
    pub crate_path: Option<syn::Path>,
    /// `#[claims(anonymous)]`: the type admits anonymous sessions.
    pub anonymous: Option<Span>,
    /// `#[claims(profile = "...")]`: where the claims sit in a token.
    pub profile: Option<Spanned<Profile>>,
}

/// Where a type's claims sit in a token.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Inside `act`, as State Backed tokens carry them (the default).
    StateBacked,
    /// At the top level, beside the registered claims.
    Flat,
}

impl Profile {
    const NAMES: [(&'static str, Profile); 2] = [
        ("statebacked", Profile::StateBacked),
        ("flat", Profile::Flat),
    ];
}

/// Field-level attributes.
pub struct Field {
    pub rename: SerDe<String>,
    pub aliases: Vec<Spanned<String>>,
    pub skip_serializing: bool,
    pub skip_deserializing: bool,
    pub default: bool,
    pub deserialize_with: bool,
    pub flatten: Option<Span>,
    /// `#[claim(anonymous)]`: an anonymous session may carry this claim.
    pub anonymous: Option<Span>,
    /// `#[claim(validate(...))]`.
    pub rules: Vec<Rule>,
    /// `#[claim(nested)]`: the field is itself `Claims`.
    pub nested: Option<Span>,
    /// `#[claim(sensitive)]`: validation messages never echo the value.
    pub sensitive: Option<Span>,
    /// `#[claim(subject)]`: the claim that names the user, for revocation by subject.
    pub subject: Option<Span>,
    /// `#[claim(from = "…")]` and `#[claim(from(provider = "…", path = "…"))]`.
    pub sources: Vec<Source>,
    /// `#[claim(split = "…")]`: a delimited string may fill this list of strings.
    pub split: Option<Spanned<String>>,
}

/// Where a claim comes from in an identity-provider token; the path is a valid JSONPath.
#[derive(Clone)]
pub struct Source {
    pub provider: Option<String>,
    pub path: String,
}

impl Container {
    pub fn from_ast(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut container = Container {
            rename_all: SerDe::default(),
            default: false,
            deny_unknown_fields: false,
            unsupported_serde: Vec::new(),
            crate_path: None,
            anonymous: None,
            profile: None,
        };
        for attr in attrs {
            if attr.path() == SERDE {
                // Malformed serde attributes are serde_derive's to report.
                let _ = attr.parse_nested_meta(|meta| container.serde_key(meta));
            } else if attr.path() == CLAIMS
                && let Err(err) = attr.parse_nested_meta(|meta| container.claims_key(cx, meta))
            {
                cx.syn_error(err);
            }
        }
        container
    }

    fn serde_key(&mut self, meta: ParseNestedMeta) -> syn::Result<()> {
        if meta.path == RENAME_ALL {
            parse_ser_de(&meta, &mut self.rename_all, |lit| {
                RenameRule::from_str(&lit.value())
                    .map_err(|err| syn::Error::new(lit.span(), err.to_string()))
            })
        } else if meta.path == DEFAULT {
            self.default = true;
            skip_value(&meta)
        } else if meta.path == DENY_UNKNOWN_FIELDS {
            self.deny_unknown_fields = true;
            skip_value(&meta)
        } else {
            if let Some(&key) = SERDE_UNSUPPORTED_CONTAINER
                .iter()
                .find(|key| meta.path == **key)
            {
                self.unsupported_serde.push(Spanned {
                    value: key,
                    span: meta
                        .path
                        .get_ident()
                        .map_or_else(Span::call_site, |i| i.span()),
                });
            }
            skip_value(&meta)
        }
    }

    fn claims_key(&mut self, cx: &Ctxt, meta: ParseNestedMeta) -> syn::Result<()> {
        if meta.path == ANONYMOUS {
            set_flag(cx, &meta, &mut self.anonymous, CLAIMS);
            Ok(())
        } else if meta.path == CRATE {
            let lit: LitStr = meta.value()?.parse()?;
            match lit.parse::<syn::Path>() {
                Ok(path) => {
                    if self.crate_path.replace(path).is_some() {
                        cx.error_spanned_by(&meta.path, "duplicate `crate` key in #[claims]");
                    }
                }
                Err(_) => cx.error_spanned_by(
                    &lit,
                    format!("`crate` must be a path, found {:?}", lit.value()),
                ),
            }
            Ok(())
        } else if meta.path == PROFILE {
            let lit: LitStr = meta.value()?.parse()?;
            let value = lit.value();
            match Profile::NAMES.iter().find(|(name, _)| *name == value) {
                Some(&(_, profile)) => {
                    let profile = Spanned {
                        value: profile,
                        span: lit.span(),
                    };
                    if self.profile.replace(profile).is_some() {
                        cx.error_spanned_by(&meta.path, "duplicate `profile` key in #[claims]");
                    }
                }
                None => cx.error_spanned_by(
                    &lit,
                    format!(
                        "unknown profile {value:?}; expected one of: {}",
                        Profile::NAMES
                            .iter()
                            .map(|(name, _)| format!("{name:?}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
            }
            Ok(())
        } else {
            Err(unknown_key(&meta, CLAIMS, CONTAINER_KEYS))
        }
    }
}

impl Field {
    pub fn from_ast(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut field = Field {
            rename: SerDe::default(),
            aliases: Vec::new(),
            skip_serializing: false,
            skip_deserializing: false,
            default: false,
            deserialize_with: false,
            flatten: None,
            anonymous: None,
            rules: Vec::new(),
            nested: None,
            sensitive: None,
            subject: None,
            sources: Vec::new(),
            split: None,
        };
        for attr in attrs {
            if attr.path() == SERDE {
                let _ = attr.parse_nested_meta(|meta| field.serde_key(meta));
            } else if attr.path() == CLAIM
                && let Err(err) = attr.parse_nested_meta(|meta| field.claim_key(cx, meta))
            {
                cx.syn_error(err);
            }
        }
        field
    }

    fn serde_key(&mut self, meta: ParseNestedMeta) -> syn::Result<()> {
        if meta.path == RENAME {
            parse_ser_de(&meta, &mut self.rename, |lit| Ok(lit.value()))
        } else if meta.path == ALIAS {
            let lit: LitStr = meta.value()?.parse()?;
            self.aliases.push(Spanned {
                value: lit.value(),
                span: lit.span(),
            });
            Ok(())
        } else if meta.path == SKIP {
            self.skip_serializing = true;
            self.skip_deserializing = true;
            Ok(())
        } else if meta.path == SKIP_SERIALIZING {
            self.skip_serializing = true;
            Ok(())
        } else if meta.path == SKIP_DESERIALIZING {
            self.skip_deserializing = true;
            Ok(())
        } else if meta.path == DEFAULT {
            self.default = true;
            skip_value(&meta)
        } else if meta.path == WITH || meta.path == DESERIALIZE_WITH {
            self.deserialize_with = true;
            skip_value(&meta)
        } else if meta.path == FLATTEN {
            self.flatten = meta.path.get_ident().map(|i| i.span());
            Ok(())
        } else {
            skip_value(&meta)
        }
    }

    fn claim_key(&mut self, cx: &Ctxt, meta: ParseNestedMeta) -> syn::Result<()> {
        if meta.path == ANONYMOUS {
            set_flag(cx, &meta, &mut self.anonymous, CLAIM);
        } else if meta.path == NESTED {
            set_flag(cx, &meta, &mut self.nested, CLAIM);
        } else if meta.path == SENSITIVE {
            set_flag(cx, &meta, &mut self.sensitive, CLAIM);
        } else if meta.path == SUBJECT {
            set_flag(cx, &meta, &mut self.subject, CLAIM);
        } else if meta.path == FROM {
            self.source_key(cx, &meta)?;
        } else if meta.path == SPLIT {
            let lit: LitStr = meta.value()?.parse()?;
            if lit.value().is_empty() {
                cx.error_spanned_by(&lit, "`split` needs a non-empty separator, such as \" \"");
            } else if self.split.is_some() {
                cx.error_spanned_by(&meta.path, "duplicate key `split` in #[claim(...)]");
            } else {
                self.split = Some(Spanned {
                    value: lit.value(),
                    span: lit.span(),
                });
            }
        } else if meta.path == VALIDATE {
            let rules = parse_rules(cx, &meta)?;
            if self.rules.is_empty() {
                self.rules = rules;
            } else {
                cx.error_spanned_by(
                    &meta.path,
                    "`validate` is given twice; list all rules in one",
                );
            }
        } else {
            return Err(unknown_key(&meta, CLAIM, FIELD_KEYS));
        }
        Ok(())
    }
}

impl Field {
    /// `from = "path"` or `from(provider = "name", path = "path")`.
    fn source_key(&mut self, cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<()> {
        let (provider, path) = if meta.input.peek(Token![=]) {
            (None, meta.value()?.parse::<LitStr>()?)
        } else {
            let mut provider: Option<LitStr> = None;
            let mut path: Option<LitStr> = None;
            meta.parse_nested_meta(|inner| {
                let slot = if inner.path == PROVIDER {
                    &mut provider
                } else if inner.path == PATH {
                    &mut path
                } else {
                    let key = inner
                        .path
                        .get_ident()
                        .map_or_else(|| "<path>".to_owned(), ToString::to_string);
                    return Err(inner.error(format!(
                        "unknown key `{key}` in #[claim(from(...))]; {}",
                        expected(&key, FROM_KEYS)
                    )));
                };
                let lit: LitStr = inner.value()?.parse()?;
                if slot.replace(lit).is_some() {
                    cx.error_spanned_by(&inner.path, "duplicate key in #[claim(from(...))]");
                }
                Ok(())
            })?;
            let Some(path) = path else {
                return Err(meta.error("#[claim(from(...))] needs `path = \"$.…\"`"));
            };
            match provider {
                Some(provider) if !provider.value().is_empty() => (Some(provider), path),
                Some(provider) => {
                    cx.error_spanned_by(&provider, "`provider` must not be empty");
                    return Ok(());
                }
                None => {
                    return Err(meta.error(
                        "#[claim(from(...))] needs `provider = \"…\"`; for every provider, \
                         write #[claim(from = \"$.…\")]",
                    ));
                }
            }
        };
        if let Err(err) = serde_json_path::JsonPath::parse(&path.value()) {
            cx.error_spanned_by(
                &path,
                format!("invalid JSONPath (RFC 9535) {:?}: {err}", path.value()),
            );
            return Ok(());
        }
        let provider = provider.map(|p| p.value());
        if self.sources.iter().any(|s| s.provider == provider) {
            let message = match &provider {
                Some(name) => format!("a second source for provider {name:?}"),
                None => "a second `from` for every provider; use \
                         from(provider = \"…\", path = \"…\") for one provider"
                    .to_owned(),
            };
            cx.error_spanned_by(&path, message);
            return Ok(());
        }
        self.sources.push(Source {
            provider,
            path: path.value(),
        });
        Ok(())
    }
}

/// A flag key such as `anonymous`; given twice it is an error at the second.
fn set_flag(cx: &Ctxt, meta: &ParseNestedMeta, slot: &mut Option<Span>, attr: Symbol) {
    let span = meta
        .path
        .get_ident()
        .map_or_else(Span::call_site, |i| i.span());
    if slot.replace(span).is_some() {
        let key = meta
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        cx.error_spanned_by(
            &meta.path,
            format!("duplicate key `{key}` in #[{attr}(...)]"),
        );
    }
}

/// `key = "x"` or `key(serialize = "x", deserialize = "y")`, as serde accepts it.
fn parse_ser_de<T: Clone>(
    meta: &ParseNestedMeta,
    slot: &mut SerDe<T>,
    parse: impl Fn(&LitStr) -> syn::Result<T>,
) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        let lit: LitStr = meta.value()?.parse()?;
        slot.set_both(parse(&lit)?, lit.span());
        return Ok(());
    }
    meta.parse_nested_meta(|inner| {
        let lit: LitStr = inner.value()?.parse()?;
        let value = Spanned {
            value: parse(&lit)?,
            span: lit.span(),
        };
        if inner.path == SERIALIZE {
            slot.ser = Some(value);
        } else if inner.path == DESERIALIZE {
            slot.de = Some(value);
        }
        Ok(())
    })
}

/// Consumes whatever follows a key up to the next top-level comma.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    while !meta.input.is_empty() && !meta.input.peek(Token![,]) {
        meta.input.parse::<TokenTree>()?;
    }
    Ok(())
}

fn unknown_key(meta: &ParseNestedMeta, attr: Symbol, valid: &[Symbol]) -> syn::Error {
    let key = meta
        .path
        .get_ident()
        .map_or_else(|| "<path>".to_owned(), |ident| ident.to_string());
    meta.error(format!(
        "unknown key `{key}` in #[{attr}(...)]; {}",
        expected(&key, valid)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn messages(cx: Ctxt) -> Vec<String> {
        match cx.check() {
            Ok(()) => Vec::new(),
            Err(err) => err.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    /// The sources a field's attributes give, as `(provider, path)`, and every error.
    fn sources(attrs: Vec<Attribute>) -> (Vec<(Option<String>, String)>, Vec<String>) {
        let cx = Ctxt::new();
        let field = Field::from_ast(&cx, &attrs);
        let sources = field
            .sources
            .into_iter()
            .map(|source| (source.provider, source.path))
            .collect();
        (sources, messages(cx))
    }

    fn field_errors(attrs: Vec<Attribute>) -> Vec<String> {
        let cx = Ctxt::new();
        Field::from_ast(&cx, &attrs);
        messages(cx)
    }

    fn container_errors(attrs: Vec<Attribute>) -> Vec<String> {
        let cx = Ctxt::new();
        Container::from_ast(&cx, &attrs);
        messages(cx)
    }

    #[test]
    fn sources_for_every_provider_and_for_one() {
        assert_eq!(
            sources(vec![
                parse_quote!(#[claim(from = "$.email")]),
                parse_quote!(#[claim(from(provider = "auth0", path = "$['https://x/email']"))]),
                parse_quote!(#[claim(from(path = "$.mail", provider = "cognito"))]),
            ]),
            (
                vec![
                    (None, "$.email".to_owned()),
                    (Some("auth0".to_owned()), "$['https://x/email']".to_owned()),
                    (Some("cognito".to_owned()), "$.mail".to_owned()),
                ],
                vec![]
            )
        );
    }

    #[test]
    fn an_invalid_json_path_is_reported_and_dropped() {
        assert_eq!(
            sources(vec![
                parse_quote!(#[claim(from = "email")]),
                parse_quote!(#[claim(from(provider = "auth0", path = "$["))]),
            ]),
            (
                vec![],
                vec![
                    "invalid JSONPath (RFC 9535) \"email\": at position 0, parser error".to_owned(),
                    "invalid JSONPath (RFC 9535) \"$[\": at position 1, parser error".to_owned(),
                ]
            )
        );
    }

    #[test]
    fn a_second_source_for_one_provider_is_refused() {
        assert_eq!(
            sources(vec![parse_quote!(#[claim(
                from = "$.a",
                from = "$.b",
                from(provider = "p", path = "$.c"),
                from(provider = "p", path = "$.d"),
            )])]),
            (
                vec![
                    (None, "$.a".to_owned()),
                    (Some("p".to_owned()), "$.c".to_owned())
                ],
                vec![
                    "a second `from` for every provider; use from(provider = \"…\", path = \
                     \"…\") for one provider"
                        .to_owned(),
                    "a second source for provider \"p\"".to_owned(),
                ]
            )
        );
    }

    #[test]
    fn from_needs_a_provider_and_a_path() {
        assert_eq!(
            field_errors(vec![parse_quote!(#[claim(from(path = "$.a"))])]),
            [
                "#[claim(from(...))] needs `provider = \"…\"`; for every provider, write \
                 #[claim(from = \"$.…\")]"
            ]
        );
        assert_eq!(
            field_errors(vec![parse_quote!(#[claim(from(provider = "p"))])]),
            ["#[claim(from(...))] needs `path = \"$.…\"`"]
        );
        assert_eq!(
            field_errors(vec![
                parse_quote!(#[claim(from(provider = "", path = "$.a"))])
            ]),
            ["`provider` must not be empty"]
        );
    }

    #[test]
    fn unknown_keys_list_the_valid_ones() {
        assert_eq!(
            field_errors(vec![parse_quote!(#[claim(from_path = "$.sub")])]),
            [
                "unknown key `from_path` in #[claim(...)]; expected one of: `anonymous`, \
                 `from`, `nested`, `sensitive`, `split`, `subject`, `validate`"
            ]
        );
        assert_eq!(
            field_errors(vec![
                parse_quote!(#[claim(from(provider = "p", url = "$.a"))])
            ]),
            ["unknown key `url` in #[claim(from(...))]; expected one of: `provider`, `path`"]
        );
        assert_eq!(
            container_errors(vec![parse_quote!(#[claims(strict)])]),
            [
                "unknown key `strict` in #[claims(...)]; expected one of: `anonymous`, \
                 `crate`, `profile`"
            ]
        );
        assert_eq!(
            container_errors(vec![parse_quote!(#[claims(anonymus)])]),
            [
                "unknown key `anonymus` in #[claims(...)]; expected one of: `anonymous`, \
                 `crate`, `profile`; did you mean `anonymous`?"
            ]
        );
        assert_eq!(
            field_errors(vec![parse_quote!(#[claim(validat(email))])]),
            [
                "unknown key `validat` in #[claim(...)]; expected one of: `anonymous`, \
                 `from`, `nested`, `sensitive`, `split`, `subject`, `validate`; did you mean `validate`?"
            ]
        );
        assert_eq!(
            field_errors(vec![
                parse_quote!(#[claim(from(provider = "p", pth = "$.a"))])
            ]),
            [
                "unknown key `pth` in #[claim(from(...))]; expected one of: `provider`, \
                 `path`; did you mean `path`?"
            ]
        );
        assert_eq!(
            container_errors(vec![parse_quote!(#[claims(profile = "nested")])]),
            ["unknown profile \"nested\"; expected one of: \"statebacked\", \"flat\""]
        );
        // Other crates' keys in serde's attribute are serde_derive's to judge.
        assert_eq!(
            field_errors(vec![parse_quote!(#[serde(bogus, rename = "x")])]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn flags_and_keys_given_twice_are_refused() {
        assert_eq!(
            field_errors(vec![parse_quote!(#[claim(
                nested,
                nested,
                split = " ",
                split = ",",
                validate(email),
                validate(url),
            )])]),
            [
                "duplicate key `nested` in #[claim(...)]",
                "duplicate key `split` in #[claim(...)]",
                "`validate` is given twice; list all rules in one",
            ]
        );
        assert_eq!(
            field_errors(vec![parse_quote!(#[claim(split = "")])]),
            ["`split` needs a non-empty separator, such as \" \""]
        );
        assert_eq!(
            container_errors(vec![parse_quote!(#[claims(crate = "not a path")])]),
            ["`crate` must be a path, found \"not a path\""]
        );
    }
}
