//! Over HTTP, on loopback: the same route with and without `Verified<Viewer>`, and
//! `POST /tokens` for an anonymous session and for an identity provider's RS256 token, each at
//! a fixed concurrency under `oha`, a real load generator.
//!
//! `scripts/http_load.sh` (or `nice -n 10 cargo bench --bench http`). oha is pinned
//! ([`oha::VERSION`]) and installed with cargo into `<target dir>/tools` the first time (or
//! set `OHA=<path>`). Without `--bench` (`cargo test --bench http`) it only checks that every
//! route answers what it should.
//!
//! The two cores are split the same way for every scenario: the server's tokio runtime has
//! one worker thread, oha one. Scenarios run interleaved, `ROUNDS` rounds of `SECONDS` each
//! after a warm-up; every response must be a 200 or the bench fails. A progress line is
//! printed before and after each run; the last line of stdout is one JSON object with the
//! medians over the rounds.
//!
//! `HTTP_BENCH_SECONDS` (1 to 60) and `HTTP_BENCH_ROUNDS` (1 to 9) shorten or lengthen it.

mod common;
#[path = "http/oha.rs"]
mod oha;
#[path = "http/server.rs"]
mod server;

use serde_json::json;
use std::error::Error;
use std::io::Write;
use std::time::{Duration, Instant};

/// Connections oha keeps open, in every scenario.
const CONCURRENCY: usize = 32;
/// The server runtime's worker threads and oha's: one core each.
const SERVER_THREADS: usize = 1;
const GENERATOR_THREADS: usize = 1;
/// Defaults: seconds per measured run, rounds of every scenario, seconds of warm-up each.
const SECONDS: u64 = 5;
const ROUNDS: usize = 3;
const WARM_UP: Duration = Duration::from_secs(1);

/// A line on stdout, flushed at once.
pub fn progress(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "http: {line}");
    let _ = out.flush();
}

/// One kind of request, sent over and over.
struct Scenario {
    name: &'static str,
    method: &'static str,
    path: &'static str,
    headers: Vec<String>,
    body: Option<String>,
}

/// One measured run of a scenario.
struct Measured {
    run: oha::Run,
    /// Server CPU time per request, in microseconds.
    server_us: Option<f64>,
    /// The server's CPU time over the run's wall time: near 1.0 (its one worker busy all
    /// the time) when the server is what limits the rate, lower when the generator is.
    server_share: Option<f64>,
}

