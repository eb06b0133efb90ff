//! The crypto backend, chosen by this crate's features.
//!
//! HS256, the algorithm of State Backed keys, runs on the backend's HMAC with the key
//! prepared once (inner and outer pads hashed when the key is built). With aws-lc-rs, RSA,
//! ECDSA and Ed25519 public keys are parsed once too and verified on the backend directly.
//! Everything else goes through jsonwebtoken's providers, called directly, so jsonwebtoken's
//! process-wide default (which panics when both or neither of its backends are on) is never
//! consulted.

use super::asymmetric::PublicParts;
use super::{Algorithm, Key, KeyError, Material};
use jsonwebtoken::crypto::CryptoProvider;

#[cfg(not(any(feature = "aws-lc-rs", feature = "rust-crypto")))]
compile_error!(
    "statebacked-claims needs a crypto backend: enable its `aws-lc-rs` feature (the default) \
     or its `rust-crypto` feature"
);

/// The provider this build uses: aws-lc-rs when enabled (also when both are), else RustCrypto.
pub(crate) fn provider() -> &'static CryptoProvider {
    #[cfg(feature = "aws-lc-rs")]
    {
        &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER
    }
    #[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
    {
        &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER
    }
    #[cfg(not(any(feature = "aws-lc-rs", feature = "rust-crypto")))]
    {
        unreachable!("no crypto backend: see the compile error above")
    }
}

/// The name of the backend in use, for diagnostics and benchmarks.
pub fn backend() -> &'static str {
    if cfg!(feature = "aws-lc-rs") {
        "aws-lc-rs"
    } else {
        "rust-crypto"
    }
}

/// An HMAC-SHA256 key with its pads already hashed.
pub(crate) struct HmacSha256 {
    #[cfg(feature = "aws-lc-rs")]
    key: aws_lc_rs::hmac::Key,
    #[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
    key: WipedMac,
}

/// RustCrypto's keyed HMAC-SHA256 state, overwritten with zeros when dropped. The state (the
/// inner and outer digests after the padded key) is as good as the key, and `hmac` 0.12 has
/// no `zeroize`; every clone made to sign or verify is one of these too. (aws-lc-rs wipes its
/// own keys.)
#[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
#[derive(Clone)]
pub(crate) struct WipedMac(hmac::Hmac<sha2::Sha256>);

// What the SAFETY note below rests on, checked by the compiler for the versions in use.
#[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
const _: () = assert!(!std::mem::needs_drop::<hmac::Hmac<sha2::Sha256>>());

#[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
impl Drop for WipedMac {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        let size = std::mem::size_of::<hmac::Hmac<sha2::Sha256>>();
        // SAFETY: `Hmac<Sha256>` is plain data (digest states, counters and a block buffer:
        // no pointers, no drop glue of its own), so its bytes may be overwritten; all zeros is
        // a valid value of it, and nothing reads it again but its no-op drop.
        let bytes = unsafe {
            std::slice::from_raw_parts_mut(std::ptr::from_mut(&mut self.0).cast::<u8>(), size)
        };
        bytes.zeroize();
    }
}

impl HmacSha256 {
    #[cfg(feature = "aws-lc-rs")]
    pub(crate) fn new(secret: &[u8]) -> Self {
        HmacSha256 {
            key: aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret),
        }
    }

    #[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
    pub(crate) fn new(secret: &[u8]) -> Self {
        use hmac::Mac;
        HmacSha256 {
            // HMAC takes keys of any length.
            key: WipedMac(hmac::Hmac::new_from_slice(secret).unwrap_or_else(|_| unreachable!())),
        }
    }

    #[cfg(not(any(feature = "aws-lc-rs", feature = "rust-crypto")))]
    pub(crate) fn new(_: &[u8]) -> Self {
        HmacSha256 {}
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        #[cfg(feature = "aws-lc-rs")]
        {
            aws_lc_rs::hmac::sign(&self.key, message).as_ref().to_vec()
        }
        #[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
        {
            use hmac::Mac;
            // The clone is wiped when it drops; `_reset` leaves the state in it, not moved out.
            let mut mac = self.key.clone();
            mac.0.update(message);
            mac.0.finalize_reset().into_bytes().to_vec()
        }
        #[cfg(not(any(feature = "aws-lc-rs", feature = "rust-crypto")))]
        {
            let _ = message;
            unreachable!("no crypto backend: see the compile error above")
        }
    }

    /// Constant-time comparison of the tag.
    fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
        #[cfg(feature = "aws-lc-rs")]
        {
            aws_lc_rs::hmac::verify(&self.key, message, tag).is_ok()
        }
        #[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
        {
            use hmac::Mac;
            let mut mac = self.key.clone();
            mac.0.update(message);
            mac.0.verify_slice_reset(tag).is_ok()
        }
        #[cfg(not(any(feature = "aws-lc-rs", feature = "rust-crypto")))]
        {
            let _ = (message, tag);
            false
        }
    }
}

