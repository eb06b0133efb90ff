//! The exported JSON Schema and TypeScript say what the claims types accept: a JSON Schema
//! validator accepts the claims the types sign and rejects, rule by rule, what their
//! verifier rejects; the output of a small type is pinned byte for byte; and `tsc` accepts
//! the declarations, the claims the types serialize, and rejects wrong ones.

mod common;

use common::{EXP, HEADER, NOW, key, payload, sign_raw, unb64};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use statebacked_claims::{
    AnonymousIdentity, Claims, Expires, FixedClock, Issuer, Verifier, VerifyError,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn not_root(value: &String) -> Result<(), String> {
    if value == "root" {
        Err("is a reserved name".into())
    } else {
        Ok(())
    }
}

/// A claims type with every rule, every claim type and a nested type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[serde(rename_all = "camelCase")]
struct Account {
    #[claim(validate(length(min = 3, max = 16)))]
    handle: String,
    #[claim(validate(range(min = 13, max = 130)))]
    age: u32,
    #[claim(validate(email))]
    email: Option<String>,
    #[claim(validate(url))]
    homepage: Option<String>,
    #[claim(validate(regex = r"^[0-9]{5}$"))]
    zip: Option<String>,
    #[claim(validate(one_of("free", "pro")))]
    plan: Option<String>,
    #[claim(validate(prefix = "org_"))]
    org: Option<String>,
    #[serde(default)]
    #[claim(validate(length(max = 3), each(non_empty, one_of("admin", "member"))))]
    roles: Vec<String>,
    #[serde(rename = "https://example.com/tier", default)]
    #[claim(validate(one_of(1, 2, 3)))]
    tier: Option<i64>,
    #[serde(default)]
    #[claim(validate(range(min = -1.5, max = 1.5)))]
    score: f64,
    #[claim(nested)]
    address: Option<Address>,
    #[serde(default)]
    #[claim(validate(non_empty))]
    flags: Option<BTreeMap<String, bool>>,
    #[claim(validate(non_empty))]
    tags: Option<Vec<String>>,
    meta: Option<Value>,
    #[claim(validate(custom = not_root))]
    nickname: Option<String>,
    #[serde(default)]
    verified: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
struct Address {
    #[claim(validate(length(min = 2, max = 2)))]
    country: String,
    #[claim(validate(regex = r"^[0-9]{5}$"))]
    zip: Option<String>,
}

/// A type that admits anonymous sessions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[claims(anonymous)]
struct Visitor {
    #[claim(anonymous)]
    sid: Option<String>,
    #[claim(anonymous)]
    did: Option<String>,
    #[claim(validate(email))]
    email: Option<String>,
    #[serde(default)]
    #[claim(validate(each(one_of("a", "b"))))]
    groups: Vec<String>,
}

/// A type serde reads strictly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[serde(deny_unknown_fields)]
struct Strict {
    sub: String,
    #[claim(nested)]
    address: Option<Address>,
}

/// A type that nests itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
struct Node {
    #[claim(validate(non_empty))]
    name: String,
    #[serde(default)]
    #[claim(nested)]
    children: Vec<Node>,
}

/// A generic type: the schema of a nested type parameter cannot be recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[serde(bound = "T: Claims + serde::de::DeserializeOwned")]
struct Envelope<T: Claims> {
    #[claim(nested)]
    inner: T,
    #[claim(nested)]
    address: Option<Address>,
}

/// Flat-profile claims, beside the registered ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[claims(profile = "flat")]
struct Service {
    #[claim(validate(prefix = "svc_"))]
    service: String,
    #[serde(default)]
    #[claim(validate(range(max = 3)))]
    tier: u8,
}

fn account() -> Account {
    Account {
        handle: "ada".into(),
        age: 36,
        email: Some("ada@example.com".into()),
        homepage: Some("https://example.com/ada".into()),
        zip: Some("02139".into()),
        plan: Some("pro".into()),
        org: Some("org_1".into()),
        roles: vec!["admin".into(), "member".into()],
        tier: Some(2),
        score: 0.5,
        address: Some(Address {
            country: "GB".into(),
            zip: Some("12345".into()),
        }),
        flags: Some(BTreeMap::from([("beta".into(), true)])),
        tags: Some(vec!["x".into()]),
        meta: Some(json!({"any": ["json", 1, null]})),
        nickname: Some("ace".into()),
        verified: true,
    }
}

/// Valid accounts, edge cases included: every bound reached, every optional claim absent.
fn accounts() -> Vec<Account> {
    let minimal = Account {
        handle: "abc".into(),
        age: 13,
        email: None,
        homepage: None,
        zip: None,
        plan: None,
        org: None,
        roles: vec![],
        tier: None,
        score: 0.0,
        address: None,
        flags: None,
        tags: None,
        meta: None,
        nickname: None,
        verified: false,
    };
    let bounds = Account {
        // 16 characters, 32 bytes: lengths count characters on both sides.
        handle: "éééééééééééééééé".into(),
        age: 130,
        roles: vec!["admin".into(), "member".into(), "admin".into()],
        tier: Some(3),
        score: -1.5,
        org: Some("org_".into()),
        address: Some(Address {
            country: "ÅÅ".into(),
            zip: None,
        }),
        meta: Some(json!([])),
        ..account()
    };
    vec![account(), minimal, bounds]
}

/// A validator of `C`'s JSON Schema that asserts formats (draft 2020-12 only annotates them).
fn validator<C: Claims>() -> jsonschema::Validator {
    let schema = C::schema().json_schema();
    if let Err(err) = jsonschema::meta::validate(&schema) {
        panic!(
            "{} is not a valid JSON Schema: {err}\n{schema:#}",
            C::schema().type_name()
        );
    }
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|err| panic!("{schema:#}: {err}"))
}

/// Whether the verifier accepts a token whose `act` is `act`.
fn verifies<C: Claims + serde::de::DeserializeOwned>(act: &Value) -> Result<(), VerifyError> {
    let token = sign_raw(
        HEADER,
        &payload(|claims| {
            claims.insert("act".into(), act.clone());
        }),
    );
    Verifier::<C>::new(key())
        .clock(FixedClock::at_unix(NOW))
        .verify(&token)
        .map(drop)
}

/// The claims set of a signed token.
fn claims_set(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a compact JWS");
    serde_json::from_slice(&unb64(payload)).expect("a JSON payload")
}

/// The `act` an issuer writes for `claims`.
fn signed_act<C: Claims>(claims: &C) -> Value {
    let token = Issuer::<C>::new(key())
        .clock(FixedClock::at_unix(NOW))
        .sign(claims, Expires::at_unix(EXP))
        .expect("valid claims sign");
    claims_set(token.as_str())["act"].clone()
}

/// Asserts that the schema and the verifier both accept `act`.
fn both_accept<C: Claims + serde::de::DeserializeOwned>(
    validator: &jsonschema::Validator,
    act: &Value,
) {
    let errors: Vec<String> = validator.iter_errors(act).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "the schema rejects {act}: {errors:?}");
    if let Err(err) = verifies::<C>(act) {
        panic!("the verifier rejects {act}: {err}");
    }
}