fn main() {
    if let Err(err) = run() {
        eprintln!("http: {err}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let bench = std::env::args().any(|arg| arg == "--bench");
    let seconds = setting("HTTP_BENCH_SECONDS", SECONDS, 1..=60)?;
    let rounds = setting("HTTP_BENCH_ROUNDS", ROUNDS as u64, 1..=9)? as usize;

    let fixture = server::Fixture::new()?;
    let server = server::Server::start(&fixture, SERVER_THREADS)?;
    server.check(&fixture)?;
    progress(&format!(
        "serving on {}: every route answers as it should",
        server.addr
    ));
    if !bench {
        progress("checked only; `cargo bench --bench http` measures");
        server.stop();
        return Ok(());
    }
    let (oha_bin, generator) = oha::locate()?;
    // The machine's load when the runs begin (the 1, 5 and 15 minute averages).
    let load_before = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|avg| avg.split_whitespace().take(3).collect::<Vec<_>>().join(" "));

    let bearer = format!("authorization: Bearer {}", fixture.token);
    let form = "application/x-www-form-urlencoded";
    let scenarios = [
        Scenario {
            name: "bare",
            method: "GET",
            path: "/bare",
            headers: vec![bearer.clone()],
            body: None,
        },
        Scenario {
            name: "verified",
            method: "GET",
            path: "/verified",
            headers: vec![bearer],
            body: None,
        },
        Scenario {
            name: "exchange_anonymous",
            method: "POST",
            path: "/tokens",
            headers: Vec::new(),
            body: Some(fixture.anonymous_form.clone()),
        },
        Scenario {
            name: "exchange_idp",
            method: "POST",
            path: "/tokens",
            headers: Vec::new(),
            body: Some(fixture.idp_form.clone()),
        },
    ];
    let total = scenarios.len();
    progress(&format!(
        "{generator}, {CONCURRENCY} connections, server {SERVER_THREADS} thread, generator \
         {GENERATOR_THREADS} thread; {rounds} rounds of {seconds} s per scenario after {} s of warm-up",
        WARM_UP.as_secs()
    ));

    let url = |scenario: &Scenario| server.url(scenario.path);
    let load = |scenario: &Scenario, url: &str, duration| {
        oha::run(
            &oha_bin,
            &oha::Load {
                url,
                method: scenario.method,
                headers: &scenario.headers,
                body: scenario.body.as_deref().map(|body| (body, form)),
                connections: CONCURRENCY,
                duration,
                threads: GENERATOR_THREADS,
            },
        )
        .map_err(|err| format!("{}: {err}", scenario.name))
    };

    for (i, scenario) in scenarios.iter().enumerate() {
        progress(&format!("warm-up {}/{total} {}", i + 1, scenario.name));
        load(scenario, &url(scenario), WARM_UP)?;
    }

    // measured[scenario][round]
    let mut measured: Vec<Vec<Measured>> = scenarios.iter().map(|_| Vec::new()).collect();
    for round in 1..=rounds {
        for (i, scenario) in scenarios.iter().enumerate() {
            let label = format!(
                "round {round}/{rounds}, {}/{total} {}",
                i + 1,
                scenario.name
            );
            progress(&format!(
                "{label}: {} {} for {seconds} s …",
                scenario.method, scenario.path
            ));
            let cpu_before = server::cpu_ns();
            let started = Instant::now();
            let run = load(scenario, &url(scenario), Duration::from_secs(seconds))?;
            let wall = started.elapsed();
            let cpu = cpu_before
                .zip(server::cpu_ns())
                .map(|(before, after)| after.saturating_sub(before));
            let server_us = cpu.map(|ns| ns as f64 / 1e3 / run.requests as f64);
            let server_share = cpu.map(|ns| ns as f64 / wall.as_nanos() as f64);
            let share = server_us
                .zip(server_share)
                .map(|(us, share)| {
                    format!(
                        ", server {us:.1} µs/request ({:.0}% of a core)",
                        share * 100.0
                    )
                })
                .unwrap_or_default();
            progress(&format!(
                "{label}: {} req/s, p50 {:.2} ms, p99 {:.2} ms, {} requests{share}",
                thousands(run.rps),
                run.p50_ms,
                run.p99_ms,
                thousands(run.requests as f64),
            ));
            measured[i].push(Measured {
                run,
                server_us,
                server_share,
            });
        }
    }
    server.stop();

    let bare_rps: Vec<f64> = measured[0].iter().map(|m| m.run.rps).collect();
    let mut report = Vec::new();
    for (scenario, runs) in scenarios.iter().zip(&measured) {
        // Against the bare route of the same round: the rounds are interleaved, so a drift
        // in the machine's load moves both.
        let vs_bare = median(
            runs.iter()
                .zip(&bare_rps)
                .map(|(m, bare)| m.run.rps / bare)
                .collect(),
        );
        let server_us: Option<Vec<f64>> = runs.iter().map(|m| m.server_us).collect();
        let server_share: Option<Vec<f64>> = runs.iter().map(|m| m.server_share).collect();
        let row = json!({
            "name": scenario.name,
            "rps": round2(median(runs.iter().map(|m| m.run.rps).collect())),
            "p50_ms": round3(median(runs.iter().map(|m| m.run.p50_ms).collect())),
            "p99_ms": round3(median(runs.iter().map(|m| m.run.p99_ms).collect())),
            "requests": runs.iter().map(|m| m.run.requests).sum::<u64>(),
            "rps_rounds": runs.iter().map(|m| round2(m.run.rps)).collect::<Vec<_>>(),
            "vs_bare": round3(vs_bare),
            "server_us_per_request": server_us.map(|us| round2(median(us))),
            "server_core_share": server_share.map(|share| round2(median(share))),
        });
        progress(&format!(
            "{}: {} req/s ({:.2}x bare), p50 {} ms, p99 {} ms",
            scenario.name,
            thousands(row["rps"].as_f64().unwrap_or_default()),
            vs_bare,
            row["p50_ms"],
            row["p99_ms"],
        ));
        report.push(row);
    }
    let verified_over_bare = report[1]["vs_bare"].clone();
    progress(&format!(
        "verified / bare: {verified_over_bare}x requests per second (target: at least 0.9x)"
    ));
    // What the ratio would be were the server's one worker the limit: its CPU per request
    // on the bare route over that on the verified one, round by round.
    let per_round: Option<Vec<f64>> = measured[0]
        .iter()
        .zip(&measured[1])
        .map(|(bare, verified)| Some(bare.server_us? / verified.server_us?))
        .collect();
    let capacity = per_round.map(|ratios| round3(median(ratios)));
    if let Some(capacity) = capacity {
        progress(&format!(
            "verified / bare by server CPU per request: {capacity}x"
        ));
    }
    let summary = json!({
        "scenarios": report,
        "concurrency": CONCURRENCY,
        "generator": generator,
        "generator_threads": GENERATOR_THREADS,
        "server_threads": SERVER_THREADS,
        "seconds_per_run": seconds,
        "rounds": rounds,
        "statistic": "median over rounds",
        "verified_over_bare": verified_over_bare,
        "verified_over_bare_server_cpu": capacity,
        "loadavg_before": load_before,
        "idp_algorithm": "RS256",
        "cores": std::thread::available_parallelism().map_or(0, |n| n.get()),
    });
    println!("{summary}");
    Ok(())
}

/// An environment setting within `range`, or `default` when unset.
fn setting(name: &str, default: u64, range: std::ops::RangeInclusive<u64>) -> Result<u64, String> {
    let Ok(value) = std::env::var(name) else {
        return Ok(default);
    };
    value
        .parse()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or(format!(
            "{name}={value}: not a whole number from {} to {}",
            range.start(),
            range.end()
        ))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// `41233.7` as `41,234`.
fn thousands(x: f64) -> String {
    let digits = format!("{:.0}", x.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
