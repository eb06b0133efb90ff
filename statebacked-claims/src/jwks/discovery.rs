//! OpenID Connect Discovery 1.0: an identity provider configured by its issuer URL alone.
//!
//! The provider's configuration is read from `{issuer}/.well-known/openid-configuration`
//! (Discovery §4), or, when that answers 404, from RFC 8414's
//! `/.well-known/oauth-authorization-server` (inserted before the issuer's path, §3.1). The
//! document is fetched under the same rules as a JWKS (`https://` only, except loopback `http://`;
//! no redirects; bounded time and size), and accepted only when
//!
//! - its `issuer` is exactly the configured issuer (Discovery §4.3), so that a document served
//!   for one issuer cannot vouch for another's keys;
//! - its `jwks_uri` is a URL that may be fetched (`https://`, or loopback `http://`);
//! - its `id_token_signing_alg_values_supported`, when present, names at least one asymmetric
//!   algorithm this crate supports. HMAC algorithms and `none` listed there are ignored: a
//!   provider's published keys are public keys, and a shared secret never comes from discovery.
//!
//! The keys of the `jwks_uri` whose algorithm the document does not list are skipped (and
//! reported, see [`KeySet::skipped`](crate::KeySet::skipped)); the identity provider's own
//! allowed algorithms then apply as well, so what verifies is the intersection of the two.

use super::fetch::{self, FetchError};
use crate::keys::Algorithm;
use serde_json::Value;

/// The well-known path of an OpenID Provider's configuration (Discovery §4).
pub const OPENID_CONFIGURATION_PATH: &str = "/.well-known/openid-configuration";
/// The well-known path of an OAuth 2.0 authorization server's metadata (RFC 8414 §3).
pub const OAUTH_AUTHORIZATION_SERVER_PATH: &str = "/.well-known/oauth-authorization-server";

/// What this crate reads from a provider's OpenID configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderMetadata {
    issuer: String,
    jwks_uri: String,
    algorithms: Vec<Algorithm>,
    listed: bool,
}

impl ProviderMetadata {
    /// The issuer, as configured and as the document states it.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Where the provider's keys are published.
    pub fn jwks_uri(&self) -> &str {
        &self.jwks_uri
    }

    /// The asymmetric algorithms the provider signs with: those its
    /// `id_token_signing_alg_values_supported` lists, or, when the document lists none (RFC
    /// 8414 metadata need not), every asymmetric algorithm this crate supports.
    pub fn algorithms(&self) -> Vec<Algorithm> {
        self.algorithms.clone()
    }

    /// Whether the document listed its signing algorithms.
    pub fn lists_algorithms(&self) -> bool {
        self.listed
    }
}

/// Why a provider's OpenID configuration was not accepted: the issuer and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("OpenID discovery for issuer `{issuer}`: {problem}")]
pub struct DiscoveryError {
    issuer: String,
    problem: DiscoveryProblem,
}

impl DiscoveryError {
    fn new(issuer: &str, problem: DiscoveryProblem) -> Self {
        DiscoveryError {
            issuer: issuer.to_owned(),
            problem,
        }
    }

    /// The configured issuer.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// What was wrong.
    pub fn problem(&self) -> &DiscoveryProblem {
        &self.problem
    }
}

