//! `sbclaims`, run as a binary: every subcommand, and bad input.

use assert_cmd::Command;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use predicates::prelude::*;
use serde_json::{Value, json};
use std::path::Path;

const KEY_ID: &str = "sbk_cli";
const SECRET: &str = "sbsec_cli_secret_0123456789abcdef0123";

fn sbclaims() -> Command {
    let mut command = Command::cargo_bin("sbclaims").unwrap();
    command
        .env_remove("SBCLAIMS_SECRET")
        .env_remove("SBCLAIMS_KEY_ID");
    command
}

fn with_key() -> Command {
    let mut command = sbclaims();
    command
        .env("SBCLAIMS_SECRET", SECRET)
        .env("SBCLAIMS_KEY_ID", KEY_ID);
    command
}

fn stdout(command: &mut Command) -> String {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

fn payload(token: &str) -> Value {
    serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap()
}

#[test]
fn sign_then_verify() {
    let token = stdout(with_key().args([
        "sign",
        "--claims",
        r#"{"sub":"user-1"}"#,
        "--claim",
        r#"groups=["a","b"]"#,
        "--claim",
        "plan=pro",
        "--expires",
        "7d",
        "--issuer",
        "https://example.com/",
    ]));
    let claims = payload(&token);
    assert_eq!(
        claims["act"],
        json!({"sub": "user-1", "groups": ["a", "b"], "plan": "pro"})
    );
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        7 * 86_400
    );
    assert_eq!(claims["iss"], "https://example.com/");

    let out: Value =
        serde_json::from_str(&stdout(with_key().args(["--json", "verify", &token]))).unwrap();
    assert_eq!(out["valid"], true);
    assert_eq!(out["act"]["groups"], json!(["a", "b"]));
    assert_eq!(out["registered"]["kid"], KEY_ID);

    // From standard input, and with --json output of sign.
    let out: Value = serde_json::from_str(&stdout(
        with_key()
            .args(["--json", "verify", "-"])
            .write_stdin(format!("{token}\n")),
    ))
    .unwrap();
    assert_eq!(out["act"]["sub"], "user-1");
    let signed: Value = serde_json::from_str(&stdout(
        with_key().args(["--json", "sign", "--claim", "sub=u"]),
    ))
    .unwrap();
    assert!(signed["token"].as_str().unwrap().starts_with("eyJ"));
}

#[test]
fn a_rejected_token_exits_1_with_the_typed_error() {
    let token = stdout(with_key().args(["sign", "--claim", "sub=u"]));
    // Another signature of the right length: flip the signature's first character.
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
    let tampered = format!("{signing_input}.{flipped}{}", &signature[1..]);
    with_key()
        .args(["verify", &tampered])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("invalid signature"))
        .stderr(predicate::str::contains(&tampered).not())
        .stderr(predicate::str::contains(SECRET).not());
    with_key()
        .args(["verify", "--audience", "https://other.example/", &token])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("wrong audience"));
    let out = with_key()
        .args(["--json", "verify", "not-a-token"])
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let error: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(error["error"], "rejected");
}

#[test]
fn secrets_come_from_a_file_or_the_environment_and_are_never_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("secret");
    std::fs::write(&file, format!("{SECRET}\n")).unwrap();
    let token = stdout(sbclaims().args([
        "sign",
        "--key-id",
        KEY_ID,
        "--secret-file",
        file.to_str().unwrap(),
        "--claim",
        "sub=u",
    ]));
    stdout(with_key().args(["verify", &token]));

    sbclaims()
        .args(["sign", "--key-id", KEY_ID, "--claim", "sub=u"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("SBCLAIMS_SECRET"));
    sbclaims()
        .env("SBCLAIMS_SECRET", "short")
        .args(["sign", "--key-id", KEY_ID])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("at least 32"))
        .stderr(predicate::str::contains("short").not());
    sbclaims()
        .args([
            "sign",
            "--key-id",
            KEY_ID,
            "--secret-file",
            "/nonexistent/secret",
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("/nonexistent/secret"));
}

