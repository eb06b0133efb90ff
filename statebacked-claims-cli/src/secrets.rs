//! Where keys come from: a secret in a file or the environment (never a value echoed back),
//! or a PEM key file.

use crate::Failure;
use clap::Args;
use statebacked_claims::{Algorithm, Key, KeyError};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The environment variable a State Backed secret is read from.
pub const SECRET_ENV: &str = "SBCLAIMS_SECRET";

/// Flags that name a key.
#[derive(Args, Clone)]
pub struct KeyArgs {
    /// Key id (`sbk_…`); also `SBCLAIMS_KEY_ID`. A JWK key file carries its own.
    #[arg(long, env = "SBCLAIMS_KEY_ID")]
    pub key_id: Option<String>,
    /// File holding the HMAC secret (`sbsec_…`, trailing newline ignored). Preferred; else the
    /// `SBCLAIMS_SECRET` environment variable.
    #[arg(long, value_name = "PATH")]
    pub secret_file: Option<PathBuf>,
    /// Key file: PEM (private to sign, public or private to verify) or a JWK (its `kid` and
    /// `alg` are used).
    #[arg(long, value_name = "PATH", conflicts_with = "secret_file")]
    pub key_file: Option<PathBuf>,
    /// The key's algorithm (default HS256 for secrets; for a key file, what the file says or
    /// its key type: RS256 for RSA, ES256/ES384 for P-256/P-384, EdDSA for Ed25519).
    #[arg(long)]
    pub alg: Option<String>,
}

/// What a PEM key file may hold, in the order its algorithm is guessed when `--alg` is not
/// given: the PS algorithms use RSA keys too, so they are never guessed.
const GUESSED: [Algorithm; 4] = [
    Algorithm::RS256,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

impl KeyArgs {
    fn algorithm(&self) -> Result<Option<Algorithm>, Failure> {
        self.alg
            .as_deref()
            .map(|alg| {
                alg.parse().map_err(|_| {
                    Failure::config(format!(
                        "unsupported algorithm {alg:?}: pass --alg HS256, HS384, HS512, RS256, \
                         RS384, RS512, PS256, PS384, PS512, ES256, ES384 or EdDSA"
                    ))
                })
            })
            .transpose()
    }

    fn key_id(&self) -> Result<String, Failure> {
        self.key_id
            .clone()
            .ok_or_else(|| Failure::config("a key id is needed: --key-id or SBCLAIMS_KEY_ID"))
    }

    /// The key the flags name.
    pub fn key(&self) -> Result<Key, Failure> {
        let algorithm = self.algorithm()?;
        let Some(path) = &self.key_file else {
            let algorithm = algorithm.unwrap_or(Algorithm::HS256);
            if !is_hmac(algorithm) {
                return Err(Failure::config(format!(
                    "{algorithm} needs a key file: --key-file PATH"
                )));
            }
            return Key::hmac(self.key_id()?, algorithm, self.secret()?.as_bytes())
                .map_err(|err| Failure::config(err.to_string()));
        };
        if let Some(hmac) = algorithm.filter(|alg| is_hmac(*alg)) {
            return Err(Failure::config(format!(
                "{hmac} keys are secrets: pass --secret-file PATH or SBCLAIMS_SECRET, not --key-file"
            )));
        }
        let text = Zeroizing::new(read(path)?);
        let in_file = |err: KeyError| Failure::config(format!("{}: {err}", path.display()));
        if text.trim_start().starts_with('{') {
            return self.jwk_key(&text, algorithm).map_err(|err| match err {
                KeyFileError::Key(err) => in_file(err),
                KeyFileError::Other(message) => {
                    Failure::config(format!("{}: {message}", path.display()))
                }
            });
        }
        let key_id = self.key_id()?;
        match algorithm {
            Some(algorithm) => Key::from_pem(key_id, algorithm, text.as_bytes()).map_err(in_file),
            None => GUESSED
                .iter()
                .find_map(|alg| Key::from_pem(key_id.as_str(), *alg, text.as_bytes()).ok())
                .ok_or_else(|| {
                    // The first guess's error says what is wrong with the file.
                    let err = Key::from_pem(key_id.as_str(), GUESSED[0], text.as_bytes()).err();
                    Failure::config(format!(
                        "{}: {}; pass --alg if it holds a key of another kind",
                        path.display(),
                        err.map_or("not a key".to_owned(), |err| err.to_string())
                    ))
                }),
        }
    }

    /// A key from a JWK file: its own `kid` (a `--key-id` must agree) and `alg` (`--alg` too).
    fn jwk_key(&self, text: &str, algorithm: Option<Algorithm>) -> Result<Key, KeyFileError> {
        let key = Key::from_jwk(text).map_err(KeyFileError::Key)?;
        if let (Some(given), Some(own)) = (&self.key_id, key.key_id())
            && given != own
        {
            return Err(KeyFileError::Other(format!(
                "the JWK's kid is `{own}`, not the `{given}` of --key-id"
            )));
        }
        if let Some(algorithm) = algorithm
            && algorithm != key.algorithm()
        {
            return Err(KeyFileError::Other(format!(
                "the JWK is a {} key, not the {algorithm} of --alg",
                key.algorithm()
            )));
        }
        if key.key_id().is_none() {
            return Err(KeyFileError::Other(
                "the JWK has no kid: add one to the file".to_owned(),
            ));
        }
        Ok(key)
    }

    fn secret(&self) -> Result<Zeroizing<String>, Failure> {
        if let Some(path) = &self.secret_file {
            return secret_file(path);
        }
        secret_env(SECRET_ENV).ok_or_else(|| {
            Failure::config(
                "a secret is needed: --secret-file PATH or the SBCLAIMS_SECRET environment variable",
            )
        })
    }
}

/// A secret kept in a file, without its trailing newline.
pub fn secret_file(path: &Path) -> Result<Zeroizing<String>, Failure> {
    let text = Zeroizing::new(read(path)?);
    Ok(Zeroizing::new(
        text.trim_end_matches(['\n', '\r']).to_owned(),
    ))
}

/// A secret in an environment variable, when it is set and not empty.
pub fn secret_env(var: &str) -> Option<Zeroizing<String>> {
    std::env::var(var)
        .ok()
        .filter(|secret| !secret.is_empty())
        .map(Zeroizing::new)
}

/// A file's text, or a configuration failure naming the path (never the contents).
pub fn read(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .map_err(|err| Failure::config(format!("cannot read {}: {err}", path.display())))
}

/// A token argument, or standard input for `-`.
pub fn token_arg(token: &str) -> Result<String, Failure> {
    if token == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|err| Failure::config(format!("cannot read standard input: {err}")))?;
        Ok(text.trim().to_owned())
    } else {
        Ok(token.trim().to_owned())
    }
}

fn is_hmac(algorithm: Algorithm) -> bool {
    matches!(
        algorithm,
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
    )
}

enum KeyFileError {
    Key(KeyError),
    Other(String),
}
