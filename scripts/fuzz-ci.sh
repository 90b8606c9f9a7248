#!/usr/bin/env bash
# CI's fuzz smoke run: every target for a short, bounded time (FUZZ_CI_SECONDS, default 10) on
# its committed corpus; fails on any crash or difference.
#
# Cold, it installs nightly (minimal profile) and cargo-fuzz, then builds every target once.
# The build dominates, so it is optimised at level 1 only (cargo-fuzz itself sets line tables
# only for debug info): an unoptimised build saves about a fifth of the build but runs ~50×
# slower, too slow to fuzz anything in seconds. See reports/fuzz.md for the measured costs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
start=$SECONDS
# libfuzzer-sys compiles libFuzzer (C++) from source.
if ! command -v c++ >/dev/null 2>&1; then
  echo "fuzz-ci: installing a C++ compiler for libFuzzer" >&2
  sudo_=""; [[ $(id -u) -eq 0 ]] || sudo_=sudo
  $sudo_ apt-get update -qq && $sudo_ apt-get install -y -qq g++ >/dev/null
fi
export CARGO_PROFILE_RELEASE_OPT_LEVEL=${CARGO_PROFILE_RELEASE_OPT_LEVEL:-1}
# Short runs keep their logs apart from the long runs reports/fuzz.md is made from.
export FUZZ_LOGS=${FUZZ_LOGS:-$PWD/fuzz/target/ci-logs}
bash scripts/fuzz.sh all "${FUZZ_CI_SECONDS:-10}"
echo "fuzz-ci: all targets clean in $((SECONDS - start)) s"