/// Asserts that the schema and the verifier both reject `act`.
fn both_reject<C: Claims + serde::de::DeserializeOwned>(
    validator: &jsonschema::Validator,
    case: &str,
    act: &Value,
) {
    assert!(!validator.is_valid(act), "{case}: the schema accepts {act}");
    assert!(
        verifies::<C>(act).is_err(),
        "{case}: the verifier accepts {act}"
    );
}

/// `value` with `edit` applied to its object.
fn edited(value: &Value, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    let mut value = value.clone();
    edit(value.as_object_mut().expect("an object"));
    value
}

#[test]
fn schema_accepts_every_account_the_issuer_signs() {
    let validator = validator::<Account>();
    for account in accounts() {
        let act = signed_act(&account);
        both_accept::<Account>(&validator, &act);
        assert_eq!(serde_json::from_value::<Account>(act).ok(), Some(account));
    }
    // Optional claims may be left out; serde defaults fill them.
    both_accept::<Account>(&validator, &json!({"handle": "ada", "age": 36}));
    // serde ignores unknown claims, and so do the schema and the verifier.
    let act = edited(&signed_act(&account()), |act| {
        act.insert("unknown".into(), json!({"x": 1}));
    });
    both_accept::<Account>(&validator, &act);
}

#[test]
fn schema_and_verifier_reject_the_same_accounts_rule_by_rule() {
    let validator = validator::<Account>();
    let valid = signed_act(&account());
    let set = |key: &'static str, value: Value| {
        edited(&valid, move |act| {
            act.insert(key.into(), value);
        })
    };
    let cases = [
        ("length: too short", set("handle", json!("ab"))),
        ("length: too long", set("handle", json!("x".repeat(17)))),
        (
            "length: too many items",
            set("roles", json!(["admin", "admin", "admin", "member"])),
        ),
        ("range: below", set("age", json!(12))),
        ("range: above", set("age", json!(131))),
        ("range: float", set("score", json!(1.75))),
        ("email", set("email", json!("not-an-email"))),
        ("url", set("homepage", json!("not a url"))),
        ("regex", set("zip", json!("2139"))),
        ("one_of", set("plan", json!("gold"))),
        (
            "one_of: integers",
            set("https://example.com/tier", json!(4)),
        ),
        ("prefix", set("org", json!("team_1"))),
        ("each: one_of", set("roles", json!(["admin", "root"]))),
        ("each: non_empty", set("roles", json!([""]))),
        ("non_empty: collection", set("tags", json!([]))),
        ("non_empty: map", set("flags", json!({}))),
        ("nested: length", set("address", json!({"country": "GBR"}))),
        (
            "nested: missing claim",
            set("address", json!({"zip": "12345"})),
        ),
        (
            "nested: regex",
            set("address", json!({"country": "GB", "zip": "x"})),
        ),
        ("wrong type: string for integer", set("age", json!("36"))),
        ("wrong type: float for integer", set("age", json!(36.5))),
        ("wrong type: number for string", set("handle", json!(12345))),
        ("wrong type: null for required", set("handle", Value::Null)),
        ("wrong type: bool", set("verified", json!("yes"))),
        (
            "wrong type: map value",
            set("flags", json!({"beta": "yes"})),
        ),
        ("wrong type: item", set("roles", json!([1]))),
        ("reserved auth", set("auth", json!("member"))),
        (
            "missing required claim",
            edited(&valid, |act| {
                act.remove("handle");
            }),
        ),
        (
            "anonymous session for a type without them",
            json!({"sid": "s-1", "did": "d-1", "auth": "anonymous"}),
        ),
    ];
    for (case, act) in &cases {
        both_reject::<Account>(&validator, case, act);
    }
    // The custom rule is checked in Rust only, which the schema says.
    let root = set("nickname", json!("root"));
    assert!(validator.is_valid(&root));
    assert!(verifies::<Account>(&root).is_err());
    assert_eq!(
        Account::schema().json_schema()["properties"]["nickname"]["$comment"],
        "custom rule `not_root`: checked in Rust only"
    );
}

