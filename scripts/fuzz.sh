#!/usr/bin/env bash
# Coverage-guided differential fuzzing (fuzz/, cargo-fuzz on nightly).
#
#   scripts/fuzz.sh TARGET SECONDS   run one target for SECONDS on a fresh copy of its committed
#                                    corpus (fuzz/corpus/TARGET stays as committed); with
#                                    FUZZ_RUNS=N it stops after N executions instead, if sooner
#   scripts/fuzz.sh all SECONDS      every target, one after the other (one job: 2-core machines)
#   scripts/fuzz.sh report           write reports/fuzz.md from the last runs' logs
#   scripts/fuzz.sh seeds TARGET     replace fuzz/corpus/TARGET by a small cover of the last
#                                    run's corpus
#   scripts/fuzz.sh list             the targets
#
# Logs: fuzz/target/logs/TARGET.{log,meta}. Crash inputs: fuzz/artifacts/TARGET/.
# Installs what it lacks: the pinned nightly toolchain (minimal profile) and a pinned cargo-fuzz under
# fuzz/target/tools. Targets are built without a sanitizer (`-s none`): the code under test is
# safe Rust, so ASan would find nothing the assertions don't, at several times the build and
# run time. Debug assertions and overflow checks are on (`-a`). FUZZ_PROFILE=dev builds without
# optimisation (about half the build time, several times fewer exec/s): for short CI runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

CARGO_FUZZ_VERSION=0.13.2
# The nightly the figures in reports/fuzz.md were made with (rustc 1.97.0-nightly e50aa6fba),
# pinned so a CI run builds with the same compiler.
NIGHTLY=nightly-2026-05-20
TOOLS=$ROOT/fuzz/target/tools/cargo-fuzz
TARGETS=(record_decode execute_decode validate_user_op_decode param_rule authorize_op typed_data)
# Where a run's log goes: the report is made from these (a CI smoke run writes elsewhere).
LOGS=${FUZZ_LOGS:-$ROOT/fuzz/target/logs}
RUNS=$ROOT/fuzz/target/run-corpus
# Inputs longer than this add nothing the structured generators can't reach, and cost time.
MAX_LEN=${FUZZ_MAX_LEN:-2048}

die() { echo "fuzz.sh: $*" >&2; exit 2; }

ensure_tools() {
  if ! rustup run "$NIGHTLY" rustc --version >/dev/null 2>&1; then
    rustup toolchain install "$NIGHTLY" --profile minimal
  fi
  if [[ ! -x $TOOLS/bin/cargo-fuzz ]] || ! "$TOOLS/bin/cargo-fuzz" --version | grep -q " $CARGO_FUZZ_VERSION\$"; then
    cargo "+$NIGHTLY" install --locked --version "$CARGO_FUZZ_VERSION" cargo-fuzz --root "$TOOLS"
  fi
  export PATH=$TOOLS/bin:$PATH
}

is_target() {
  local t
  for t in "${TARGETS[@]}"; do [[ $t == "$1" ]] && return 0; done
  return 1
}

PROFILE_FLAGS=()
BIN_DIR=$ROOT/fuzz/target/x86_64-unknown-linux-gnu/release
if [[ ${FUZZ_PROFILE:-release} == dev ]]; then
  PROFILE_FLAGS=(--dev)
  BIN_DIR=${BIN_DIR%/release}/debug
  export CARGO_PROFILE_DEV_DEBUG=line-tables-only
fi

build() {
  (cd fuzz && cargo "+$NIGHTLY" fuzz build -s none -a "${PROFILE_FLAGS[@]}" "$@")
}

# run TARGET SECONDS: fuzz on a copy of the committed corpus; the log keeps libFuzzer's output
# and the .meta file what the report needs besides it.
run() {
  local target=$1 seconds=$2
  local corpus=$RUNS/$target log=$LOGS/$target.log
  mkdir -p "$LOGS" "fuzz/artifacts/$target"
  rm -rf "$corpus" && mkdir -p "$corpus"
  if [[ -d fuzz/corpus/$target ]]; then cp -r "fuzz/corpus/$target/." "$corpus/"; fi
  local extra=()
  if [[ -n ${FUZZ_RUNS:-} ]]; then extra+=("-runs=$FUZZ_RUNS"); fi
  echo "== $target: ${seconds}s${FUZZ_RUNS:+ or $FUZZ_RUNS runs} on a copy of fuzz/corpus/$target"
  local status=0
  (cd fuzz && cargo "+$NIGHTLY" fuzz run -s none -a "${PROFILE_FLAGS[@]}" "$target" "$corpus" -- \
    -max_total_time="$seconds" -print_final_stats=1 -max_len="$MAX_LEN" -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$ROOT/fuzz/artifacts/$target/" "${extra[@]}") \
    >"$log" 2>&1 || status=$?
  {
    echo "target=$target"
    echo "seconds_asked=$seconds"
    echo "runs_asked=${FUZZ_RUNS:-}"
    echo "exit=$status"
    echo "commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates src fuzz/src fuzz/fuzz_targets || echo -dirty)"
    echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
    echo "profile=${FUZZ_PROFILE:-release}"
    echo "corpus_seeds=$(find "fuzz/corpus/$target" -type f 2>/dev/null | wc -l)"
  } >"$LOGS/$target.meta"
  grep -E '^(Done|stat::number_of_executed_units|stat::average_exec_per_sec)' "$log" || true
  grep -E '#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true
  if [[ $status != 0 ]]; then
    grep -E 'panicked|ERROR|deadly|Test unit written' "$log" | head -20 >&2 || true
    echo "fuzz.sh: $target FAILED (exit $status), log: $log" >&2
    return 1
  fi
}

[[ $# -ge 1 ]] || die "usage: scripts/fuzz.sh TARGET|all SECONDS | report | seeds TARGET | list"
case $1 in
  list) printf '%s\n' "${TARGETS[@]}" ;;
  report) python3 scripts/fuzz_report.py ;;
  seeds)
    [[ $# -eq 2 ]] && is_target "$2" || die "usage: scripts/fuzz.sh seeds TARGET"
    [[ -d $RUNS/$2 ]] || die "no run corpus for $2: run it first"
    ensure_tools
    build "$2"
    # libFuzzer's merge writes each input's features to the control file; fuzz_seeds.py keeps
    # the 60 inputs of a greedy cover.
    merged=$ROOT/fuzz/target/merge/$2 && rm -rf "$merged" && mkdir -p "$merged"
    "$BIN_DIR/$2" -merge=1 -max_len="$MAX_LEN" \
      -merge_control_file="$merged.ctl" "$merged" "$RUNS/$2" >"$merged.log" 2>&1
    python3 scripts/fuzz_seeds.py "$merged.ctl" "fuzz/corpus/$2" 60
    ;;
  *)
    [[ $# -eq 2 && $2 =~ ^[0-9]+$ ]] || die "usage: scripts/fuzz.sh TARGET|all SECONDS"
    ensure_tools
    if [[ $1 == all ]]; then
      build
      failed=0
      for t in "${TARGETS[@]}"; do run "$t" "$2" || failed=1; done
      exit $failed
    fi
    is_target "$1" || die "unknown target $1 (scripts/fuzz.sh list)"
    build "$1"
    run "$1" "$2"
    ;;
esac
