"""Writes BENCHMARKS.md and benches/linearity.png from one run (scripts/benchmarks.sh).

1. Builds the main benchmarks (benches/tokens.rs, benches/instructions.rs) and the peer crate
   outside the workspace (benches/peer: oxitoken 0.1.0 on aws-lc-rs 1.14, the chart).
2. Writes the main process's tokens to a file the peer checks its own against, byte for byte.
3. Runs the main criterion benchmarks and the peer's alternately, ROUNDS times each, and takes
   the median of each benchmark's per-run medians.
4. Counts instructions under callgrind, where valgrind is installed (the counts do not move
   with the machine's load).
5. Runs the HTTP load benchmark once, if benches/http.rs exists.
6. Draws the linearity chart and writes BENCHMARKS.md.

The two processes are calibrated by the naive floor both measure (the same source):
ours / oxitoken = (ours / floor, main process) × (floor / oxitoken, peer process).

Environment: BENCH_ROUNDS (default 3); BENCH_ITERATIONS, the operations per callgrind count
(default 300); BENCH_CRITERION_ARGS, extra criterion options (a quick trial of the script:
`--measurement-time 0.2 --warm-up-time 0.1`); CARGO_TARGET_DIR, honoured by cargo and here.
"""

import datetime
import glob
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEER = os.path.join(ROOT, "benches", "peer")
PEER_MANIFEST = os.path.join(PEER, "Cargo.toml")
CHART = "benches/linearity.png"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
ITERATIONS = int(os.environ.get("BENCH_ITERATIONS", "300"))
CRITERION_ARGS = os.environ.get("BENCH_CRITERION_ARGS", "").split()
# Only the operations are counted, not the set-up (key generation, fixtures): see
# benches/instructions.rs.
TOGGLE = "--toggle-collect=*instructions::measure*"
GROUPS = (1, 10, 100, 1000)
ASYMMETRIC = ("rs256", "es256", "eddsa")
ASYMMETRIC_NAMES = {"rs256": "RS256", "es256": "ES256", "eddsa": "EdDSA"}
ASYMMETRIC_CONTENDERS = ("statebacked-claims", "jsonwebtoken", "floor", "raw")

# Issue #19's bounds.
TARGET_OXITOKEN = 0.80
TARGET_FLOOR = 1.0
TARGET_MAC = 2.2
TARGET_SIGN_OXITOKEN = 0.80
TARGET_THREADS = 1.85
TARGET_RAW = 1.05


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def sh(*cmd, cwd=ROOT):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd).stdout.strip()
    except OSError:
        return "unknown"


# ---- building --------------------------------------------------------------------------


def build(args, cwd=ROOT):
    """`cargo <args> --message-format=json`: {target name: executable} of what it built."""
    run = subprocess.run(["cargo", *args, "--message-format=json"], cwd=cwd,
                         stdout=subprocess.PIPE, text=True)
    if run.returncode != 0:
        sys.exit(f"`cargo {' '.join(args)}` failed")
    built = {}
    for line in run.stdout.splitlines():
        try:
            m = json.loads(line)
        except json.JSONDecodeError:
            continue
        if m.get("reason") == "compiler-artifact" and m.get("executable"):
            built[m["target"]["name"]] = m["executable"]
    return built


def target_dir(manifest):
    meta = json.loads(sh("cargo", "metadata", "--format-version", "1", "--no-deps",
                         "--manifest-path", manifest))
    return meta["target_directory"]


def locked_version(lock, name):
    """A package's version in a Cargo.lock (the first, if several)."""
    try:
        with open(lock) as f:
            m = re.search(r'name = "%s"\nversion = "([^"]+)"' % re.escape(name), f.read())
        return m.group(1) if m else "?"
    except OSError:
        return "?"


# ---- criterion -------------------------------------------------------------------------


def run_criterion(binary, cwd, criterion_home):
    """Runs one criterion benchmark binary; {benchmark id: median ns} of what it measured."""
    start = time.time()
    env = dict(os.environ, CRITERION_HOME=criterion_home)
    # stdout to stderr: criterion's progress, while this script's own output stays clean.
    subprocess.run([binary, "--bench", "--noplot", *CRITERION_ARGS], cwd=cwd, env=env, check=True,
                   stdout=sys.stderr)
    medians = {}
    for path in glob.glob(os.path.join(criterion_home, "**", "new", "estimates.json"),
                          recursive=True):
        if os.path.getmtime(path) < start:
            continue  # an earlier run's benchmark, no longer in the binary
        bench = os.path.relpath(os.path.dirname(os.path.dirname(path)), criterion_home)
        with open(path) as f:
            medians[bench.replace(os.sep, "/")] = json.load(f)["median"]["point_estimate"]
    return medians


def throughput_bytes(criterion_home, bench):
    with open(os.path.join(criterion_home, bench, "new", "benchmark.json")) as f:
        return json.load(f)["throughput"]["Bytes"]


class Rounds:
    """Every round's medians of one process, and their median."""

    def __init__(self):
        self.rounds = []

    def add(self, medians):
        self.rounds.append(medians)

    def __getitem__(self, bench):
        values = [r[bench] for r in self.rounds if bench in r]
        if not values:
            raise KeyError(f"benchmark {bench} was not measured")
        return statistics.median(values)

    def each(self, bench):
        return [r.get(bench) for r in self.rounds]


# ---- callgrind -------------------------------------------------------------------------


def annotate(path):
    """Inclusive instructions per function, from `callgrind_annotate --inclusive=yes`."""
    run = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path],
                         capture_output=True, text=True, check=True)
    costs = {}
    for line in run.stdout.splitlines():
        # "  9,766,426 (100.0%)  ???:instructions::measure [/path/to/binary]"
        m = re.match(r"\s*([\d,]+) \([^)]*\)\s+[^:\s]*:(.+) \[[^\]]*\]$", line)
        if m:
            name = m.group(2).strip()
            costs[name] = costs.get(name, 0) + int(m.group(1).replace(",", ""))
    return costs


def instructions(binary, contender, profile=False):
    """Instructions per operation: the difference between 1 and 1 + N operations, so
    first-call initialisation cancels out. With `profile`, also each function's inclusive
    instructions per operation, the same difference taken function by function."""
    log(f"callgrind: {os.path.basename(binary).split('-')[0]} {contender}")
    counts, profiles = [], []
    for n in (1, 1 + ITERATIONS):
        with tempfile.NamedTemporaryFile() as out:
            run = subprocess.run(
                ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out.name}", TOGGLE,
                 binary, contender, str(n)],
                capture_output=True, text=True, check=True)
            counts.append(int(re.search(r"Collected : (\d+)", run.stderr).group(1)))
            if profile:
                profiles.append(annotate(out.name))
    per_op = (counts[1] - counts[0]) / ITERATIONS
    if not profile:
        return per_op
    first, last = profiles
    return per_op, {f: (last[f] - first.get(f, 0)) / ITERATIONS for f in last}


