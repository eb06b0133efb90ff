//! `sbclaims keys generate`: an HMAC secret, or a key pair as PEM with its public JWKS.

use crate::Failure;
use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair,
    KeyPair,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use statebacked_claims::{Algorithm, Key, KeySet};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Generate a key: an HMAC secret (`sbsec_…`) or a key pair (PKCS#8 PEM, public PEM and
    /// the public JWKS).
    Generate(GenerateArgs),
}

#[derive(clap::Args)]
pub struct GenerateArgs {
    /// HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 or EdDSA.
    #[arg(long, default_value = "HS256")]
    alg: String,
    /// The key id (default: `key-` and eight random hex digits).
    #[arg(long)]
    kid: Option<String>,
    /// Write the key to files in this directory (created if missing; private files readable
    /// by the owner only) instead of standard output.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Overwrite key files that already exist in `--out`.
    #[arg(long, requires = "out")]
    force: bool,
}

pub fn run(command: Command, json: bool) -> Result<String, Failure> {
    let Command::Generate(args) = command;
    let algorithm: Algorithm = args
        .alg
        .parse()
        .map_err(|_| Failure::config(format!("unsupported algorithm {:?}", args.alg)))?;
    let rng = SystemRandom::new();
    let kid = match args.kid {
        Some(kid) => kid,
        None => {
            let mut id = [0u8; 4];
            rng.fill(&mut id)
                .map_err(|_| Failure::config("no randomness available"))?;
            format!(
                "key-{}",
                id.iter().map(|b| format!("{b:02x}")).collect::<String>()
            )
        }
    };
    let hmac_len = match algorithm {
        Algorithm::HS256 => Some(32),
        Algorithm::HS384 => Some(48),
        Algorithm::HS512 => Some(64),
        _ => None,
    };
    if let Some(len) = hmac_len {
        let mut bytes = Zeroizing::new(vec![0u8; len]);
        rng.fill(&mut bytes)
            .map_err(|_| Failure::config("no randomness available"))?;
        let secret = Zeroizing::new(format!("sbsec_{}", URL_SAFE_NO_PAD.encode(&bytes[..])));
        return match &args.out {
            Some(dir) => {
                let path = dir.join("secret");
                create_dir(dir)?;
                write(&path, secret.as_bytes(), true, args.force)?;
                Ok(summary(json, &kid, algorithm, &[("secret", &path)]))
            }
            None if json => Ok(
                json!({"kid": kid, "alg": algorithm.as_str(), "secret": secret.as_str()})
                    .to_string(),
            ),
            None => Ok(format!(
                "kid: {kid}\nalg: {algorithm}\nsecret: {}",
                secret.as_str()
            )),
        };
    }

    let (private, public) = generate(algorithm)?;
    let key = Key::from_der(&kid, algorithm, &private[..])
        .map_err(|err| Failure::config(format!("generated key refused: {err}")))?;
    let jwks = KeySet::from(key).public_jwks().to_json();
    // LF line endings (the `pem` crate writes CRLF by default), as OpenSSL writes them.
    let lf = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
    let private_pem = Zeroizing::new(pem::encode_config(
        &pem::Pem::new("PRIVATE KEY", &private[..]),
        lf,
    ));
    let public_pem = pem::encode_config(&pem::Pem::new("PUBLIC KEY", public), lf);
    match &args.out {
        Some(dir) => {
            let files = [
                ("private key", dir.join("private.pem")),
                ("public key", dir.join("public.pem")),
                ("jwks", dir.join("jwks.json")),
            ];
            create_dir(dir)?;
            write(&files[0].1, private_pem.as_bytes(), true, args.force)?;
            write(&files[1].1, public_pem.as_bytes(), false, args.force)?;
            write(&files[2].1, jwks.as_bytes(), false, args.force)?;
            let named: Vec<(&str, &Path)> = files.iter().map(|(n, p)| (*n, p.as_path())).collect();
            Ok(summary(json, &kid, algorithm, &named))
        }
        None if json => Ok(json!({
            "kid": kid,
            "alg": algorithm.as_str(),
            "private_pem": private_pem.as_str(),
            "public_pem": public_pem,
            "jwks": serde_json::from_str::<serde_json::Value>(&jwks).unwrap_or_default(),
        })
        .to_string()),
        None => Ok(format!(
            "kid: {kid}\nalg: {algorithm}\n\n{}\n{public_pem}\n{jwks}",
            private_pem.as_str()
        )),
    }
}

