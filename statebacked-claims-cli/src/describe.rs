//! What the command line says about a token: its parts read without verifying them, times in
//! UTC, and rejections that name what was compared.
//!
//! The command line is the token holder's own tool, so a rejection may quote the token's `kid`,
//! `aud` or `iss` beside what was expected; the library's errors never do (they end up in
//! servers' logs).

use crate::Failure;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use statebacked_claims::VerifyError;
use statebacked_claims::verify::{Malformed, Part};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A signed token's header and claims set, decoded without checking anything else, or the
/// framing error `verify` would report first for it (so both commands say the same thing).
pub struct Unverified {
    pub header: Value,
    pub claims: Value,
}

impl Unverified {
    pub fn decode(token: &str) -> Result<Unverified, VerifyError> {
        // The order of the verifier's strict split: the alphabet, the dots, empty segments.
        let malformed = VerifyError::Malformed;
        let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
        if !token.bytes().all(allowed) {
            return Err(malformed(Malformed::InvalidCharacter));
        }
        let segments: Vec<&str> = token.split('.').collect();
        if segments.len() != 3 {
            return Err(malformed(Malformed::SegmentCount));
        }
        if segments.iter().any(|s| s.is_empty()) {
            return Err(malformed(Malformed::EmptySegment));
        }
        let part = |text: &str, part: Part| -> Result<Value, VerifyError> {
            let bytes = URL_SAFE_NO_PAD
                .decode(text)
                .map_err(|_| malformed(Malformed::Base64(part)))?;
            let text = std::str::from_utf8(&bytes).map_err(|_| malformed(Malformed::Utf8(part)))?;
            // As the verifier: what does not open with `{` is not an object, whatever follows.
            if !text
                .trim_start_matches([' ', '\t', '\n', '\r'])
                .starts_with('{')
            {
                return Err(malformed(Malformed::NotAnObject(part)));
            }
            match serde_json::from_str(text) {
                Ok(value @ Value::Object(_)) => Ok(value),
                _ => Err(malformed(Malformed::Json(part))),
            }
        };
        Ok(Unverified {
            header: part(segments[0], Part::Header)?,
            claims: part(segments[1], Part::Payload)?,
        })
    }

    fn header_str(&self, name: &str) -> Option<&str> {
        self.header.get(name).and_then(Value::as_str)
    }

    fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// The org whose anonymous identity token this is (`aud` and `iss`
    /// `https://<org>.anonymous.auth.statebacked.dev`, top-level `sid`), if it is one.
    pub fn anonymous_org(&self) -> Option<&str> {
        let aud = self.claim_str("aud")?;
        let org = aud
            .strip_prefix("https://")?
            .strip_suffix(".anonymous.auth.statebacked.dev")?;
        (self.claims.get("sid").is_some() && !org.is_empty()).then_some(org)
    }
}

/// What the verifier was told to expect, for messages that compare.
pub struct Expected<'a> {
    pub audience: &'a str,
    pub issuer: Option<&'a str>,
    pub kids: Vec<String>,
    pub leeway: u64,
}

