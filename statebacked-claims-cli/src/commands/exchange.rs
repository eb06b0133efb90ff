//! `sbclaims exchange`: a token exchange run locally from a JSON configuration.
//!
//! ```json
//! {
//!   "org": "org_example",
//!   "identity_providers": [
//!     {"anonymous": true},
//!     {"name": "auth0", "issuer": "https://example.auth0.com/",
//!      "audience": "https://example.auth0.com/api/v2/", "algorithms": ["RS256"],
//!      "jwks_file": "auth0-jwks.json", "mapping": {"sub.$": "$.sub"}}
//!   ],
//!   "token_providers": [
//!     {"service": "app", "key_id": "sbk_…", "secret_env": "SBCLAIMS_SECRET"}
//!   ]
//! }
//! ```
//!
//! Identity-provider keys come from `jwks_file`, `jwks_url`, `secret_env` or `secret_file`;
//! token-provider keys from `secret_env` or `secret_file`. Paths are relative to the
//! configuration file. An identity provider without a `mapping` maps its tokens to
//! `{"sub": <sub>}`; a token provider's `mapping` applies after the identity provider's.

use crate::Failure;
use crate::any_claims::AnyClaims;
use crate::secrets::{read, secret_env, secret_file, token_arg};
use serde::Deserialize;
use serde_json::json;
use statebacked_claims::{
    Algorithm, IdentityProvider, Key, KeySet, Mapping, TokenExchange, TokenProvider,
    exchange::ExchangeRequest,
};
use std::path::{Path, PathBuf};
use std::time::Duration;
use zeroize::Zeroizing;

