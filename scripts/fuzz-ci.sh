#!/usr/bin/env bash
# CI's fuzz smoke run: every target for a short, bounded time (FUZZ_CI_SECONDS, default 15) on
# its committed corpus; fails on any crash or difference. Cold cost on a 2-core machine: nightly
# (minimal profile), cargo-fuzz, one build of all targets without a sanitizer, then the runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
start=$SECONDS
FUZZ_PROFILE=${FUZZ_PROFILE:-dev} bash scripts/fuzz.sh all "${FUZZ_CI_SECONDS:-15}"
echo "fuzz-ci: all targets clean in $((SECONDS - start)) s"