/// A verification failure as the command line reports it: the library's machine code, and a
/// message that names what was compared.
pub fn rejection(err: &VerifyError, token: &str, expected: &Expected<'_>) -> Failure {
    let code = err.code();
    let Ok(token) = Unverified::decode(token) else {
        return Failure::rejected(code, err);
    };
    if let Some(org) = token.anonymous_org()
        && matches!(
            err,
            VerifyError::BadSignature
                | VerifyError::UnknownKey
                | VerifyError::AmbiguousKey
                | VerifyError::WrongAudience
                | VerifyError::AlgorithmMismatch { .. }
        )
    {
        return Failure::rejected(
            "anonymous_identity_token",
            format!(
                "this is an anonymous session's identity token for org `{org}`, signed with the \
                 org id, not a State Backed token: exchange it at POST /tokens first \
                 (`sbclaims exchange`), then verify the token that returns"
            ),
        );
    }
    let message = match err {
        VerifyError::UnknownKey => format!(
            "unknown key id `{}`; the keys given are {}",
            token.header_str("kid").unwrap_or_default(),
            list(&expected.kids)
        ),
        VerifyError::WrongAudience => format!(
            "wrong audience: expected `{}`, the token's `aud` is {}",
            expected.audience,
            token
                .claims
                .get("aud")
                .map_or("missing".into(), Value::to_string)
        ),
        VerifyError::WrongIssuer => format!(
            "wrong issuer: expected `{}`, the token's `iss` is {}",
            expected.issuer.unwrap_or_default(),
            token
                .claims
                .get("iss")
                .map_or("missing".into(), Value::to_string)
        ),
        VerifyError::Expired { exp, now } => format!(
            "token expired at {} ({} ago), past the leeway of {} s",
            utc(*exp),
            duration(now.saturating_sub(*exp)),
            expected.leeway
        ),
        VerifyError::NotYetValid { nbf, now } => format!(
            "token not valid before {} (in {}), past the leeway of {} s",
            utc(*nbf),
            duration(nbf.saturating_sub(*now)),
            expected.leeway
        ),
        VerifyError::IssuedInFuture { iat, now } => format!(
            "token issued in the future, at {} (in {}), past the leeway of {} s",
            utc(*iat),
            duration(iat.saturating_sub(*now)),
            expected.leeway
        ),
        other => other.to_string(),
    };
    Failure::rejected(code, message)
}

fn list(kids: &[String]) -> String {
    if kids.is_empty() {
        return "none with a key id".to_owned();
    }
    kids.iter()
        .map(|kid| format!("`{kid}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Seconds since the Unix epoch, now.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The last second RFC 3339 can write: 9999-12-31T23:59:59Z.
const MAX_RFC3339: u64 = 253_402_300_799;

/// A Unix time in RFC 3339 UTC.
pub fn utc(unix: u64) -> String {
    match UNIX_EPOCH.checked_add(Duration::from_secs(unix)) {
        Some(time) if unix <= MAX_RFC3339 => humantime::format_rfc3339_seconds(time).to_string(),
        _ => "after the year 9999".to_owned(),
    }
}

/// `7 days 2 hours`, `45 seconds`: the two largest units, spelled out.
pub fn duration(secs: u64) -> String {
    const UNITS: [(u64, &str); 5] = [
        (365 * 86_400, "year"),
        (86_400, "day"),
        (3_600, "hour"),
        (60, "minute"),
        (1, "second"),
    ];
    let mut parts = Vec::new();
    let mut rest = secs;
    for (size, name) in UNITS {
        if rest >= size && parts.len() < 2 {
            let n = rest / size;
            rest %= size;
            parts.push(format!("{n} {name}{}", if n == 1 { "" } else { "s" }));
        } else if !parts.is_empty() {
            // Only adjacent units: `1 day 3 hours`, never `1 day 3 seconds`.
            break;
        }
    }
    if parts.is_empty() {
        "0 seconds".to_owned()
    } else {
        parts.join(" ")
    }
}

/// `in 7 days` or `3 hours ago`.
pub fn relative(t: u64, now: u64) -> String {
    if t > now {
        format!("in {}", duration(t - now))
    } else {
        format!("{} ago", duration(now - t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_words() {
        assert_eq!(duration(0), "0 seconds");
        assert_eq!(duration(1), "1 second");
        assert_eq!(duration(7 * 86_400), "7 days");
        assert_eq!(duration(86_400 + 3 * 3_600 + 5), "1 day 3 hours");
        assert_eq!(duration(86_400 + 5), "1 day");
        assert_eq!(duration(90), "1 minute 30 seconds");
        assert_eq!(relative(100, 40), "in 1 minute");
        assert_eq!(relative(40, 100), "1 minute ago");
    }
}
