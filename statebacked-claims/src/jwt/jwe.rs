//! Encrypted tokens (feature `jwe`): a signed token nested in a compact JWE (RFC 7516).
//!
//! Key management `dir`, `A128KW` or `A256KW` (RFC 7518 §4.4, §4.5), content encryption
//! `A128GCM` or `A256GCM` (§5.3), on RustCrypto's `aes-gcm` and `aes-kw`; the content key
//! and IV of every token come from the operating system's RNG. Anything else is refused:
//! other algorithms, `zip`, `crit`, a JWS where a JWE is expected, wrong key or tag sizes.

use super::compact;
use super::json::{self, Context, Limits, MemberName, Members, Problem, StrictValue};
use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes128Gcm, Aes256Gcm, KeyInit, Nonce, Tag};
use serde::Serialize;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};
use std::fmt;
use zeroize::Zeroizing;

/// The key management algorithm (`alg`) of a JWE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyManagement {
    /// The key is the content encryption key (`dir`).
    Dir,
    /// AES-128 key wrap of a random content key (`A128KW`).
    A128KW,
    /// AES-256 key wrap of a random content key (`A256KW`).
    A256KW,
}

impl KeyManagement {
    /// The name in a JWE header.
    pub const fn as_str(self) -> &'static str {
        match self {
            KeyManagement::Dir => "dir",
            KeyManagement::A128KW => "A128KW",
            KeyManagement::A256KW => "A256KW",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [
            KeyManagement::Dir,
            KeyManagement::A128KW,
            KeyManagement::A256KW,
        ]
        .into_iter()
        .find(|alg| alg.as_str() == name)
    }
}

/// The content encryption algorithm (`enc`) of a JWE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ContentEncryption {
    /// AES-128 in GCM mode.
    A128GCM,
    /// AES-256 in GCM mode.
    A256GCM,
}

impl ContentEncryption {
    /// The name in a JWE header.
    pub const fn as_str(self) -> &'static str {
        match self {
            ContentEncryption::A128GCM => "A128GCM",
            ContentEncryption::A256GCM => "A256GCM",
        }
    }

    /// The content key's length in bytes.
    pub const fn key_len(self) -> usize {
        match self {
            ContentEncryption::A128GCM => 16,
            ContentEncryption::A256GCM => 32,
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [ContentEncryption::A128GCM, ContentEncryption::A256GCM]
            .into_iter()
            .find(|enc| enc.as_str() == name)
    }
}

/// The GCM IV and tag sizes (RFC 7518 §5.3).
const IV_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// Why a JWE was not made or not opened. Never contains key material or plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JweError {
    /// The key is not the size its algorithm takes.
    #[error("{algorithm} takes a {expected}-byte key, not {found} bytes")]
    KeySize {
        /// The algorithm.
        algorithm: &'static str,
        /// The size it takes.
        expected: usize,
        /// The size given.
        found: usize,
    },
    /// Not a compact JWE: not exactly five segments (a JWS has three), or a segment that is
    /// not base64url.
    #[error("not a compact JWE: {0}")]
    Malformed(&'static str),
    /// The protected header is not a strict JSON object with string `alg` and `enc`.
    #[error("the JWE header is invalid")]
    Header,
    /// `alg` or `enc` is not what the key is configured for (not named: it is the sender's
    /// text).
    #[error("the JWE's alg and enc are not the ones configured")]
    UnsupportedAlgorithm,
    /// A header parameter this crate refuses: `zip` (compression), `crit`.
    #[error("JWE header parameter `{0}` is not supported")]
    UnsupportedHeader(&'static str),
    /// The header's `kid` is not the key's.
    #[error("the JWE names another key")]
    WrongKey,
    /// The encrypted key, IV or tag has the wrong size for the algorithms.
    #[error("the JWE {0} has the wrong size")]
    Size(&'static str),
    /// Unwrapping or decrypting failed: wrong key, modified header (AAD), ciphertext or tag.
    #[error("the JWE does not decrypt")]
    Decrypt,
    /// The plaintext is not the nested token (`cty: "JWT"`, a UTF-8 JWS).
    #[error("the JWE does not hold a signed token")]
    NotNested,
    /// The operating system's RNG failed.
    #[error("no randomness available")]
    Random,
}

/// A key for encrypted tokens: its algorithms and its secret (zeroized when dropped, never
/// shown by `Debug`).
///
/// ```
/// use statebacked_claims::{jwe::ContentEncryption, EncryptionKey};
///
/// let key = EncryptionKey::a256kw(Some("enc-1"), ContentEncryption::A256GCM, [7u8; 32])?;
/// let jwe = key.encrypt(b"a.signed.token", Some("JWT"))?;
/// assert_eq!(jwe.split('.').count(), 5);
/// assert_eq!(&key.decrypt(&jwe)?[..], b"a.signed.token");
/// # Ok::<(), statebacked_claims::jwe::JweError>(())
/// ```
#[derive(Clone)]
pub struct EncryptionKey {
    kid: Option<String>,
    alg: KeyManagement,
    enc: ContentEncryption,
    secret: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptionKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("enc", &self.enc)
            .field("secret", &format_args!("<redacted>"))
            .finish()
    }
}

#[derive(Serialize)]
struct HeaderOut<'a> {
    alg: &'static str,
    enc: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    cty: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: Option<&'a str>,
}

