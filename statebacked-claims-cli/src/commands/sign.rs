//! `sbclaims sign`: a State Backed token for the given claims.

use crate::Failure;
use crate::any_claims::{AnyClaims, Json, Object};
use crate::secrets::{KeyArgs, read};
use statebacked_claims::{FixedClock, Issuer};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    key: KeyArgs,
    /// The claims (`act`) as a JSON object.
    #[arg(long, value_name = "JSON", conflicts_with = "claims_file")]
    claims: Option<String>,
    /// A file holding the claims as a JSON object.
    #[arg(long, value_name = "PATH")]
    claims_file: Option<PathBuf>,
    /// One claim, `name=value`; the value is read as JSON when it parses, else as a string.
    /// Repeatable; applied after `--claims`.
    #[arg(long = "claim", value_name = "NAME=VALUE")]
    claim: Vec<String>,
    /// When the token expires: a duration (`7d`, `90m`, `1.5h`, `2 weeks`) or a Unix time.
    #[arg(long, default_value = "1h")]
    expires: String,
    /// Sign a token whose `act` is `{}` (without it, no claims is a mistake).
    #[arg(long)]
    empty: bool,
    /// The time to sign at, in Unix seconds (`iat`, and the base of a relative `--expires`),
    /// for reproducible tokens; default now.
    #[arg(long, value_name = "UNIX")]
    now: Option<u64>,
    /// The `iss` claim (default `https://<key id>.client.statebacked.dev/`).
    #[arg(long)]
    issuer: Option<String>,
    /// The `aud` claim (default `https://api.statebacked.dev/`).
    #[arg(long)]
    audience: Option<String>,
}

pub fn run(args: Args, json: bool) -> Result<String, Failure> {
    let mut claims = match (&args.claims, &args.claims_file) {
        (Some(text), _) => object(text, "--claims")?,
        (None, Some(path)) => object(&read(path)?, "--claims-file")?,
        (None, None) => Object::default(),
    };
    for pair in &args.claim {
        let (name, value) = pair
            .split_once('=')
            .filter(|(name, _)| !name.is_empty())
            .ok_or_else(|| Failure::config(format!("--claim {pair:?} is not NAME=VALUE")))?;
        let value = serde_json::from_str(value).unwrap_or_else(|_| Json::String(value.into()));
        claims.insert(name.to_owned(), value);
    }
    if claims.is_empty() && !args.empty {
        return Err(Failure::config(
            "no claims given: pass --claims JSON, --claims-file PATH or --claim NAME=VALUE \
             (or --empty to sign `act: {}`)",
        ));
    }
    let expires = super::expires(&args.expires)?;
    let mut issuer = Issuer::<AnyClaims>::new(args.key.key()?);
    if let Some(now) = args.now {
        issuer = issuer.clock(FixedClock::at_unix(now));
    }
    if let Some(iss) = args.issuer {
        issuer = issuer.issuer(iss);
    }
    if let Some(aud) = args.audience {
        issuer = issuer.audience(aud);
    }
    let token = issuer
        .sign(&AnyClaims(claims), expires)
        .map_err(|err| Failure::rejected("not_signed", err))?;
    Ok(if json {
        serde_json::json!({ "token": token.as_str() }).to_string()
    } else {
        token.into_string()
    })
}

/// The claims as a JSON object, its members in the order `JSON.parse` keeps them.
fn object(text: &str, flag: &str) -> Result<Object, Failure> {
    match serde_json::from_str(text) {
        Ok(Json::Object(object)) => Ok(object),
        Ok(_) => Err(Failure::config(format!("{flag} must be a JSON object"))),
        Err(err) => Err(Failure::config(format!("{flag} is not JSON: {err}"))),
    }
}