#[test]
fn anonymous_types_are_a_union_with_the_anonymous_session() {
    let validator = validator::<Visitor>();
    let anonymous = Issuer::<Visitor>::new(key())
        .clock(FixedClock::at_unix(NOW))
        .sign_anonymous(&AnonymousIdentity::new("s-1", "d-1"), Expires::at_unix(EXP))
        .expect("an anonymous token");
    let act = claims_set(anonymous.as_str())["act"].clone();
    assert_eq!(
        act,
        json!({"sid": "s-1", "did": "d-1", "auth": "anonymous"})
    );
    both_accept::<Visitor>(&validator, &act);

    let visitors = [
        Visitor {
            sid: Some("s-1".into()),
            did: Some("d-1".into()),
            email: Some("ada@example.com".into()),
            groups: vec!["a".into(), "b".into()],
        },
        Visitor {
            sid: None,
            did: None,
            email: None,
            groups: vec![],
        },
    ];
    for visitor in &visitors {
        both_accept::<Visitor>(&validator, &signed_act(visitor));
    }
    both_accept::<Visitor>(&validator, &json!({}));
    both_accept::<Visitor>(&validator, &json!({"sid": "s-1", "did": "d-1"}));

    let cases = [
        (
            "anonymous with another claim",
            json!({"sid": "s-1", "did": "d-1", "auth": "anonymous", "email": "a@example.com"}),
        ),
        (
            "anonymous with a null claim",
            json!({"sid": "s-1", "did": "d-1", "auth": "anonymous", "groups": null}),
        ),
        (
            "anonymous without did",
            json!({"sid": "s-1", "auth": "anonymous"}),
        ),
        (
            "anonymous without sid",
            json!({"did": "d-1", "auth": "anonymous"}),
        ),
        (
            "anonymous with an empty sid",
            json!({"sid": "", "did": "d-1", "auth": "anonymous"}),
        ),
        (
            "anonymous with a numeric did",
            json!({"sid": "s-1", "did": 1, "auth": "anonymous"}),
        ),
        (
            "auth other than anonymous",
            json!({"sid": "s-1", "did": "d-1", "auth": "Anonymous"}),
        ),
        (
            "auth on user claims",
            json!({"email": "a@example.com", "auth": null}),
        ),
        ("email", json!({"email": "not-an-email"})),
        ("each: one_of", json!({"groups": ["a", "c"]})),
    ];
    for (case, act) in &cases {
        both_reject::<Visitor>(&validator, case, act);
    }
}

