//! The crypto backend: jsonwebtoken's providers, chosen by this crate's features and called
//! directly, so jsonwebtoken's process-wide default (which panics when both or neither of its
//! backends are on) is never consulted.

use crate::keys::Key;
use jsonwebtoken::crypto::CryptoProvider;

#[cfg(not(any(feature = "aws-lc-rs", feature = "rust-crypto")))]
compile_error!(
    "statebacked-claims needs a crypto backend: enable its `aws-lc-rs` feature (the default) \
     or its `rust-crypto` feature"
);

/// The provider this build uses: aws-lc-rs when enabled (also when both are), else RustCrypto.
fn provider() -> &'static CryptoProvider {
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

/// Signs `message` with the key's own algorithm. `None` when the key cannot sign.
pub(crate) fn sign(key: &Key, message: &[u8]) -> Option<Vec<u8>> {
    let encoding = key.encoding()?;
    let signer = (provider().signer_factory)(&key.algorithm().to_jwt(), encoding).ok()?;
    signer.try_sign(message).ok()
}

/// Verifies `signature` over `message` with the key's own algorithm.
pub(crate) fn verify(key: &Key, message: &[u8], signature: Vec<u8>) -> bool {
    let Ok(verifier) = (provider().verifier_factory)(&key.algorithm().to_jwt(), key.decoding())
    else {
        return false;
    };
    verifier.verify(message, &signature).is_ok()
}
