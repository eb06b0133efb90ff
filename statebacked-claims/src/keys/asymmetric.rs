//! RSA, ECDSA and Ed25519 keys: reading them from PEM, DER and JWK, and the public half
//! every such key carries for verifying and for JWKS export.
//!
//! Private keys are read by jsonwebtoken (its PEM and PKCS#8 classification), and their
//! public half is derived with the backend's key utilities. Every key is checked when it is
//! built, so that a key that cannot sign or verify is an error then, not at the first token.

use super::crypto::{self, PreparedPrivate, PreparedPublic};
use super::{Algorithm, KeyError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::EllipticCurve;
use jsonwebtoken::{DecodingKey, EncodingKey};
use pkcs1::UintRef;
use pkcs8::der::Encode;
use pkcs8::der::asn1::{ObjectIdentifier, OctetStringRef};
use pkcs8::spki::AlgorithmIdentifierRef;
use zeroize::Zeroizing;

/// The smallest RSA modulus accepted, in bits (RFC 7518 §3.3).
pub(crate) const MIN_RSA_BITS: usize = 2048;

/// Which kind of key an algorithm takes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Rsa,
    Ec,
    Ed,
}

impl Family {
    pub(crate) fn of(algorithm: Algorithm) -> Option<Family> {
        match algorithm {
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => None,
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => Some(Family::Rsa),
            Algorithm::ES256 | Algorithm::ES384 => Some(Family::Ec),
            Algorithm::EdDSA => Some(Family::Ed),
        }
    }
}

/// The public half of a key, as a JWK spells it (the bytes, not yet base64url).
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum PublicParts {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    Ec {
        crv: &'static str,
        x: Vec<u8>,
        y: Vec<u8>,
    },
    Ed {
        x: Vec<u8>,
    },
}

impl PublicParts {
    /// The curve an ECDSA algorithm signs on, and its coordinate size in bytes.
    fn curve(algorithm: Algorithm) -> Option<(&'static str, usize)> {
        match algorithm {
            Algorithm::ES256 => Some(("P-256", 32)),
            Algorithm::ES384 => Some(("P-384", 48)),
            _ => None,
        }
    }

    /// Checks the parts fit `algorithm` and builds jsonwebtoken's verifying key from them.
    fn decoding_key(&self, algorithm: Algorithm) -> Result<DecodingKey, KeyError> {
        match (self, Family::of(algorithm)) {
            (PublicParts::Rsa { n, e }, Some(Family::Rsa)) => {
                let bits = significant_bits(n);
                if bits < MIN_RSA_BITS {
                    return Err(KeyError::RsaKeyTooSmall { bits });
                }
                if significant_bits(e) == 0 {
                    return Err(KeyError::InvalidKey("the RSA exponent is zero"));
                }
                Ok(DecodingKey::from_rsa_raw_components(n, e))
            }
            (PublicParts::Ec { crv, x, y }, Some(Family::Ec)) => {
                let (expected, size) =
                    PublicParts::curve(algorithm).ok_or(KeyError::UnsupportedAlgorithm)?;
                if *crv != expected || x.len() != size || y.len() != size {
                    return Err(KeyError::InvalidKey(
                        "the EC key is not on the curve its algorithm names",
                    ));
                }
                DecodingKey::from_ec_components(
                    &URL_SAFE_NO_PAD.encode(x),
                    &URL_SAFE_NO_PAD.encode(y),
                )
                .map_err(|_| KeyError::InvalidKey("the EC public key is malformed"))
            }
            (PublicParts::Ed { x }, Some(Family::Ed)) => {
                if x.len() != 32 {
                    return Err(KeyError::InvalidKey("an Ed25519 public key is 32 bytes"));
                }
                DecodingKey::from_ed_components(&URL_SAFE_NO_PAD.encode(x))
                    .map_err(|_| KeyError::InvalidKey("the Ed25519 public key is malformed"))
            }
            _ => Err(KeyError::InvalidKey(
                "the key's type does not fit its algorithm",
            )),
        }
    }

    /// The bytes the backend's verifier takes: PKCS#1 `RSAPublicKey` DER for RSA, the
    /// uncompressed point for ECDSA, the raw key for Ed25519.
    pub(crate) fn backend_bytes(&self) -> Vec<u8> {
        match self {
            PublicParts::Rsa { n, e } => rsa_public_key_der(n, e),
            PublicParts::Ec { x, y, .. } => {
                let mut point = Vec::with_capacity(1 + x.len() + y.len());
                point.push(0x04);
                point.extend_from_slice(x);
                point.extend_from_slice(y);
                point
            }
            PublicParts::Ed { x } => x.clone(),
        }
    }
}