/// A public key parsed once by the backend, for verifying without parsing it again.
pub(crate) struct PreparedPublic {
    #[cfg(feature = "aws-lc-rs")]
    key: aws_lc_rs::signature::ParsedPublicKey,
}

impl PreparedPublic {
    /// The backend's parsed key, or `None` where the backend has no prepared form (RustCrypto
    /// goes through jsonwebtoken). An error when the backend refuses the key.
    #[cfg(feature = "aws-lc-rs")]
    pub(crate) fn new(
        algorithm: Algorithm,
        public: &PublicParts,
    ) -> Result<Option<PreparedPublic>, KeyError> {
        use aws_lc_rs::signature::{self as sig, VerificationAlgorithm};
        let verification: &'static dyn VerificationAlgorithm = match algorithm {
            Algorithm::RS256 => &sig::RSA_PKCS1_2048_8192_SHA256,
            Algorithm::RS384 => &sig::RSA_PKCS1_2048_8192_SHA384,
            Algorithm::RS512 => &sig::RSA_PKCS1_2048_8192_SHA512,
            Algorithm::PS256 => &sig::RSA_PSS_2048_8192_SHA256,
            Algorithm::PS384 => &sig::RSA_PSS_2048_8192_SHA384,
            Algorithm::PS512 => &sig::RSA_PSS_2048_8192_SHA512,
            Algorithm::ES256 => &sig::ECDSA_P256_SHA256_FIXED,
            Algorithm::ES384 => &sig::ECDSA_P384_SHA384_FIXED,
            Algorithm::EdDSA => &sig::ED25519,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => return Ok(None),
        };
        sig::ParsedPublicKey::new(verification, public.backend_bytes())
            .map(|key| Some(PreparedPublic { key }))
            .map_err(|_| KeyError::InvalidKey("the crypto backend refuses the public key"))
    }

    /// RustCrypto verifies through jsonwebtoken, which parses the key on every token; the key
    /// is still checked here, once, so that an EC point off its curve or an invalid Ed25519
    /// key is refused when the key is built.
    #[cfg(not(feature = "aws-lc-rs"))]
    pub(crate) fn new(
        algorithm: Algorithm,
        public: &PublicParts,
    ) -> Result<Option<PreparedPublic>, KeyError> {
        let invalid = KeyError::InvalidKey("the public key is not a valid point of its curve");
        match (algorithm, public) {
            #[cfg(feature = "rust-crypto")]
            (Algorithm::ES256, PublicParts::Ec { .. }) => {
                p256::PublicKey::from_sec1_bytes(&public.backend_bytes()).map_err(|_| invalid)?;
            }
            #[cfg(feature = "rust-crypto")]
            (Algorithm::ES384, PublicParts::Ec { .. }) => {
                p384::PublicKey::from_sec1_bytes(&public.backend_bytes()).map_err(|_| invalid)?;
            }
            #[cfg(feature = "rust-crypto")]
            (Algorithm::EdDSA, PublicParts::Ed { x }) => {
                let bytes: [u8; 32] = x.as_slice().try_into().map_err(|_| invalid.clone())?;
                ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|_| invalid)?;
            }
            _ => {}
        }
        Ok(None)
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        #[cfg(feature = "aws-lc-rs")]
        {
            self.key.verify_sig(message, signature).is_ok()
        }
        #[cfg(not(feature = "aws-lc-rs"))]
        {
            let _ = (message, signature);
            false
        }
    }
}

/// A private key parsed once by the backend, for signing without parsing it again.
///
/// jsonwebtoken's signers parse the key's DER on every token; this is the same backend call on
/// the same bytes (PKCS#1 for RSA, PKCS#8 for ECDSA and Ed25519), made when the key is built.
pub(crate) struct PreparedPrivate {
    #[cfg(feature = "aws-lc-rs")]
    key: PrivateKeyPair,
}

#[cfg(feature = "aws-lc-rs")]
enum PrivateKeyPair {
    Rsa(
        aws_lc_rs::signature::RsaKeyPair,
        &'static dyn aws_lc_rs::signature::RsaEncoding,
    ),
    Ecdsa(aws_lc_rs::signature::EcdsaKeyPair),
    Ed25519(aws_lc_rs::signature::Ed25519KeyPair),
}

