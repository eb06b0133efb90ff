//! Signing and verifying keys, each pinned to one algorithm.

pub(crate) mod asymmetric;
pub(crate) mod crypto;
pub(crate) mod jwk;

pub use crypto::backend;
pub use jwk::{Jwks, PublicJwk};

use asymmetric::Asymmetric;
use jsonwebtoken::{DecodingKey, EncodingKey};
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// The shortest HMAC secret a [`Key`] accepts, in bytes (RFC 7518 §3.2 asks for at least the
/// hash output size: 32 bytes for HS256).
pub const MIN_HMAC_SECRET_LEN: usize = 32;

/// A JWS algorithm name, matched exactly (`"HS256"`, never `"hs256"` or `"none"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC with SHA-256: State Backed's end-user tokens.
    HS256,
    /// HMAC with SHA-384.
    HS384,
    /// HMAC with SHA-512.
    HS512,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA with P-256 and SHA-256.
    ES256,
    /// ECDSA with P-384 and SHA-384.
    ES384,
    /// Ed25519.
    EdDSA,
}

/// The asymmetric algorithms, in the order a provider configured by discovery allows them.
pub(crate) const ASYMMETRIC_ALGORITHMS: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

impl Algorithm {
    const ALL: [Algorithm; 12] = [
        Algorithm::HS256,
        Algorithm::HS384,
        Algorithm::HS512,
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ];

    /// The name as it appears in a JWS header.
    pub const fn as_str(self) -> &'static str {
        match self {
            Algorithm::HS256 => "HS256",
            Algorithm::HS384 => "HS384",
            Algorithm::HS512 => "HS512",
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    /// The algorithm with exactly this name, if it is one this crate supports.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|alg| alg.as_str() == name)
    }

    pub(crate) fn to_jwt(self) -> jsonwebtoken::Algorithm {
        match self {
            Algorithm::HS256 => jsonwebtoken::Algorithm::HS256,
            Algorithm::HS384 => jsonwebtoken::Algorithm::HS384,
            Algorithm::HS512 => jsonwebtoken::Algorithm::HS512,
            Algorithm::RS256 => jsonwebtoken::Algorithm::RS256,
            Algorithm::RS384 => jsonwebtoken::Algorithm::RS384,
            Algorithm::RS512 => jsonwebtoken::Algorithm::RS512,
            Algorithm::PS256 => jsonwebtoken::Algorithm::PS256,
            Algorithm::PS384 => jsonwebtoken::Algorithm::PS384,
            Algorithm::PS512 => jsonwebtoken::Algorithm::PS512,
            Algorithm::ES256 => jsonwebtoken::Algorithm::ES256,
            Algorithm::ES384 => jsonwebtoken::Algorithm::ES384,
            Algorithm::EdDSA => jsonwebtoken::Algorithm::EdDSA,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = KeyError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Algorithm::from_name(name).ok_or(KeyError::UnsupportedAlgorithm)
    }
}

/// Why a key could not be built or added to a [`KeySet`]. Never contains key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The HMAC secret is shorter than [`MIN_HMAC_SECRET_LEN`] bytes.
    #[error("HMAC secret is {len} bytes; at least {min} are required")]
    SecretTooShort {
        /// The secret's length in bytes.
        len: usize,
        /// The minimum length.
        min: usize,
    },
    /// The key id is empty.
    #[error("key id must not be empty")]
    EmptyKeyId,
    /// Two keys in one [`KeySet`] share a key id.
    #[error("key id `{kid}` appears twice in the key set")]
    DuplicateKeyId {
        /// The repeated key id.
        kid: String,
    },
    /// An org id is empty, longer than 128 bytes, or has a character outside `[A-Za-z0-9_-]`.
    #[error("org id must be 1 to 128 characters of [A-Za-z0-9_-]")]
    InvalidOrgId,
    /// The algorithm name is not one this crate supports.
    #[error("unsupported algorithm")]
    UnsupportedAlgorithm,
    /// The key material could not be read, or does not fit the algorithm.
    #[error("invalid key: {0}")]
    InvalidKey(&'static str),
    /// An RSA modulus shorter than 2048 bits (RFC 7518 §3.3).
    #[error("RSA key of {bits} bits; at least 2048 are required")]
    RsaKeyTooSmall {
        /// The modulus length in bits.
        bits: usize,
    },
    /// A JWK could not be used (its message says why); never contains key material.
    #[error("invalid JWK: {0}")]
    InvalidJwk(&'static str),
    /// A key without a `kid` in a JWKS of several keys: no token can select it (a token
    /// naming a `kid` names another key, and one without a `kid` is ambiguous).
    #[error("no `kid`, in a set of several keys: no token can select it")]
    MissingKeyId,
    /// A shared secret (`kty: oct`) in a published key set, which holds public keys only.
    #[error("a shared secret (`oct`) in a published key set")]
    SecretInPublicSet,
    /// The key's algorithm is not among those the provider's OpenID configuration lists.
    #[error("its algorithm {0} is not among the provider's signing algorithms")]
    AlgorithmNotListed(Algorithm),
}

/// A key a JWKS held that a [`KeySet`] skipped, and why: see [`KeySet::skipped`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedKey {
    kid: Option<String>,
    reason: KeyError,
}

impl SkippedKey {
    pub(crate) fn new(kid: Option<String>, reason: KeyError) -> Self {
        SkippedKey { kid, reason }
    }

