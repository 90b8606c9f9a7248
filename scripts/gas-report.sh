#!/usr/bin/env bash
# Regenerates reports/gas.md on the embedded devnet (deterministic). `--check` fails instead of
# writing when the committed report differs from what the code now produces.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
fresh="$(mktemp)"
trap 'rm -f "$fresh"' EXIT
cargo run --locked -q -p devnet-bundler --bin gas-report -- "$fresh"
if [[ "${1:-}" == "--check" ]]; then
    if ! diff -u reports/gas.md "$fresh"; then
        echo "gas-report: reports/gas.md drifted; run scripts/gas-report.sh and review the change" >&2
        exit 1
    fi
    echo "gas-report: reports/gas.md is up to date"
else
    cp "$fresh" reports/gas.md
    echo "gas-report: wrote reports/gas.md"
fi