# ---- formatting ------------------------------------------------------------------------


def us(ns):
    return f"{ns / 1000:.2f} µs"


def x(a, b):
    return f"{a / b:.2f}×"


def microseconds(ns):
    """A difference of medians, which the machine's load can push below zero."""
    return f"{ns / 1000:.2f} µs" + (" (below zero: the medians' noise)" if ns < 0 else "")


def count(n):
    return f"{n:,.0f}" if n is not None else "n/a"


def verdict(value, bound, at_most=True):
    ok = value <= bound if at_most else value >= bound
    return "met" if ok else "**missed**"


# ---- the verify path's parts, from callgrind profiles ----------------------------------

# Functions of the verify path, as callgrind names them; the first one present is taken (the
# verify path is being optimised: names move).
VERIFY = ("statebacked_claims::verify::Verifier<C>::verify",
          "statebacked_claims::verify::Verifier<C>::traced",
          "statebacked_claims::verify::Verifier<C>::verify_untraced")
AUTHENTICATE = ("statebacked_claims::jwt::rules::Rules::authenticate",)
SIGNATURE = ("statebacked_claims::keys::crypto::verify",)
# The claims set's strict scan, and `act`'s text read by the claims type (serde_json).
PASS = ("statebacked_claims::jwt::scan::scan",)
ACT = ("serde_json::de::from_trait",)
VALIDATE = ("statebacked_claims::claims::Claims::validate",)
# base64-simd's entry points (one per instruction set; the scalar tail is called from them).
BASE64 = "base64_simd::multiversion::decode::"


def pick(p, names):
    return next((p[n] for n in names if n in p), None)


def breakdown(p, total):
    """One verify's instructions by part, from its callgrind profile `p`; None where the
    functions it needs are not found."""
    parts = {k: pick(p, names) for k, names in (
        ("verify", VERIFY), ("authenticate", AUTHENTICATE), ("signature", SIGNATURE),
        ("pass", PASS), ("act", ACT), ("validate", VALIDATE))}
    if any(v is None for v in parts.values()):
        return None
    base64 = sum(c for f, c in p.items() if f.startswith(BASE64) and not f.endswith("init_ifunc"))
    return {
        "signature": parts["signature"],
        "framing": parts["authenticate"] - parts["signature"],
        "base64": base64,
        "pass": parts["pass"],
        "act": parts["act"],
        "rest": (parts["verify"] - parts["authenticate"] - parts["pass"] - parts["act"]
                 - parts["validate"]),
        "validate": parts["validate"],
        "outside": total - parts["verify"],
        "total": total,
    }


BREAKDOWN_ROWS = (
    ("signature check (`crypto::verify`: HMAC, or `verify_sig` on the prepared key)", "signature"),
    ("framing: the dots, the header compared with the key's, key and `alg` checks, base64 "
     "(`Rules::authenticate` less the check)", "framing"),
    ("… of which base64 of the signature and the claims set (base64-simd)", "base64"),
    ("the claims set's strict scan: every byte checked, registered claims and `act`'s probe "
     "read (`jwt::scan::scan`)", "pass"),
    ("`act`'s text read into the claims type by serde_json (`serde_json::de::from_trait`)",
     "act"),
    ("`exp`/`aud`/`iss`/`iat` checks, the anonymous probe's verdict, the rest of `verify`", "rest"),
    ("the claims' rules (`Claims::validate`)", "validate"),
    ("outside `verify`: dropping the claims, the loop", "outside"),
    ("**total**", "total"),
)


# ---- HOOK: the HTTP section (benches/http.rs, another [[bench]]), appended last ----------


def http_section():
    """HOOK: the HTTP load benchmark's section, appended after the others.

    benches/http.rs (its own [[bench]] entry, `cargo bench --bench http`) prints one JSON
    object on its last stdout line:
    {"scenarios": [{"name": …, "rps": …, "p50_ms": …, "p99_ms": …}, …]}
    and its progress on stderr. Without benches/http.rs the section says it was not run."""
    out = ["## HTTP\n"]
    if not os.path.exists(os.path.join(ROOT, "benches", "http.rs")):
        out.append("Not measured: there is no `benches/http.rs` in this tree.\n")
        return out
    log("http: cargo bench --bench http")
    run = subprocess.run(["cargo", "bench", "--bench", "http"], cwd=ROOT,
                         stdout=subprocess.PIPE, text=True)
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    try:
        if run.returncode != 0:
            raise ValueError(f"exit status {run.returncode}")
        summary = json.loads(lines[-1])
        scenarios = summary["scenarios"]
        rows = [(s["name"], float(s["rps"]), float(s["p50_ms"]), float(s["p99_ms"]))
                for s in scenarios]
        server_us = {s["name"]: s.get("server_us_per_request") for s in scenarios}
    except (ValueError, KeyError, IndexError, TypeError) as e:
        out.append(f"Not measured: `cargo bench --bench http` gave no result ({e}).\n")
        return out
    bare = next((r for r in rows if "bare" in r[0].lower()), None)
    out.append("Loopback HTTP, `cargo bench --bench http` (benches/http.rs): requests per "
               "second and latency percentiles per scenario"
               + (f", requests per second also against the bare route (`{bare[0]}`)"
                  if bare else "") + ".\n")
    out.append("| scenario | requests/s | p50 | p99 |" + (" × bare |" if bare else ""))
    out.append("|---|---|---|---|" + ("---|" if bare else ""))
    for name, rps, p50, p99 in rows:
        name = re.sub(r"([<>|])", r"\\\1", name)
        out.append(f"| {name} | {rps:,.0f} | {p50:.2f} ms | {p99:.2f} ms |"
                   + (f" {rps / bare[1]:.2f}× |" if bare else ""))
    out.append("")
    out.append(f"{summary.get('generator', 'oha')} with {summary.get('generator_threads')} "
               f"thread, {summary.get('concurrency')} connections, HTTP/1.1; the server (axum, "
               f"the crate's `Verified<C>` extractor and `token_router`) on a tokio runtime of "
               f"{summary.get('server_threads')} worker; {summary.get('rounds')} interleaved "
               f"rounds of {summary.get('seconds_per_run')} s per scenario, medians; every "
               f"response a 200. The identity provider signs with "
               f"{summary.get('idp_algorithm', 'RS256')}.\n")
    ratio, cpu = summary.get("verified_over_bare"), summary.get("verified_over_bare_server_cpu")
    verified = next((r for r in rows if r[0] == "verified"), None)
    if isinstance(ratio, (int, float)) and bare and verified:
        of_medians = verified[1] / bare[1]
        verdicts = {"met" if r >= 0.9 else "missed" for r in (ratio, of_medians)}
        verdict = verdicts.pop() if len(verdicts) == 1 else "borderline (met by one, missed by the other)"
        line = (f"Target: the route behind `Verified<C>` at least 0.9× the bare route's "
                f"requests per second: {ratio:.2f}× by the median of the rounds' ratios, "
                f"{of_medians:.3f}× by the ratio of the medians (the table's): {verdict}.")
        if isinstance(cpu, (int, float)):
            line += (f" Measured by the server's CPU time per request instead (what the ratio "
                     f"would be were the server's one worker the limit): {cpu:.2f}×.")
        us = [(n, u) for n, u in server_us.items() if isinstance(u, (int, float))]
        if us:
            line += " Server CPU per request: " + ", ".join(
                f"{n} {u:.1f} µs" for n, u in us) + "."
        out.append(line + "\n")
    return out