    /// The key's `kid`, when it had a string one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Why it was skipped.
    pub fn reason(&self) -> &KeyError {
        &self.reason
    }
}

impl fmt::Display for SkippedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kid {
            Some(kid) => write!(f, "key `{kid}` skipped: {}", self.reason),
            None => write!(f, "key without `kid` skipped: {}", self.reason),
        }
    }
}

/// A key pinned to one algorithm, with the key id (`kid`) tokens name it by.
///
/// Cloning is cheap (the key material is shared). Secrets are zeroized when the last clone is
/// dropped and never appear in `Debug` output or errors.
///
/// ```
/// use statebacked_claims::Key;
///
/// let key = Key::hs256("sbk_test", "sbsec_test_secret_0123456789abcdef")?;
/// assert_eq!(key.key_id(), Some("sbk_test"));
/// assert!(!format!("{key:?}").contains("sbsec_"));
/// # Ok::<(), statebacked_claims::KeyError>(())
/// ```
#[derive(Clone)]
pub struct Key {
    inner: Arc<KeyInner>,
}

struct KeyInner {
    kid: Option<Arc<str>>,
    algorithm: Algorithm,
    material: Material,
}

impl KeyInner {
    fn new(kid: Option<String>, algorithm: Algorithm, material: Material) -> Self {
        KeyInner {
            kid: kid.map(Arc::from),
            algorithm,
            material,
        }
    }
}

/// What a key signs and verifies with.
// One per key, behind the key's `Arc`: boxing the large HMAC state would only add a pointer
// chase to every verify.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Material {
    /// HS256 on the backend's HMAC, prepared once. The backend's key state is as secret as the
    /// key; aws-lc cleanses it when freed.
    HmacSha256(crypto::HmacSha256),
    /// HS384 and HS512, through jsonwebtoken. Both keys zeroize their bytes on drop.
    Jwt {
        encoding: Option<EncodingKey>,
        decoding: DecodingKey,
    },
    /// RSA, ECDSA and Ed25519: the public half always, the private half when it can sign.
    Asymmetric(Asymmetric),
}

impl Key {
    /// A State Backed HS256 key: the secret's UTF-8 bytes, `sbsec_` prefix included, with no
    /// base64 step (WIRE.md §1).
    ///
    /// Refuses secrets shorter than [`MIN_HMAC_SECRET_LEN`] bytes and an empty key id.
    pub fn hs256(key_id: impl Into<String>, secret: impl AsRef<[u8]>) -> Result<Key, KeyError> {
        Key::hmac(key_id, Algorithm::HS256, secret)
    }

    /// An HS384 key; the secret must be at least 48 bytes.
    pub fn hs384(key_id: impl Into<String>, secret: impl AsRef<[u8]>) -> Result<Key, KeyError> {
        Key::hmac(key_id, Algorithm::HS384, secret)
    }

    /// An HS512 key; the secret must be at least 64 bytes.
    pub fn hs512(key_id: impl Into<String>, secret: impl AsRef<[u8]>) -> Result<Key, KeyError> {
        Key::hmac(key_id, Algorithm::HS512, secret)
    }