impl EncryptionKey {
    /// A key used directly as the content key (`dir`): 16 bytes for A128GCM, 32 for A256GCM.
    pub fn dir(
        kid: Option<&str>,
        enc: ContentEncryption,
        key: impl AsRef<[u8]>,
    ) -> Result<Self, JweError> {
        EncryptionKey::new(kid, KeyManagement::Dir, enc, key.as_ref())
    }

    /// A 16-byte key-encryption key wrapping a random content key (`A128KW`).
    pub fn a128kw(
        kid: Option<&str>,
        enc: ContentEncryption,
        kek: impl AsRef<[u8]>,
    ) -> Result<Self, JweError> {
        EncryptionKey::new(kid, KeyManagement::A128KW, enc, kek.as_ref())
    }

    /// A 32-byte key-encryption key wrapping a random content key (`A256KW`).
    pub fn a256kw(
        kid: Option<&str>,
        enc: ContentEncryption,
        kek: impl AsRef<[u8]>,
    ) -> Result<Self, JweError> {
        EncryptionKey::new(kid, KeyManagement::A256KW, enc, kek.as_ref())
    }

    fn new(
        kid: Option<&str>,
        alg: KeyManagement,
        enc: ContentEncryption,
        secret: &[u8],
    ) -> Result<Self, JweError> {
        let (algorithm, expected) = match alg {
            KeyManagement::Dir => (enc.as_str(), enc.key_len()),
            KeyManagement::A128KW => ("A128KW", 16),
            KeyManagement::A256KW => ("A256KW", 32),
        };
        if secret.len() != expected {
            return Err(JweError::KeySize {
                algorithm,
                expected,
                found: secret.len(),
            });
        }
        Ok(EncryptionKey {
            kid: kid.map(str::to_owned),
            alg,
            enc,
            secret: Zeroizing::new(secret.to_vec()),
        })
    }