# ---- the report ------------------------------------------------------------------------


def main():
    os.chdir(ROOT)
    load_start = os.getloadavg()
    started = datetime.datetime.now(datetime.timezone.utc)
    # What is measured: the commit, and whether tracked files differ from it.
    commit = sh("git", "rev-parse", "--short", "HEAD")
    if sh("git", "status", "--porcelain", "--untracked-files=no"):
        commit += " (with uncommitted changes)"

    log("building the main benchmarks")
    main_bins = build(["bench", "--bench", "tokens", "--bench", "instructions", "--no-run"])
    log("building benches/peer")
    peer_bins = build(["bench", "--manifest-path", PEER_MANIFEST, "--no-run"], cwd=PEER)
    for name in ("instructions", "chart"):
        if name not in peer_bins:
            peer_bins.update(build(["build", "--release", "--manifest-path", PEER_MANIFEST,
                                    "--bins"], cwd=PEER))
    tokens_bin, main_ir_bin = main_bins["tokens"], main_bins["instructions"]
    oxi_bin, peer_ir_bin, chart_bin = (peer_bins["oxitoken"], peer_bins["instructions"],
                                       peer_bins["chart"])

    main_target = target_dir(os.path.join(ROOT, "Cargo.toml"))
    criterion_home = os.path.join(main_target, "criterion")
    os.makedirs(criterion_home, exist_ok=True)
    tokens_file = os.path.join(main_target, "bench-tokens.json")
    subprocess.run([main_ir_bin, "tokens", tokens_file], check=True)
    with open(tokens_file) as f:
        shared = json.load(f)
    os.environ["SB_BENCH_TOKENS"] = tokens_file

    # Alternate rounds: the main process, then the peer, ROUNDS times.
    T, P = Rounds(), Rounds()
    loads = [load_start[0]]
    for r in range(1, ROUNDS + 1):
        log(f"round {r}/{ROUNDS}: main benchmarks")
        T.add(run_criterion(tokens_bin, ROOT, criterion_home))
        log(f"round {r}/{ROUNDS}: benches/peer (oxitoken)")
        P.add(run_criterion(oxi_bin, PEER, criterion_home))
        loads.append(os.getloadavg()[0])

    have_valgrind = shutil.which("valgrind") is not None
    I, J, prof = {}, {}, {}
    if have_valgrind:
        for c in ("ours", "jsonwebtoken", "jwt-simple", "floor", "mac", "ours-revocations",
                  "sign-ours", "sign-jsonwebtoken", "anonymous-exchange"):
            I[c] = instructions(main_ir_bin, c)
        I["ours"], prof["hs256"] = instructions(main_ir_bin, "ours", True)
        for a in ASYMMETRIC:
            for c in ("jsonwebtoken", "floor", "raw"):
                I[f"{a}-{c}"] = instructions(main_ir_bin, f"{a}-{c}")
            I[f"{a}-ours"], prof[a] = instructions(main_ir_bin, f"{a}-ours", True)
        for n in GROUPS:
            for c in ("ours", "floor"):
                I[f"linearity-{c}-{n}"] = instructions(main_ir_bin, f"linearity-{c}-{n}")
            for c in ("oxitoken", "floor"):
                J[f"linearity-{c}-{n}"] = instructions(peer_ir_bin, f"linearity-{c}-{n}")
        for c in ("oxitoken", "floor", "mac", "sign-oxitoken"):
            J[c] = instructions(peer_ir_bin, c)

    http = http_section()
    loads.append(os.getloadavg()[0])

    out = []
    out.extend(header(shared, commit, started, loads, have_valgrind))
    sizes = {n: len(shared["series"][str(n)]) for n in GROUPS}
    out.extend(targets_section(T, P, I, J, sizes))
    out.extend(verify_section(T, P, I, J, shared))
    out.extend(asymmetric_section(T, I, prof, criterion_home))
    out.extend(linearity_section(T, P, I, J, sizes, chart_bin, main_target))
    out.extend(sign_section(T, P, I, J))
    out.extend(exchange_section(T, I))
    out.extend(threads_section(T))
    out.extend(revocation_section(T, I))
    out.extend(allocations_section())
    out.extend(http)
    with open(os.path.join(ROOT, "BENCHMARKS.md"), "w") as f:
        f.write("\n".join(out).rstrip("\n") + "\n")
    log("wrote BENCHMARKS.md and " + CHART)