    /// An HMAC key for `algorithm` (HS256, HS384 or HS512), chosen at run time: what
    /// [`hs256`](Key::hs256), [`hs384`](Key::hs384) and [`hs512`](Key::hs512) build. Any other
    /// algorithm is refused: its keys come from PEM, DER or JWK.
    pub fn hmac(
        key_id: impl Into<String>,
        algorithm: Algorithm,
        secret: impl AsRef<[u8]>,
    ) -> Result<Key, KeyError> {
        if !matches!(
            algorithm,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
        ) {
            return Err(KeyError::InvalidKey(
                "not an HMAC algorithm: read the key from PEM, DER or JWK",
            ));
        }
        let kid = non_empty(key_id.into())?;
        let secret = secret.as_ref();
        check_secret_len(algorithm, secret)?;
        Ok(Key::hmac_unchecked(Some(kid), algorithm, secret))
    }

    /// The HS256 key of an org's anonymous sessions: the org id's UTF-8 bytes, which are public
    /// by design (SECURITY.md S8). Only the `anonymous` module builds it, and what it verifies
    /// can only ever become an anonymous session.
    pub(crate) fn anonymous_org(org_id: &str) -> Key {
        Key::hmac_unchecked(None, Algorithm::HS256, org_id.as_bytes())
    }

    fn hmac_unchecked(kid: Option<String>, algorithm: Algorithm, secret: &[u8]) -> Key {
        let material = match algorithm {
            Algorithm::HS256 => Material::HmacSha256(crypto::HmacSha256::new(secret)),
            _ => Material::Jwt {
                encoding: Some(EncodingKey::from_secret(secret)),
                decoding: DecodingKey::from_secret(secret),
            },
        };
        Key {
            inner: Arc::new(KeyInner::new(kid, algorithm, material)),
        }
    }

    /// An RSA, ECDSA or Ed25519 key from PEM text, pinned to `algorithm`.
    ///
    /// A private key (`PRIVATE KEY`: PKCS#8; `RSA PRIVATE KEY`: PKCS#1) signs and verifies;
    /// a public key (`PUBLIC KEY`: SubjectPublicKeyInfo; `RSA PUBLIC KEY`: PKCS#1) only
    /// verifies. The key must fit the algorithm: an RSA key of at least 2048 bits for
    /// RS*/PS*, a P-256 key for ES256, a P-384 key for ES384, an Ed25519 key for EdDSA.
    pub fn from_pem(
        key_id: impl Into<String>,
        algorithm: Algorithm,
        pem: impl AsRef<[u8]>,
    ) -> Result<Key, KeyError> {
        let kid = non_empty(key_id.into())?;
        let material = Asymmetric::from_pem(algorithm, pem.as_ref())?;
        Ok(Key::asymmetric(Some(kid), algorithm, material))
    }

    /// An RSA, ECDSA or Ed25519 key from DER: the forms [`from_pem`](Key::from_pem) takes,
    /// without the PEM framing; which one it is is recognised from the bytes.
    pub fn from_der(
        key_id: impl Into<String>,
        algorithm: Algorithm,
        der: impl AsRef<[u8]>,
    ) -> Result<Key, KeyError> {
        let kid = non_empty(key_id.into())?;
        let material = Asymmetric::from_der(algorithm, der.as_ref())?;
        Ok(Key::asymmetric(Some(kid), algorithm, material))
    }

    /// A key from a JWK (RFC 7517), as JSON text: an RSA, EC or OKP (Ed25519) key, or an
    /// `oct` HMAC secret. A public JWK verifies; a private one (with `d`, and for RSA the CRT
    /// parameters `p`, `q`, `dp`, `dq`, `qi`) signs too, once its private and public
    /// parameters are checked to belong together. The JWK must name its algorithm (`alg`),
    /// which pins the key (or its `kty`/`crv` implies one: ES256, ES384, EdDSA, RS256 for
    /// RSA; never HMAC); `use`, when present, must be `sig`, and `key_ops`, when present, must
    /// allow `verify` (or `sign`); its `kid` becomes the key id.
    pub fn from_jwk(jwk: &str) -> Result<Key, KeyError> {
        jwk::key_from_jwk(jwk)
    }

    pub(crate) fn asymmetric(
        kid: Option<String>,
        algorithm: Algorithm,
        material: Asymmetric,
    ) -> Key {
        Key {
            inner: Arc::new(KeyInner::new(
                kid,
                algorithm,
                Material::Asymmetric(material),
            )),
        }
    }

