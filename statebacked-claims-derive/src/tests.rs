//! Expansion snapshots: what the derive emits for representative inputs, pretty-printed, so that
//! any change to generated code shows in review as a change to a `.snap` file under
//! `src/snapshots/`.
//!
//! After an intended change: `INSTA_UPDATE=always cargo test -p statebacked-claims-derive`
//! (or `cargo insta review`), then read the changed snapshots before committing them. Under
//! `CI=true` insta writes nothing and a difference fails the test.

use quote::ToTokens;
use syn::{DeriveInput, parse_quote};

/// Snapshots the expansion of a struct; the snapshot shows the input above its expansion, so
/// the expression insta would record is left out.
macro_rules! assert_expansion {
    ($($input:tt)*) => {
        insta::with_settings!({ omit_expression => true }, {
            insta::assert_snapshot!(expand(parse_quote!($($input)*)));
        })
    };
}

/// The input and its expansion, both pretty-printed.
fn expand(input: DeriveInput) -> String {
    let output = crate::derive(&input);
    format!(
        "{}\n// ---- expands to ----\n\n{}",
        pretty(input.to_token_stream()),
        pretty(output)
    )
}

fn pretty(tokens: proc_macro2::TokenStream) -> String {
    let file: syn::File = syn::parse2(tokens).expect("tokens parse as items");
    prettyplease::unparse(&file)
}

#[test]
fn plain_struct_with_rules() {
    assert_expansion! {
        #[derive(Serialize, Deserialize, Claims)]
        #[serde(rename_all = "camelCase")]
        pub struct Member {
            #[claim(validate(non_empty, length(max = 64)))]
            user_id: String,
            #[claim(validate(email))]
            email: String,
            #[claim(validate(url, prefix = "https://"))]
            avatar: Option<String>,
            #[claim(validate(regex = "^[a-z]+$"))]
            handle: String,
            #[claim(validate(range(min = 13, max = 130)))]
            age: u8,
            #[claim(validate(range(min = -1, max = 2.5)))]
            score: f64,
            #[claim(validate(one_of("free", "pro")))]
            plan: String,
            #[claim(validate(one_of(-1, 0, 1)))]
            tier: i32,
            #[claim(validate(length(min = 1)))]
            roles: Vec<String>,
            #[serde(default)]
            active: bool,
        }
    }
}

#[test]
fn anonymous_type_with_sid_and_did() {
    assert_expansion! {
        #[derive(Serialize, Deserialize, Claims)]
        #[claims(anonymous)]
        struct Viewer {
            #[claim(anonymous, validate(non_empty))]
            sid: Option<String>,
            #[claim(anonymous)]
            did: Option<String>,
            #[serde(default)]
            org_id: String,
        }
    }
}

#[test]
fn nested_each_and_options() {
    assert_expansion! {
        #[derive(Serialize, Deserialize, Claims)]
        struct Tenant {
            #[claim(nested)]
            owner: Address,
            #[claim(nested, validate(length(max = 4)))]
            offices: Option<Vec<Option<Address>>>,
            #[claim(validate(each(email, length(min = 3))))]
            contacts: Vec<Option<String>>,
            #[claim(validate(length(max = 3), each(each(range(min = 0)))))]
            grid: Option<Vec<Vec<i64>>>,
            #[claim(validate(custom = check_note))]
            note: Option<Option<String>>,
        }
    }
}

#[test]
fn from_mappings_and_split() {
    assert_expansion! {
        #[derive(Serialize, Deserialize, Claims)]
        struct Mapped {
            #[claim(from = "$.sub")]
            user_id: String,
            #[claim(
                from = "$.email",
                from(provider = "auth0", path = "$['https://example.com/email']"),
                from(provider = "cognito", path = "$.email"),
                validate(email)
            )]
            email: String,
            #[claim(from = "$.scope", split = " ")]
            #[serde(default)]
            scopes: Vec<String>,
        }
    }
}