def header(shared, commit, started, loads, have_valgrind):
    cpu = next((line.split(":", 1)[1].strip() for line in sh("lscpu").splitlines()
                if line.startswith("Model name")), platform.processor() or "unknown")
    try:
        with open("/proc/meminfo") as f:
            mem = int(re.search(r"MemTotal:\s+(\d+) kB", f.read()).group(1)) / 1024 / 1024
        memory = f", {mem:.0f} GiB of memory"
    except (OSError, AttributeError):
        memory = ""
    main_lock, peer_lock = os.path.join(ROOT, "Cargo.lock"), os.path.join(PEER, "Cargo.lock")
    token = shared["token"]
    out = ["# Benchmarks\n"]
    out.append("Everything below comes from one run of `scripts/benchmarks.sh` (criterion for "
               "time, callgrind for instruction counts, plotters for the chart); nothing is "
               "edited by hand.\n")
    out.append("## Machine\n")
    out.append(f"- CPU: {cpu}, {os.cpu_count()} cores{memory}; {platform.system()} "
               f"{platform.release()}")
    # The benchmarks themselves keep one core busy (two in the threads benchmark).
    busy = max(loads) > (os.cpu_count() or 1)
    out.append("- Load average (1 min) at the start, after each round and at the end: "
               + ", ".join(f"{l:.2f}" for l in loads)
               + (f". Other work competed for the {os.cpu_count()} cores during the run: the "
                  "wall-clock figures are unreliable, the instruction counts are not"
                  if busy else ": a quiet machine"))
    out.append(f"- {sh('rustc', '-V')}, bench profile (release); commit {commit}, "
               f"run {started:%Y-%m-%d %H:%M} UTC")
    out.append(f"- Main process: aws-lc-rs {locked_version(main_lock, 'aws-lc-rs')} backend, "
               f"jsonwebtoken {locked_version(main_lock, 'jsonwebtoken')}, jwt-simple "
               f"{locked_version(main_lock, 'jwt-simple')}; peer process (benches/peer, outside "
               f"the workspace): oxitoken {locked_version(peer_lock, 'oxitoken')} on aws-lc-rs "
               f"{locked_version(peer_lock, 'aws-lc-rs')}")
    out.append("- Time: criterion medians; " + (
        f"the main benchmarks and the peer's run alternately, {ROUNDS} rounds each, and each "
        f"figure is the median of its {ROUNDS} medians" if ROUNDS > 1
        else "one round of the main benchmarks, then one of the peer's"))
    out.append("- Instructions: " + (
        f"{sh('valgrind', '--version')} callgrind, per operation (the difference between 1 "
        f"and {1 + ITERATIONS} operations, set-up excluded)" if have_valgrind
        else "not counted (valgrind is not installed)"))
    out.append(f"- Token: a {len(token)}-byte State Backed token, HS256, issued at a fixed "
               "time and expiring in 2100 so that both processes build the same bytes; `act` "
               "with `sub`, `email` and two `groups`. Every contender checks the signature, "
               "`exp`, `aud` and `iss` and reads the claims into the same typed struct, then "
               "runs the same claim rules (length, email, one_of)\n")
    out.append("Wall-clock medians on a shared 2-core machine move by ±20% between runs; the "
               "instruction counts do not, so the ratios are given for both. Ours decodes "
               "base64 with base64-simd (SIMD, chosen at run time), as oxitoken does; the floor "
               "decodes with the `base64` crate, as jsonwebtoken does, which is scalar.\n")
    return out


def cross(T, P, ours, theirs, floor="verify_hs256/floor", peer_floor="peer_verify_hs256/floor"):
    """ours / theirs across the two processes, calibrated by the floor both measure."""
    return (T[ours] / T[floor]) * (P[peer_floor] / P[theirs])


def cross_rounds(T, P, ours, theirs):
    """The same ratio round by round (main round r with peer round r)."""
    out = []
    for t, p in zip(T.rounds, P.rounds):
        try:
            out.append((t[ours] / t["verify_hs256/floor"])
                       * (p["peer_verify_hs256/floor"] / p[theirs]))
        except KeyError:
            pass
    return out


def cross_ir(I, J, ours, theirs):
    """ours / theirs in instructions across the two processes, calibrated by the floor."""
    return (I[ours] / I["floor"]) * (J["floor"] / J[theirs])


def targets_section(T, P, I, J, sizes):
    out = ["## Targets (issue #19)\n"]
    out.append("Each ratio as measured, time and instructions. A cross-process ratio (against "
               "oxitoken) is calibrated by the naive floor both processes measure: ours / "
               "oxitoken = (ours / floor here) × (floor / oxitoken in benches/peer). The time "
               "ratio is the ratio of the medians over the rounds; beside it, its lowest and "
               "highest value in a single round (main round r with peer round r), which shows "
               "how far the machine's load moved it. A target is met when the time ratio "
               "meets it; the instruction ratio, which the load does not move, is given beside "
               "it.\n")
    out.append("| target | bound | time | time, range over rounds | instructions | verdict |")
    out.append("|---|---|---|---|---|---|")

    def row(name, bound, ratio, i, at_most=True):
        """`ratio(t, p)`: the time ratio from main-process and peer-process medians."""
        t = ratio(T, P)
        each = []
        for t_round, p_round in zip(T.rounds, P.rounds):
            try:
                each.append(ratio(t_round, p_round))
            except (KeyError, ZeroDivisionError):
                pass
        spread = f"{min(each):.2f}–{max(each):.2f}×" if len(each) > 1 else "—"
        ok_i = "" if i is None else f" ({verdict(i, bound, at_most)})"
        out.append(f"| {name} | {'≤' if at_most else '≥'} {bound:.2f}× | {t:.2f}× | {spread} | "
                   + (f"{i:.2f}×{ok_i}" if i is not None else "—")
                   + f" | {verdict(t, bound, at_most)} |")

    v = "verify_hs256/statebacked-claims"
    f, pf = "verify_hs256/floor", "peer_verify_hs256/floor"
    row("HS256 verify: ours / oxitoken 0.1.0", TARGET_OXITOKEN,
        lambda t, p: t[v] / t[f] * p[pf] / p["peer_verify_hs256/oxitoken"],
        cross_ir(I, J, "ours", "oxitoken") if I else None)
    row("HS256 verify: ours / naive floor", TARGET_FLOOR, lambda t, p: t[v] / t[f],
        I["ours"] / I["floor"] if I else None)
    row("HS256 verify: ours / prepared HMAC alone", TARGET_MAC,
        lambda t, p: t[v] / t["verify_hs256/mac"], I["ours"] / I["mac"] if I else None)
    row("HS256 sign: ours / oxitoken `encode`", TARGET_SIGN_OXITOKEN,
        lambda t, p: t["sign_hs256/statebacked-claims"] / t[f] * p[pf]
        / p["peer_sign_hs256/oxitoken"],
        cross_ir(I, J, "sign-ours", "sign-oxitoken") if I else None)
    row("verify throughput: 2 threads / 1", TARGET_THREADS,
        lambda t, p: 2 * t["verify_threads/1"] / t["verify_threads/2"], None, at_most=False)
    for a in ASYMMETRIC:
        g = f"verify_{a}"
        row(f"{ASYMMETRIC_NAMES[a]} verify: ours / raw signature check", TARGET_RAW,
            lambda t, p, g=g: t[f"{g}/statebacked-claims"] / t[f"{g}/raw"],
            I[f"{a}-ours"] / I[f"{a}-raw"] if I else None)
    i_ratio = (slope(lambda n: I[f"linearity-ours-{n}"], sizes)
               / slope(lambda n: I[f"linearity-floor-{n}"], sizes)) if I else None
    row(f"linearity: ours' slope / the floor's (cost per extra byte, {GROUPS[0]} → "
        f"{GROUPS[-1]} groups)", 1.0,
        lambda t, p: slope(lambda n: t[f"linearity/statebacked-claims/{n}"], sizes)
        / slope(lambda n: t[f"linearity/floor/{n}"], sizes), i_ratio)
    out.append("")
    if "sha_ni" in sh("lscpu").split():
        out.append("The instruction ratios against the HMAC (and so, in part, against the floor "
                   "and oxitoken, whose cost is mostly the HMAC) flatter ours: valgrind's "
                   "virtual CPU has no SHA-NI, which this CPU has, so under callgrind SHA-256 "
                   "runs aws-lc's generic code, many more instructions than natively, while the "
                   "JWT work around it is the same code either way. For those targets the time "
                   "ratio is the one to judge by.\n")
    out.append("Not in the issue's targets, for comparison (time, instructions): ours / "
               f"jsonwebtoken 11 {x(T[v], T['verify_hs256/jsonwebtoken'])}"
               + (f", {x(I['ours'], I['jsonwebtoken'])}" if I else "")
               + f"; ours / jwt-simple 0.15 {x(T[v], T['verify_hs256/jwt-simple'])}"
               + (f", {x(I['ours'], I['jwt-simple'])}" if I else "")
               + f"; sign, ours / jsonwebtoken "
               f"{x(T['sign_hs256/statebacked-claims'], T['sign_hs256/jsonwebtoken'])}"
               + (f", {x(I['sign-ours'], I['sign-jsonwebtoken'])}" if I else "") + ".\n")
    return out