#[test]
fn deny_unknown_fields_closes_the_object() {
    let validator = validator::<Strict>();
    let strict = Strict {
        sub: "user-1".into(),
        address: Some(Address {
            country: "GB".into(),
            zip: None,
        }),
    };
    both_accept::<Strict>(&validator, &signed_act(&strict));
    let extra = json!({"sub": "user-1", "extra": 1});
    both_reject::<Strict>(&validator, "unknown claim", &extra);
    // `Address` does not deny unknown fields: its objects stay open.
    both_accept::<Strict>(
        &validator,
        &json!({"sub": "user-1", "address": {"country": "GB", "extra": 1}}),
    );
    let schema = Strict::schema().json_schema();
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(
        schema.get("not"),
        None,
        "closed objects have no `auth` to refuse"
    );
}

#[test]
fn a_type_that_nests_itself_refers_to_itself() {
    let validator = validator::<Node>();
    let tree = Node {
        name: "root".into(),
        children: vec![Node {
            name: "child".into(),
            children: vec![Node {
                name: "leaf".into(),
                children: vec![],
            }],
        }],
    };
    both_accept::<Node>(&validator, &signed_act(&tree));
    let deep = json!({"name": "root", "children": [{"name": "child", "children": [{"name": ""}]}]});
    both_reject::<Node>(&validator, "non_empty, two levels down", &deep);
    let deep = json!({"name": "root", "children": [{"children": []}]});
    both_reject::<Node>(&validator, "missing claim, one level down", &deep);
    let schema = Node::schema().json_schema();
    assert_eq!(schema["$ref"], "#/$defs/Node");
    assert_eq!(
        schema["$defs"]["Node"]["properties"]["children"]["items"]["$ref"],
        "#/$defs/Node"
    );
}

#[test]
fn nested_type_parameters_are_any_json() {
    let schema = Envelope::<Node>::schema();
    assert!(
        schema
            .field("inner")
            .and_then(|f| f.nested_schema())
            .is_none()
    );
    assert_eq!(
        schema
            .field("address")
            .and_then(|f| f.nested_schema())
            .map(|s| s.type_name()),
        Some("Address")
    );
    let json = schema.json_schema();
    assert_eq!(json["properties"]["inner"], json!({}));
    assert_eq!(
        json["properties"]["address"]["anyOf"][0]["$ref"],
        "#/$defs/Address"
    );
    assert!(schema.typescript().contains("  inner: unknown;\n"));
}

#[test]
fn flat_schemas_describe_the_claims_beside_the_registered_ones() {
    let validator = validator::<Service>();
    let service = Service {
        service: "svc_billing".into(),
        tier: 3,
    };
    let token = Issuer::<Service>::new(key())
        .issuer("https://example.com/")
        .clock(FixedClock::at_unix(NOW))
        .sign(&service, Expires::at_unix(EXP))
        .expect("a flat token");
    // The whole claims set validates: the registered claims are not described.
    let set = claims_set(token.as_str());
    assert!(set.get("exp").is_some());
    assert!(validator.is_valid(&set), "{set}");

    let verifies_flat = |claims: &Value| {
        let token = sign_raw(
            HEADER,
            &payload(|set| {
                set.remove("act");
                set.extend(claims.as_object().cloned().unwrap_or_default());
            }),
        );
        Verifier::<Service>::new(key())
            .clock(FixedClock::at_unix(NOW))
            .verify(&token)
            .is_ok()
    };
    assert!(verifies_flat(&json!({"service": "svc_billing"})));
    assert!(validator.is_valid(&json!({"service": "svc_billing"})));
    for (case, claims) in [
        ("prefix", json!({"service": "billing"})),
        ("range", json!({"service": "svc_billing", "tier": 4})),
        ("missing required claim", json!({"tier": 1})),
    ] {
        assert!(
            !validator.is_valid(&claims),
            "{case}: the schema accepts {claims}"
        );
        assert!(
            !verifies_flat(&claims),
            "{case}: the verifier accepts {claims}"
        );
    }
    let schema = Service::schema().json_schema();
    assert_eq!(
        schema.get("not"),
        None,
        "the flat profile has no `act.auth`"
    );
    assert!(!Service::schema().typescript().contains("AuthContext"));
}

