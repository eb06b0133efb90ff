//! Where keys come from: a secret in a file or the environment (never a value echoed back),
//! or a PEM key file.

use crate::Failure;
use clap::Args;
use statebacked_claims::{Algorithm, Key};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The environment variable a State Backed secret is read from.
pub const SECRET_ENV: &str = "SBCLAIMS_SECRET";

/// Flags that name a key.
#[derive(Args, Clone)]
pub struct KeyArgs {
    /// Key id (`sbk_…`); also `SBCLAIMS_KEY_ID`.
    #[arg(long, env = "SBCLAIMS_KEY_ID")]
    pub key_id: Option<String>,
    /// File holding the HMAC secret (`sbsec_…`, trailing newline ignored). Preferred; else the
    /// `SBCLAIMS_SECRET` environment variable.
    #[arg(long, value_name = "PATH")]
    pub secret_file: Option<PathBuf>,
    /// PEM key file (private to sign, public or private to verify) for `--alg`.
    #[arg(long, value_name = "PATH", conflicts_with = "secret_file")]
    pub key_file: Option<PathBuf>,
    /// The key's algorithm.
    #[arg(long, default_value = "HS256")]
    pub alg: String,
}

impl KeyArgs {
    pub fn algorithm(&self) -> Result<Algorithm, Failure> {
        self.alg
            .parse()
            .map_err(|_| Failure::config(format!("unsupported algorithm {:?}", self.alg)))
    }

    /// The key the flags name.
    pub fn key(&self) -> Result<Key, Failure> {
        let algorithm = self.algorithm()?;
        let key_id = self
            .key_id
            .clone()
            .ok_or_else(|| Failure::config("a key id is needed: --key-id or SBCLAIMS_KEY_ID"))?;
        let key = if let Some(path) = &self.key_file {
            let pem = Zeroizing::new(read(path)?);
            Key::from_pem(key_id, algorithm, pem.as_bytes())
        } else if matches!(
            algorithm,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
        ) {
            Key::hmac(key_id, algorithm, self.secret()?.as_bytes())
        } else {
            return Err(Failure::config(format!(
                "{algorithm} needs a key file: --key-file PATH"
            )));
        };
        key.map_err(|err| Failure::config(format!("invalid key: {err}")))
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
