#!/usr/bin/env bash
# The stateful property run of issue #11 (crates/sdk/tests/stateful.rs): CASES random sequences
# (default 100000) through the contract on TestVM, the simulator and the reference model, built
# optimised (profile `properties`). Writes the figures to reports/properties.md.
#
#   scripts/properties.sh [CASES]
#   scripts/properties.sh --e2e [SEQUENCES]   the devnet sequences (crates/sdk/tests/e2e_stateful.rs,
#                                             default 32), appended to the report as its own section
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT=reports/properties.md

if [[ "${1:-}" == "--e2e" ]]; then
    SEQUENCES="${2:-32}"
    log=$(mktemp)
    trap 'rm -f "$log"' EXIT
    start=$(date +%s)
    STATEFUL_E2E_CASES="$SEQUENCES" cargo test --locked -p sessionkey-sdk --test e2e_stateful \
        -- --nocapture 2>&1 | tee "$log"
    secs=$(( $(date +%s) - start ))
    figures=$(grep -o 'e2e stateful: .*' "$log" | sed 's/^e2e stateful: //')
    [[ -f "$OUT" ]] && sed -i '/^### End to end/,$d' "$OUT"
    cat >> "$OUT" <<MD
### End to end on the devnet

\`scripts/properties.sh --e2e $SEQUENCES\` on commit \`$(git rev-parse --short HEAD)\`, $(date -u '+%Y-%m-%d %H:%M UTC'):
$SEQUENCES sequences (install of 1–3 sessions, then 4–14 steps; fixed seed) on fresh accounts of one
world, each session op through EntryPoint v0.7's \`handleOps\` on the release WASM, each admin call an
owner op of OpenZeppelin's ERC-7579 account. All four properties checked after every step, from
balances, allowances and the module's words read back from the chain (debug build, ${secs} s
including the build):

\`$figures\`
MD
    echo "appended the end-to-end section to $OUT"
    exit 0
fi

CASES="${1:-100000}"
args=(--locked --profile properties -p sessionkey-sdk --test stateful)

build_start=$(date +%s)
# The binary is run directly: what runs is what was built, even if the sources change meanwhile.
exe=$(cargo test "${args[@]}" --no-run --message-format=json \
    | grep -o '"executable":"[^"]*"' | tail -n 1 | sed 's/"executable":"\(.*\)"/\1/')
build_secs=$(( $(date +%s) - build_start ))

stats=$(mktemp)
trap 'rm -f "$stats"' EXIT
run_start=$(date +%s)
PROPTEST_CASES="$CASES" STATEFUL_STATS="$stats" "$exe" --nocapture
run_secs=$(( $(date +%s) - run_start ))

line=$(tail -n 1 "$stats")
field() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" <<<"$line"; }
cases=$(field cases)
steps=$(field steps)
verdicts=$(sed -n 's/.*verdicts=//p' <<<"$line")
commit=$(git rev-parse --short HEAD)
dirty=$(git diff --quiet HEAD -- crates src Cargo.toml Cargo.lock || echo " (with uncommitted changes)")
avg=$(awk -v s="$steps" -v c="$cases" 'BEGIN { printf "%.1f", s / c }')
rate=$(awk -v c="$cases" -v t="$(field seconds)" 'BEGIN { printf "%.0f", c / t }')

cat > "$OUT" <<MD
## Stateful properties (issue #11, part 3)

\`scripts/properties.sh $CASES\` on commit \`$commit\`$dirty, $(date -u '+%Y-%m-%d %H:%M UTC'),
$(nproc) cores (shared), profile \`properties\` (opt-level 3, no LTO).

\`crates/sdk/tests/stateful.rs\`: each case installs the module (0–3 sessions), then runs 1–56
random steps — register (fresh, invalid, superseding a revoked key; lifetime secp256k1 keys, and
periodic secp256k1 and raw P-256 keys with 60–150 s periods), single and batch ops in every call
type (single, batch, delegatecall, staticcall, try, empty batch, \`executeUserOp\`), good /
wrong-key / short / high-s signatures, ops naming the current, a past, a future or a missing
period or signed for another one, paymasters, revoke, revoke-all, uninstall, reinstall with
records, clock advances — on the contract (its router on stylus-test's TestVM), the SDK's
simulator and a reference model that keeps one tally per period. Every case checks all four
properties after every step:

| property | cases | checked on |
|---|---:|---|
| caps: executed native value, each token, gas-budget prefund and op count never exceed the caps of the registration they ran under — per period for a periodic one, nothing carried over; every executed call is one its policies allow | $cases | every executed op |
| dead: nothing a revoked, revoked-all, uninstalled, superseded or expired session (or another key) signs executes; the window returned is the current registration's | $cases | every executed op: its key, the liveness and window of its registration |
| no-write: a rejected op or refused admin call changes no storage word (the whole TestVM storage is compared) | $cases | every revert |
| agreement: the simulator's verdict equals the contract's (validationData word or revert bytes) and an accepted op writes exactly the words it predicts; a new registration's words are the simulator's | $cases | every op on an installed module, every registration |

| figure | value |
|---|---:|
| cases | $cases |
| steps (incl. the install) | $steps, $avg per case on average, max $(field max_steps) |
| ops | $(field ops) |
| executed (accepted, signature good, clock in window) | $(field executed) |
| accepted but not executed (signature failed or outside the window; storage rolled back as EntryPoint's revert would) | $(field accepted_not_executed) |
| reverted | $(field reverted) |
| ops by a session not live (or never registered) | $(field dead_refused) |
| admin calls (refused) | $(field admin) ($(field admin_refused)) |
| executed: lifetime secp256k1 / periodic / P-256 | $(field executed_lifetime_secp256k1) / $(field executed_periodic) / $(field executed_p256) |
| periods rolled over (after a cap was used in the earlier one) | $(field rollovers) ($(field rollovers_after_use)) |
| signature failures: P-256 (high s, other key) / signed for another period | $(field sig_failed_p256) / $(field sig_failed_other_period) |
| run time | ${run_secs} s (test body $(field seconds) s, ${rate} cases/s); build ${build_secs} s |

Verdicts of the ops (simulator's, equal to the contract's): \`$verdicts\`

Notes. The module never reads the clock: an accepted op counts as executed when validAfter ≤ now ≤
validUntil (0 = none), as EntryPoint applies the returned window; an op EntryPoint would refuse
(signature failed, outside the window) has its writes rolled back, as the bundle's revert does.
A session signature binds the userOpHash and the module, not the registration, so a key's
signature is as good under its next registration; "superseded" is checked as: every executed op
is judged and counted under the current registration only (its policies, caps and window),
never a revoked one's. The run can fail: deliberately broken builds (not committed) failed it
at once — the native debit halved (caps; shrunk to a registration and two ops), validUntil
dropped from validationData (dead; a registration and one op), \`revokeSession\` writing before
its liveness check (no-write), \`is_live\` ignoring revoke-all (the model's check of
\`registerSession\`). For periodic and P-256 sessions: counters kept across periods, the
contract's P-256 low-s check skipped, a periodic token word not reset in a new period, and an
off-by-one at a period window's end each failed it (the last two are in code the simulator
shares, so only the model sees them).
MD
echo "wrote $OUT"
