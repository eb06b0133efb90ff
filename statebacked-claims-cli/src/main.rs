//! `sbclaims`: keys, signing, verifying and inspecting State Backed-style tokens.
//!
//! Exit codes: 0 success; 1 the token or request was rejected (the typed error is printed);
//! 2 a usage error (unknown flag, missing argument); 3 a configuration or I/O error (no
//! secret, unreadable file, invalid key).

mod any_claims;
mod commands;
mod describe;
mod secrets;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Keys, signing, verifying and inspecting State Backed-style tokens.
///
/// Secrets are read from a file (`--secret-file`) or the environment (`SBCLAIMS_SECRET`) and
/// never printed.
#[derive(Parser)]
#[command(name = "sbclaims", version, about, long_about = None)]
struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign a State Backed token whose `act` is the given claims.
    Sign(commands::sign::Args),
    /// Verify a token and print its claims, or the reason it is rejected (exit code 1).
    Verify(commands::verify::Args),
    /// Decode a token without verifying it (clearly labelled UNVERIFIED).
    Inspect(commands::inspect::Args),
    /// Mint an anonymous session's identity token for an org.
    Anonymous(commands::anonymous::Args),
    /// Run a token exchange locally from a JSON configuration of providers.
    Exchange(commands::exchange::Args),
    /// Key management.
    #[command(subcommand)]
    Keys(commands::keys::Command),
}

/// How a command failed: the exit code that says so, a stable machine code for `--json`
/// (`expired`, `bad_signature`, `unknown_kid`, `config`, …) and the message.
pub struct Failure {
    kind: Kind,
    code: &'static str,
    message: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The token or request was rejected: exit code 1.
    Rejected,
    /// Configuration or I/O: exit code 3.
    Config,
}

impl Failure {
    /// A configuration or I/O failure (exit code 3, code `config`).
    pub fn config(message: impl Into<String>) -> Failure {
        Failure {
            kind: Kind::Config,
            code: "config",
            message: message.into(),
        }
    }

    /// A rejection (exit code 1) with its machine code.
    pub fn rejected(code: &'static str, message: impl std::fmt::Display) -> Failure {
        Failure {
            kind: Kind::Rejected,
            code,
            message: message.to_string(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    let result = match cli.command {
        Command::Sign(args) => commands::sign::run(args, json),
        Command::Verify(args) => commands::verify::run(args, json),
        Command::Inspect(args) => commands::inspect::run(args, json),
        Command::Anonymous(args) => commands::anonymous::run(args, json),
        Command::Exchange(args) => commands::exchange::run(args, json),
        Command::Keys(command) => commands::keys::run(command, json),
    };
    match result {
        Ok(output) => {
            println!("{output}");
            ExitCode::SUCCESS
        }
        Err(Failure {
            kind,
            code,
            message,
        }) => {
            let (exit, label) = match kind {
                Kind::Rejected => (1, "rejected"),
                Kind::Config => (3, "error"),
            };
            if json {
                eprintln!(
                    "{}",
                    serde_json::json!({ "error": label, "code": code, "message": message })
                );
            } else {
                eprintln!("{label}: {message}");
            }
            ExitCode::from(exit)
        }
    }
}