    pub(crate) fn hmac_from_jwk(
        kid: Option<String>,
        algorithm: Algorithm,
        secret: &[u8],
    ) -> Result<Key, KeyError> {
        let kid = kid.map(non_empty).transpose()?;
        check_secret_len(algorithm, secret)?;
        Ok(Key::hmac_unchecked(kid, algorithm, secret))
    }

    /// Whether the key can sign: HMAC keys and private keys can, public keys cannot.
    pub fn can_sign(&self) -> bool {
        match &self.inner.material {
            Material::HmacSha256(_) => true,
            Material::Jwt { encoding, .. } => encoding.is_some(),
            Material::Asymmetric(asymmetric) => asymmetric.encoding.is_some(),
        }
    }

    /// The public JWK of an RSA, ECDSA or Ed25519 key (`kid`, `alg`, `use: "sig"`), for a
    /// JWKS other services verify with. `None` for HMAC keys, whose secret is never exported.
    pub fn public_jwk(&self) -> Option<PublicJwk> {
        match &self.inner.material {
            Material::Asymmetric(asymmetric) => Some(PublicJwk::new(
                self.key_id(),
                self.algorithm(),
                &asymmetric.public,
            )),
            _ => None,
        }
    }

    /// The key id tokens carry in their `kid` header.
    pub fn key_id(&self) -> Option<&str> {
        self.inner.kid.as_deref()
    }

    /// The key id, shared rather than copied.
    pub(crate) fn shared_key_id(&self) -> Option<Arc<str>> {
        self.inner.kid.clone()
    }

    /// The one algorithm this key signs and verifies with.
    pub fn algorithm(&self) -> Algorithm {
        self.inner.algorithm
    }

    pub(crate) fn material(&self) -> &Material {
        &self.inner.material
    }
}

/// RFC 7518 §3.2: an HMAC secret at least as long as the hash output.
fn check_secret_len(algorithm: Algorithm, secret: &[u8]) -> Result<(), KeyError> {
    let min = match algorithm {
        Algorithm::HS384 => 48,
        Algorithm::HS512 => 64,
        _ => MIN_HMAC_SECRET_LEN,
    };
    if secret.len() < min {
        return Err(KeyError::SecretTooShort {
            len: secret.len(),
            min,
        });
    }
    Ok(())
}

fn non_empty(kid: String) -> Result<String, KeyError> {
    if kid.is_empty() {
        Err(KeyError::EmptyKeyId)
    } else {
        Ok(kid)
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Key");
        debug
            .field("kid", &self.inner.kid)
            .field("algorithm", &self.inner.algorithm);
        match &self.inner.material {
            Material::Asymmetric(asymmetric) if asymmetric.encoding.is_none() => {
                debug.field("private", &false)
            }
            Material::Asymmetric(_) => debug.field("private", &format_args!("<redacted>")),
            _ => debug.field("secret", &format_args!("<redacted>")),
        };
        debug.finish()
    }
}

/// Keys by key id, for rotation: a verifier picks the key a token's `kid` names, and only
/// that key.
///
/// ```
/// use statebacked_claims::{Key, KeySet};
///
/// // During a rotation, tokens signed by either key verify; each only with its own key.
/// let mut keys = KeySet::new();
/// keys.insert(Key::hs256("sbk_2026_10", "sbsec_october_secret_0123456789abcdef")?)?;
/// keys.insert(Key::hs256("sbk_2026_11", "sbsec_november_secret_0123456789abcdef")?)?;
/// assert_eq!(keys.len(), 2);
/// assert!(keys.get("sbk_2026_11").is_some());
///
/// // A key id twice is refused.
/// assert!(keys.insert(Key::hs256("sbk_2026_11", "sbsec_another_secret_0123456789abcdef")?).is_err());
/// # Ok::<(), statebacked_claims::KeyError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    by_kid: HashMap<String, Key>,
    // Keys without a key id; only usable when the set holds exactly one key.
    anonymous: Vec<Key>,
    /// What a JWKS held that this set could not use.
    skipped: Vec<SkippedKey>,
    /// The one key verifies whatever `kid` a token names: only for a provider's single
    /// legacy shared secret, whose tokens carry a `kid` the secret has none of.
    any_kid: bool,
}

