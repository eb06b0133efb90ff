"""Writes BENCHMARKS.md from criterion's estimates and callgrind instruction counts."""

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile

CRITERION = "target/criterion"
ITERATIONS = 300
# Only the operations are counted, not the set-up (key generation, fixtures): see
# benches/instructions.rs.
TOGGLE = "--toggle-collect=*instructions::measure*"


def criterion_file(group, bench, name):
    with open(os.path.join(CRITERION, group, bench, "new", name)) as f:
        return json.load(f)


def median_ns(group, bench):
    return criterion_file(group, bench, "estimates.json")["median"]["point_estimate"]


def token_bytes(group):
    """The token's length, which the benchmark gives criterion as its throughput."""
    return criterion_file(group, "statebacked-claims", "benchmark.json")["throughput"]["Bytes"]


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


def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "unknown"

ASYMMETRIC = ("rs256", "es256")
ASYMMETRIC_CONTENDERS = ("statebacked-claims", "jsonwebtoken", "floor", "raw")
# Functions of the verify path, as callgrind names them.
VERIFY = "statebacked_claims::verify::Verifier<C>::verify"
AUTHENTICATE = "statebacked_claims::verify::Rules::authenticate"
SIGNATURE = "statebacked_claims::crypto::verify"
SPLIT = "statebacked_claims::jws::split"
HEADER_JSON = "<statebacked_claims::verify::HeaderVisitor as serde_core::de::Visitor>::visit_map"
PAYLOAD = "statebacked_claims::verify::parse_payload"
REGISTERED = "statebacked_claims::verify::Rules::check_registered"
VALIDATE = "statebacked_claims::claims::Claims::validate"
BASE64 = ("statebacked_claims::jws::decode_small", "statebacked_claims::verify::decode_segment")


