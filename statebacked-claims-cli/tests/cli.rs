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
        .args(["sign", "--key-id", KEY_ID, "--claim", "sub=u"])
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
            "--claim",
            "sub=u",
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
        .args(["sign", "--claim", "sub=u", "--expires", "soon"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("--expires"));
    with_key()
        .args(["sign", "--claim", "sub=u", "--expires", "1000"])
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
        .args(["sign", "--claim", "sub=u", "--alg", "none"])
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
        .stdout(
            predicate::str::contains("in 1 hour").or(predicate::str::contains("in 59 minutes")),
        );
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
        .code(3)
        .stderr(predicate::str::contains("unknown service `billing`"))
        .stderr(predicate::str::contains("the services `app`"));
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

/// The `--expires` examples `sign --help` offers, each one the parser accepts.
#[test]
fn every_expiry_the_help_offers_is_accepted() {
    let help = stdout(sbclaims().args(["sign", "--help"]));
    let line = help
        .lines()
        .find(|line| line.contains("--expires"))
        .unwrap()
        .to_owned();
    let examples: Vec<&str> = line.split('`').skip(1).step_by(2).collect();
    assert!(examples.len() >= 3, "{line}");
    for example in examples {
        stdout(with_key().args(["sign", "--claim", "sub=u", "--expires", example]));
    }
}

#[test]
fn keys_generate_creates_the_directory_and_overwrites_only_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("keys/nested");
    let out = out.to_str().unwrap();
    stdout(sbclaims().args(["keys", "generate", "--alg", "ES256", "--out", out]));
    let private = std::fs::read_to_string(dir.path().join("keys/nested/private.pem")).unwrap();
    assert!(private.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    assert!(!private.contains('\r'), "PEM files have LF line endings");
    sbclaims()
        .args(["keys", "generate", "--alg", "ES256", "--out", out])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("already exists: pass --force"));
    stdout(sbclaims().args([
        "keys", "generate", "--alg", "ES256", "--out", out, "--force",
    ]));
    assert_ne!(
        std::fs::read_to_string(dir.path().join("keys/nested/private.pem")).unwrap(),
        private
    );
}

#[test]
fn key_files_name_their_own_algorithm_and_a_jwk_its_own_kid() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    stdout(sbclaims().args([
        "keys", "generate", "--alg", "ES384", "--kid", "k-384", "--out", out,
    ]));
    let private = dir.path().join("private.pem");
    let public = dir.path().join("public.pem");
    // No --alg: a P-384 key signs ES384.
    let token = stdout(sbclaims().args([
        "sign",
        "--key-file",
        private.to_str().unwrap(),
        "--key-id",
        "k-384",
        "--claim",
        "sub=u",
    ]));
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header, json!({"alg": "ES384", "kid": "k-384"}));
    stdout(sbclaims().args([
        "verify",
        &token,
        "--key-file",
        public.to_str().unwrap(),
        "--key-id",
        "k-384",
    ]));
    // A JWK file carries its kid and alg: no --key-id needed.
    let jwks: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("jwks.json")).unwrap())
            .unwrap();
    let jwk = dir.path().join("public.jwk");
    std::fs::write(&jwk, jwks["keys"][0].to_string()).unwrap();
    stdout(sbclaims().args(["verify", &token, "--key-file", jwk.to_str().unwrap()]));
    sbclaims()
        .args([
            "verify",
            &token,
            "--key-file",
            jwk.to_str().unwrap(),
            "--key-id",
            "other",
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "the JWK's kid is `k-384`, not the `other`",
        ));
    // An HMAC algorithm with a key file names the flag to use, not the Rust API, and errors
    // say each thing once.
    let hmac = with_key()
        .args(["sign", "--claim", "sub=u", "--alg", "HS256", "--key-file"])
        .arg(&private)
        .output()
        .unwrap();
    let stderr = String::from_utf8(hmac.stderr).unwrap();
    assert!(stderr.contains("--secret-file"), "{stderr}");
    assert!(!stderr.contains("Key::"), "{stderr}");
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a key").unwrap();
    let bad = sbclaims()
        .args(["sign", "--claim", "sub=u", "--key-id", "k", "--key-file"])
        .arg(&garbage)
        .output()
        .unwrap();
    let stderr = String::from_utf8(bad.stderr).unwrap();
    assert_eq!(stderr.matches("invalid key").count(), 1, "{stderr}");
    assert!(stderr.contains("garbage.pem"), "{stderr}");
}

