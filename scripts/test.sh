#!/usr/bin/env bash
# README.md's test command: every test of the workspace — the policy engine's unit and property
# tests, the contract's tests on stylus-test's TestVM, the activation checker, the ERC-4337
# fixtures, the embedded devnet's end-to-end tests (which build the release WASM and fetch the
# pinned npm fixtures themselves when they are missing) and the local node's — then the real
# clients: viem and permissionless.js (tests/viem, exact versions from its package-lock.json)
# against the local node.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# rust-toolchain.toml pins the toolchain; the wasm target is what end-to-end tests build for.
rustup target add wasm32-unknown-unknown
cargo test --workspace --locked

# Real clients against the local node: the node and CLI binaries the tests spawn, the compiled
# fixtures they deploy, and the pinned npm packages.
cargo build --locked -p devnet-node -p sessionkey-cli
bash scripts/fetch-fixtures.sh > /dev/null
(cd tests/viem && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
node --test tests/viem/
