//! `sbclaims anonymous`: an anonymous session's identity token, as the browser mints it.

use crate::Failure;
use statebacked_claims::{AnonymousSession, FixedClock};

#[derive(clap::Args)]
pub struct Args {
    /// The org id (`org_…`).
    #[arg(long)]
    org: String,
    /// The session id (default: a random UUID).
    #[arg(long)]
    session: Option<String>,
    /// The device id (default: the session id).
    #[arg(long)]
    device: Option<String>,
    /// The time to mint at, in Unix seconds (`iat`; the token lives a day from it), for
    /// reproducible tokens; default now.
    #[arg(long, value_name = "UNIX")]
    now: Option<u64>,
}

pub fn run(args: Args, json: bool) -> Result<String, Failure> {
    let mut session = AnonymousSession::new(args.org);
    if let Some(sid) = args.session {
        session = session.session_id(sid);
    }
    if let Some(did) = args.device {
        session = session.device_id(did);
    }
    if let Some(now) = args.now {
        session = session.clock(FixedClock::at_unix(now));
    }
    let token = session
        .identity_token()
        .map_err(|err| Failure::config(err.to_string()))?;
    Ok(if json {
        serde_json::json!({
            "token": token.as_str(),
            "sid": session.sid(),
            "did": session.did(),
        })
        .to_string()
    } else {
        token.into_string()
    })
}