impl PreparedPrivate {
    /// The backend's parsed key, or `None` (signing then goes through jsonwebtoken, which
    /// reports what is wrong with the key when it is used).
    #[cfg(feature = "aws-lc-rs")]
    pub(crate) fn new(
        algorithm: Algorithm,
        encoding: &jsonwebtoken::EncodingKey,
    ) -> Option<PreparedPrivate> {
        use aws_lc_rs::signature as sig;
        let der = encoding.as_bytes();
        let rsa = |encoding: &'static dyn sig::RsaEncoding| {
            sig::RsaKeyPair::from_der(der)
                .ok()
                .map(|pair| PrivateKeyPair::Rsa(pair, encoding))
        };
        let ecdsa = |signing: &'static sig::EcdsaSigningAlgorithm| {
            sig::EcdsaKeyPair::from_pkcs8(signing, der)
                .ok()
                .map(PrivateKeyPair::Ecdsa)
        };
        let key = match algorithm {
            Algorithm::RS256 => rsa(&sig::RSA_PKCS1_SHA256),
            Algorithm::RS384 => rsa(&sig::RSA_PKCS1_SHA384),
            Algorithm::RS512 => rsa(&sig::RSA_PKCS1_SHA512),
            Algorithm::PS256 => rsa(&sig::RSA_PSS_SHA256),
            Algorithm::PS384 => rsa(&sig::RSA_PSS_SHA384),
            Algorithm::PS512 => rsa(&sig::RSA_PSS_SHA512),
            Algorithm::ES256 => ecdsa(&sig::ECDSA_P256_SHA256_FIXED_SIGNING),
            Algorithm::ES384 => ecdsa(&sig::ECDSA_P384_SHA384_FIXED_SIGNING),
            Algorithm::EdDSA => sig::Ed25519KeyPair::from_pkcs8(der)
                .ok()
                .map(PrivateKeyPair::Ed25519),
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => None,
        }?;
        Some(PreparedPrivate { key })
    }

    /// RustCrypto signs through jsonwebtoken.
    #[cfg(not(feature = "aws-lc-rs"))]
    pub(crate) fn new(_: Algorithm, _: &jsonwebtoken::EncodingKey) -> Option<PreparedPrivate> {
        None
    }

    fn sign(&self, message: &[u8]) -> Option<Vec<u8>> {
        #[cfg(feature = "aws-lc-rs")]
        {
            let rng = aws_lc_rs::rand::SystemRandom::new();
            match &self.key {
                PrivateKeyPair::Rsa(pair, encoding) => {
                    let mut signature = vec![0; pair.public_modulus_len()];
                    pair.sign(*encoding, &rng, message, &mut signature).ok()?;
                    Some(signature)
                }
                PrivateKeyPair::Ecdsa(pair) => {
                    pair.sign(&rng, message).ok().map(|s| s.as_ref().to_vec())
                }
                PrivateKeyPair::Ed25519(pair) => Some(pair.sign(message).as_ref().to_vec()),
            }
        }
        #[cfg(not(feature = "aws-lc-rs"))]
        {
            let _ = message;
            None
        }
    }
}

/// Signs `message` with the key's own algorithm. `None` when the key cannot sign.
pub(crate) fn sign(key: &Key, message: &[u8]) -> Option<Vec<u8>> {
    match key.material() {
        Material::HmacSha256(mac) => Some(mac.sign(message)),
        Material::Jwt { encoding, .. } => jwt_sign(key.algorithm(), encoding.as_ref()?, message),
        Material::Asymmetric(asymmetric) => match &asymmetric.prepared_private {
            Some(prepared) => prepared.sign(message),
            None => jwt_sign(key.algorithm(), asymmetric.encoding.as_ref()?, message),
        },
    }
}

fn jwt_sign(
    algorithm: Algorithm,
    encoding: &jsonwebtoken::EncodingKey,
    message: &[u8],
) -> Option<Vec<u8>> {
    let signer = (provider().signer_factory)(&algorithm.to_jwt(), encoding).ok()?;
    signer.try_sign(message).ok()
}

fn jwt_verify(
    algorithm: Algorithm,
    decoding: &jsonwebtoken::DecodingKey,
    message: &[u8],
    signature: &[u8],
) -> bool {
    let Ok(verifier) = (provider().verifier_factory)(&algorithm.to_jwt(), decoding) else {
        return false;
    };
    verifier.verify(message, &signature.to_vec()).is_ok()
}