def verify_section(T, P, I, J, shared):
    g = "verify_hs256"
    out = ["## Verify + validate, HS256\n"]
    out.append(f"The {len(shared['token'])}-byte token of the machine section. oxitoken is "
               "measured in its own process (benches/peer) on the same bytes (checked: the "
               "peer's tokens, made by our issuer and by oxitoken's `encode` from the same "
               "claims, equal the main process's byte for byte); its time is given as measured "
               "there and converted to this process by the floors' ratio.\n")
    out.append("| contender | median | instructions |")
    out.append("|---|---|---|")
    k = T[f"{g}/floor"] / P["peer_verify_hs256/floor"]
    rows = (
        ("statebacked-claims `Verifier::verify`", T[f"{g}/statebacked-claims"], I.get("ours")),
        ("oxitoken 0.1.0 `ValidationPipeline::verify` (converted)",
         P["peer_verify_hs256/oxitoken"] * k, J.get("oxitoken")),
        ("jsonwebtoken 11 `decode`", T[f"{g}/jsonwebtoken"], I.get("jsonwebtoken")),
        ("jwt-simple 0.15 `verify_token`", T[f"{g}/jwt-simple"], I.get("jwt-simple")),
        ("naive floor: split, base64, prepared-key HMAC, one serde_json pass, `exp`/`aud`/`iss`",
         T[f"{g}/floor"], I.get("floor")),
        ("prepared HMAC alone (split and signature decode included)", T[f"{g}/mac"],
         I.get("mac")),
    )
    for name, t, i in rows:
        out.append(f"| {name} | {us(t)} | {count(i)} |")
    out.append("")
    out.append("The peer process as measured (oxitoken on aws-lc-rs 1.14.1):\n")
    out.append("| contender (benches/peer) | median | instructions |")
    out.append("|---|---|---|")
    for name, key, ir in (("oxitoken 0.1.0", "oxitoken", "oxitoken"),
                          ("naive floor (the same source)", "floor", "floor"),
                          ("prepared HMAC alone (the same source)", "mac", "mac")):
        out.append(f"| {name} | {us(P[f'peer_verify_hs256/{key}'])} | {count(J.get(ir))} |")
    out.append("")
    per_round = cross_rounds(T, P, f"{g}/statebacked-claims", "peer_verify_hs256/oxitoken")
    out.append(
        f"Calibration: the floor takes {us(T[f'{g}/floor'])} here and "
        f"{us(P['peer_verify_hs256/floor'])} in the peer (×{k:.2f}); the HMAC alone "
        f"{us(T[f'{g}/mac'])} and {us(P['peer_verify_hs256/mac'])} (×"
        f"{T[f'{g}/mac'] / P['peer_verify_hs256/mac']:.2f}). Uncalibrated, ours / oxitoken is "
        f"{x(T[f'{g}/statebacked-claims'], P['peer_verify_hs256/oxitoken'])} in time"
        + (f" and {x(I['ours'], J['oxitoken'])} in instructions" if I else "")
        + "; calibrated, round by round: "
        + ", ".join(f"{r:.2f}×" for r in per_round) + ".\n")
    out.append(
        "What oxitoken checks here: the signature, with the header's `alg` against the key's; "
        "`exp` (no leeway), `aud` and `iss` (its validators); a bound of 8 KiB on the token "
        "(ours' default); then the claims' rules, as every contender runs them. It is given "
        "its fastest configuration: a static key provider (the `kid` is not looked at), a "
        "header struct with `alg` only. What ours checks beyond that: the header parsed "
        "strictly (`kid` naming the key, `typ`, refused `crit`/`b64`/`zip`/…), duplicate "
        "members refused and depth and width bounded in header and claims set, `iat` not in "
        "the future, `nbf`, an anonymous session's shape; and the claims set is not parsed "
        "before the signature is checked (oxitoken deserializes header and claims first).\n")
    return out