#[test]
fn flat_profile_with_generics() {
    assert_expansion! {
        #[derive(Serialize, Deserialize, Claims)]
        #[claims(profile = "flat", crate = "::my_crate::claims")]
        #[serde(deny_unknown_fields)]
        struct Token<'a, T: Clone> where T: Default {
            sub: String,
            #[serde(rename = "https://example.com/org", alias = "org")]
            org: std::borrow::Cow<'a, str>,
            #[claim(nested)]
            extra: Option<T>,
            #[serde(skip)]
            cache: u64,
        }
    }
}

#[test]
fn sensitive_claims() {
    assert_expansion! {
        #[derive(Serialize, Deserialize, Claims)]
        struct Secretive {
            #[claim(sensitive, validate(one_of("red", "blue")))]
            colour: String,
            #[claim(sensitive, validate(range(max = 9000)))]
            level: u32,
            #[claim(sensitive)]
            note: Option<String>,
        }
    }
}

#[test]
fn borrowed_claims_with_a_subject() {
    assert_expansion! {
        #[derive(Serialize, Deserialize, Claims)]
        struct Member<'a> {
            #[claim(subject, validate(length(min = 1, max = 64)))]
            sub: &'a str,
            #[serde(borrow)]
            email: std::borrow::Cow<'a, str>,
        }
    }
}

#[test]
fn custom_rules() {
    assert_expansion! {
        #[derive(Serialize, Deserialize, Claims)]
        struct Custom {
            #[claim(validate(custom = rules::known_region))]
            region: String,
            #[claim(validate(each(custom = self::even)))]
            lucky: Vec<u32>,
            #[claim(validate(custom = crate::checks::json))]
            blob: serde_json::Value,
        }
    }
}

#[test]
fn mistakes_give_errors_and_a_stub_impl() {
    assert_expansion! {
        #[derive(Serialize, Deserialize, Claims)]
        #[claims(anonymous, strict)]
        struct Broken<T> {
            #[claim(validate(email, regex = "("))]
            id: u64,
            #[claim(validate(each(non_empty)))]
            group: Option<String>,
            auth: Option<T>,
        }
    }
}

#[test]
fn not_a_struct_gives_only_the_error() {
    assert_expansion! {
        #[derive(Serialize, Deserialize, Claims)]
        enum Role {
            Admin,
            Member,
        }
    }
}

/// The generator impls alone, pretty-printed (inside `if_proptest!` they are one long line).
fn expand_generators(input: DeriveInput) -> String {
    use crate::internals::{ast, check, ctxt::Ctxt};
    let cx = Ctxt::new();
    let raw = ast::Container::from_ast(&cx, &input).expect("a struct");
    let checked = check::check(cx, raw).unwrap_or_else(|err| panic!("{err}"));
    let impls = crate::generate::impls(&checked).expect("generators");
    format!(
        "{}\n// ---- generators (inside `if_proptest!`) ----\n\n{}",
        pretty(input.to_token_stream()),
        pretty(impls)
    )
}

/// The `proptest` generators: emitted behind the runtime crate's `if_proptest!` switch, one
/// strategy per claim from its rules and checks, a named generator for a custom rule, the
/// invalid alternatives per claim, and anonymous contexts for an anonymous type.
#[test]
fn generators_behind_the_proptest_switch() {
    insta::with_settings!({ omit_expression => true }, {
        insta::assert_snapshot!(expand_generators(parse_quote! {
        #[derive(Debug, Serialize, Deserialize, Claims)]
        #[claims(anonymous)]
        pub struct Viewer {
            #[claim(anonymous)]
            sid: Option<String>,
            #[claim(validate(length(min = 1, max = 128), prefix = "user_"))]
            sub: Option<String>,
            #[serde(default)]
            #[claim(validate(length(max = 3), each(one_of("admin", "member"))))]
            roles: Vec<String>,
            #[claim(validate(custom(checks::region, strategy = gen::regions)))]
            region: Option<String>,
            #[serde(skip)]
            cache: u8,
        }
    }));
    });
}