def asymmetric_section(binary, have_valgrind, us):
    """RS256 and ES256 verify against jsonwebtoken, the floor and the backend's raw check."""
    time = {a: {c: median_ns(f"verify_{a}", c) for c in ASYMMETRIC_CONTENDERS}
            for a in ASYMMETRIC}
    size = {a: token_bytes(f"verify_{a}") for a in ASYMMETRIC}
    ir, prof = {a: {} for a in ASYMMETRIC}, {}
    if have_valgrind:
        for a in ASYMMETRIC:
            for c, arg in (("jsonwebtoken", "jsonwebtoken"), ("floor", "floor"),
                           ("raw", "raw")):
                ir[a][c] = instructions(binary, f"{a}-{arg}")
            ir[a]["statebacked-claims"], prof[a] = instructions(binary, f"{a}-ours", True)
    count = lambda a, c: f"{ir[a][c]:,.0f}" if ir[a] else "n/a"
    x = lambda n, d: f"{n / d:.2f}×"

    def ratio(a, c):
        r = f"{x(time[a]['statebacked-claims'], time[a][c])} (time)"
        if ir[a]:
            r += f", {x(ir[a]['statebacked-claims'], ir[a][c])} (instructions)"
        return r

    out = []
    out.append("## Verify + validate, RS256 and ES256\n")
    out.append(f"The same claims, signed with a key pair generated at start-up: RSA-2048 "
               f"(RS256, a {size['rs256']}-byte token) and P-256 (ES256, {size['es256']} bytes). "
               "Every contender but *raw* checks what the HS256 ones check. *raw* is the "
               "backend's signature check alone: aws-lc-rs `ParsedPublicKey::verify_sig`, the "
               "key parsed once, on the token's signing input and signature already split and "
               "base64-decoded: no base64, no JSON, no claims. jsonwebtoken keeps the public "
               "key as bytes and has aws-lc-rs parse it on every `decode`.\n")
    out.append("| contender | RS256 median | RS256 instructions | ES256 median | "
               "ES256 instructions |")
    out.append("|---|---|---|---|---|")
    for name, c in (("statebacked-claims `Verifier::verify`", "statebacked-claims"),
                    ("jsonwebtoken 11 `decode`", "jsonwebtoken"),
                    ("floor: signature check + base64 + one serde_json pass", "floor"),
                    ("raw: aws-lc-rs `ParsedPublicKey::verify_sig` alone", "raw")):
        out.append(f"| {name} | " + " | ".join(f"{us(time[a][c])} | {count(a, c)}"
                                               for a in ASYMMETRIC) + " |")
    out.append("")
    out.append("| ratio | target | RS256 | ES256 |")
    out.append("|---|---|---|---|")
    for c, target in (("raw", "≤ 1.1×"), ("jsonwebtoken", "—"), ("floor", "—")):
        out.append(f"| ours / {c} | {target} | "
                   + " | ".join(ratio(a, c) for a in ASYMMETRIC) + " |")
    out.append("")

    def verdict(a):
        parts = []
        for what, table in (("time", time[a]), ("instructions", ir[a])):
            if table:
                r = table["statebacked-claims"] / table["raw"]
                parts.append(f"{'met' if r <= 1.1 else '**missed**'} in {what} ({r:.2f}×)")
        return f"{a.upper()} {' and '.join(parts)}"
    out.append("Target ours / raw ≤ 1.1×: " + "; ".join(verdict(a) for a in ASYMMETRIC) + ".\n")

    if not prof or not all(f in prof[a] for a in ASYMMETRIC
                           for f in (VERIFY, AUTHENTICATE, SIGNATURE)):
        return out
    out.append("### Where the time goes\n")
    out.append("One verify, function by function: callgrind's inclusive counts "
               "(`callgrind_annotate --inclusive=yes` on the instructions binary, run with "
               "`ours`), per operation.\n")
    rows = {}
    for a in ASYMMETRIC:
        p, total = prof[a], ir[a]["statebacked-claims"]
        get = lambda f: p.get(f, 0)
        framing = get(AUTHENTICATE) - get(SIGNATURE)
        registered = get(PAYLOAD) + get(REGISTERED)
        act = get(VERIFY) - get(AUTHENTICATE) - registered - get(VALIDATE)
        rows[a] = {
            "signature": get(SIGNATURE),
            "framing": framing,
            "split": get(SPLIT),
            "base64": sum(get(f) for f in BASE64),
            "header": get(HEADER_JSON),
            "registered": registered,
            "act": act,
            "validate": get(VALIDATE),
            "outside": total - get(VERIFY),
            "total": total,
        }
    out.append("| part of one verify | RS256 | ES256 |")
    out.append("|---|---|---|")
    for label, k in (
            ("signature check (`crypto::verify`: `verify_sig` on the prepared key)", "signature"),
            ("framing: split, base64, header JSON, key and `alg` checks "
             "(`Rules::authenticate` less the check)", "framing"),
            ("… of which splitting the token (`jws::split`)", "split"),
            ("… of which base64 of header, signature and claims set", "base64"),
            ("… of which the header's strict JSON parse (`HeaderVisitor`)", "header"),
            ("registered claims: a strict JSON pass, `exp`/`aud`/`iat` checks "
             "(`parse_payload`, `check_registered`)", "registered"),
            ("`act` into the struct: serde_json's pass (`decode_act`)", "act"),
            ("the claims' rules (`Claims::validate`)", "validate"),
            ("outside `verify`: dropping the claims, the loop", "outside"),
            ("**total**", "total")):
        out.append(f"| {label} | " + " | ".join(f"{rows[a][k]:,.0f}" for a in ASYMMETRIC)
                   + " |")
    out.append("| raw check, for comparison | "
               + " | ".join(f"{ir[a]['raw']:,.0f}" for a in ASYMMETRIC) + " |")
    out.append("")
    rs, es = time["rs256"], time["es256"]
    over = lambda a: ir[a]["statebacked-claims"] - rows[a]["signature"]
    same = all(abs(rows[a]["signature"] - ir[a]["raw"]) <= 0.01 * ir[a]["raw"]
               for a in ASYMMETRIC)
    out.append(
        f"- The signature check inside `verify` costs {rows['rs256']['signature']:,.0f} "
        f"instructions for RS256 against {ir['rs256']['raw']:,.0f} for the raw check, "
        f"{rows['es256']['signature']:,.0f} against {ir['es256']['raw']:,.0f} for ES256"
        + (" (one ECDSA verify differs from another by a few hundred): the same call on the "
           "same prepared key, nothing lost in reaching the backend." if same else "."))
    out.append(
        f"- Everything above the raw check is the JWT work it skips by construction: "
        f"{over('rs256'):,.0f} instructions for RS256 and {over('es256'):,.0f} for ES256, "
        f"{(rs['statebacked-claims'] - rs['raw']) / 1000:.2f} µs and "
        f"{(es['statebacked-claims'] - es['raw']) / 1000:.2f} µs in time. It is much the same "
        f"work for both algorithms (RS256's longer signature costs a little more to split and "
        f"decode), so its share is what differs: an RSA-2048 check is "
        f"{us(rs['raw'])} here, a P-256 one {us(es['raw'])}, and 1.1× leaves "
        f"{rs['raw'] / 10000:.2f} µs and {es['raw'] / 10000:.2f} µs for it.")
    header = "decoded and checked"
    if rows["rs256"]["header"]:
        header = ("decoded and parsed strictly: the byte-compare fast path in `fast_header` "
                  "only knows `HS256` headers")
    out.append(
        f"- The floor, which decodes base64, makes one serde_json pass and runs the claims' "
        f"rules without looking at the header, already spends "
        f"{(rs['floor'] - rs['raw']) / 1000:.2f} µs of it on RS256 (floor / raw = "
        f"{x(rs['floor'], rs['raw'])} in time, {x(ir['rs256']['floor'], ir['rs256']['raw'])} in "
        f"instructions). Ours spends {(rs['statebacked-claims'] - rs['floor']) / 1000:.2f} µs "
        f"({ir['rs256']['statebacked-claims'] - ir['rs256']['floor']:,.0f} instructions) more "
        f"than the floor: the header ({header}), the token's size and segment checks, and a "
        f"strict JSON pass over the claims set for the registered claims before serde_json's "
        f"pass into the struct.")
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