    /// The key id written to and expected in the JWE header.
    pub fn key_id(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The key management algorithm.
    pub fn key_management(&self) -> KeyManagement {
        self.alg
    }

    /// The content encryption algorithm.
    pub fn content_encryption(&self) -> ContentEncryption {
        self.enc
    }

    /// Encrypts `plaintext` into a compact JWE with header `{"alg","enc","cty","kid"}`.
    pub fn encrypt(&self, plaintext: &[u8], cty: Option<&str>) -> Result<String, JweError> {
        let header = serde_json::to_vec(&HeaderOut {
            alg: self.alg.as_str(),
            enc: self.enc.as_str(),
            cty,
            kid: self.kid.as_deref(),
        })
        .map_err(|_| JweError::Header)?;
        let mut cek = Zeroizing::new(vec![0u8; self.enc.key_len()]);
        let encrypted_key = match self.alg {
            KeyManagement::Dir => {
                cek.copy_from_slice(&self.secret);
                Vec::new()
            }
            KeyManagement::A128KW | KeyManagement::A256KW => {
                getrandom::fill(&mut cek).map_err(|_| JweError::Random)?;
                self.wrap(&cek)?
            }
        };
        let mut iv = [0u8; IV_LEN];
        getrandom::fill(&mut iv).map_err(|_| JweError::Random)?;

        let mut token = String::with_capacity(plaintext.len() * 4 / 3 + 128);
        compact::encode_into(&header, &mut token);
        let aad_len = token.len();
        let mut buffer = Zeroizing::new(plaintext.to_vec());
        let tag = seal(
            self.enc,
            &cek,
            &iv,
            &token.as_bytes()[..aad_len],
            &mut buffer,
        )?;
        for segment in [&encrypted_key[..], &iv, &buffer, &tag] {
            token.push('.');
            compact::encode_into(segment, &mut token);
        }
        Ok(token)
    }

    /// Opens a compact JWE made for this key: the plaintext.
    pub fn decrypt(&self, jwe: &str) -> Result<Zeroizing<Vec<u8>>, JweError> {
        self.open(jwe).map(|(plaintext, _)| plaintext)
    }

    /// The plaintext and the header's `cty`.
    pub(crate) fn open(&self, jwe: &str) -> Result<(Zeroizing<Vec<u8>>, Option<String>), JweError> {
        // At most six pieces: a sixth means too many segments, however many follow.
        let segments: Vec<&str> = jwe.splitn(6, '.').collect();
        let [header_b64, encrypted_key, iv, ciphertext, tag] = segments[..] else {
            return Err(JweError::Malformed(
                "a compact JWE has exactly five segments",
            ));
        };
        let decode =
            |segment: &str, what| compact::decode(segment).ok_or(JweError::Malformed(what));
        let header = read_header(&decode(header_b64, "the header is not base64url")?)?;
        if header.alg != self.alg.as_str() || header.enc != self.enc.as_str() {
            return Err(JweError::UnsupportedAlgorithm);
        }
        if let (Some(expected), Some(found)) = (&self.kid, &header.kid)
            && expected != found
        {
            return Err(JweError::WrongKey);
        }
        let encrypted_key = decode(encrypted_key, "the encrypted key is not base64url")?;
        let iv = decode(iv, "the IV is not base64url")?;
        let mut buffer = Zeroizing::new(decode(ciphertext, "the ciphertext is not base64url")?);
        let tag = decode(tag, "the tag is not base64url")?;
        if iv.len() != IV_LEN {
            return Err(JweError::Size("IV"));
        }
        if tag.len() != TAG_LEN {
            return Err(JweError::Size("authentication tag"));
        }
        let cek = match self.alg {
            KeyManagement::Dir if encrypted_key.is_empty() => Zeroizing::new(self.secret.to_vec()),
            KeyManagement::Dir => return Err(JweError::Size("encrypted key")),
            KeyManagement::A128KW | KeyManagement::A256KW => {
                if encrypted_key.len() != self.enc.key_len() + 8 {
                    return Err(JweError::Size("encrypted key"));
                }
                self.unwrap(&encrypted_key)?
            }
        };
        open(
            self.enc,
            &cek,
            &iv,
            header_b64.as_bytes(),
            &mut buffer,
            &tag,
        )?;
        Ok((buffer, header.cty))
    }

    fn wrap(&self, cek: &[u8]) -> Result<Vec<u8>, JweError> {
        let wrapped = match self.alg {
            KeyManagement::A128KW => aes_kw::KekAes128::try_from(&self.secret[..])
                .map_err(|_| JweError::Decrypt)?
                .wrap_vec(cek),
            _ => aes_kw::KekAes256::try_from(&self.secret[..])
                .map_err(|_| JweError::Decrypt)?
                .wrap_vec(cek),
        };
        wrapped.map_err(|_| JweError::Decrypt)
    }

    fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, JweError> {
        let cek = match self.alg {
            KeyManagement::A128KW => aes_kw::KekAes128::try_from(&self.secret[..])
                .map_err(|_| JweError::Decrypt)?
                .unwrap_vec(wrapped),
            _ => aes_kw::KekAes256::try_from(&self.secret[..])
                .map_err(|_| JweError::Decrypt)?
                .unwrap_vec(wrapped),
        };
        cek.map(Zeroizing::new).map_err(|_| JweError::Decrypt)
    }
}

fn seal(
    enc: ContentEncryption,
    cek: &[u8],
    iv: &[u8; IV_LEN],
    aad: &[u8],
    buffer: &mut [u8],
) -> Result<[u8; TAG_LEN], JweError> {
    let nonce = Nonce::from(*iv);
    let nonce = &nonce;
    let tag = match enc {
        ContentEncryption::A128GCM => Aes128Gcm::new_from_slice(cek)
            .map_err(|_| JweError::Decrypt)?
            .encrypt_in_place_detached(nonce, aad, buffer),
        ContentEncryption::A256GCM => Aes256Gcm::new_from_slice(cek)
            .map_err(|_| JweError::Decrypt)?
            .encrypt_in_place_detached(nonce, aad, buffer),
    }
    .map_err(|_| JweError::Decrypt)?;
    Ok(tag.into())
}

fn open(
    enc: ContentEncryption,
    cek: &[u8],
    iv: &[u8],
    aad: &[u8],
    buffer: &mut [u8],
    tag: &[u8],
) -> Result<(), JweError> {
    let iv: [u8; IV_LEN] = iv.try_into().map_err(|_| JweError::Size("IV"))?;
    let tag: [u8; TAG_LEN] = tag
        .try_into()
        .map_err(|_| JweError::Size("authentication tag"))?;
    let (nonce, tag) = (&Nonce::from(iv), &Tag::from(tag));
    match enc {
        ContentEncryption::A128GCM => Aes128Gcm::new_from_slice(cek)
            .map_err(|_| JweError::Decrypt)?
            .decrypt_in_place_detached(nonce, aad, buffer, tag),
        ContentEncryption::A256GCM => Aes256Gcm::new_from_slice(cek)
            .map_err(|_| JweError::Decrypt)?
            .decrypt_in_place_detached(nonce, aad, buffer, tag),
    }
    .map_err(|_| JweError::Decrypt)
}

/// The protected header as read.
struct HeaderIn {
    alg: String,
    enc: String,
    kid: Option<String>,
    cty: Option<String>,
}

/// Header parameters that change how a JWE is processed; none is supported.
const UNSUPPORTED: [&str; 2] = ["zip", "crit"];

fn read_header(bytes: &[u8]) -> Result<HeaderIn, JweError> {
    let text = std::str::from_utf8(bytes).map_err(|_| JweError::Header)?;
    if !json::is_object(text) {
        return Err(JweError::Header);
    }
    let cx = Context::new(Limits::default());
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let header = HeaderSeed { cx: &cx }
        .deserialize(&mut deserializer)
        .and_then(|header| deserializer.end().map(|()| header))
        .map_err(|_| match cx.problem() {
            Some(Problem::Unsupported(param)) => JweError::UnsupportedHeader(param),
            _ => JweError::Header,
        })?;
    match header {
        (Some(alg), Some(enc), kid, cty) => {
            // Names outside the supported ones are refused by the comparison with the key.
            let _ = (
                KeyManagement::from_name(&alg),
                ContentEncryption::from_name(&enc),
            );
            Ok(HeaderIn { alg, enc, kid, cty })
        }
        _ => Err(JweError::Header),
    }
}

type RawHeader = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

struct HeaderSeed<'c> {
    cx: &'c Context,
}