/// An asymmetric key: the public half always, the private half when the key can sign.
pub(crate) struct Asymmetric {
    pub(crate) encoding: Option<EncodingKey>,
    pub(crate) decoding: DecodingKey,
    pub(crate) public: PublicParts,
    pub(crate) prepared: Option<PreparedPublic>,
    /// The private half parsed once by the backend, where it has such a form.
    pub(crate) prepared_private: Option<PreparedPrivate>,
}

impl Asymmetric {
    fn new(
        algorithm: Algorithm,
        encoding: Option<EncodingKey>,
        public: PublicParts,
    ) -> Result<Asymmetric, KeyError> {
        let decoding = public.decoding_key(algorithm)?;
        let prepared = PreparedPublic::new(algorithm, &public)?;
        let prepared_private = encoding
            .as_ref()
            .and_then(|encoding| PreparedPrivate::new(algorithm, encoding));
        Ok(Asymmetric {
            encoding,
            decoding,
            public,
            prepared,
            prepared_private,
        })
    }

    /// A key from its public half alone: it verifies and cannot sign.
    pub(crate) fn public(algorithm: Algorithm, public: PublicParts) -> Result<Self, KeyError> {
        Asymmetric::new(algorithm, None, public)
    }

    /// A key from PEM text: a private key (PKCS#8 `PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`)
    /// or a public one (`PUBLIC KEY`, PKCS#1 `RSA PUBLIC KEY`).
    pub(crate) fn from_pem(algorithm: Algorithm, pem: &[u8]) -> Result<Self, KeyError> {
        let family = Family::of(algorithm).ok_or(KeyError::InvalidKey(
            "HMAC keys are secrets, not PEM: use Key::hs256, hs384 or hs512",
        ))?;
        let parsed = pem::parse(pem).map_err(|_| KeyError::InvalidKey("not a PEM document"))?;
        let private = match parsed.tag() {
            "PRIVATE KEY" => true,
            "RSA PRIVATE KEY" if family == Family::Rsa => true,
            "PUBLIC KEY" => false,
            "RSA PUBLIC KEY" if family == Family::Rsa => false,
            _ => {
                return Err(KeyError::InvalidKey(
                    "PEM label is not PRIVATE KEY, PUBLIC KEY or (for RSA) RSA PRIVATE KEY or \
                     RSA PUBLIC KEY",
                ));
            }
        };
        // Re-framed without headers, so jsonwebtoken sees exactly the label checked above.
        let tag = parsed.tag().to_owned();
        let der = Zeroizing::new(parsed.into_contents());
        Asymmetric::from_framed(algorithm, family, &tag, &der, private)
    }

    /// A key from DER: PKCS#8 or (RSA) PKCS#1 private keys, SubjectPublicKeyInfo or (RSA)
    /// PKCS#1 public keys. The form is recognised from the bytes.
    pub(crate) fn from_der(algorithm: Algorithm, der: &[u8]) -> Result<Self, KeyError> {
        let family = Family::of(algorithm).ok_or(KeyError::InvalidKey(
            "HMAC keys are secrets, not DER: use Key::hs256, hs384 or hs512",
        ))?;
        let mut forms = vec![("PRIVATE KEY", true), ("PUBLIC KEY", false)];
        if family == Family::Rsa {
            forms.extend([("RSA PRIVATE KEY", true), ("RSA PUBLIC KEY", false)]);
        }
        forms
            .into_iter()
            .find_map(|(tag, private)| {
                Asymmetric::from_framed(algorithm, family, tag, der, private).ok()
            })
            .ok_or(KeyError::InvalidKey(
                "not a PKCS#8, PKCS#1 or SubjectPublicKeyInfo key for this algorithm",
            ))
    }

