#!/usr/bin/env bash
# README.md's test command: every test of the workspace — the policy engine's unit and property
# tests, the contract's tests on stylus-test's TestVM, the activation checker, the ERC-4337
# fixtures and the embedded devnet's end-to-end tests (which build the release WASM and fetch
# the pinned npm fixtures themselves when they are missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# rust-toolchain.toml pins the toolchain; the wasm target is what end-to-end tests build for.
rustup target add wasm32-unknown-unknown
cargo test --workspace --locked