/// What was wrong with a provider's OpenID configuration, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryProblem {
    /// The configured issuer is not an `https://` URL (plain `http://` only for loopback hosts),
    /// or has a query or fragment (Discovery §2).
    #[error("the issuer must be an https URL without query or fragment (http only for localhost)")]
    InvalidIssuer,
    /// The request failed: connection refused, TLS, timeout.
    #[error("fetching {url} failed: {reason}")]
    Fetch {
        /// The document's URL.
        url: String,
        /// What failed.
        reason: String,
    },
    /// The server answered with a redirect, which is never followed.
    #[error("{url} answered a redirect (HTTP {status}), which is not followed")]
    Redirect {
        /// The document's URL.
        url: String,
        /// The status.
        status: u16,
    },
    /// The server answered with a status other than 200.
    #[error("{url} answered HTTP {status}")]
    Status {
        /// The document's URL.
        url: String,
        /// The status.
        status: u16,
    },
    /// The document is larger than the limit.
    #[error("the document is over {max} bytes")]
    TooLarge {
        /// The limit.
        max: usize,
    },
    /// The document is not a UTF-8 JSON object.
    #[error("the document is not a JSON object")]
    NotJson,
    /// A required field is missing.
    #[error("`{0}` is missing")]
    MissingField(&'static str),
    /// A field is there but unusable.
    #[error("`{field}` {reason}")]
    InvalidField {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The document's `issuer` is not the configured one (Discovery §4.3).
    #[error("`issuer` is {found:?}, not the configured issuer")]
    IssuerMismatch {
        /// The document's `issuer` (at most 200 characters of it).
        found: String,
    },
}

use crate::keys::ASYMMETRIC_ALGORITHMS as ASYMMETRIC;

/// Every asymmetric algorithm this crate verifies: what an identity provider configured by
/// discovery allows unless told otherwise.
pub fn asymmetric_algorithms() -> Vec<Algorithm> {
    ASYMMETRIC.to_vec()
}

/// Checks that `issuer` may be discovered: an `https://` URL (loopback `http://`) without
/// query or fragment.
pub(crate) fn check_issuer(issuer: &str) -> Result<url::Url, DiscoveryError> {
    let invalid = || DiscoveryError::new(issuer, DiscoveryProblem::InvalidIssuer);
    let url = fetch::check_url(issuer).map_err(|_| invalid())?;
    if url.query().is_some() || url.fragment().is_some() || url.cannot_be_a_base() {
        return Err(invalid());
    }
    Ok(url)
}

/// The URLs to read `issuer`'s configuration from, in order: OpenID Discovery's, then RFC
/// 8414's.
fn well_known_urls(issuer: &url::Url) -> [String; 2] {
    let text = issuer.as_str().trim_end_matches('/');
    let openid = format!("{text}{OPENID_CONFIGURATION_PATH}");
    let path = issuer.path().trim_end_matches('/');
    let origin = issuer.origin().ascii_serialization();
    let oauth = format!("{origin}{OAUTH_AUTHORIZATION_SERVER_PATH}{path}");
    [openid, oauth]
}

/// Reads and checks `issuer`'s configuration.
pub(crate) async fn fetch(
    client: &reqwest::Client,
    issuer: &str,
    max_bytes: usize,
) -> Result<ProviderMetadata, DiscoveryError> {
    let parsed = check_issuer(issuer)?;
    let fail = |problem| DiscoveryError::new(issuer, problem);
    let [openid, oauth] = well_known_urls(&parsed);
    let body = match fetch::get(client, &openid, max_bytes).await {
        // Not an OpenID Provider's path: an OAuth 2.0 authorization server's, perhaps.
        Err(FetchError::Status(404)) => fetch::get(client, &oauth, max_bytes)
            .await
            .map_err(|err| fail(problem(&oauth, err)))?,
        other => other.map_err(|err| fail(problem(&openid, err)))?,
    };
    parse(issuer, &body)
}

fn problem(url: &str, err: FetchError) -> DiscoveryProblem {
    let url = url.to_owned();
    match err {
        FetchError::Insecure | FetchError::Invalid => DiscoveryProblem::InvalidIssuer,
        FetchError::Transport(reason) => DiscoveryProblem::Fetch { url, reason },
        FetchError::Status(status) if (300..400).contains(&status) => {
            DiscoveryProblem::Redirect { url, status }
        }
        FetchError::Status(status) => DiscoveryProblem::Status { url, status },
        FetchError::TooLarge { max } => DiscoveryProblem::TooLarge { max },
    }
}

/// Checks a configuration document for `issuer`.
pub(crate) fn parse(issuer: &str, body: &[u8]) -> Result<ProviderMetadata, DiscoveryError> {
    let fail = |problem| DiscoveryError::new(issuer, problem);
    let document: Value =
        serde_json::from_slice(body).map_err(|_| fail(DiscoveryProblem::NotJson))?;
    let Value::Object(document) = document else {
        return Err(fail(DiscoveryProblem::NotJson));
    };
    let string = |field: &'static str| match document.get(field) {
        None | Some(Value::Null) => Err(fail(DiscoveryProblem::MissingField(field))),
        Some(Value::String(value)) => Ok(value.as_str()),
        Some(_) => Err(fail(DiscoveryProblem::InvalidField {
            field,
            reason: "is not a string",
        })),
    };
    let stated = string("issuer")?;
    if stated != issuer {
        return Err(fail(DiscoveryProblem::IssuerMismatch {
            found: stated.chars().take(200).collect(),
        }));
    }
    let jwks_uri = string("jwks_uri")?;
    if fetch::check_url(jwks_uri).is_err() {
        return Err(fail(DiscoveryProblem::InvalidField {
            field: "jwks_uri",
            reason: "is not an https URL (http only for localhost)",
        }));
    }
    const ALGS: &str = "id_token_signing_alg_values_supported";
    let (algorithms, listed) = match document.get(ALGS) {
        None | Some(Value::Null) => (ASYMMETRIC.to_vec(), false),
        Some(Value::Array(names)) => {
            let mut algorithms = Vec::new();
            for name in names {
                let Value::String(name) = name else {
                    return Err(fail(DiscoveryProblem::InvalidField {
                        field: ALGS,
                        reason: "is not an array of strings",
                    }));
                };
                // `none`, HMAC and unsupported names are ignored.
                if let Some(alg) = Algorithm::from_name(name)
                    && ASYMMETRIC.contains(&alg)
                    && !algorithms.contains(&alg)
                {
                    algorithms.push(alg);
                }
            }
            if algorithms.is_empty() {
                return Err(fail(DiscoveryProblem::InvalidField {
                    field: ALGS,
                    reason: "lists no asymmetric algorithm this crate supports",
                }));
            }
            (algorithms, true)
        }
        Some(_) => {
            return Err(fail(DiscoveryProblem::InvalidField {
                field: ALGS,
                reason: "is not an array of strings",
            }));
        }
    };
    Ok(ProviderMetadata {
        issuer: issuer.to_owned(),
        jwks_uri: jwks_uri.to_owned(),
        algorithms,
        listed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ISSUER: &str = "https://id.example.com/realms/main";

    fn parsed(document: Value) -> Result<ProviderMetadata, DiscoveryProblem> {
        parse(ISSUER, document.to_string().as_bytes()).map_err(|err| err.problem)
    }

    #[test]
    fn well_known_urls_follow_both_specifications() {
        let [openid, oauth] = well_known_urls(&check_issuer(ISSUER).unwrap());
        assert_eq!(
            openid,
            "https://id.example.com/realms/main/.well-known/openid-configuration"
        );
        assert_eq!(
            oauth,
            "https://id.example.com/.well-known/oauth-authorization-server/realms/main"
        );
        let [openid, oauth] = well_known_urls(&check_issuer("https://t.auth0.com/").unwrap());
        assert_eq!(
            openid,
            "https://t.auth0.com/.well-known/openid-configuration"
        );
        assert_eq!(
            oauth,
            "https://t.auth0.com/.well-known/oauth-authorization-server"
        );
    }

    #[test]
    fn issuers_must_be_https_without_query_or_fragment() {
        for bad in [
            "http://id.example.com",
            "https://id.example.com/?tenant=a",
            "https://id.example.com/#x",
            "id.example.com",
            "",
        ] {
            assert_eq!(
                check_issuer(bad).unwrap_err().problem,
                DiscoveryProblem::InvalidIssuer,
                "{bad}"
            );
        }
        assert!(check_issuer("http://127.0.0.1:3000").is_ok());
    }

    #[test]
    fn a_document_is_checked_field_by_field() {
        let good = json!({
            "issuer": ISSUER,
            "jwks_uri": "https://id.example.com/certs",
            "id_token_signing_alg_values_supported": ["none", "HS256", "RS256", "ES256", "RS256", "XX"],
        });
        let metadata = parsed(good.clone()).unwrap();
        assert_eq!(metadata.jwks_uri(), "https://id.example.com/certs");
        assert_eq!(metadata.algorithms(), [Algorithm::RS256, Algorithm::ES256]);
        assert!(metadata.lists_algorithms());

        let edit = |f: &dyn Fn(&mut serde_json::Map<String, Value>)| {
            let mut doc = good.clone();
            f(doc.as_object_mut().unwrap());
            parsed(doc).unwrap_err()
        };
        assert_eq!(
            edit(&|d| {
                d.remove("issuer");
            }),
            DiscoveryProblem::MissingField("issuer")
        );
        assert_eq!(
            edit(&|d| {
                d.remove("jwks_uri");
            }),
            DiscoveryProblem::MissingField("jwks_uri")
        );
        assert_eq!(
            edit(&|d| {
                d.insert("issuer".into(), json!(format!("{ISSUER}/")));
            }),
            DiscoveryProblem::IssuerMismatch {
                found: format!("{ISSUER}/")
            }
        );
        assert_eq!(
            edit(&|d| {
                d.insert("issuer".into(), json!(["x"]));
            }),
            DiscoveryProblem::InvalidField {
                field: "issuer",
                reason: "is not a string"
            }
        );
        assert_eq!(
            edit(&|d| {
                d.insert("jwks_uri".into(), json!("http://id.example.com/certs"));
            }),
            DiscoveryProblem::InvalidField {
                field: "jwks_uri",
                reason: "is not an https URL (http only for localhost)"
            }
        );
        assert_eq!(
            edit(&|d| {
                d.insert(
                    "id_token_signing_alg_values_supported".into(),
                    json!(["none", "HS256"]),
                );
            }),
            DiscoveryProblem::InvalidField {
                field: "id_token_signing_alg_values_supported",
                reason: "lists no asymmetric algorithm this crate supports"
            }
        );
        assert_eq!(
            edit(&|d| {
                d.insert(
                    "id_token_signing_alg_values_supported".into(),
                    json!("RS256"),
                );
            }),
            DiscoveryProblem::InvalidField {
                field: "id_token_signing_alg_values_supported",
                reason: "is not an array of strings"
            }
        );
        // RFC 8414 metadata need not list algorithms: every asymmetric one, never HMAC.
        let metadata =
            parsed(json!({"issuer": ISSUER, "jwks_uri": "https://id.example.com/k"})).unwrap();
        assert!(!metadata.lists_algorithms());
        assert_eq!(metadata.algorithms(), asymmetric_algorithms());
        for garbage in ["", "[]", "null", "\"x\"", "{", "\u{0}"] {
            assert_eq!(
                parse(ISSUER, garbage.as_bytes()).unwrap_err().problem,
                DiscoveryProblem::NotJson
            );
        }
        assert_eq!(
            parse(ISSUER, &[0xff, b'{']).unwrap_err().problem,
            DiscoveryProblem::NotJson
        );
    }
}