def main():
    binary = sys.argv[1]
    cpu = next((l.split(":", 1)[1].strip() for l in sh("lscpu").splitlines()
                if l.startswith("Model name")), platform.processor())
    verify = {b: median_ns("verify_hs256", b)
              for b in ("statebacked-claims", "jsonwebtoken", "jwt-simple", "floor")}
    sign = {b: median_ns("sign_hs256", b) for b in ("statebacked-claims", "jsonwebtoken")}
    exchange = median_ns("anonymous_exchange", "statebacked-claims")
    one, two = median_ns("verify_threads", "1"), median_ns("verify_threads", "2")
    scaling = (2 / two) / (1 / one)

    have_valgrind = shutil.which("valgrind") is not None
    ir = {}
    if have_valgrind:
        for c in ("ours", "jsonwebtoken", "jwt-simple", "floor", "sign-ours",
                  "sign-jsonwebtoken", "anonymous-exchange"):
            ir[c] = instructions(binary, c)

    us = lambda ns: f"{ns / 1000:.2f} µs"
    out = []
    out.append("# Benchmarks\n")
    out.append("Regenerate with `scripts/benchmarks.sh` (criterion for time, callgrind for "
               "instruction counts). Every figure below comes from one run of it.\n")
    out.append("## Machine\n")
    out.append(f"- CPU: {cpu}, {os.cpu_count()} cores")
    out.append(f"- {sh('rustc', '-V')}, release profile, backend aws-lc-rs")
    out.append(f"- Token: a {token_bytes('verify_hs256')}-byte State Backed token, `act` with "
               "`sub`, `email` and two `groups`, HS256; every contender checks the signature, "
               "`exp`, `aud` and the same claim rules (length, email, one_of)\n")
    out.append("Wall-clock medians on a shared 2-core machine move by ±20% between runs; the "
               "instruction counts do not, so the ratios are given for both.\n")
    out.append("## Verify + validate\n")
    out.append("| contender | median | instructions |")
    out.append("|---|---|---|")
    for name, key in (("statebacked-claims `Verifier::verify`", "statebacked-claims"),
                      ("jsonwebtoken 11 `decode`", "jsonwebtoken"),
                      ("jwt-simple 0.15 `verify_token`", "jwt-simple"),
                      ("floor: HMAC + base64 + one serde_json pass", "floor")):
        irk = {"statebacked-claims": "ours"}.get(key, key)
        count = f"{ir[irk]:,.0f}" if ir else "n/a"
        out.append(f"| {name} | {us(verify[key])} | {count} |")
    out.append("")
    def ratio(a, b, ia=None, ib=None):
        r = f"{a / b:.2f}× (time)"
        if ir and ia:
            r += f", {ir[ia] / ir[ib]:.2f}× (instructions)"
        return r
    out.append("| ratio | target | measured |")
    out.append("|---|---|---|")
    out.append(f"| ours / jsonwebtoken | ≤ 0.5× | {ratio(verify['statebacked-claims'], verify['jsonwebtoken'], 'ours', 'jsonwebtoken')} |")
    out.append(f"| ours / floor | ≤ 1.25× | {ratio(verify['statebacked-claims'], verify['floor'], 'ours', 'floor')} |")
    out.append(f"| ours / jwt-simple | — | {ratio(verify['statebacked-claims'], verify['jwt-simple'], 'ours', 'jwt-simple')} |")
    out.append("")
    out.extend(asymmetric_section(binary, have_valgrind, us))
    out.append("## Sign\n")
    out.append("| contender | median | instructions |")
    out.append("|---|---|---|")
    out.append(f"| statebacked-claims `Issuer::sign` (validates first) | {us(sign['statebacked-claims'])} | {ir.get('sign-ours', 0):,.0f} |")
    out.append(f"| jsonwebtoken `encode` (after the same validation) | {us(sign['jsonwebtoken'])} | {ir.get('sign-jsonwebtoken', 0):,.0f} |")
    out.append("")
    out.append(f"ours / jsonwebtoken: {ratio(sign['statebacked-claims'], sign['jsonwebtoken'], 'sign-ours', 'sign-jsonwebtoken')} (target ≤ 0.8×)\n")
    out.append("## Anonymous exchange\n")
    out.append(f"Verify an anonymous identity token and sign the State Backed token it becomes: "
               f"{us(exchange)}, {ir.get('anonymous-exchange', 0):,.0f} instructions; "
               f"{exchange / verify['floor']:.2f}× the verify floor in time"
               + (f", {ir['anonymous-exchange'] / ir['floor']:.2f}× in instructions" if ir else "")
               + " (target ≤ 3×).\n")
    out.append("## Threads\n")
    out.append(f"Verify on 1 thread: {us(one / 5000)} per token; on 2 threads: "
               f"{us(two / 10000)} per token. Throughput on 2 threads is {scaling:.2f}× that "
               f"of 1 (target ≥ 1.8×; the machine has 2 cores shared with other work).\n")
    out.append("## Allocations\n")
    out.append("`cargo test --test allocations -- --nocapture` counts them: a verify allocates "
               "what deserializing the claims alone allocates, plus what their validation "
               "allocates, plus one (the decoded claims set, which `RegisteredClaims` keeps and "
               "reads `iss`/`aud`/`sub`/`jti` from).\n")
    print("\n".join(out))


main()
