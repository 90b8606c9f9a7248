#!/usr/bin/env bash
# The local node: Ethereum JSON-RPC + ERC-4337 bundler RPC on http://127.0.0.1:8547 (chain id
# 412346, as nitro-devnode) over the embedded devnet, in the foreground (Ctrl-C stops it).
#
#   bash scripts/node.sh [--host ADDR] [--port PORT] [--block-time SECONDS]
#
# Needs the pinned npm fixtures (fetched here) and builds the module's release WASM on first use.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
bash scripts/fetch-fixtures.sh >&2
exec cargo run --locked --release -p devnet-node --bin sessionkey-node -- "$@"
