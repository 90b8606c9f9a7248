#!/usr/bin/env bash
# Mutation testing with cargo-mutants (pinned below, installed into target/tools on first use):
# how many deliberately wrong programs the tests let through.
#
#   bash scripts/mutants.sh [policy|contract|wasm|all] [--jobs N] [--timeout SECONDS] [--shard K/N]
#
#   policy    crates/policy, all its tests
#   contract  src/ (the contract crate), its own tests on stylus-test's TestVM (`--lib`: the
#             end-to-end tests run the release WASM, which a source mutant does not rebuild).
#             Not mutated here: src/wasm.rs (wasm32 only, not compiled by native tests; every
#             end-to-end test runs it), src/export_abi.rs and src/main.rs (export-abi's
#             declarations and printer: their bodies never run, the printed interface is
#             checked by scripts/check-abi.sh in CI)
#   wasm      src/wasm.rs (the on-chain host and entry point), each mutant tested by the
#             end-to-end tests, which rebuild the release WASM from the mutated source
#             (crates/bundler/src/contract.rs rebuilds it when older than src/)
#   recheck   only the policy mutants named by --re REGEX or in --file PATH (after adding tests
#             for survivors, or after changing one file of the engine)
#
# cargo-mutants' own output goes to target/mutants/<scope>/mutants.out; reports/mutants.md is
# regenerated from every scope that has one (counts, every missed mutant, the commit, the date).
# Too slow for CI (every mutant is a build and a test run); the report says when it was made.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VERSION="27.1.0"
TOOLS="target/tools/cargo-mutants"
BIN="$TOOLS/bin/cargo-mutants"

scope="${1:-all}"
shift || true
jobs=2
timeout=120
shard=()
re=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --jobs) jobs="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    --shard) shard=(--shard "$2"); shift 2 ;;
    --re) re=(--re "$2"); shift 2 ;;
    --file) re=(--file "$2"); shift 2 ;;
    *) echo "mutants.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [[ ! -x "$BIN" ]] || [[ "$("$BIN" mutants --version 2>/dev/null)" != "cargo-mutants $VERSION" ]]; then
  echo "==> installing cargo-mutants $VERSION into $TOOLS" >&2
  cargo install cargo-mutants --version "=$VERSION" --locked --root "$TOOLS" >&2
fi

run() {
  local name="$1"; shift
  mkdir -p "target/mutants/$name"
  rm -f "target/mutants/$name/shard"
  # The commit the run tests (the report is made from it, maybe later).
  git rev-parse --short HEAD > "target/mutants/$name/commit"
  echo "${PROPTEST_CASES:-default}" > "target/mutants/$name/proptest_cases"
  echo "==> cargo mutants: $name" >&2
  local rc=0
  "$BIN" mutants --no-shuffle --jobs "$jobs" --timeout "$timeout" "${shard[@]}" \
    --output "target/mutants/$name" "$@" || rc=$?
  # 2: some mutants were missed, 3: some timed out — results, not failures of the run.
  [[ $rc -eq 0 || $rc -eq 2 || $rc -eq 3 ]] || { echo "mutants.sh: cargo mutants failed ($rc)" >&2; exit "$rc"; }
  [[ ${#shard[@]} -eq 0 ]] || echo "${shard[1]}" > "target/mutants/$name/shard"
}

CONTRACT=(--package session-key-validator --file 'src/**'
  --exclude src/wasm.rs --exclude src/export_abi.rs --exclude src/main.rs -- --lib)

case "$scope" in
  policy) run policy --package sessionkey-policy ;;
  contract) run contract "${CONTRACT[@]}" ;;
  wasm) run wasm --package session-key-validator --file src/wasm.rs -- --test e2e_session_keys --test e2e_threats ;;
  recheck)
    [[ ${#re[@]} -gt 0 ]] || { echo "mutants.sh: recheck needs --re REGEX or --file PATH" >&2; exit 2; }
    name=policy-recheck
    [[ "${re[0]}" != --file ]] || name="policy-$(basename "${re[1]}" .rs)"
    run "$name" --package sessionkey-policy "${re[@]}"
    ;;
  all)
    run policy --package sessionkey-policy
    run contract "${CONTRACT[@]}"
    run wasm --package session-key-validator --file src/wasm.rs -- --test e2e_session_keys --test e2e_threats
    ;;
  *) echo "mutants.sh: scope is policy, contract, wasm, all or recheck" >&2; exit 2 ;;
esac

python3 scripts/mutants_report.py "$VERSION" > reports/mutants.md
echo "==> wrote reports/mutants.md" >&2