impl<'de> DeserializeSeed<'de> for HeaderSeed<'_> {
    type Value = RawHeader;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<RawHeader, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for HeaderSeed<'_> {
    type Value = RawHeader;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JWE header")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawHeader, A::Error> {
        let cx = self.cx;
        let mut header: RawHeader = (None, None, None, None);
        let mut members = Members::new();
        while let Some(MemberName(name)) = map.next_key()? {
            members.admit(cx, name.clone()).map_err(|p| cx.fail(p))?;
            let slot = match name.as_ref() {
                "alg" => &mut header.0,
                "enc" => &mut header.1,
                "kid" => &mut header.2,
                "cty" => &mut header.3,
                other => {
                    if let Some(param) = UNSUPPORTED.iter().find(|p| **p == other) {
                        return Err(cx.fail(Problem::Unsupported(param)));
                    }
                    map.next_value_seed(StrictValue { cx, level: 2 })?;
                    continue;
                }
            };
            *slot = Some(map.next_value::<String>()?);
        }
        Ok(header)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(bytes: &[u8]) -> String {
        let mut out = String::new();
        compact::encode_into(bytes, &mut out);
        out
    }

    fn key() -> EncryptionKey {
        EncryptionKey::a256kw(Some("k"), ContentEncryption::A256GCM, [1u8; 32]).unwrap()
    }

    #[test]
    fn round_trips_for_every_combination() {
        for alg in [
            KeyManagement::Dir,
            KeyManagement::A128KW,
            KeyManagement::A256KW,
        ] {
            for enc in [ContentEncryption::A128GCM, ContentEncryption::A256GCM] {
                let len = match alg {
                    KeyManagement::Dir => enc.key_len(),
                    KeyManagement::A128KW => 16,
                    KeyManagement::A256KW => 32,
                };
                let key = EncryptionKey::new(None, alg, enc, &vec![9u8; len]).unwrap();
                let jwe = key.encrypt(b"hello", Some("JWT")).unwrap();
                assert_eq!(&key.decrypt(&jwe).unwrap()[..], b"hello", "{alg:?} {enc:?}");
                // Every token has its own IV (and content key).
                assert_ne!(jwe, key.encrypt(b"hello", Some("JWT")).unwrap());
            }
        }
    }

    #[test]
    fn key_sizes_are_checked() {
        assert_eq!(
            EncryptionKey::a256kw(None, ContentEncryption::A256GCM, [0u8; 16]).unwrap_err(),
            JweError::KeySize {
                algorithm: "A256KW",
                expected: 32,
                found: 16
            }
        );
        assert!(EncryptionKey::dir(None, ContentEncryption::A128GCM, [0u8; 32]).is_err());
        assert!(EncryptionKey::a128kw(None, ContentEncryption::A256GCM, [0u8; 16]).is_ok());
    }

    #[test]
    fn debug_hides_the_secret() {
        let debug = format!("{:?}", key());
        assert!(
            debug.contains("<redacted>") && !debug.contains("[1, 1"),
            "{debug}"
        );
    }

    #[test]
    fn tampering_is_refused() {
        let key = key();
        let jwe = key.encrypt(b"secret claims", Some("JWT")).unwrap();
        let parts: Vec<&str> = jwe.split('.').collect();
        let with = |i: usize, value: &str| {
            let mut parts = parts.clone();
            parts[i] = value;
            parts.join(".")
        };
        // Another header is other AAD, even with the same algorithms.
        let header = b64(br#"{"alg":"A256KW","enc":"A256GCM","kid":"k"}"#);
        assert_eq!(key.decrypt(&with(0, &header)), Err(JweError::Decrypt));
        // Truncated tag, short IV, wrong wrapped-key size.
        assert_eq!(
            key.decrypt(&with(4, &parts[4][..parts[4].len() - 2])),
            Err(JweError::Size("authentication tag"))
        );
        assert_eq!(key.decrypt(&with(2, "AAAA")), Err(JweError::Size("IV")));
        assert_eq!(
            key.decrypt(&with(1, "AAAA")),
            Err(JweError::Size("encrypted key"))
        );
        // Three segments: a JWS.
        assert!(matches!(key.decrypt("a.b.c"), Err(JweError::Malformed(_))));
        // zip and crit.
        for param in ["zip", "crit"] {
            let header =
                b64(format!(r#"{{"alg":"A256KW","enc":"A256GCM","{param}":"DEF"}}"#).as_bytes());
            assert_eq!(
                key.decrypt(&with(0, &header)),
                Err(JweError::UnsupportedHeader(if param == "zip" {
                    "zip"
                } else {
                    "crit"
                }))
            );
        }
        // Another configuration.
        let other =
            EncryptionKey::a256kw(Some("k"), ContentEncryption::A128GCM, [1u8; 32]).unwrap();
        assert_eq!(other.decrypt(&jwe), Err(JweError::UnsupportedAlgorithm));
        let renamed =
            EncryptionKey::a256kw(Some("j"), ContentEncryption::A256GCM, [1u8; 32]).unwrap();
        assert_eq!(renamed.decrypt(&jwe), Err(JweError::WrongKey));
        let wrong =
            EncryptionKey::a256kw(Some("k"), ContentEncryption::A256GCM, [2u8; 32]).unwrap();
        assert_eq!(wrong.decrypt(&jwe), Err(JweError::Decrypt));
    }
}