    fn from_framed(
        algorithm: Algorithm,
        family: Family,
        tag: &str,
        der: &[u8],
        private: bool,
    ) -> Result<Self, KeyError> {
        let text = Zeroizing::new(pem::encode(&pem::Pem::new(tag, der)));
        let text = text.as_bytes();
        let invalid = |_| KeyError::InvalidKey("the key does not parse as its algorithm's type");
        let utils = &crypto::provider().key_utils;
        if private {
            let encoding = match family {
                Family::Rsa => EncodingKey::from_rsa_pem(text),
                Family::Ec => EncodingKey::from_ec_pem(text),
                Family::Ed => EncodingKey::from_ed_pem(text),
            }
            .map_err(invalid)?;
            // Deriving the public half also proves the backend can load the private key.
            let bytes = encoding.as_bytes();
            let public = match family {
                Family::Rsa => {
                    let (n, e) =
                        (utils.rsa_pub_components_from_private_key)(bytes).map_err(invalid)?;
                    PublicParts::Rsa { n, e }
                }
                Family::Ec => {
                    let (curve, x, y) =
                        (utils.ec_pub_components_from_private_key)(bytes, algorithm.to_jwt())
                            .map_err(invalid)?;
                    let crv = match curve {
                        EllipticCurve::P256 => "P-256",
                        EllipticCurve::P384 => "P-384",
                        _ => return Err(KeyError::UnsupportedAlgorithm),
                    };
                    PublicParts::Ec { crv, x, y }
                }
                Family::Ed => {
                    let x =
                        (utils.ed_pub_components_from_private_key)(bytes, &EllipticCurve::Ed25519)
                            .map_err(invalid)?;
                    PublicParts::Ed { x }
                }
            };
            Asymmetric::new(algorithm, Some(encoding), public)
        } else {
            let decoding = match family {
                Family::Rsa => DecodingKey::from_rsa_pem(text),
                Family::Ec => DecodingKey::from_ec_pem(text),
                Family::Ed => DecodingKey::from_ed_pem(text),
            }
            .map_err(invalid)?;
            let public = match (family, decoding.kind()) {
                (Family::Rsa, jsonwebtoken::DecodingKeyKind::SecretOrDer(der)) => {
                    let (n, e) =
                        (utils.rsa_pub_components_from_public_key)(der).map_err(invalid)?;
                    PublicParts::Rsa { n, e }
                }
                (Family::Rsa, jsonwebtoken::DecodingKeyKind::RsaModulusExponent { n, e }) => {
                    PublicParts::Rsa {
                        n: n.clone(),
                        e: e.clone(),
                    }
                }
                (Family::Ec, jsonwebtoken::DecodingKeyKind::SecretOrDer(point)) => {
                    let (crv, size) =
                        PublicParts::curve(algorithm).ok_or(KeyError::UnsupportedAlgorithm)?;
                    match point.split_first() {
                        Some((0x04, xy)) if xy.len() == 2 * size => {
                            let (x, y) = xy.split_at(size);
                            PublicParts::Ec {
                                crv,
                                x: x.to_vec(),
                                y: y.to_vec(),
                            }
                        }
                        _ => {
                            return Err(KeyError::InvalidKey(
                                "the EC key is not an uncompressed point on its algorithm's curve",
                            ));
                        }
                    }
                }
                (Family::Ed, jsonwebtoken::DecodingKeyKind::SecretOrDer(x)) => {
                    PublicParts::Ed { x: x.clone() }
                }
                _ => return Err(KeyError::InvalidKey("the public key is malformed")),
            };
            Asymmetric::public(algorithm, public)
        }
    }
}

/// The number of significant bits of a big-endian unsigned integer.
fn significant_bits(bytes: &[u8]) -> usize {
    let mut rest = bytes.iter().skip_while(|b| **b == 0);
    match rest.next() {
        Some(first) => (8 - first.leading_zeros() as usize) + 8 * rest.count(),
        None => 0,
    }
}

/// DER `RSAPublicKey` (RFC 8017 A.1.1), from big-endian unsigned bytes.
#[cfg_attr(not(feature = "aws-lc-rs"), allow(dead_code))]
fn rsa_public_key_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    let key = UintRef::new(n).and_then(|modulus| {
        Ok(pkcs1::RsaPublicKey {
            modulus,
            public_exponent: UintRef::new(e)?,
        })
    });
    // Only lengths past what DER can express fail; the backend then refuses the empty key.
    key.and_then(|key| key.to_der()).unwrap_or_default()
}

