#!/usr/bin/env python3
"""Writes reports/fuzz.md from the last runs of scripts/fuzz.sh (fuzz/target/logs).

Per target: executions, seconds, exec/s, coverage (libFuzzer's final `cov:` edges and `ft:`
features), corpus size, crashes, commit and date of the run.
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
LOGS = ROOT / "fuzz" / "target" / "logs"
REPORT = ROOT / "reports" / "fuzz.md"
TARGETS = ["record_decode", "execute_decode", "validate_user_op_decode", "param_rule", "authorize_op"]

ORACLES = {
    "record_decode": "decode ⇒ re-encode is byte-identical, `visit_exact` agrees; arbitrary record → encode → decode round trip; mutated encodings",
    "execute_decode": "accepted ⇔ alloy-sol-types' validating decode succeeds and re-encodes to the input (outer call and `Execution[]`), same calls",
    "validate_user_op_decode": "accepted ⇔ alloy-sol-types' validating decode succeeds and re-encodes to the input, same op and hash",
    "param_rule": "`ParamRule::check` and `authorize_op` over the stored layout vs a `U256`/`I256` model (first failing rule reported)",
    "authorize_op": "SDK simulator vs the contract on TestVM over op sequences: same validationData or revert bytes, same storage words after; registration ⇔ decode; engine debits on random storage",
}


def parse(target):
    log = LOGS / f"{target}.log"
    meta_path = LOGS / f"{target}.meta"
    if not log.exists() or not meta_path.exists():
        return None
    text = log.read_text(errors="replace")
    meta = dict(
        line.split("=", 1) for line in meta_path.read_text().splitlines() if "=" in line
    )
    stat = dict(re.findall(r"^stat::(\w+):\s+(\d+)", text, re.M))
    done = re.findall(r"^Done (\d+) runs in (\d+) second", text, re.M)
    status = re.findall(r"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)", text, re.M)
    execs = int(stat.get("number_of_executed_units", done[-1][0] if done else 0))
    seconds = int(done[-1][1]) if done else None
    crashed = meta.get("exit") != "0" or bool(
        re.search(r"deadly signal|panicked at|==ERROR|Test unit written", text)
    )
    return {
        "execs": execs,
        "seconds": seconds,
        "rate": int(stat.get("average_exec_per_sec", 0)),
        "cov": status[-1][1] if status else "?",
        "ft": status[-1][2] if status else "?",
        "corp": status[-1][3] if status else "?",
        "seeds": meta.get("corpus_seeds", "?"),
        "crashes": "yes (see log)" if crashed else "0",
        "commit": meta.get("commit", "?"),
        "date": meta.get("date", "?"),
    }


def main():
    rows = []
    missing = []
    for t in TARGETS:
        r = parse(t)
        if r is None:
            missing.append(t)
            continue
        rows.append(
            f"| `{t}` | {r['execs']:,} | {r['seconds']} | {r['rate']:,} | {r['cov']} | {r['ft']} "
            f"| {r['seeds']} → {r['corp']} | {r['crashes']} | `{r['commit']}` | {r['date']} |"
        )
    out = [
        "# Fuzzing",
        "",
        "Coverage-guided differential fuzzing with cargo-fuzz (libFuzzer) on nightly; the crate is",
        "`fuzz/`, a workspace of its own, so the stable workspace build never compiles it.",
        "Regenerate: `FUZZ_RUNS=10000000 scripts/fuzz.sh all 7200 && scripts/fuzz.sh report`",
        "(each target stops after 10 million executions). One target at a time, one job, no",
        "sanitizer (`-s none`: the code is safe Rust), debug assertions and overflow checks on (`-a`),",
        "`-max_len=2048`, starting from a copy of the committed seed corpus `fuzz/corpus/TARGET`.",
        "",
        "| target | executions | seconds | exec/s | cov | ft | corpus (seeds → end) | crashes | commit | date (UTC) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |",
        *rows,
        "",
        "`cov` is libFuzzer's count of covered edges, `ft` its count of features (edges with hit-count",
        "buckets, comparisons) at the end of the run; both include alloy-sol-types, the SDK and the",
        "harness, not only the code under test.",
        "",
        "## What each target checks",
        "",
        *[f"- `{t}`: {ORACLES[t]}." for t in TARGETS],
        "",
    ]
    if missing:
        out += [f"Not run yet: {', '.join(missing)}.", ""]
    extra = ROOT / "reports" / "fuzz-notes.md"
    if extra.exists():
        out += [extra.read_text().rstrip(), ""]
    REPORT.write_text("\n".join(out))
    print(f"wrote {REPORT.relative_to(ROOT)} ({len(rows)} targets)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
