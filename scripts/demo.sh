#!/usr/bin/env bash
# README.md's main job: build the contract for Stylus, check it against the activation rules
# and show its deployed size, then run the session-key story on the embedded devnet when the
# devnet's demo binary is present (crates/sdk, issue #5); until then, the contract's own story
# runs as its TestVM scenario tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rustup target add wasm32-unknown-unknown
bash scripts/build-wasm.sh
if cargo metadata --no-deps --format-version 1 --locked 2>/dev/null | grep -q '"name":"sessionkey-sdk"'; then
    exec cargo run --locked --release -q -p sessionkey-sdk --bin sessionkey -- demo "$@"
fi
echo
echo "==> The embedded-devnet demo is not built yet; running the contract's scenario tests instead."
cargo test --locked -q -p session-key-validator --lib -- --test-threads=1 tests:: 2>&1 | tail -n 5