def asymmetric_section(T, I, prof, criterion_home):
    time_ = {a: {c: T[f"verify_{a}/{c}"] for c in ASYMMETRIC_CONTENDERS} for a in ASYMMETRIC}
    size = {a: throughput_bytes(criterion_home, f"verify_{a}/statebacked-claims")
            for a in ASYMMETRIC}
    ir = {a: ({c: I[f"{a}-{'ours' if c == 'statebacked-claims' else c}"]
               for c in ASYMMETRIC_CONTENDERS} if I else {}) for a in ASYMMETRIC}
    names = ", ".join(ASYMMETRIC_NAMES[a] for a in ASYMMETRIC[:-1]) \
        + f" and {ASYMMETRIC_NAMES[ASYMMETRIC[-1]]}"

    def ratio(a, c):
        r = f"{x(time_[a]['statebacked-claims'], time_[a][c])} (time)"
        if ir[a]:
            r += f", {x(ir[a]['statebacked-claims'], ir[a][c])} (instructions)"
        return r

    out = [f"## Verify + validate, {names}\n"]
    out.append(f"The same claims, signed with a key pair generated at start-up: RSA-2048 "
               f"(RS256, a {size['rs256']}-byte token), P-256 (ES256, {size['es256']} bytes) "
               f"and Ed25519 (EdDSA, {size['eddsa']} bytes). Every contender but *raw* checks "
               "what the HS256 ones check. *raw* is the backend's signature check alone: "
               "aws-lc-rs `ParsedPublicKey::verify_sig`, the key parsed once, on the token's "
               "signing input and signature already split and base64-decoded: no base64, no "
               "JSON, no claims. jsonwebtoken keeps the public key as bytes and has aws-lc-rs "
               "parse it on every `decode`.\n")
    out.append("| contender | " + " | ".join(f"{ASYMMETRIC_NAMES[a]} median | "
                                            f"{ASYMMETRIC_NAMES[a]} instructions"
                                            for a in ASYMMETRIC) + " |")
    out.append("|---|" + "---|---|" * len(ASYMMETRIC))
    for name, c in (("statebacked-claims `Verifier::verify`", "statebacked-claims"),
                    ("jsonwebtoken 11 `decode`", "jsonwebtoken"),
                    ("floor: signature check + base64 + one serde_json pass + `exp`/`aud`/`iss`",
                     "floor"),
                    ("raw: aws-lc-rs `ParsedPublicKey::verify_sig` alone", "raw")):
        out.append(f"| {name} | " + " | ".join(
            f"{us(time_[a][c])} | {count(ir[a].get(c))}" for a in ASYMMETRIC) + " |")
    out.append("")
    out.append("| ratio | target | " + " | ".join(ASYMMETRIC_NAMES[a] for a in ASYMMETRIC)
               + " |")
    out.append("|---|---|" + "---|" * len(ASYMMETRIC))
    for c, target in (("raw", f"≤ {TARGET_RAW:.2f}×"), ("jsonwebtoken", "—"), ("floor", "—")):
        out.append(f"| ours / {c} | {target} | "
                   + " | ".join(ratio(a, c) for a in ASYMMETRIC) + " |")
    out.append("")

    def judged(a):
        parts = []
        for what, table in (("time", time_[a]), ("instructions", ir[a])):
            if table:
                r = table["statebacked-claims"] / table["raw"]
                parts.append(f"{verdict(r, TARGET_RAW)} in {what} ({r:.2f}×)")
        return f"{ASYMMETRIC_NAMES[a]} {' and '.join(parts)}"
    out.append(f"Target ours / raw ≤ {TARGET_RAW:.2f}×: "
               + "; ".join(judged(a) for a in ASYMMETRIC) + ".\n")

    if not prof:
        return out
    rows = {a: breakdown(prof[a], I[f"{a}-ours"]) for a in ASYMMETRIC}
    rows["hs256"] = breakdown(prof["hs256"], I["ours"])
    out.append("### Where the time goes\n")
    if any(r is None for r in rows.values()):
        out.append("Not broken down: the functions of the verify path the breakdown reads "
                   "(`VERIFY`, `AUTHENTICATE`, … in scripts/benchmarks.py) were not all found "
                   "in the profile; the verify path has changed.\n")
        return out
    out.append("One verify, function by function: callgrind's inclusive counts "
               "(`callgrind_annotate --inclusive=yes` on the instructions binary, run with "
               "`ours`), per operation. HS256 is the token of the first table.\n")
    cols = ("hs256",) + ASYMMETRIC
    out.append("| part of one verify | HS256 | "
               + " | ".join(ASYMMETRIC_NAMES[a] for a in ASYMMETRIC) + " |")
    out.append("|---|---|" + "---|" * len(ASYMMETRIC))
    for label, k in BREAKDOWN_ROWS:
        out.append(f"| {label} | " + " | ".join(f"{rows[a][k]:,.0f}" for a in cols) + " |")
    out.append("| raw check, for comparison | — | "
               + " | ".join(f"{ir[a]['raw']:,.0f}" for a in ASYMMETRIC) + " |")
    out.append("")
    same = all(abs(rows[a]["signature"] - ir[a]["raw"]) <= 0.01 * ir[a]["raw"]
               for a in ASYMMETRIC)
    out.append(
        "- The signature check inside `verify` costs "
        + ", ".join(f"{rows[a]['signature']:,.0f} instructions for {ASYMMETRIC_NAMES[a]} "
                    f"against {ir[a]['raw']:,.0f} for the raw check" for a in ASYMMETRIC)
        + (": the same call on the same prepared key, nothing lost in reaching the backend "
           "(one ECDSA verify differs from another by a few hundred)." if same else "."))
    out.append(
        "- Everything above the raw check is the JWT work it skips by construction: "
        + ", ".join(f"{ir[a]['statebacked-claims'] - rows[a]['signature']:,.0f} instructions "
                    f"and {microseconds(time_[a]['statebacked-claims'] - time_[a]['raw'])} "
                    f"for {ASYMMETRIC_NAMES[a]}" for a in ASYMMETRIC)
        + f". It is much the same work whatever the algorithm, so its share is what differs: "
        + ", ".join(f"a raw {ASYMMETRIC_NAMES[a]} check is {us(time_[a]['raw'])}"
                    for a in ASYMMETRIC)
        + f" here, and {TARGET_RAW:.2f}× leaves "
        + ", ".join(f"{time_[a]['raw'] * (TARGET_RAW - 1) / 1000:.2f} µs" for a in ASYMMETRIC)
        + " for it.")
    flags = sh("lscpu").split()
    generic = [f for f in ("bn_sqr8x_internal", "bn_mul4x_mont", "sha256_block_data_order_avx")
               if any(name == f or name.endswith("_" + f) for name in prof["rs256"])]
    if generic and "adx" in flags and "sha_ni" in flags:
        out.append(
            "- The instruction ratios flatter RS256: valgrind's virtual CPU offers neither ADX "
            "nor SHA-NI, which this CPU has, so under callgrind aws-lc runs its generic code ("
            + ", ".join(f"`{f}`" for f in generic)
            + ") where natively it takes its `mulx`/`adx` and SHA extension paths. The check "
            "is more instructions under callgrind than natively and the JWT work is not, so "
            "for RS256 the time ratio is the one to judge the target by.")
    out.append("")
    return out


