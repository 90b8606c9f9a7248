#!/usr/bin/env bash
# Fetches the ERC-4337 v0.7 artifacts and compiles the devnet's Solidity test fixtures, reproducibly.
#
#   scripts/fetch-fixtures.sh            # from any directory
#
# Output: <repo>/target/fixtures/<Name>.json (or $SESSIONKEY_FIXTURES if set), never committed:
#   EntryPoint, SimpleAccount, SimpleAccountFactory   copied from @account-abstraction/contracts@0.7.0 (npm, pinned by
#                                                     scripts/fixtures/package-lock.json), sha256-checked below
#   EntryPointV08                                     EntryPoint.json of @account-abstraction/contracts@0.8.0 (npm alias
#                                                     @account-abstraction/contracts-v08), sha256-checked below
#   TestAccount7579, TestToken, Counter, Reverter,    compiled from crates/devnet/solidity/*.sol by
#   MockValidator, Erc7562Probe, ProbeStore           scripts/fixtures/compile.js with the pinned solc-js 0.8.28
#   OzAccount7579                                     the same, over @openzeppelin/contracts@5.7.0 (npm, pinned; the
#                                                     imported sources sha256-checked by compile.js)
#
# Idempotent and fast when up to date: `npm ci` runs only when package-lock.json changed, compilation only when a
# source, compile.js or the lockfile changed. Concurrent runs are serialised with flock. Needs node + npm (Node 20).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NPM_DIR="$REPO/scripts/fixtures"
SOL_DIR="$REPO/crates/devnet/solidity"
OUT="${SESSIONKEY_FIXTURES:-$REPO/target/fixtures}"
ARTIFACTS="$NPM_DIR/node_modules/@account-abstraction/contracts/artifacts"
ARTIFACTS_V08="$NPM_DIR/node_modules/@account-abstraction/contracts-v08/artifacts"

# sha256 of the npm artifacts as published in @account-abstraction/contracts@0.7.0. The Rust loader
# (crates/fixtures/src/lib.rs) pins the same values; change both together.
declare -A PINNED_SHA256=(
  [EntryPoint]=952e7ce1e69354b9e80d0e68e0cbcc64f9304dd25c17170c3732114ea5421b04
  [SimpleAccount]=6a3c718505988811829a7a7d004fbacbfdc1dc44c637c55297a665e6103c0e2b
  [SimpleAccountFactory]=1f254f09887ba9306ae8602e8cf4c8a5bdac456409a0e2826e6c1aa922651a84
  [EntryPointV08]=ee603c34a933e3e3d5143aa06fc6e0798f358c25377cfdc69e57a0d1d3d4c6fa
)
NPM_NAMES=(EntryPoint SimpleAccount SimpleAccountFactory EntryPointV08)
# Where each copied artifact comes from in node_modules.
declare -A NPM_SOURCE=(
  [EntryPoint]="$ARTIFACTS/EntryPoint.json"
  [SimpleAccount]="$ARTIFACTS/SimpleAccount.json"
  [SimpleAccountFactory]="$ARTIFACTS/SimpleAccountFactory.json"
  [EntryPointV08]="$ARTIFACTS_V08/EntryPoint.json"
)
COMPILED_NAMES=(TestAccount7579 OzAccount7579 TestToken Counter Reverter MockValidator Erc7562Probe ProbeStore)

die() { echo "fetch-fixtures: ERROR: $*" >&2; exit 1; }
log() { echo "fetch-fixtures: $*" >&2; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

command -v node >/dev/null || die "node not found (Node 20 required)"
command -v npm >/dev/null || die "npm not found"

mkdir -p "$OUT" "$REPO/target"
# One lock for the whole run: it guards both the shared node_modules and the output directory.
exec 9>"$REPO/target/.fetch-fixtures.lock"
flock 9

# 1. npm ci, only when the lockfile changed since the last install.
lock_sha="$(sha "$NPM_DIR/package-lock.json")"
npm_stamp="$NPM_DIR/node_modules/.sessionkey-lock.sha256"
if [[ ! -f "$npm_stamp" || "$(cat "$npm_stamp")" != "$lock_sha" ]]; then
  log "npm ci in scripts/fixtures"
  (cd "$NPM_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >&2 || die "npm ci failed"
  echo "$lock_sha" >"$npm_stamp"
fi

# 2. Copy the pinned ERC-4337 artifacts, verifying sha256 of the source and of the copy.
for name in "${NPM_NAMES[@]}"; do
  want="${PINNED_SHA256[$name]}"
  dest="$OUT/$name.json"
  if [[ -f "$dest" && "$(sha "$dest")" == "$want" ]]; then
    continue
  fi
  src="${NPM_SOURCE[$name]}"
  [[ -f "$src" ]] || die "$src missing (are the pinned @account-abstraction/contracts packages installed?)"
  got="$(sha "$src")"
  [[ "$got" == "$want" ]] || die "sha256 mismatch for $src: got $got, expected $want"
  cp "$src" "$dest.tmp.$$"
  got="$(sha "$dest.tmp.$$")"
  [[ "$got" == "$want" ]] || { rm -f "$dest.tmp.$$"; die "sha256 mismatch after copying $name.json: got $got"; }
  mv "$dest.tmp.$$" "$dest"
  log "copied $name.json (sha256 $want)"
done

# 3. Compile the Solidity fixtures when any input changed.
inputs_sha="$(
  cd "$REPO"
  { sha256sum scripts/fixtures/compile.js scripts/fixtures/package-lock.json
    for f in crates/devnet/solidity/*.sol; do sha256sum "$f"; done; } | sha256sum | cut -d' ' -f1
)"
compile_stamp="$OUT/.compiled.sha256"
need_compile=0
[[ -f "$compile_stamp" && "$(cat "$compile_stamp")" == "$inputs_sha" ]] || need_compile=1
for name in "${COMPILED_NAMES[@]}"; do [[ -f "$OUT/$name.json" ]] || need_compile=1; done
if [[ "$need_compile" == 1 ]]; then
  rm -f "$compile_stamp"
  (cd "$NPM_DIR" && node compile.js "$SOL_DIR" "$OUT") >&2 || die "solidity compilation failed"
  for name in "${COMPILED_NAMES[@]}"; do
    [[ -f "$OUT/$name.json" ]] || die "compile.js did not produce $name.json"
  done
  echo "$inputs_sha" >"$compile_stamp"
fi

# Freshness marker for the Rust loader (crates/fixtures): newer than every input once this script succeeded.
touch "$OUT/.stamp"