#[derive(clap::Args)]
pub struct Args {
    /// The identity provider's token (the subject token), or `-` for standard input.
    subject_token: String,
    /// The configuration file (JSON).
    #[arg(long, value_name = "PATH")]
    config: PathBuf,
    /// The token provider service to exchange for.
    #[arg(long)]
    service: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    org: String,
    identity_providers: Vec<IdpConfig>,
    token_providers: Vec<TpConfig>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IdpConfig {
    #[serde(default)]
    anonymous: bool,
    name: Option<String>,
    issuer: Option<String>,
    audience: Option<String>,
    #[serde(default)]
    algorithms: Vec<String>,
    jwks_file: Option<PathBuf>,
    jwks_url: Option<String>,
    secret_env: Option<String>,
    secret_file: Option<PathBuf>,
    mapping: Option<Mapping>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TpConfig {
    service: String,
    key_id: String,
    secret_env: Option<String>,
    secret_file: Option<PathBuf>,
    mapping: Option<Mapping>,
    lifetime_secs: Option<u64>,
}

pub fn run(args: Args, json_out: bool) -> Result<String, Failure> {
    let subject_token = token_arg(&args.subject_token)?;
    let base = args.config.parent().unwrap_or(Path::new(".")).to_owned();
    let config: Config = serde_json::from_str(&read(&args.config)?)
        .map_err(|err| Failure::config(format!("{}: {err}", args.config.display())))?;
    if !config
        .token_providers
        .iter()
        .any(|tp| tp.service == args.service)
    {
        let known: Vec<String> = config
            .token_providers
            .iter()
            .map(|tp| format!("`{}`", tp.service))
            .collect();
        return Err(Failure::config(format!(
            "unknown service `{}`: {} configures {}",
            args.service,
            args.config.display(),
            if known.is_empty() {
                "no token provider".to_owned()
            } else {
                format!("the services {}", known.join(", "))
            }
        )));
    }
    let exchange = build(&config, &base)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| Failure::config(err.to_string()))?;
    let audience = format!(
        "{}{}/{}",
        statebacked_claims::exchange::TOKENS_AUDIENCE_PREFIX,
        config.org,
        args.service
    );
    let result =
        runtime.block_on(exchange.exchange(&ExchangeRequest::new(audience, subject_token)));
    match result {
        Ok(response) if json_out => Ok(response.to_json()),
        Ok(response) => Ok(response.access_token),
        Err(err) => Err(Failure::rejected(
            err.error_code(),
            format!("HTTP {} {}", err.status(), err.to_json()),
        )),
    }
}

fn build(config: &Config, base: &Path) -> Result<TokenExchange<AnyClaims>, Failure> {
    let fail = |err: statebacked_claims::exchange::ProviderError| Failure::config(err.to_string());
    let mut exchange = TokenExchange::<AnyClaims>::new(&config.org).map_err(fail)?;
    for idp in &config.identity_providers {
        let provider = if idp.anonymous {
            IdentityProvider::anonymous(&config.org).map_err(fail)?
        } else {
            identity_provider(idp, base)?
        };
        exchange = exchange.identity_provider(provider).map_err(fail)?;
    }
    for tp in &config.token_providers {
        let secret = secret(tp.secret_env.as_deref(), tp.secret_file.as_ref(), base)?;
        let key = Key::hmac(&tp.key_id, Algorithm::HS256, secret.as_bytes())
            .map_err(|err| Failure::config(format!("token provider {}: {err}", tp.service)))?;
        let mut provider = TokenProvider::new(&tp.service, key).map_err(fail)?;
        if let Some(mapping) = &tp.mapping {
            provider = provider.mapping(mapping.clone());
        }
        if let Some(secs) = tp.lifetime_secs {
            provider = provider.lifetime(Duration::from_secs(secs));
        }
        exchange = exchange.token_provider(provider).map_err(fail)?;
    }
    Ok(exchange)
}

fn identity_provider(idp: &IdpConfig, base: &Path) -> Result<IdentityProvider, Failure> {
    let name = idp
        .name
        .clone()
        .ok_or_else(|| Failure::config("an identity provider needs a `name`"))?;
    let mut builder = IdentityProvider::builder(&name);
    if let Some(issuer) = &idp.issuer {
        builder = builder.issuer(issuer);
    }
    if let Some(audience) = &idp.audience {
        builder = builder.audience(audience);
    }
    let algorithms = idp
        .algorithms
        .iter()
        .map(|alg| {
            alg.parse::<Algorithm>()
                .map_err(|_| Failure::config(format!("{name}: unsupported algorithm {alg:?}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    builder = builder.algorithms(algorithms.iter().copied());
    builder = if let Some(path) = &idp.jwks_file {
        let path = base.join(path);
        let keys = KeySet::from_jwks(&read(&path)?)
            .map_err(|err| Failure::config(format!("{}: {err}", path.display())))?;
        builder.keys(keys)
    } else if let Some(url) = &idp.jwks_url {
        builder.jwks_url(url)
    } else {
        let secret = secret(idp.secret_env.as_deref(), idp.secret_file.as_ref(), base)?;
        let algorithm = algorithms.first().copied().unwrap_or(Algorithm::HS256);
        let key = Key::hmac(&name, algorithm, secret.as_bytes())
            .map_err(|err| Failure::config(format!("{name}: {err}")))?;
        builder.keys(key)
    };
    // Without a mapping of its own, a provider's users get `{"sub": <sub>}`: the command
    // line has no claims type whose paths could say more.
    let mapping = match &idp.mapping {
        Some(mapping) => mapping.clone(),
        None => Mapping::from_value(&json!({"sub.$": "$.sub"}))
            .map_err(|err| Failure::config(err.to_string()))?,
    };
    builder = builder.mapping(mapping);
    builder
        .build()
        .map_err(|err| Failure::config(err.to_string()))
}

fn secret(
    env: Option<&str>,
    file: Option<&PathBuf>,
    base: &Path,
) -> Result<Zeroizing<String>, Failure> {
    if let Some(path) = file {
        return secret_file(&base.join(path));
    }
    let var = env.ok_or_else(|| Failure::config("a key needs `secret_env` or `secret_file`"))?;
    secret_env(var)
        .ok_or_else(|| Failure::config(format!("the environment variable {var} is not set")))
}