impl KeySet {
    /// An empty key set.
    pub fn new() -> Self {
        KeySet::default()
    }

    /// Adds a key; a second key with the same key id is refused.
    pub fn insert(&mut self, key: Key) -> Result<(), KeyError> {
        match key.key_id() {
            Some(kid) => {
                if self.by_kid.contains_key(kid) {
                    return Err(KeyError::DuplicateKeyId {
                        kid: kid.to_owned(),
                    });
                }
                self.by_kid.insert(kid.to_owned(), key);
            }
            None => self.anonymous.push(key),
        }
        Ok(())
    }

    /// Adds a key, builder style.
    pub fn with(mut self, key: Key) -> Result<Self, KeyError> {
        self.insert(key)?;
        Ok(self)
    }

    /// The key with exactly this key id.
    pub fn get(&self, kid: &str) -> Option<&Key> {
        self.by_kid.get(kid)
    }

    /// The keys of the JWKS this set was read from ([`from_jwks`](KeySet::from_jwks)) that
    /// it skipped, each with the reason: `use: "enc"`, an unsupported curve or algorithm, an
    /// RSA key under 2048 bits, a shared secret, a missing `kid` among several keys. A token
    /// naming one of these `kid`s is refused as an unknown key; this says why.
    ///
    /// ```
    /// use statebacked_claims::{KeyError, KeySet};
    ///
    /// let set = KeySet::from_jwks(r#"{"keys":[{"kty":"EC","alg":"ES256","crv":"P-521","kid":"k1","x":"","y":""}]}"#)?;
    /// assert!(set.is_empty());
    /// assert_eq!(set.skipped()[0].kid(), Some("k1"));
    /// assert_eq!(set.skipped()[0].reason(), &KeyError::InvalidJwk("`crv` is not P-256 or P-384"));
    /// # Ok::<(), KeyError>(())
    /// ```
    pub fn skipped(&self) -> &[SkippedKey] {
        &self.skipped
    }

    pub(crate) fn skip(&mut self, skipped: SkippedKey) {
        self.skipped.push(skipped);
    }

    /// Skips the keys whose algorithm is not one of `algorithms`.
    #[cfg(feature = "jwks-http")]
    pub(crate) fn retain_algorithms(&mut self, algorithms: &[Algorithm]) {
        let not_listed = |key: &Key| !algorithms.contains(&key.algorithm());
        let mut skipped = Vec::new();
        self.by_kid.retain(|_, key| {
            let keep = !not_listed(key);
            if !keep {
                skipped.push(key.clone());
            }
            keep
        });
        self.anonymous.retain(|key| {
            let keep = !not_listed(key);
            if !keep {
                skipped.push(key.clone());
            }
            keep
        });
        for key in skipped {
            self.skipped.push(SkippedKey::new(
                key.key_id().map(str::to_owned),
                KeyError::AlgorithmNotListed(key.algorithm()),
            ));
        }
    }

    /// This one-key set verifies tokens whatever `kid` they name (a legacy shared secret).
    pub(crate) fn accept_any_kid(&mut self) {
        self.any_kid = self.len() == 1;
    }

    /// Whether the set's one key verifies tokens whatever `kid` they name.
    pub(crate) fn accepts_any_kid(&self) -> bool {
        self.any_kid && self.len() == 1
    }

    /// How many keys the set holds.
    pub fn len(&self) -> usize {
        self.by_kid.len() + self.anonymous.len()
    }

    /// Whether the set holds no key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every key in the set.
    pub fn iter(&self) -> impl Iterator<Item = &Key> {
        self.by_kid.values().chain(&self.anonymous)
    }

    /// A key set from a JWKS document (`{"keys":[…]}`, RFC 7517 §5), as JSON text.
    ///
    /// Keys this crate cannot use are skipped, not fatal, and reported by
    /// [`skipped`](KeySet::skipped): an unsupported `alg` or `kty`, a `use` other than `sig`,
    /// `key_ops` without `verify`, a shared (`oct`) secret, key material that does not read
    /// (an RSA key under 2048 bits, an EC point off its curve), a key without `kid` among
    /// several (no token could select it).
    /// A key without `alg` gets the algorithm its `kty`/`crv` implies (ES256, ES384, EdDSA;
    /// RS256 for RSA), never an HMAC one.
    /// A document that is not a JWKS, or two usable keys with one `kid`, is an error.
    pub fn from_jwks(jwks: &str) -> Result<KeySet, KeyError> {
        jwk::key_set_from_jwks(jwks)
    }