/// A small type whose output is pinned, so that any change to it shows in review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Claims)]
#[serde(rename_all = "camelCase")]
#[claims(anonymous)]
struct Member {
    #[claim(anonymous)]
    sid: Option<String>,
    #[claim(anonymous)]
    did: Option<String>,
    #[claim(validate(length(min = 1, max = 64)))]
    sub: Option<String>,
    #[serde(rename = "https://example.com/roles", default)]
    #[claim(validate(length(max = 4), each(one_of("admin", "member"))))]
    roles: Vec<String>,
    #[claim(validate(range(min = 0, max = 150)))]
    age: Option<u8>,
    #[claim(nested)]
    home: Option<Address>,
}

const MEMBER_JSON_SCHEMA: &str = r##"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Member",
  "oneOf": [
    {
      "type": "object",
      "properties": {
        "sid": {
          "type": [
            "string",
            "null"
          ]
        },
        "did": {
          "type": [
            "string",
            "null"
          ]
        },
        "sub": {
          "type": [
            "string",
            "null"
          ],
          "minLength": 1,
          "maxLength": 64
        },
        "https://example.com/roles": {
          "type": "array",
          "maxItems": 4,
          "items": {
            "type": "string",
            "enum": [
              "admin",
              "member"
            ]
          }
        },
        "age": {
          "type": [
            "integer",
            "null"
          ],
          "minimum": 0,
          "maximum": 150
        },
        "home": {
          "anyOf": [
            {
              "$ref": "#/$defs/Address"
            },
            {
              "type": "null"
            }
          ]
        }
      },
      "not": {
        "required": [
          "auth"
        ]
      }
    },
    {
      "type": "object",
      "properties": {
        "sid": {
          "type": "string",
          "minLength": 1
        },
        "did": {
          "type": "string",
          "minLength": 1
        },
        "auth": {
          "const": "anonymous"
        }
      },
      "required": [
        "sid",
        "did",
        "auth"
      ],
      "additionalProperties": false
    }
  ],
  "$defs": {
    "Address": {
      "title": "Address",
      "type": "object",
      "properties": {
        "country": {
          "type": "string",
          "minLength": 2,
          "maxLength": 2
        },
        "zip": {
          "type": [
            "string",
            "null"
          ],
          "pattern": "^[0-9]{5}$"
        }
      },
      "required": [
        "country"
      ]
    }
  }
}
"##;

const MEMBER_TYPESCRIPT: &str = r#"/** The claims of the Rust type `Member`. */
export type Member = {
  sid?: string | null;
  did?: string | null;
  /**
   * @minLength 1
   * @maxLength 64
   */
  sub?: string | null;
  /** @maxItems 4 */
  "https://example.com/roles"?: ("admin" | "member")[];
  /**
   * @minimum 0
   * @maximum 150
   */
  age?: number | null;
  home?: Address | null;
};

/** `authContext` in authorizers: a `Member`, or an anonymous session. */
export type MemberAuthContext =
  | (Member & { auth?: never })
  | {
      /** @minLength 1 */
      sid: string;
      /** @minLength 1 */
      did: string;
      auth: "anonymous";
    };

/** The claims of the Rust type `Address`. */
export type Address = {
  /**
   * @minLength 2
   * @maxLength 2
   */
  country: string;
  /** @pattern ^[0-9]{5}$ */
  zip?: string | null;
};
"#;

