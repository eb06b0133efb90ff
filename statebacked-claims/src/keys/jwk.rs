//! JWK and JWKS (RFC 7517): reading verifying keys, and exporting public ones.

use super::asymmetric::{Asymmetric, PrivateParams, PublicParts, strip_leading_zeros};
use super::{Algorithm, Key, KeyError, KeySet, SkippedKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// The public JWK of one key: `kty`, `use: "sig"`, `kid`, `alg` and the public parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicJwk {
    kty: &'static str,
    #[serde(rename = "use")]
    use_: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: Option<String>,
    alg: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    crv: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    n: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    e: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    x: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    y: Option<String>,
}

impl PublicJwk {
    pub(crate) fn new(kid: Option<&str>, algorithm: Algorithm, public: &PublicParts) -> Self {
        let b64 = |bytes: &[u8]| Some(URL_SAFE_NO_PAD.encode(bytes));
        let mut jwk = PublicJwk {
            kty: "",
            use_: "sig",
            kid: kid.map(str::to_owned),
            alg: algorithm.as_str(),
            crv: None,
            n: None,
            e: None,
            x: None,
            y: None,
        };
        match public {
            PublicParts::Rsa { n, e } => {
                jwk.kty = "RSA";
                // RFC 7518 §6.3.1.1: no leading zero octets.
                jwk.n = b64(strip_leading_zeros(n));
                jwk.e = b64(strip_leading_zeros(e));
            }
            PublicParts::Ec { crv, x, y } => {
                jwk.kty = "EC";
                jwk.crv = Some(crv);
                jwk.x = b64(x);
                jwk.y = b64(y);
            }
            PublicParts::Ed { x } => {
                jwk.kty = "OKP";
                jwk.crv = Some("Ed25519");
                jwk.x = b64(x);
            }
        }
        jwk
    }

    /// The key id.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The algorithm the key is pinned to.
    pub fn alg(&self) -> &'static str {
        self.alg
    }

    /// The key type: `RSA`, `EC` or `OKP`.
    pub fn kty(&self) -> &'static str {
        self.kty
    }

    /// The JWK as compact JSON.
    pub fn to_json(&self) -> String {
        // Plain strings only: serializing cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A JWKS document (`{"keys":[…]}`) of public keys, as [`KeySet::public_jwks`] exports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Jwks {
    keys: Vec<PublicJwk>,
}

impl Jwks {
    pub(crate) fn new(keys: Vec<PublicJwk>) -> Self {
        Jwks { keys }
    }

    /// The keys.
    pub fn keys(&self) -> &[PublicJwk] {
        &self.keys
    }

