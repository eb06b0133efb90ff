//! The load generator: `oha`, pinned, installed with cargo into the target directory when it
//! is not there, run once per measurement with JSON output, its result read and checked.

use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long past its own deadline a run may take (start-up, in-flight requests, each with
/// oha's 10 s timeout) before it is killed and the bench fails.
const GRACE: Duration = Duration::from_secs(30);

/// The oha release the numbers are measured with.
pub const VERSION: &str = "1.16.0";

/// One oha run's result.
#[derive(Debug, Clone)]
pub struct Run {
    /// Requests answered per second over the run.
    pub rps: f64,
    /// Latency percentiles, in milliseconds.
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Requests answered (every one of them a 200).
    pub requests: u64,
}

/// What one run sends, and how hard.
pub struct Load<'a> {
    pub url: &'a str,
    /// `GET` or `POST`.
    pub method: &'a str,
    /// Extra request headers, `name: value`.
    pub headers: &'a [String],
    /// A body and its content type.
    pub body: Option<(&'a str, &'a str)>,
    pub connections: usize,
    pub duration: Duration,
    /// oha's runtime threads.
    pub threads: usize,
}

/// The oha binary: `$OHA` if set, else `<target dir>/tools/bin/oha` at [`VERSION`],
/// installed there first (`cargo install --locked`) if it is missing. Returns it with the
/// version it reports (`oha 1.16.0`).
pub fn locate() -> Result<(PathBuf, String), String> {
    if let Some(path) = std::env::var_os("OHA") {
        let path = PathBuf::from(path);
        let version = version(&path).ok_or(format!(
            "OHA={} does not run as oha (`--version`)",
            path.display()
        ))?;
        return Ok((path, version));
    }
    let root = tools_root();
    let bin = root.join("bin").join("oha");
    let wanted = format!("oha {VERSION}");
    if version(&bin).as_deref() == Some(wanted.as_str()) {
        return Ok((bin, wanted));
    }
    crate::progress(&format!(
        "installing oha {VERSION} into {} with cargo (once; several minutes)",
        root.display()
    ));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["install", "--locked", "oha", "--version", VERSION, "--root"])
        .arg(&root)
        // oha builds in cargo's own temporary directory, not among the workspace's artifacts.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .status()
        .map_err(|err| format!("could not run cargo install oha: {err}"))?;
    if !status.success() {
        return Err(format!(
            "cargo install oha {VERSION} failed ({status}); install it by hand and set OHA=<path>"
        ));
    }
    match version(&bin) {
        Some(found) if found == wanted => Ok((bin, found)),
        other => Err(format!(
            "{} reports {other:?} after installing, not {wanted}",
            bin.display()
        )),
    }
}

/// `<target dir>/tools`: the bench binary is `<target dir>/<profile>/deps/http-<hash>`.
fn tools_root() -> PathBuf {
    let target = std::env::current_exe()
        .ok()
        .filter(|exe| exe.parent().and_then(Path::file_name) == Some("deps".as_ref()))
        .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
        .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("target"));
    target.join("tools")
}

/// What `oha --version` prints (`oha 1.16.0`), if it runs.
fn version(bin: &Path) -> Option<String> {
    let out = Command::new(bin).arg("--version").output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let line = text.lines().next()?.trim();
    line.starts_with("oha ").then(|| line.to_owned())
}

/// Runs `load` to its end (`-z`, then the requests in flight are waited for, each with a
/// timeout) and checks that every response was a 200 and nothing failed.
pub fn run(bin: &Path, load: &Load<'_>) -> Result<Run, String> {
    let mut command = Command::new(bin);
    command
        .args(["--no-tui", "--no-color", "--output-format", "json"])
        .args(["--http-version", "1.1"])
        .arg("-z")
        .arg(format!("{}ms", load.duration.as_millis()))
        // Requests still in flight at the deadline are answered and counted, not aborted.
        .arg("--wait-ongoing-requests-after-deadline")
        .args(["-t", "10s"])
        .arg("-c")
        .arg(load.connections.to_string())
        .arg("--worker-threads")
        .arg(load.threads.to_string())
        .args(["-m", load.method]);
    for header in load.headers {
        command.arg("-H").arg(header);
    }
    if let Some((body, content_type)) = load.body {
        command.args(["-T", content_type, "-d", body]);
    }
    command.arg(load.url);
    let (status, stdout, stderr) = run_bounded(&mut command, load.duration + GRACE)
        .map_err(|err| format!("could not run {}: {err}", bin.display()))?;
    if !status.success() {
        return Err(format!(
            "oha exited with {status}: {}",
            String::from_utf8_lossy(&stderr).trim()
        ));
    }
    let report: Value = serde_json::from_slice(&stdout)
        .map_err(|err| format!("oha's output is not JSON: {err}"))?;
    parse(&report)
}

/// Runs `command` to its end, or kills it once `limit` has passed: the status and what it
/// wrote on stdout and stderr (read as it runs, so a full pipe never stalls it).
fn run_bounded(
    command: &mut Command,
    limit: Duration,
) -> std::io::Result<(std::process::ExitStatus, Vec<u8>, Vec<u8>)> {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::other(format!(
                "oha was still running after {} s and was killed",
                limit.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let join = |handle: std::thread::JoinHandle<Vec<u8>>| handle.join().unwrap_or_default();
    Ok((status, join(stdout), join(stderr)))
}

/// The numbers of oha's JSON report; an error unless every response is a 200.
fn parse(report: &Value) -> Result<Run, String> {
    let errors = report
        .get("errorDistribution")
        .and_then(Value::as_object)
        .ok_or("oha's report has no errorDistribution")?;
    if !errors.is_empty() {
        return Err(format!(
            "requests failed: {}",
            Value::Object(errors.clone())
        ));
    }
    let statuses = report
        .get("statusCodeDistribution")
        .and_then(Value::as_object)
        .ok_or("oha's report has no statusCodeDistribution")?;
    let mut requests = 0;
    for (status, count) in statuses {
        let count = count.as_u64().ok_or("a status count is not a number")?;
        if status != "200" {
            return Err(format!(
                "responses other than 200: {}",
                Value::Object(statuses.clone())
            ));
        }
        requests += count;
    }
    if requests == 0 {
        return Err("no response at all".into());
    }
    let number = |section: &str, key: &str| {
        report
            .get(section)
            .and_then(|s| s.get(key))
            .and_then(Value::as_f64)
            .ok_or(format!("oha's report has no {section}.{key}"))
    };
    Ok(Run {
        rps: number("summary", "requestsPerSec")?,
        // oha reports seconds.
        p50_ms: number("latencyPercentiles", "p50")? * 1e3,
        p99_ms: number("latencyPercentiles", "p99")? * 1e3,
        requests,
    })
}
