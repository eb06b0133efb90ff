//! The real peers of the interop tests: npm packages and PyPI packages installed into
//! `tests/interop/` (by `.ci/run`, or by the first test that needs them).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// PyJWT, and the `cryptography` package its RSA, ECDSA and EdDSA support needs, pinned with
/// their dependencies in `tests/interop/requirements.txt` (which `.ci/run` installs too).
const PYTHON_REQUIREMENTS: &str = "requirements.txt";

pub fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

/// Installs the peers once per test run; the directory they are installed in.
pub fn peers() -> &'static Path {
    static INSTALLED: OnceLock<PathBuf> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let dir = interop_dir();
        let installed = [
            "@statebacked/token",
            "@statebacked/client",
            "jose6",
            "oidc-provider",
            ".bin/tsc",
        ]
        .iter()
        .all(|package| dir.join("node_modules").join(package).exists());
        if !installed {
            run(Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&dir));
        }
        if !dir.join(".python/jwt").exists() || !dir.join(".python/cryptography").exists() {
            run(Command::new("python3")
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .args([
                    "--target",
                    ".python",
                    "--upgrade",
                    "-r",
                    PYTHON_REQUIREMENTS,
                ])
                .current_dir(&dir));
        }
        dir
    })
}

pub fn run(command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|err| panic!("could not run {command:?}: {err}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("peer output is UTF-8")
}
