//! `sbclaims verify`: the verified claims, or the typed reason the token is rejected.

use crate::Failure;
use crate::any_claims::AnyClaims;
use crate::describe::{Expected, rejection};
use crate::secrets::{KeyArgs, read, token_arg};
use serde_json::json;
use statebacked_claims::verify::DEFAULT_LEEWAY_SECS;
use statebacked_claims::{KeySet, STATEBACKED_AUDIENCE, Verifier};
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// The token, or `-` to read it from standard input.
    token: String,
    #[command(flatten)]
    key: KeyArgs,
    /// Verify with the keys of a JWKS document instead of one key.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["secret_file", "key_file"])]
    jwks: Option<PathBuf>,
    /// The audience `aud` must contain (default `https://api.statebacked.dev/`).
    #[arg(long)]
    audience: Option<String>,
    /// The exact `iss` required.
    #[arg(long)]
    issuer: Option<String>,
    /// Clock-skew leeway in seconds (default 30, at most 300).
    #[arg(long)]
    leeway: Option<u64>,
}

pub fn run(args: Args, json: bool) -> Result<String, Failure> {
    let token = token_arg(&args.token)?;
    let keys = match &args.jwks {
        Some(path) => KeySet::from_jwks(&read(path)?)
            .map_err(|err| Failure::config(format!("{}: {err}", path.display())))?,
        None => KeySet::from(args.key.key()?),
    };
    let expected = Expected {
        audience: args.audience.as_deref().unwrap_or(STATEBACKED_AUDIENCE),
        issuer: args.issuer.as_deref(),
        kids: keys
            .iter()
            .filter_map(|k| k.key_id())
            .map(str::to_owned)
            .collect(),
        leeway: args.leeway.unwrap_or(DEFAULT_LEEWAY_SECS),
    };
    let mut verifier = Verifier::<AnyClaims>::new(keys.clone()).audience(expected.audience);
    if let Some(issuer) = expected.issuer {
        verifier = verifier.issuer(issuer);
    }
    if let Some(secs) = args.leeway {
        verifier = verifier
            .leeway(Duration::from_secs(secs))
            .map_err(|err| Failure::config(err.to_string()))?;
    }
    let verified = verifier
        .verify(&token)
        .map_err(|err| rejection(&err, &token, &expected))?;
    let registered = verified.registered();
    // `act` as authorizers see it: the claims, or the anonymous session's `{sid, did, auth}`.
    let auth = serde_json::to_value(verified.auth_context()).unwrap_or_default();
    let out = json!({
        "valid": true,
        "anonymous": verified.is_anonymous(),
        "act": auth,
        "registered": {
            "iss": registered.iss(),
            "sub": registered.sub(),
            "aud": registered.aud().collect::<Vec<_>>(),
            "exp": registered.exp(),
            "nbf": registered.nbf(),
            "iat": registered.iat(),
            "jti": registered.jti(),
            "kid": registered.kid(),
        },
    });
    Ok(if json {
        out.to_string()
    } else {
        serde_json::to_string_pretty(&out).unwrap_or_default()
    })
}
