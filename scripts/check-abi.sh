#!/usr/bin/env bash
# Regenerates the export-abi interface and fails if it differs from the committed
# abi/ISessionKeyValidator.generated.sol. `--write` updates the committed file instead.
# The complete interface (abi/ISessionKeyValidator.sol) is checked against the contract's
# selectors, errors and events by `cargo test` (src/tests/abi_file.rs).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
committed="abi/ISessionKeyValidator.generated.sol"
fresh="$(mktemp)"
trap 'rm -f "$fresh"' EXIT
cargo run --locked -q --features export-abi --bin session-key-validator > "$fresh"
if [[ "${1:-}" == "--write" ]]; then
    cp "$fresh" "$committed"
    echo "check-abi: wrote $committed"
    exit 0
fi
if ! diff -u "$committed" "$fresh"; then
    echo "check-abi: $committed drifted from export-abi (run scripts/check-abi.sh --write and review abi/ISessionKeyValidator.sol)" >&2
    exit 1
fi
echo "check-abi: $committed matches export-abi"