/// The private parameters of a JWK (RFC 7518 §6), big-endian bytes.
pub(crate) enum PrivateParams<'a> {
    /// `n`, `e`, `d`, `p`, `q`, `dp`, `dq`, `qi`.
    Rsa([&'a [u8]; 8]),
    /// `d`.
    Ec { d: &'a [u8] },
    /// The 32-byte seed `d`.
    Ed { d: &'a [u8] },
}

const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const ID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

impl Asymmetric {
    /// A signing key from a private JWK's parameters: encoded as the DER the backend reads
    /// (PKCS#1 for RSA, PKCS#8 for EC and Ed25519), loaded as [`from_der`] would, and
    /// checked against the JWK's public parameters.
    pub(crate) fn from_private_params(
        algorithm: Algorithm,
        params: PrivateParams<'_>,
        public: &PublicParts,
    ) -> Result<Self, KeyError> {
        let invalid = |_| KeyError::InvalidJwk("the private key parameters do not encode");
        let family = Family::of(algorithm).ok_or(KeyError::UnsupportedAlgorithm)?;
        let (tag, der) = match params {
            PrivateParams::Rsa([n, e, d, p, q, dp, dq, qi]) => {
                let uint = |v| UintRef::new(v).map_err(invalid);
                let key = pkcs1::RsaPrivateKey {
                    modulus: uint(n)?,
                    public_exponent: uint(e)?,
                    private_exponent: uint(d)?,
                    prime1: uint(p)?,
                    prime2: uint(q)?,
                    exponent1: uint(dp)?,
                    exponent2: uint(dq)?,
                    coefficient: uint(qi)?,
                    other_prime_infos: None,
                };
                (
                    "RSA PRIVATE KEY",
                    Zeroizing::new(key.to_der().map_err(invalid)?),
                )
            }
            PrivateParams::Ec { d } => {
                let curve = match algorithm {
                    Algorithm::ES256 => &SECP256R1,
                    _ => &SECP384R1,
                };
                // Without the public point: the backend derives it from `d`, and it is
                // compared with the JWK's `x` and `y` below.
                let inner = Zeroizing::new(
                    sec1::EcPrivateKey {
                        private_key: d,
                        parameters: None,
                        public_key: None,
                    }
                    .to_der()
                    .map_err(invalid)?,
                );
                let info = pkcs8::PrivateKeyInfo::new(
                    AlgorithmIdentifierRef {
                        oid: ID_EC_PUBLIC_KEY,
                        parameters: Some(curve.into()),
                    },
                    &inner,
                );
                (
                    "PRIVATE KEY",
                    Zeroizing::new(info.to_der().map_err(invalid)?),
                )
            }
            PrivateParams::Ed { d } => {
                let inner = Zeroizing::new(
                    OctetStringRef::new(d)
                        .and_then(|seed| seed.to_der())
                        .map_err(invalid)?,
                );
                let info = pkcs8::PrivateKeyInfo::new(
                    AlgorithmIdentifierRef {
                        oid: ID_ED25519,
                        parameters: None,
                    },
                    &inner,
                );
                (
                    "PRIVATE KEY",
                    Zeroizing::new(info.to_der().map_err(invalid)?),
                )
            }
        };
        let key = Asymmetric::from_framed(algorithm, family, tag, &der, true)?;
        if !key.public.same_key(public) {
            return Err(KeyError::InvalidJwk(
                "the private key does not match the JWK's public parameters",
            ));
        }
        Ok(key)
    }
}

impl PublicParts {
    /// The same public key, whatever leading zeros the RSA integers were written with.
    fn same_key(&self, other: &PublicParts) -> bool {
        match (self, other) {
            (PublicParts::Rsa { n, e }, PublicParts::Rsa { n: n2, e: e2 }) => {
                strip_leading_zeros(n) == strip_leading_zeros(n2)
                    && strip_leading_zeros(e) == strip_leading_zeros(e2)
            }
            _ => self == other,
        }
    }
}

/// A big-endian unsigned integer without its leading zero bytes (one zero byte for zero), as
/// JWKs write RSA parameters (RFC 7518 §6.3.1.1).
pub(crate) fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    &bytes[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn significant_bits_ignores_leading_zeros() {
        assert_eq!(significant_bits(&[]), 0);
        assert_eq!(significant_bits(&[0, 0]), 0);
        assert_eq!(significant_bits(&[0, 1]), 1);
        assert_eq!(significant_bits(&[0x80, 0]), 16);
        assert_eq!(significant_bits(&[0, 0x7f, 0xff]), 15);
    }

    #[test]
    fn rsa_public_key_der_is_canonical() {
        // SEQUENCE { INTEGER 0x00c1 (padded), INTEGER 65537 }
        assert_eq!(
            rsa_public_key_der(&[0xc1], &[0x01, 0x00, 0x01]),
            [
                0x30, 0x09, 0x02, 0x02, 0x00, 0xc1, 0x02, 0x03, 0x01, 0x00, 0x01
            ]
        );
        // Leading zeros are dropped; long lengths use the long form.
        let n = [0x7f; 300];
        let der = rsa_public_key_der(&[&[0, 0][..], &n].concat(), &[3]);
        assert_eq!(&der[..4], [0x30, 0x82, 0x01, 0x33]);
        assert_eq!(&der[4..8], [0x02, 0x82, 0x01, 0x2c]);
    }
}