    /// The document as compact JSON, ready to serve at a `jwks_uri`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A JWK as read: every member this crate looks at, all optional so that each problem gets
/// its own message. Private members are zeroized when dropped.
#[derive(Deserialize)]
struct JwkIn {
    kty: Option<String>,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    crv: Option<String>,
    n: Option<String>,
    e: Option<String>,
    x: Option<String>,
    y: Option<String>,
    key_ops: Option<Vec<String>>,
    d: Option<Zeroizing<String>>,
    p: Option<Zeroizing<String>>,
    q: Option<Zeroizing<String>>,
    dp: Option<Zeroizing<String>>,
    dq: Option<Zeroizing<String>>,
    qi: Option<Zeroizing<String>>,
    oth: Option<serde::de::IgnoredAny>,
    k: Option<Zeroizing<String>>,
}

pub(crate) fn key_from_jwk(jwk: &str) -> Result<Key, KeyError> {
    let jwk: JwkIn =
        serde_json::from_str(jwk).map_err(|_| KeyError::InvalidJwk("not a JWK JSON object"))?;
    key_from(jwk)
}

/// The algorithm a JWK without `alg` implies (SECURITY.md S13): its curve's ECDSA or EdDSA,
/// RS256 for RSA, and never an HMAC algorithm.
fn implied_algorithm(kty: Option<&str>, crv: Option<&str>) -> Result<Algorithm, KeyError> {
    match (kty, crv) {
        (Some("EC"), Some("P-256")) => Ok(Algorithm::ES256),
        (Some("EC"), Some("P-384")) => Ok(Algorithm::ES384),
        (Some("OKP"), Some("Ed25519")) => Ok(Algorithm::EdDSA),
        (Some("RSA"), _) => Ok(Algorithm::RS256),
        _ => Err(KeyError::InvalidJwk(
            "no `alg`, and its `kty`/`crv` imply none (an HMAC key must name its algorithm)",
        )),
    }
}

fn key_from(jwk: JwkIn) -> Result<Key, KeyError> {
    let algorithm = match jwk.alg.as_deref() {
        Some(alg) => Algorithm::from_name(alg).ok_or(KeyError::UnsupportedAlgorithm)?,
        None => implied_algorithm(jwk.kty.as_deref(), jwk.crv.as_deref())?,
    };
    if jwk.use_.as_deref().is_some_and(|u| u != "sig") {
        return Err(KeyError::InvalidJwk("`use` is not `sig`"));
    }
    if let Some(ops) = &jwk.key_ops {
        let needed = if jwk.d.is_some() { "sign" } else { "verify" };
        if !ops.iter().any(|op| op == needed || op == "verify") {
            return Err(KeyError::InvalidJwk(
                "`key_ops` allows neither `verify` nor `sign`",
            ));
        }
    }
    let kid = jwk.kid;
    if kid.as_deref() == Some("") {
        return Err(KeyError::EmptyKeyId);
    }
    let kty = jwk.kty.as_deref().ok_or(KeyError::InvalidJwk("no `kty`"))?;
    if kty == "oct" {
        if !matches!(
            algorithm,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
        ) {
            return Err(KeyError::InvalidJwk("an `oct` key takes an HS* algorithm"));
        }
        let k = jwk
            .k
            .ok_or(KeyError::InvalidJwk("an `oct` key needs `k`"))?;
        let secret = Zeroizing::new(decode(Some(&k), "`k` is not base64url")?);
        return Key::hmac_from_jwk(kid, algorithm, &secret);
    }
    let public = match kty {
        "RSA" => PublicParts::Rsa {
            n: decode(jwk.n.as_deref(), "`n` is missing or not base64url")?,
            e: decode(jwk.e.as_deref(), "`e` is missing or not base64url")?,
        },
        "EC" => PublicParts::Ec {
            crv: match jwk.crv.as_deref() {
                Some("P-256") => "P-256",
                Some("P-384") => "P-384",
                _ => return Err(KeyError::InvalidJwk("`crv` is not P-256 or P-384")),
            },
            x: decode(jwk.x.as_deref(), "`x` is missing or not base64url")?,
            y: decode(jwk.y.as_deref(), "`y` is missing or not base64url")?,
        },
        "OKP" => {
            if jwk.crv.as_deref() != Some("Ed25519") {
                return Err(KeyError::InvalidJwk("`crv` is not Ed25519"));
            }
            PublicParts::Ed {
                x: decode(jwk.x.as_deref(), "`x` is missing or not base64url")?,
            }
        }
        _ => return Err(KeyError::InvalidJwk("`kty` is not RSA, EC, OKP or oct")),
    };
    let material = match &jwk.d {
        None => Asymmetric::public(algorithm, public)?,
        Some(d) => {
            let bytes = |value: Option<&Zeroizing<String>>, problem| {
                decode(value.map(|v| v.as_str()), problem).map(Zeroizing::new)
            };
            let d = bytes(Some(d), "`d` is not base64url")?;
            let crt;
            let params = match &public {
                PublicParts::Rsa { n, e } => {
                    if jwk.oth.is_some() {
                        return Err(KeyError::InvalidJwk(
                            "multi-prime RSA keys are not supported",
                        ));
                    }
                    crt = [
                        bytes(jwk.p.as_ref(), "`p` is missing or not base64url")?,
                        bytes(jwk.q.as_ref(), "`q` is missing or not base64url")?,
                        bytes(jwk.dp.as_ref(), "`dp` is missing or not base64url")?,
                        bytes(jwk.dq.as_ref(), "`dq` is missing or not base64url")?,
                        bytes(jwk.qi.as_ref(), "`qi` is missing or not base64url")?,
                    ];
                    let [p, q, dp, dq, qi] = &crt;
                    PrivateParams::Rsa([n, e, &d, p, q, dp, dq, qi])
                }
                PublicParts::Ec { .. } => PrivateParams::Ec { d: &d },
                PublicParts::Ed { .. } => PrivateParams::Ed { d: &d },
            };
            Asymmetric::from_private_params(algorithm, params, &public)?
        }
    };
    Ok(Key::asymmetric(kid, algorithm, material))
}

fn decode(value: Option<&str>, problem: &'static str) -> Result<Vec<u8>, KeyError> {
    value
        .and_then(|v| URL_SAFE_NO_PAD.decode(v).ok())
        .ok_or(KeyError::InvalidJwk(problem))
}

pub(crate) fn key_set_from_jwks(jwks: &str) -> Result<KeySet, KeyError> {
    #[derive(Deserialize)]
    struct JwksIn {
        keys: Vec<serde_json::Value>,
    }
    let document: JwksIn = serde_json::from_str(jwks)
        .map_err(|_| KeyError::InvalidJwk("not a JWKS document (`{\"keys\":[…]}`)"))?;
    let mut usable = Vec::new();
    let mut skipped = Vec::new();
    for value in document.keys {
        let kid = value
            .get("kid")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned);
        let jwk = match serde_json::from_value::<JwkIn>(value) {
            Ok(jwk) => jwk,
            Err(_) => {
                skipped.push(SkippedKey::new(
                    kid,
                    KeyError::InvalidJwk("not a JWK JSON object"),
                ));
                continue;
            }
        };
        // A published key set holds public keys: a shared secret in it is skipped.
        if jwk.kty.as_deref() == Some("oct") {
            skipped.push(SkippedKey::new(kid, KeyError::SecretInPublicSet));
            continue;
        }
        match key_from(jwk) {
            Ok(key) => usable.push(key),
            Err(reason) => skipped.push(SkippedKey::new(kid, reason)),
        }
    }
    let several = usable.len() > 1;
    let mut set = KeySet::new();
    for key in usable {
        // Among several keys, one without a `kid` can never be selected.
        if several && key.key_id().is_none() {
            skipped.push(SkippedKey::new(None, KeyError::MissingKeyId));
            continue;
        }
        set.insert(key)?;
    }
    for skip in skipped {
        set.skip(skip);
    }
    Ok(set)
}