/// `--json` errors carry the cause as a stable code; text errors name what was compared.
#[test]
fn rejections_name_what_they_compared_with_a_code_per_cause() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let signed = |extra: &[&str]| {
        let mut args = vec!["sign", "--claim", "sub=u", "--expires", "1h"];
        args.extend_from_slice(extra);
        stdout(with_key().args(&args))
    };
    let rejected = |token: &str, extra: &[&str]| {
        let mut args = vec!["--json", "verify", token];
        args.extend_from_slice(extra);
        let output = with_key().args(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(1));
        serde_json::from_slice::<Value>(&output.stderr).unwrap()
    };
    let expired = signed(&["--now", &(now - 7200).to_string()]);
    let error = rejected(&expired, &[]);
    assert_eq!(error["error"], "rejected");
    assert_eq!(error["code"], "expired");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("expired at 20"), "{message}");
    assert!(message.contains("leeway of 30 s"), "{message}");

    let token = signed(&[]);
    let error = rejected(&token, &["--audience", "https://other.example/"]);
    assert_eq!(error["code"], "wrong_audience");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("expected `https://other.example/`"),
        "{message}"
    );
    assert!(
        message.contains("\"https://api.statebacked.dev/\""),
        "{message}"
    );

    let error = rejected(&token, &["--issuer", "https://me.example/"]);
    assert_eq!(error["code"], "wrong_issuer");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("https://sbk_cli.client.statebacked.dev/")
    );

    let other = sbclaims()
        .env("SBCLAIMS_SECRET", SECRET)
        .args(["--json", "verify", &token, "--key-id", "sbk_other"])
        .output()
        .unwrap();
    let error: Value = serde_json::from_slice(&other.stderr).unwrap();
    assert_eq!(error["code"], "unknown_kid");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("`sbk_cli`") && message.contains("`sbk_other`"),
        "{message}"
    );

    // One character of the signature changed where every character is canonical base64 (the
    // last one carries padding bits, which would make it malformed instead).
    let at = token.rfind('.').unwrap() + 1;
    let mut tampered = token.clone();
    let swapped = if tampered[at..].starts_with('A') {
        "B"
    } else {
        "A"
    };
    tampered.replace_range(at..at + 1, swapped);
    assert_eq!(rejected(&tampered, &[])["code"], "bad_signature");
    assert_eq!(rejected("a.b", &[])["code"], "malformed");
}

/// The same malformed token gets the same sentence from `verify` and `inspect`.
#[test]
fn verify_and_inspect_describe_a_malformed_token_alike() {
    let b64 = |text: &str| URL_SAFE_NO_PAD.encode(text);
    for token in [
        "a.b".to_owned(),
        "a..c".to_owned(),
        "a b.c.d".to_owned(),
        "!!.e30.sig".to_owned(),
        format!("{}.{}.sig", b64("not json"), b64("{}")),
        format!("{}.{}.sig", b64("[1]"), b64("{}")),
        format!("{}.e30.sig", URL_SAFE_NO_PAD.encode([0xff, 0xfe])),
    ] {
        let verify = with_key().args(["verify", &token]).output().unwrap();
        let inspect = sbclaims().args(["inspect", &token]).output().unwrap();
        assert_eq!(verify.status.code(), Some(1), "{token}");
        assert_eq!(inspect.status.code(), Some(1), "{token}");
        assert_eq!(
            String::from_utf8_lossy(&verify.stderr),
            String::from_utf8_lossy(&inspect.stderr),
            "{token}"
        );
    }
}

