#!/usr/bin/env bash
# CI's fuzz smoke run: every target for a short, bounded time (FUZZ_CI_SECONDS, default 15) on
# its committed corpus; fails on any crash or difference.
#
# Cold, it installs nightly (minimal profile) and cargo-fuzz, then builds every target once.
# The build dominates, so it is optimised at level 1 without debug info: compiling at level 3
# costs more, and an unoptimised build compiles barely faster but runs alloy ~50× slower, too
# slow to fuzz anything in 15 s.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
start=$SECONDS
export CARGO_PROFILE_RELEASE_OPT_LEVEL=${CARGO_PROFILE_RELEASE_OPT_LEVEL:-1}
export CARGO_PROFILE_RELEASE_DEBUG=${CARGO_PROFILE_RELEASE_DEBUG:-false}
bash scripts/fuzz.sh all "${FUZZ_CI_SECONDS:-15}"
echo "fuzz-ci: all targets clean in $((SECONDS - start)) s"