/// PKCS#8 private key and SubjectPublicKeyInfo public key, DER.
fn generate(algorithm: Algorithm) -> Result<(Zeroizing<Vec<u8>>, Vec<u8>), Failure> {
    let failed = |_| Failure::config("key generation failed");
    match algorithm {
        Algorithm::ES256 | Algorithm::ES384 => {
            let signing = if algorithm == Algorithm::ES256 {
                &ECDSA_P256_SHA256_FIXED_SIGNING
            } else {
                &ECDSA_P384_SHA384_FIXED_SIGNING
            };
            let pair = EcdsaKeyPair::generate(signing).map_err(failed)?;
            let public: PublicKeyX509Der = pair.public_key().as_der().map_err(failed)?;
            let private = pair.to_pkcs8v1().map_err(failed)?;
            Ok((
                Zeroizing::new(private.as_ref().to_vec()),
                public.as_ref().to_vec(),
            ))
        }
        Algorithm::EdDSA => {
            let pair = Ed25519KeyPair::generate().map_err(failed)?;
            let public: PublicKeyX509Der = pair.public_key().as_der().map_err(failed)?;
            let private = pair.to_pkcs8v1().map_err(failed)?;
            Ok((
                Zeroizing::new(private.as_ref().to_vec()),
                public.as_ref().to_vec(),
            ))
        }
        _ => {
            let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                .map_err(failed)?;
            let private: Pkcs8V1Der = pair.as_der().map_err(failed)?;
            let public: PublicKeyX509Der = pair.public_key().as_der().map_err(failed)?;
            Ok((
                Zeroizing::new(private.as_ref().to_vec()),
                public.as_ref().to_vec(),
            ))
        }
    }
}

fn create_dir(dir: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(dir)
        .map_err(|err| Failure::config(format!("cannot create {}: {err}", dir.display())))
}

/// Writes a key file; over an existing one only with `force`, which removes it first (so a
/// private file is created owner-only whatever the old one's mode, and a symlink is replaced,
/// not followed).
fn write(path: &Path, contents: &[u8], private: bool, force: bool) -> Result<(), Failure> {
    use std::io::Write;
    if force {
        match std::fs::remove_file(path) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                return Err(Failure::config(format!(
                    "cannot replace {}: {err}",
                    path.display()
                )));
            }
            _ => {}
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    options
        .open(path)
        .and_then(|mut file| file.write_all(contents))
        .map_err(|err| match err.kind() {
            std::io::ErrorKind::AlreadyExists => Failure::config(format!(
                "{} already exists: pass --force to overwrite it",
                path.display()
            )),
            _ => Failure::config(format!("cannot write {}: {err}", path.display())),
        })
}

fn summary(json: bool, kid: &str, algorithm: Algorithm, files: &[(&str, &Path)]) -> String {
    if json {
        let files: serde_json::Map<String, serde_json::Value> = files
            .iter()
            .map(|(name, path)| (name.to_string(), json!(path.display().to_string())))
            .collect();
        json!({"kid": kid, "alg": algorithm.as_str(), "files": files}).to_string()
    } else {
        let mut out = format!("kid: {kid}\nalg: {algorithm}");
        for (name, path) in files {
            out.push_str(&format!("\n{name}: {}", path.display()));
        }
        out
    }
}