#[test]
fn golden_json_schema() {
    let schema = Member::schema();
    assert_eq!(schema.json_schema_pretty(), MEMBER_JSON_SCHEMA);
    let parsed: Value = serde_json::from_str(MEMBER_JSON_SCHEMA).expect("JSON");
    assert_eq!(schema.json_schema(), parsed);
    // Deterministic: the same text every time.
    assert_eq!(schema.json_schema_pretty(), schema.json_schema_pretty());
}

#[test]
fn golden_typescript() {
    assert_eq!(Member::schema().typescript(), MEMBER_TYPESCRIPT);
    assert_eq!(Member::schema().typescript(), Member::schema().typescript());
}

#[test]
fn typescript_says_what_the_rules_say() {
    let ts = Account::schema().typescript();
    for line in [
        "  handle: string;",
        "  age: number;",
        "  /** @format email */\n  email?: string | null;",
        "  /** @format uri */\n  homepage?: string | null;",
        "  /** @pattern ^[0-9]{5}$ */\n  zip?: string | null;",
        "  plan?: \"free\" | \"pro\" | null;",
        "  /** @pattern ^org_ */\n  org?: string | null;",
        "  /**\n   * @maxItems 3\n   * @items.minLength 1\n   */\n  roles?: (\"admin\" | \"member\")[];",
        "  \"https://example.com/tier\"?: 1 | 2 | 3 | null;",
        "  /**\n   * @minimum -1.5\n   * @maximum 1.5\n   */\n  score?: number;",
        "  address?: Address | null;",
        "  /** @minProperties 1 */\n  flags?: { [key: string]: boolean } | null;",
        "  /** @minItems 1 */\n  tags?: string[] | null;",
        "  meta?: unknown;",
        "  /** @custom not_root */\n  nickname?: string | null;",
        "  verified?: boolean;",
        "export type AccountAuthContext = Account;",
        "export type Address = {",
    ] {
        assert!(ts.contains(line), "missing {line:?} in\n{ts}");
    }
}

/// `tsc`, from the npm packages of tests/interop (which CI installs with `npm ci`; the first
/// test to need them installs them otherwise, and fails rather than skips without them).
fn tsc() -> PathBuf {
    let tsc = common::peers::peers().join("node_modules/.bin/tsc");
    assert!(tsc.exists(), "no tsc at {}", tsc.display());
    tsc
}

/// A fresh directory for one test's TypeScript files.
fn ts_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("schema_export_tsc")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

/// Writes the declarations of every test type, one module each.
fn write_declarations(dir: &Path) {
    for (file, ts) in [
        ("account.d.ts", Account::schema().typescript()),
        ("visitor.d.ts", Visitor::schema().typescript()),
        ("node.d.ts", Node::schema().typescript()),
        ("service.d.ts", Service::schema().typescript()),
        ("member.d.ts", Member::schema().typescript()),
    ] {
        std::fs::write(dir.join(file), ts).expect("a declaration file");
    }
}

const IMPORTS: &str = r#"import type { Account, AccountAuthContext, Address } from "./account.js";
import type { Visitor, VisitorAuthContext } from "./visitor.js";
import type { Node } from "./node.js";
import type { Service } from "./service.js";
import type { MemberAuthContext } from "./member.js";
"#;

/// Runs tsc over `file` in `dir`, strictly: its exit status and its report.
fn type_check(dir: &Path, file: &str) -> (bool, String) {
    let output = Command::new(tsc())
        .args([
            "--noEmit",
            "--strict",
            "--exactOptionalPropertyTypes",
            "--pretty",
            "false",
            "--target",
            "es2022",
            "--module",
            "nodenext",
            file,
        ])
        .current_dir(dir)
        .output()
        .unwrap_or_else(|err| panic!("could not run tsc: {err}"));
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), report)
}

fn pretty(value: &impl Serialize) -> String {
    serde_json::to_string_pretty(value).expect("JSON")
}

