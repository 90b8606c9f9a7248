#!/usr/bin/env bash
# Deploys and activates the session-key module on a real Stylus chain with cargo-stylus 0.10.
#
#   scripts/deploy.sh --endpoint URL --private-key-path FILE [--estimate-gas]
#   scripts/deploy.sh --endpoint URL --private-key-path FILE --cache ADDRESS [--bid WEI]
#   scripts/deploy.sh --endpoint URL --private-key-path FILE --erc1271-program
#
# The third form deploys the ERC-1271 program the module delegates scoped ERC-1271 checks to
# (src/erc1271.rs). The module accepts it only at an address whose EXTCODEHASH is the pinned
# PROGRAM_CODEHASH, i.e. keccak256 of target/session_key_erc1271.deployed.hex exactly, which
# `cargo stylus deploy` cannot produce (it re-encodes the WASM, adds a project-hash section and
# compresses differently). So it runs `sessionkey deploy-code` (crates/cli): a CREATE returning
# those bytes verbatim, the stored code read back and compared, then ArbWasm.activateProgram with
# the data fee read by eth_call plus 20 % (the excess is refunded); a chain where a program with
# this code hash is already active answers "already active" and no activation is sent. The
# `sessionkey` binary speaks plain http:// only: an https:// endpoint is refused (use a local
# http forwarder to it). Any account may deploy it; one deployment per chain serves every account.
#
# The second form places an activated module in the Stylus program cache (CacheManager): it prints
# `cargo stylus cache suggest-bid` and bids WEI (default: the suggested minimum) with
# `cargo stylus cache bid`. Why it matters: every call into an uncached program pays 8,832 + initCost
# gas more on entry (the "program entry" line of reports/gas.md gives both figures for this module),
# and a freshly activated program is uncached. A bid can be outbid and evicted later; from ArbOS 60 a
# program called earlier in the same block counts as cached anyway. Nitro also burns initCost gas
# when a cache manager caches the program.
#
# URL: nitro-devnode's http://localhost:8547 (needs Docker: github.com/OffchainLabs/nitro-devnode)
#      or Arbitrum Sepolia https://sepolia-rollup.arbitrum.io/rpc.
# Needs: cargo-stylus 0.10.x (`cargo install --locked cargo-stylus`; not for --erc1271-program),
# the wasm32 target.
# The WASM deployed is the one scripts/build-wasm.sh checks (activation rules, size limit).
# NOT verified on this project's machines (no node reachable): the embedded devnet is what the
# tests and the demo run on. Stylus programs must be re-activated every 365 days (or after a
# Stylus upgrade): `cargo stylus activate --address <module> ...`, or every call reverts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

endpoint="" key_path="" extra=() cache_address="" bid="" erc1271_program=""
while (($#)); do
    case "$1" in
        --endpoint) endpoint="${2:?--endpoint needs a URL}"; shift 2 ;;
        --private-key-path) key_path="${2:?--private-key-path needs a file}"; shift 2 ;;
        --estimate-gas) extra+=(--estimate-gas); shift ;;
        --cache) cache_address="${2:?--cache needs the module address}"; shift 2 ;;
        --bid) bid="${2:?--bid needs an amount in wei}"; shift 2 ;;
        --erc1271-program) erc1271_program=1; shift ;;
        -h|--help) sed -n 2,35p "$0"; exit 0 ;;
        *) echo "deploy.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[[ -n "$endpoint" ]] || { echo "deploy.sh: --endpoint is required" >&2; exit 2; }
[[ -n "$key_path" ]] || { echo "deploy.sh: --private-key-path is required" >&2; exit 2; }
[[ -r "$key_path" ]] || { echo "deploy.sh: cannot read the key file '$key_path'" >&2; exit 2; }

if [[ -n "$erc1271_program" ]]; then
    [[ -z "$cache_address" ]] || { echo "deploy.sh: --erc1271-program and --cache are separate runs" >&2; exit 2; }
    [[ "$endpoint" == http://* ]] || {
        echo "deploy.sh: --erc1271-program needs an http:// endpoint (sessionkey speaks plain http); got '$endpoint'" >&2
        exit 2
    }
    # Writes target/session_key_erc1271.deployed.hex, and rewrites crates/policy's pinned
    # PROGRAM_CODEHASH when this build hashes differently (the CLI run below, and a module
    # built now, then pin the new hash; a module deployed from the committed tree does not).
    bash scripts/build-wasm.sh
    if ! git diff --quiet -- crates/policy/src/erc1271_program.rs 2>/dev/null; then
        echo "deploy.sh: warning: this build changed PROGRAM_CODEHASH (crates/policy/src/erc1271_program.rs);" >&2
        echo "           a module built from the committed tree will not delegate to this program." >&2
    fi
    cargo run --locked --release -p sessionkey-cli --bin sessionkey -- deploy-code \
        --rpc "$endpoint" --code target/session_key_erc1271.deployed.hex --private-key-path "$key_path"
    exit 0
fi
command -v cargo-stylus >/dev/null 2>&1 || {
    echo "deploy.sh: cargo-stylus not found; install it with: cargo install --locked cargo-stylus" >&2
    exit 2
}

if [[ -n "$cache_address" ]]; then
    # cargo-stylus 0.10 (main/src/cache.rs) prints "Minimum bid for contract <addr>: <n> wei", coloured.
    suggestion="$(cargo stylus cache suggest-bid --endpoint "$endpoint" "$cache_address" | sed 's/\x1b\[[0-9;]*m//g')"
    echo "$suggestion"
    if [[ -z "$bid" ]]; then
        bid="$(grep -Eo '[0-9]+ wei' <<< "$suggestion" | grep -Eo '^[0-9]+' | tail -1)"
        [[ -n "$bid" ]] || { echo "deploy.sh: no minimum bid in cargo stylus's answer; pass --bid" >&2; exit 1; }
    fi
    cargo stylus cache bid --endpoint "$endpoint" --private-key-path "$key_path" "$cache_address" "$bid"
    cargo stylus cache status --endpoint "$endpoint" --address "$cache_address"
    exit 0
fi

bash scripts/build-wasm.sh
wasm="target/session_key_validator.final.wasm"
cargo stylus check --endpoint "$endpoint" --wasm-file "$wasm"
cargo stylus deploy --endpoint "$endpoint" --private-key-path "$key_path" --wasm-file "$wasm" \
    --no-verify "${extra[@]}"
echo "deploy.sh: deployed and activated. Calls pay the uncached program entry (reports/gas.md) until it is"
echo "           cached: scripts/deploy.sh --endpoint $endpoint --private-key-path $key_path --cache <address>"
echo "           Scoped ERC-1271 checks need the ERC-1271 program on this chain too:"
echo "           scripts/deploy.sh --endpoint $endpoint --private-key-path $key_path --erc1271-program"
