//! `sbclaims inspect`: a token decoded without verifying it.

use crate::Failure;
use crate::describe::{Unverified, now, relative, utc};
use crate::secrets::token_arg;
use serde_json::{Value, json};
use statebacked_claims::verify::DEFAULT_LEEWAY_SECS;

#[derive(clap::Args)]
pub struct Args {
    /// The token, or `-` to read it from standard input.
    token: String,
}

const LABEL: &str = "UNVERIFIED: decoded without checking the signature; do not trust these claims";

pub fn run(args: Args, json_out: bool) -> Result<String, Failure> {
    let token = token_arg(&args.token)?;
    let Unverified {
        header,
        claims: payload,
    } = Unverified::decode(&token).map_err(|err| Failure::rejected(err.code(), err))?;
    let now = now();
    let times: Vec<Value> = ["iat", "nbf", "exp"]
        .into_iter()
        .filter_map(|name| payload.get(name).and_then(Value::as_u64).map(|t| (name, t)))
        .map(|(name, t)| {
            json!({
                "claim": name,
                "unix": t,
                "utc": utc(t),
                "relative": relative(t, now),
            })
        })
        .collect();
    let exp = payload.get("exp").and_then(Value::as_u64);
    let expired = exp.map(|exp| exp <= now);
    if json_out {
        return Ok(json!({
            "verified": false,
            "header": header,
            "claims": payload,
            "times": times,
            "expired": expired,
        })
        .to_string());
    }
    let mut out = format!(
        "{LABEL}\n\nheader:\n{}\n\nclaims:\n{}\n",
        pretty(&header),
        pretty(&payload)
    );
    if !times.is_empty() {
        out.push_str("\ntimes:\n");
        for time in &times {
            out.push_str(&format!(
                "  {} {} ({}, {})\n",
                time["claim"].as_str().unwrap_or_default(),
                time["unix"],
                time["utc"].as_str().unwrap_or_default(),
                time["relative"].as_str().unwrap_or_default()
            ));
        }
    }
    out.push_str(&match exp {
        // `verify` refuses a token only once `exp` is past by more than the leeway.
        Some(exp) if exp <= now && now < exp.saturating_add(DEFAULT_LEEWAY_SECS) => format!(
            "\nEXPIRED, but within the default leeway of {DEFAULT_LEEWAY_SECS} s: `sbclaims verify` \
             accepts it for {} more seconds",
            exp.saturating_add(DEFAULT_LEEWAY_SECS) - now
        ),
        Some(exp) if exp <= now => "\nEXPIRED".to_owned(),
        Some(_) => "\nnot expired".to_owned(),
        None => "\nno exp claim".to_owned(),
    });
    Ok(out)
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}