#[test]
fn tsc_accepts_the_declarations_and_the_claims_the_types_serialize() {
    let dir = ts_dir("accepts");
    write_declarations(&dir);
    let mut ok = String::from(IMPORTS);
    for (i, account) in accounts().iter().enumerate() {
        ok += &format!("export const account{i}: Account = {};\n", pretty(account));
        ok += &format!("export const context{i}: AccountAuthContext = account{i};\n");
    }
    ok += &format!(
        "export const address: Address = {};\n",
        pretty(&account().address)
    );
    ok += &format!(
        "export const visitor: VisitorAuthContext = {};\n",
        pretty(&Visitor {
            sid: Some("s-1".into()),
            did: None,
            email: Some("a@example.com".into()),
            groups: vec!["a".into()],
        })
    );
    ok += &format!(
        "export const plain: Visitor = {};\n",
        pretty(&json!({"groups": ["b"]}))
    );
    ok += "export const anonymous: VisitorAuthContext = { sid: \"s-1\", did: \"d-1\", auth: \"anonymous\" };\n";
    ok += "export const member: MemberAuthContext = { sid: \"s-1\", did: \"d-1\", auth: \"anonymous\" };\n";
    ok += &format!(
        "export const node: Node = {};\n",
        pretty(&Node {
            name: "root".into(),
            children: vec![Node {
                name: "leaf".into(),
                children: vec![],
            }],
        })
    );
    ok += &format!(
        "export const service: Service = {};\n",
        pretty(&Service {
            service: "svc_a".into(),
            tier: 1,
        })
    );
    // An authorizer narrows the union on `auth`.
    ok += r#"
export function allowRead(authContext: VisitorAuthContext): boolean {
  if (authContext.auth === "anonymous") {
    const sid: string = authContext.sid;
    return sid.length > 0;
  }
  const email: string | null | undefined = authContext.email;
  return email !== undefined;
}
"#;
    std::fs::write(dir.join("ok.ts"), &ok).expect("ok.ts");
    let (success, report) = type_check(&dir, "ok.ts");
    assert!(success, "tsc rejects ok.ts:\n{report}\n{ok}");
}

#[test]
fn tsc_rejects_claims_the_types_reject() {
    let dir = ts_dir("rejects");
    write_declarations(&dir);
    let cases = [
        (
            "wrong_type",
            r#"export const a: Account = { handle: "ada", age: "36" };"#,
            "TS2322",
            "'string' is not assignable to type 'number'",
        ),
        (
            "missing_required",
            r#"export const a: Account = { age: 36 };"#,
            "TS2741",
            "Property 'handle' is missing",
        ),
        (
            "not_one_of",
            r#"export const a: Account = { handle: "ada", age: 36, roles: ["root"] };"#,
            "TS2322",
            "'\"root\"' is not assignable",
        ),
        (
            "nested_wrong_type",
            r#"export const a: Account = { handle: "ada", age: 36, address: { country: 1 } };"#,
            "TS2322",
            "'number' is not assignable to type 'string'",
        ),
        (
            "anonymous_extra_claim",
            r#"export const v: VisitorAuthContext = { sid: "s-1", did: "d-1", auth: "anonymous", email: "a@example.com" };"#,
            "TS2353",
            "'email' does not exist",
        ),
        (
            "anonymous_without_did",
            r#"export const v: VisitorAuthContext = { sid: "s-1", auth: "anonymous" };"#,
            "TS2322",
            "VisitorAuthContext",
        ),
        (
            "auth_on_user_claims",
            r#"export const v: VisitorAuthContext = { email: "a@example.com", auth: "member" };"#,
            "TS2322",
            "'\"member\"' is not assignable",
        ),
        (
            "no_anonymous_for_other_types",
            r#"export const a: AccountAuthContext = { sid: "s-1", did: "d-1", auth: "anonymous" };"#,
            "TS2353",
            "'sid' does not exist",
        ),
        (
            "quoted_claim_wrong_type",
            r#"export const a: Account = { handle: "ada", age: 36, "https://example.com/tier": 4 };"#,
            "TS2322",
            "'4' is not assignable",
        ),
    ];
    for (name, body, code, message) in cases {
        let file = format!("bad_{name}.ts");
        std::fs::write(dir.join(&file), format!("{IMPORTS}{body}\n")).expect("a .ts file");
        let (success, report) = type_check(&dir, &file);
        assert!(!success, "{name}: tsc accepts {body}");
        assert!(
            report.contains(&format!("{file}(")) && report.contains(code),
            "{name}: expected {code} in {file}, got:\n{report}"
        );
        assert!(
            report.contains(message),
            "{name}: expected {message:?}, got:\n{report}"
        );
    }
}