def slope(cost, sizes):
    """Cost per extra byte from the series' smallest token to its largest; `cost` maps a
    group count to a cost."""
    first, last = GROUPS[0], GROUPS[-1]
    return (cost(last) - cost(first)) / (sizes[last] - sizes[first])


def linearity_section(T, P, I, J, sizes, chart_bin, main_target):
    ours = {n: T[f"linearity/statebacked-claims/{n}"] for n in GROUPS}
    floor = {n: T[f"linearity/floor/{n}"] for n in GROUPS}
    pfloor = {n: P[f"peer_linearity/floor/{n}"] for n in GROUPS}
    # oxitoken converted to this process at each size by the floors' ratio at that size.
    oxi = {n: P[f"peer_linearity/oxitoken/{n}"] * floor[n] / pfloor[n] for n in GROUPS}
    out = ["## Linearity: cost against the token's size\n"]
    out.append(f"HS256 tokens whose `act` has {', '.join(map(str, GROUPS))} groups ("
               + ", ".join(f"{sizes[n]:,}" for n in GROUPS) + " bytes). The claims type is "
               "the first table's with the groups in arrays of at most 250 names (one array up "
               "to 250 groups, four for 1000), each name under the same `one_of` rule: our "
               "verifier bounds every JSON array and object at 256 items (a strictness check "
               "it does not let callers raise), so 1000 groups in one array are refused before "
               "any claim is read. The verifiers of this series (ours and oxitoken's) accept "
               "tokens up to 64 KiB instead of 8 KiB; the bound is still checked. oxitoken is "
               "converted to this process by the floors' ratio at each size.\n")
    out.append(f"![HS256 verify time per token and per byte against the token's size]({CHART})\n")
    out.append("| groups | bytes | ours | ours per byte | floor | floor per byte | oxitoken "
               "(converted) | oxitoken per byte | ours / floor | ours / oxitoken |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    for n in GROUPS:
        b = sizes[n]
        out.append(f"| {n} | {b:,} | {us(ours[n])} | {ours[n] / b:.2f} ns | {us(floor[n])} | "
                   f"{floor[n] / b:.2f} ns | {us(oxi[n])} | {oxi[n] / b:.2f} ns | "
                   f"{x(ours[n], floor[n])} | {x(ours[n], oxi[n])} |")
    out.append("")
    def marginal(t):
        return ", ".join(f"{(t[b] - t[a]) / (sizes[b] - sizes[a]):.2f}"
                         for a, b in zip(GROUPS, GROUPS[1:]))
    s_ours, s_floor = slope(ours.get, sizes), slope(floor.get, sizes)
    s_oxi = slope(lambda n: P[f"peer_linearity/oxitoken/{n}"], sizes)
    s_pfloor = slope(pfloor.get, sizes)
    out.append(f"Slope, ns per extra byte from {GROUPS[0]} to {GROUPS[-1]} groups: ours "
               f"{s_ours:.3f}, the floor {s_floor:.3f} (ours / floor "
               f"{s_ours / s_floor:.2f}×, target ≤ 1.00×: {verdict(s_ours / s_floor, 1.0)}); "
               f"oxitoken {s_oxi:.3f} against its process's floor {s_pfloor:.3f} (oxitoken / "
               f"floor {s_oxi / s_pfloor:.2f}×). Marginal cost per byte between consecutive "
               f"sizes ({' → '.join(map(str, GROUPS))} groups), flat if the cost is linear: "
               f"ours {marginal(ours)} ns; the floor {marginal(floor)} ns; oxitoken "
               f"{marginal(oxi)} ns.\n")
    if I:
        io = {n: I[f"linearity-ours-{n}"] for n in GROUPS}
        fl = {n: I[f"linearity-floor-{n}"] for n in GROUPS}
        ox = {n: J[f"linearity-oxitoken-{n}"] for n in GROUPS}
        pf = {n: J[f"linearity-floor-{n}"] for n in GROUPS}
        out.append("| groups | ours instructions | per byte | floor instructions | per byte | "
                   "oxitoken instructions | per byte | peer floor instructions |")
        out.append("|---|---|---|---|---|---|---|---|")
        for n in GROUPS:
            b = sizes[n]
            out.append(f"| {n} | {io[n]:,.0f} | {io[n] / b:.1f} | {fl[n]:,.0f} | "
                       f"{fl[n] / b:.1f} | {ox[n]:,.0f} | {ox[n] / b:.1f} | {pf[n]:,.0f} |")
        out.append("")
        si, sf = slope(io.get, sizes), slope(fl.get, sizes)
        so, sp = slope(ox.get, sizes), slope(pf.get, sizes)
        out.append(f"In instructions per extra byte: ours {si:.1f}, the floor {sf:.1f} (ours / "
                   f"floor {si / sf:.2f}×: {verdict(si / sf, 1.0)}); oxitoken {so:.1f} "
                   f"against its process's floor {sp:.1f} ({so / sp:.2f}×).\n")

    # The chart: time per token and per byte, ours, the floor and oxitoken (converted).
    data = {"series": [
        {"name": name, "points": [[sizes[n], t[n]] for n in GROUPS]}
        for name, t in (("statebacked-claims", ours), ("naive floor", floor),
                        ("oxitoken 0.1.0 (converted)", oxi))]}
    data_file = os.path.join(main_target, "bench-linearity.json")
    with open(data_file, "w") as f:
        json.dump(data, f)
    font = sh("fc-match", "-f", "%{file}", "sans-serif") if shutil.which("fc-match") else ""
    font = font or next((p for p in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                                     "/usr/share/fonts/TTF/DejaVuSans.ttf",
                                     "/Library/Fonts/Arial Unicode.ttf") if os.path.exists(p)),
                        "")
    if not font:
        sys.exit("no TrueType font found for the chart (install fontconfig and a font)")
    subprocess.run([chart_bin, data_file, os.path.join(ROOT, CHART), font], check=True)
    return out