#[test]
fn bad_input_is_a_usage_or_input_error() {
    sbclaims().arg("frobnicate").assert().code(2);
    sbclaims().args(["verify"]).assert().code(2);
    with_key()
        .args(["sign", "--claim", "novalue"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("NAME=VALUE"));
    with_key()
        .args(["sign", "--claims", "[1,2]"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("JSON object"));
    with_key()
        .args(["sign", "--expires", "soon"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("--expires"));
    with_key()
        .args(["sign", "--expires", "1000"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not after"));
    // `auth` is reserved for anonymous sessions: never signed as a user's claim.
    with_key()
        .args([
            "sign",
            "--claim",
            "auth=anonymous",
            "--claim",
            "sid=s",
            "--claim",
            "did=d",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("reserved for anonymous sessions"));
    with_key()
        .args(["sign", "--alg", "none"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("unsupported algorithm"));
}

#[test]
fn inspect_labels_what_it_did_not_verify() {
    let token = stdout(with_key().args(["sign", "--claim", "sub=u", "--expires", "1h"]));
    sbclaims()
        .args(["inspect", &token])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("UNVERIFIED"))
        .stdout(predicate::str::contains("not expired"))
        .stdout(predicate::str::contains("in 1h").or(predicate::str::contains("in 59m")));
    // An expired token, with a signature nobody checks.
    let b64 = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let expired = format!(
        "{}.{}.sig",
        b64(json!({"alg": "HS256"})),
        b64(json!({"sub": "u", "iat": 1_600_000_000u64, "exp": 1_600_003_600u64}))
    );
    sbclaims()
        .args(["inspect", &expired])
        .assert()
        .success()
        .stdout(predicate::str::contains("2020-09-13T13:26:40Z"))
        .stdout(predicate::str::contains("EXPIRED"));
    let out: Value =
        serde_json::from_str(&stdout(sbclaims().args(["--json", "inspect", &expired]))).unwrap();
    assert_eq!(out["verified"], false);
    assert_eq!(out["expired"], true);
    assert_eq!(out["times"][1]["utc"], "2020-09-13T13:26:40Z");
    // Times past what RFC 3339 can write, or past what the clock can hold, do not panic.
    for exp in [253_402_300_800u64, u64::MAX] {
        let far = format!(
            "{}.{}.sig",
            b64(json!({"alg": "HS256"})),
            b64(json!({"exp": exp}))
        );
        sbclaims()
            .args(["inspect", &far])
            .assert()
            .success()
            .stdout(predicate::str::contains("after the year 9999"));
    }
    sbclaims().args(["inspect", "a.b"]).assert().code(1);
    sbclaims().args(["inspect", "!!.e30.x"]).assert().code(1);
}

fn config(dir: &Path, body: Value) -> String {
    let path = dir.join("exchange.json");
    std::fs::write(&path, body.to_string()).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn anonymous_then_exchange_then_verify() {
    let identity = stdout(sbclaims().args([
        "anonymous",
        "--org",
        "org_cli",
        "--session",
        "s-1",
        "--device",
        "d-1",
    ]));
    let claims = payload(&identity);
    assert_eq!(claims["sid"], "s-1");
    assert_eq!(
        claims["aud"],
        "https://org_cli.anonymous.auth.statebacked.dev"
    );

    let dir = tempfile::tempdir().unwrap();
    let config = config(
        dir.path(),
        json!({
            "org": "org_cli",
            "identity_providers": [{"anonymous": true}],
            "token_providers": [{"service": "app", "key_id": KEY_ID, "secret_env": "SBCLAIMS_SECRET"}],
        }),
    );
    let response: Value = serde_json::from_str(&stdout(with_key().args([
        "--json",
        "exchange",
        "--config",
        &config,
        "--service",
        "app",
        &identity,
    ])))
    .unwrap();
    assert_eq!(response["token_type"], "Bearer");
    let token = response["access_token"].as_str().unwrap();
    let verified: Value =
        serde_json::from_str(&stdout(with_key().args(["--json", "verify", token]))).unwrap();
    assert_eq!(verified["anonymous"], true);
    assert_eq!(
        verified["act"],
        json!({"sid": "s-1", "did": "d-1", "auth": "anonymous"})
    );

    with_key()
        .args([
            "exchange",
            "--config",
            &config,
            "--service",
            "billing",
            &identity,
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("invalid_target"));
    sbclaims()
        .args(["anonymous", "--org", "bad org!"])
        .assert()
        .code(3);
}

#[test]
fn exchange_from_a_jwks_identity_provider() {
    let dir = tempfile::tempdir().unwrap();
    stdout(sbclaims().args([
        "keys",
        "generate",
        "--alg",
        "ES256",
        "--kid",
        "idp-1",
        "--out",
        dir.path().to_str().unwrap(),
    ]));
    let idp_token = stdout(sbclaims().args([
        "sign",
        "--key-id",
        "idp-1",
        "--alg",
        "ES256",
        "--key-file",
        dir.path().join("private.pem").to_str().unwrap(),
        "--issuer",
        "https://idp.example/",
        "--claim",
        "sub=user-9",
    ]));
    let config = config(
        dir.path(),
        json!({
            "org": "org_cli",
            "identity_providers": [{
                "name": "idp", "issuer": "https://idp.example/", "algorithms": ["ES256"],
                "jwks_file": "jwks.json",
                // `sbclaims sign` makes State Backed tokens: the user is in `act`.
                "mapping": {"sub.$": "$.act.sub"},
            }],
            "token_providers": [{"service": "app", "key_id": KEY_ID, "secret_env": "SBCLAIMS_SECRET"}],
        }),
    );
    let token = stdout(with_key().args([
        "exchange",
        "--config",
        &config,
        "--service",
        "app",
        &idp_token,
    ]));
    let verified: Value =
        serde_json::from_str(&stdout(with_key().args(["--json", "verify", &token]))).unwrap();
    assert_eq!(verified["act"], json!({"sub": "user-9"}));
    // A config that is not valid is a configuration error.
    let broken = dir.path().join("broken.json");
    std::fs::write(
        &broken,
        r#"{"org":"org_cli","identity_providers":[],"token_providers":[],"extra":1}"#,
    )
    .unwrap();
    with_key()
        .args([
            "exchange",
            "--config",
            broken.to_str().unwrap(),
            "--service",
            "app",
            &idp_token,
        ])
        .assert()
        .code(3);
}

#[test]
fn keys_generate_secrets_and_key_pairs() {
    let out = stdout(sbclaims().args(["keys", "generate"]));
    let secret = out
        .lines()
        .find_map(|l| l.strip_prefix("secret: "))
        .unwrap();
    assert!(
        secret.starts_with("sbsec_") && secret.len() == 6 + 43,
        "{secret}"
    );

    for alg in ["RS256", "PS384", "ES384", "EdDSA"] {
        let out: Value = serde_json::from_str(&stdout(
            sbclaims().args(["--json", "keys", "generate", "--alg", alg, "--kid", "k"]),
        ))
        .unwrap();
        assert!(
            out["private_pem"]
                .as_str()
                .unwrap()
                .contains("BEGIN PRIVATE KEY")
        );
        assert!(
            out["public_pem"]
                .as_str()
                .unwrap()
                .contains("BEGIN PUBLIC KEY")
        );
        assert_eq!(out["jwks"]["keys"][0]["alg"], alg);
        assert_eq!(out["jwks"]["keys"][0]["kid"], "k");
        assert!(out["jwks"]["keys"][0].get("d").is_none());
    }

    let dir = tempfile::tempdir().unwrap();
    stdout(sbclaims().args([
        "keys",
        "generate",
        "--alg",
        "EdDSA",
        "--out",
        dir.path().to_str().unwrap(),
    ]));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("private.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Existing files are never overwritten.
    sbclaims()
        .args([
            "keys",
            "generate",
            "--alg",
            "EdDSA",
            "--out",
            dir.path().to_str().unwrap(),
        ])
        .assert()
        .code(3);
    sbclaims()
        .args(["keys", "generate", "--alg", "ES512"])
        .assert()
        .code(3);
}
