//! `sbclaims inspect`: a token decoded without verifying it.

use crate::Failure;
use crate::secrets::token_arg;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(clap::Args)]
pub struct Args {
    /// The token, or `-` to read it from standard input.
    token: String,
}

const LABEL: &str = "UNVERIFIED: decoded without checking the signature; do not trust these claims";

pub fn run(args: Args, json_out: bool) -> Result<String, Failure> {
    let token = token_arg(&args.token)?;
    let segments: Vec<&str> = token.split('.').collect();
    if segments.len() != 3 {
        return Err(Failure::rejected(format!(
            "a signed token has 3 segments, this one has {}",
            segments.len()
        )));
    }
    let header = segment(segments[0], "header")?;
    let payload = segment(segments[1], "claims set")?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
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
    let expired = payload
        .get("exp")
        .and_then(Value::as_u64)
        .map(|exp| exp <= now);
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
    out.push_str(match expired {
        Some(true) => "\nEXPIRED",
        Some(false) => "\nnot expired",
        None => "\nno exp claim",
    });
    Ok(out)
}

fn segment(text: &str, part: &str) -> Result<Value, Failure> {
    let bytes = URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| Failure::rejected(format!("the {part} is not base64url")))?;
    serde_json::from_slice(&bytes).map_err(|_| Failure::rejected(format!("the {part} is not JSON")))
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// The last second RFC 3339 can write: 9999-12-31T23:59:59Z.
const MAX_RFC3339: u64 = 253_402_300_799;

fn utc(unix: u64) -> String {
    match UNIX_EPOCH.checked_add(Duration::from_secs(unix)) {
        Some(time) if unix <= MAX_RFC3339 => humantime::format_rfc3339_seconds(time).to_string(),
        _ => "after the year 9999".to_owned(),
    }
}

fn relative(t: u64, now: u64) -> String {
    let describe = |secs: u64| humantime::format_duration(Duration::from_secs(secs)).to_string();
    if t > now {
        format!("in {}", describe(t - now))
    } else {
        format!("{} ago", describe(now - t))
    }
}