/// Verifies `signature` over `message` with the key's own algorithm.
pub(crate) fn verify(key: &Key, message: &[u8], signature: &[u8]) -> bool {
    match key.material() {
        Material::HmacSha256(mac) => mac.verify(message, signature),
        Material::Jwt { decoding, .. } => jwt_verify(key.algorithm(), decoding, message, signature),
        Material::Asymmetric(asymmetric) => match &asymmetric.prepared {
            Some(prepared) => prepared.verify(message, signature),
            None => jwt_verify(key.algorithm(), &asymmetric.decoding, message, signature),
        },
    }
}

#[cfg(all(test, feature = "aws-lc-rs"))]
mod tests {
    use super::*;
    use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
    use aws_lc_rs::signature::{
        ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair,
        Ed25519KeyPair,
    };

    /// Signs through the prepared key, then checks the signature three ways: our verify,
    /// jsonwebtoken's verify, and (for the deterministic schemes) byte equality with what
    /// jsonwebtoken's own signer makes from the same key.
    fn check(algorithm: Algorithm, private_der: &[u8]) {
        let key = Key::from_der("k", algorithm, private_der).unwrap();
        let Material::Asymmetric(asymmetric) = key.material() else {
            panic!("{algorithm} is asymmetric");
        };
        assert!(
            asymmetric.prepared_private.is_some(),
            "{algorithm} prepared"
        );
        let message = b"header.payload";
        let signature = sign(&key, message).unwrap();
        assert!(verify(&key, message, &signature), "{algorithm}");
        assert!(!verify(&key, b"header.payloaD", &signature), "{algorithm}");
        assert!(
            jwt_verify(algorithm, &asymmetric.decoding, message, &signature),
            "{algorithm}: jsonwebtoken accepts the prepared key's signature"
        );
        let theirs = jwt_sign(algorithm, asymmetric.encoding.as_ref().unwrap(), message).unwrap();
        let deterministic = matches!(
            algorithm,
            Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512 | Algorithm::EdDSA
        );
        if deterministic {
            assert_eq!(signature, theirs, "{algorithm}");
        }
    }

    #[test]
    fn private_keys_are_prepared_once_and_sign_as_jsonwebtoken_does() {
        let rsa = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let rsa: Pkcs8V1Der = rsa.as_der().unwrap();
        for algorithm in [
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::PS512,
        ] {
            check(algorithm, rsa.as_ref());
        }
        for (algorithm, signing) in [
            (Algorithm::ES256, &ECDSA_P256_SHA256_FIXED_SIGNING),
            (Algorithm::ES384, &ECDSA_P384_SHA384_FIXED_SIGNING),
        ] {
            let pair = EcdsaKeyPair::generate(signing).unwrap();
            check(algorithm, pair.to_pkcs8v1().unwrap().as_ref());
        }
        let ed = Ed25519KeyPair::generate().unwrap();
        check(Algorithm::EdDSA, ed.to_pkcs8v1().unwrap().as_ref());
    }
}

#[cfg(all(test, feature = "rust-crypto", not(feature = "aws-lc-rs")))]
mod wiped {
    use super::*;
    use std::mem::MaybeUninit;

    fn bytes<T>(slot: &MaybeUninit<T>) -> Vec<u8> {
        let base = slot.as_ptr().cast::<u8>();
        (0..std::mem::size_of::<T>())
            // SAFETY: in bounds of `slot`; every byte was written (by the value, then by the
            // wipe, which writes all of them).
            .map(|i| unsafe { std::ptr::read_volatile(base.add(i)) })
            .collect()
    }

    #[test]
    fn the_rust_crypto_hmac_state_is_wiped_when_dropped() {
        let mut slot = MaybeUninit::<HmacSha256>::uninit();
        slot.write(HmacSha256::new(b"sbsec_test_secret_0123456789abcdef"));
        // SAFETY: initialised just above.
        let tag = unsafe { slot.assume_init_ref() }.sign(b"message");
        assert!(unsafe { slot.assume_init_ref() }.verify(b"message", &tag));
        assert!(
            bytes(&slot).iter().any(|&b| b != 0),
            "the keyed state is not all zeros"
        );
        // SAFETY: initialised, and dropped once.
        unsafe { slot.assume_init_drop() };
        assert!(
            bytes(&slot).iter().all(|&b| b == 0),
            "the keyed state was wiped"
        );
    }

    #[test]
    fn signing_and_verifying_leave_the_key_as_it_was() {
        let key = HmacSha256::new(b"sbsec_test_secret_0123456789abcdef");
        let first = key.sign(b"message");
        assert_eq!(key.sign(b"message"), first);
        assert!(key.verify(b"message", &first));
        assert!(!key.verify(b"other", &first));
    }
}