#[test]
fn inspect_says_when_the_leeway_still_accepts_an_expired_token() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // Expired 10 s ago: `verify`'s default 30 s leeway still accepts it.
    let token = stdout(with_key().args([
        "sign",
        "--claim",
        "sub=u",
        "--now",
        &(now - 70).to_string(),
        "--expires",
        "60s",
    ]));
    stdout(with_key().args(["verify", &token]));
    sbclaims()
        .args(["inspect", &token])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "EXPIRED, but within the default leeway of 30 s",
        ));
    let later = stdout(with_key().args(["sign", "--claim", "sub=u", "--expires", "7d"]));
    sbclaims()
        .args(["inspect", &later])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("in 6 days 23 hours")
                .or(predicate::str::contains("in 7 days")),
        );
}

#[test]
fn sign_refuses_no_claims_unless_asked_and_a_fixed_clock_reproduces_tokens() {
    with_key()
        .args(["sign"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("no claims given"))
        .stderr(predicate::str::contains("--empty"));
    let empty = stdout(with_key().args(["sign", "--empty"]));
    assert_eq!(payload(&empty)["act"], json!({}));
    let at = |now: &str| {
        stdout(with_key().args(["sign", "--claim", "sub=u", "--now", now, "--expires", "1h"]))
    };
    assert_eq!(at("1700000000"), at("1700000000"));
    assert_eq!(payload(&at("1700000000"))["iat"], 1_700_000_000);
    let anonymous = |now: &str| {
        stdout(sbclaims().args([
            "anonymous",
            "--org",
            "org_cli",
            "--session",
            "s-1",
            "--now",
            now,
        ]))
    };
    assert_eq!(anonymous("1700000000"), anonymous("1700000000"));
    assert_eq!(payload(&anonymous("1700000000"))["exp"], 1_700_086_400);
}

#[test]
fn an_anonymous_identity_token_is_told_to_be_exchanged_first() {
    let identity = stdout(sbclaims().args(["anonymous", "--org", "org_cli"]));
    let output = with_key()
        .args(["--json", "verify", &identity])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let error: Value = serde_json::from_slice(&output.stderr).unwrap();
    assert_eq!(error["code"], "anonymous_identity_token");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("org `org_cli`"), "{message}");
    assert!(message.contains("POST /tokens"), "{message}");
}

/// WIRE.md's golden vector A, signed by the command line: `act` keeps the input's member order
/// (`sub` before `groups`), as `signToken` does, so the token is byte for byte the vector.
#[test]
fn sign_reproduces_golden_vector_a_byte_for_byte() {
    const GOLDEN: &str = "eyJhbGciOiJIUzI1NiIsImtpZCI6InNia190ZXN0In0.eyJhY3QiOnsic3ViIjoidXNlci0xIiwiZ3JvdXBzIjpbImEiLCJiIl19LCJhdWQiOiJodHRwczovL2FwaS5zdGF0ZWJhY2tlZC5kZXYvIiwiZXhwIjo0MTAyNDQ0ODAwLCJpc3MiOiJodHRwczovL2V4YW1wbGUuY29tLyIsImlhdCI6MTcwMDAwMDAwMH0.DoUFtTJQMed7zaxbLd1LZszGhVh63AoyI22nWiAfVw4";
    let token = stdout(
        sbclaims()
            .env("SBCLAIMS_KEY_ID", "sbk_test")
            .env("SBCLAIMS_SECRET", "sbsec_test_secret_0123456789abcdef")
            .args([
                "sign",
                "--claims",
                r#"{"sub":"user-1","groups":["a","b"]}"#,
                "--issuer",
                "https://example.com/",
                "--now",
                "1700000000",
                "--expires",
                "4102444800",
            ]),
    );
    assert_eq!(token, GOLDEN);
}
