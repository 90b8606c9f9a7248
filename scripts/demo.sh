#!/usr/bin/env bash
# README.md's main job: builds the contract for Stylus (activation rules and size checked),
# boots the embedded devnet, deploys EntryPoint v0.7, a test account, the module and a token,
# and tells the session-key story step by step with the gas of every row.
# Pass --json for machine-readable output.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rustup target add wasm32-unknown-unknown >&2
bash scripts/build-wasm.sh >&2
exec cargo run --locked -q -p sessionkey-cli --bin sessionkey -- demo "$@"
