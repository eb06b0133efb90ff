//! One module per subcommand; each `run` returns what to print.

pub mod anonymous;
pub mod exchange;
pub mod inspect;
pub mod keys;
pub mod sign;
pub mod verify;

use crate::Failure;
use statebacked_claims::Expires;

/// `7d`, `1h30m`, or a Unix time.
pub fn expires(text: &str) -> Result<Expires, Failure> {
    if let Ok(unix) = text.parse::<u64>() {
        return Ok(Expires::at_unix(unix));
    }
    text.parse()
        .map_err(|err| Failure::config(format!("--expires {text:?}: {err}")))
}