    /// The public JWKS of the set's RSA, ECDSA and Ed25519 keys, sorted by key id, for other
    /// services to verify this issuer's tokens with. HMAC keys are never exported.
    pub fn public_jwks(&self) -> Jwks {
        let mut keys: Vec<PublicJwk> = self.iter().filter_map(Key::public_jwk).collect();
        keys.sort_by(|a, b| a.kid().cmp(&b.kid()));
        Jwks::new(keys)
    }

    /// The only key of a one-key set, for tokens without a `kid`.
    pub(crate) fn only(&self) -> Option<&Key> {
        if self.len() != 1 {
            return None;
        }
        self.by_kid.values().chain(&self.anonymous).next()
    }
}

impl From<Key> for KeySet {
    fn from(key: Key) -> Self {
        let mut set = KeySet::new();
        // A fresh set cannot hold a duplicate.
        let _ = set.insert(key);
        set
    }
}

impl TryFrom<Vec<Key>> for KeySet {
    type Error = KeyError;

    fn try_from(keys: Vec<Key>) -> Result<Self, Self::Error> {
        keys.into_iter().try_fold(KeySet::new(), KeySet::with)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "sbsec_test_secret_0123456789abcdef";

    #[test]
    fn s08_short_and_empty_secrets_are_refused() {
        for secret in ["", "x", "sbsec_0123456789abcdef012345678"] {
            assert_eq!(
                Key::hs256("sbk_test", secret).err(),
                Some(KeyError::SecretTooShort {
                    len: secret.len(),
                    min: 32
                })
            );
        }
        assert!(Key::hs256("sbk_test", "s".repeat(32)).is_ok());
        assert_eq!(
            Key::hs384("k", "s".repeat(47)).err(),
            Some(KeyError::SecretTooShort { len: 47, min: 48 })
        );
        assert_eq!(
            Key::hs512("k", "s".repeat(63)).err(),
            Some(KeyError::SecretTooShort { len: 63, min: 64 })
        );
    }

    #[test]
    fn hmac_takes_only_hmac_algorithms() {
        let key = Key::hmac("k", Algorithm::HS384, "s".repeat(48)).unwrap();
        assert_eq!(key.algorithm(), Algorithm::HS384);
        assert_eq!(
            Key::hmac("k", Algorithm::RS256, SECRET).unwrap_err(),
            KeyError::InvalidKey("not an HMAC algorithm: read the key from PEM, DER or JWK")
        );
        assert_eq!(
            Key::hmac("k", Algorithm::HS512, SECRET).unwrap_err(),
            KeyError::SecretTooShort {
                len: SECRET.len(),
                min: 64
            }
        );
    }

    #[test]
    fn empty_key_id_is_refused() {
        assert_eq!(Key::hs256("", SECRET).err(), Some(KeyError::EmptyKeyId));
    }

    #[test]
    fn debug_redacts_the_secret() {
        let key = Key::hs256("sbk_test", SECRET).unwrap();
        let debug = format!("{key:?}");
        assert_eq!(
            debug,
            r#"Key { kid: Some("sbk_test"), algorithm: HS256, secret: <redacted> }"#
        );
        let debug = format!("{:?}", KeySet::from(key));
        assert!(!debug.contains("sbsec"), "{debug}");
    }

    #[test]
    fn key_set_refuses_duplicate_kid() {
        let a = Key::hs256("sbk_a", SECRET).unwrap();
        let err = KeySet::try_from(vec![a.clone(), a]).unwrap_err();
        assert_eq!(
            err,
            KeyError::DuplicateKeyId {
                kid: "sbk_a".into()
            }
        );
    }

    #[test]
    fn s06_algorithm_names_match_exactly() {
        assert_eq!("HS256".parse::<Algorithm>(), Ok(Algorithm::HS256));
        assert_eq!("EdDSA".parse::<Algorithm>(), Ok(Algorithm::EdDSA));
        for bad in ["none", "None", "hs256", "HS256 ", " HS256", "ES512", ""] {
            assert_eq!(Algorithm::from_name(bad), None, "{bad:?}");
        }
    }
}