def sign_section(T, P, I, J):
    ours, jwt = T["sign_hs256/statebacked-claims"], T["sign_hs256/jsonwebtoken"]
    k = T["verify_hs256/floor"] / P["peer_verify_hs256/floor"]
    oxi = P["peer_sign_hs256/oxitoken"]
    out = ["## Sign\n"]
    out.append("A token for the first table's claims, valid for a day from the system clock: "
               "each contender runs the claims' rules first. oxitoken's `encode` signs the "
               "claims set our issuer makes (a borrowed struct, our issuer's member order: the "
               "peer checks it signs our issuer's bytes), converted to this process by the "
               "floors' ratio.\n")
    out.append("| contender | median | instructions |")
    out.append("|---|---|---|")
    out.append(f"| statebacked-claims `Issuer::sign` | {us(ours)} | {count(I.get('sign-ours'))} |")
    out.append(f"| oxitoken 0.1.0 `encode` (converted; {us(oxi)} as measured) | {us(oxi * k)} | "
               f"{count(J.get('sign-oxitoken'))} |")
    out.append(f"| jsonwebtoken 11 `encode` | {us(jwt)} | {count(I.get('sign-jsonwebtoken'))} |")
    out.append("")
    r = cross(T, P, "sign_hs256/statebacked-claims", "peer_sign_hs256/oxitoken")
    out.append(f"ours / oxitoken: {r:.2f}× in time"
               + (f", {(I['sign-ours'] / I['floor']) * (J['floor'] / J['sign-oxitoken']):.2f}× "
                  f"in instructions (calibrated; {x(I['sign-ours'], J['sign-oxitoken'])} "
                  f"uncalibrated)" if I else "")
               + f" (target ≤ {TARGET_SIGN_OXITOKEN:.2f}×: {verdict(r, TARGET_SIGN_OXITOKEN)}); "
               f"ours / jsonwebtoken: {x(ours, jwt)} in time"
               + (f", {x(I['sign-ours'], I['sign-jsonwebtoken'])} in instructions" if I else "")
               + ".\n")
    out.append(f"{', '.join(ASYMMETRIC_NAMES[a] for a in ASYMMETRIC)}, the key pairs of the "
               "verify tables: ours parses the private key once, when the `Key` is built "
               "(aws-lc-rs `RsaKeyPair`/`EcdsaKeyPair`/`Ed25519KeyPair`); jsonwebtoken's "
               "`encode` has the backend parse it on every call. Wall clock only (an RSA "
               "signature under callgrind takes too long to repeat).\n")
    out.append("| contender | " + " | ".join(f"{ASYMMETRIC_NAMES[a]} median" for a in ASYMMETRIC)
               + " |")
    out.append("|---|" + "---|" * len(ASYMMETRIC))
    for name, c in (("statebacked-claims `Issuer::sign`", "statebacked-claims"),
                    ("jsonwebtoken `encode`", "jsonwebtoken")):
        out.append(f"| {name} | " + " | ".join(us(T[f"sign_{a}/{c}"]) for a in ASYMMETRIC)
                   + " |")
    out.append("| ours / jsonwebtoken | " + " | ".join(
        x(T[f"sign_{a}/statebacked-claims"], T[f"sign_{a}/jsonwebtoken"]) for a in ASYMMETRIC)
        + " |")
    out.append("")
    return out


def exchange_section(T, I):
    ex, floor = T["anonymous_exchange/statebacked-claims"], T["verify_hs256/floor"]
    out = ["## Anonymous exchange\n"]
    out.append(f"Verify an anonymous identity token and sign the State Backed token it becomes: "
               f"{us(ex)}, {count(I.get('anonymous-exchange'))} instructions; "
               f"{x(ex, floor)} the verify floor in time"
               + (f", {x(I['anonymous-exchange'], I['floor'])} in instructions" if I else "")
               + " (an earlier target: ≤ 3×).\n")
    return out


def threads_section(T):
    one, two = T["verify_threads/1"], T["verify_threads/2"]
    scaling = 2 * one / two
    rounds = [2 * a / b for a, b in zip(T.each("verify_threads/1"), T.each("verify_threads/2"))
              if a and b]
    out = ["## Threads\n"]
    out.append(f"Verify on 1 thread: {us(one / 5000)} per token; on 2 threads, each verifying "
               f"5,000 tokens: {us(two / 10000)} per token. Throughput on 2 threads is "
               f"{scaling:.2f}× that of 1 (target ≥ {TARGET_THREADS:.2f}×: "
               f"{verdict(scaling, TARGET_THREADS, False)}; round by round "
               + ", ".join(f"{r:.2f}×" for r in rounds)
               + "). The machine has 2 cores, shared with other work: a second thread competes "
               "with whatever else runs.\n")
    return out


def revocation_section(T, I):
    off, on = T["verify_revocation/off"], T["verify_revocation/on"]
    out = ["## Verify with revocations checked\n"]
    out.append("The HS256 token of the first table, verified by a `Verifier` with a revocation "
               "view (`Verifier::revocations`, an in-process view of 10,000 revoked subjects and "
               "10,000 revoked token ids, none of them this token's) against the same verifier "
               "without one.\n")
    out.append("| verifier | median | instructions |")
    out.append("|---|---|---|")
    out.append(f"| `Verifier::verify` | {us(off)} | {count(I.get('ours'))} |")
    out.append(f"| `Verifier::verify` with revocations | {us(on)} | "
               f"{count(I.get('ours-revocations'))} |")
    out.append("")
    out.append(f"With / without: {x(on, off)} in time"
               + (f", {x(I['ours-revocations'], I['ours'])} in instructions" if I else "")
               + " (an earlier target: ≤ 1.1×): a shared read lock and one foldhash lookup of "
               "the subject. The wall-clock ratio is within the noise of these medians; the "
               "instruction ratio is the one to judge by.\n")
    out.append("An exchange with rate limits in Redis adds one round trip to it (one `EVALSHA` "
               "of the GCRA script covering every bucket of the request; after a Redis restart "
               "the first call also sends the script, `EVAL`); replay detection, where turned "
               "on, one more (`SET NX PX`).\n")
    return out


def allocations_section():
    return ["## Allocations\n",
            "`cargo test --test allocations -- --nocapture` counts them: a verify allocates "
            "what deserializing the claims alone allocates, plus what their validation "
            "allocates, plus one (the decoded claims set, which `RegisteredClaims` keeps and "
            "reads `iss`/`aud`/`sub`/`jti` from). Claims that borrow from the token "
            "(`&'a str`, `Cow<'a, str>`) through `Verifier::verify_in` and a reused `ClaimsBuf` "
            "allocate none of those strings: on the benchmark's claims, 3 allocations against "
            "the owned type's 7 (`borrowed_claims_verify_without_allocating_their_strings`).\n"]


if __name__ == "__main__":
    main()
