#!/usr/bin/env bash
# Builds the contract for Stylus and produces, under target/:
#   session_key_validator.wasm           rustc's output
#   session_key_validator.opt.wasm       the pinned wasm-opt's output (binaryen 132.0.0 from npm): the
#                                        smallest after brotli of the pass sets in $opt_passes
#   session_key_validator.opt.passes     the pass set that produced it
#   session_key_validator.preinline.wasm whichever of the two is smaller after brotli
#   session_key_validator.final.wasm     that, with its data segments moved into code at the start of
#                                        user_entrypoint (stylus-check --inline-data)
#   session_key_validator.deployed.hex   0x-prefixed deployable code: EF F0 00 ‖ 00 ‖ brotli(final)
# and checks the final WASM against the Stylus activation rules with stylus-check.
# Extra arguments are passed to stylus-check (e.g. --max-compressed 20000, --json).
# Honours CARGO_TARGET_DIR for cargo's own output; the files above always go to <repo>/target/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

build_dir="${CARGO_TARGET_DIR:-target}"
out_dir="target"
name="session_key_validator"
raw="$out_dir/$name.wasm"
opt="$out_dir/$name.opt.wasm"
opt_meta="$out_dir/$name.opt.passes"
final="$out_dir/$name.final.wasm"
hex="$out_dir/$name.deployed.hex"

say() { printf '==> %s\n' "$*"; }
die() { printf 'build-wasm.sh: error: %s\n' "$*" >&2; exit 1; }

stylus_check() {
    cargo run --locked --release -q -p stylus-check -- "$@"
}

# The optimizer is pinned: binaryen 132.0.0 from npm (scripts/fixtures/package-lock.json, integrity-checked
# by npm ci), never whatever wasm-opt a machine has, so every machine builds the same WASM.
WASM_OPT_VERSION="wasm-opt version 132"
wasm_opt="$root/scripts/fixtures/node_modules/.bin/wasm-opt"
bash scripts/fetch-fixtures.sh > /dev/null || die "scripts/fetch-fixtures.sh failed (it installs the pinned wasm-opt)"
[[ -x "$wasm_opt" ]] || die "$wasm_opt missing after scripts/fetch-fixtures.sh"
version="$("$wasm_opt" --version)"
[[ "$version" == "$WASM_OPT_VERSION"* ]] || die "wasm-opt is '$version', expected '$WASM_OPT_VERSION'"

mkdir -p "$out_dir"
# Never leave artifacts of an earlier build behind to be mistaken for this one.
preinline="$out_dir/$name.preinline.wasm"
rm -f "$raw" "$opt" "$opt_meta" "$final" "$hex" "$preinline"

say "cargo build --locked --release --target wasm32-unknown-unknown -p session-key-validator --lib"
cargo build --locked --release --target wasm32-unknown-unknown -p session-key-validator --lib \
    || die "building the contract for wasm32-unknown-unknown failed (see cargo's output above)"

built="$build_dir/wasm32-unknown-unknown/release/$name.wasm"
[[ -f "$built" ]] || die "cargo did not produce $built"
cp "$built" "$raw"
say "rustc output: $raw ($(wc -c < "$raw") bytes)"

chosen="$raw"
opt_passes=("-Oz" "-Oz --converge" "-Os --converge")
say "wasm-opt ($version): ${opt_passes[*]}"
best=""
best_brotli=0
for passes in "${opt_passes[@]}"; do
    "$wasm_opt" $passes --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
        --enable-nontrapping-float-to-int --strip-debug "$raw" -o "$opt.try" \
        || die "wasm-opt $passes failed"
    size="$(stylus_check --brotli-size "$opt.try")"
    say "  wasm-opt $passes: $size brotli bytes"
    if [[ -z "$best" ]] || (( size < best_brotli )); then
        best="$passes"
        best_brotli="$size"
        mv "$opt.try" "$opt"
    fi
done
rm -f "$opt.try"
printf '%s\n' "$best" > "$opt_meta"
raw_brotli="$(stylus_check --brotli-size "$raw")"
if (( best_brotli < raw_brotli )); then
    chosen="$opt"
    say "chosen: wasm-opt $best output ($best_brotli brotli bytes; rustc output $raw_brotli)"
else
    say "chosen: rustc output ($raw_brotli brotli bytes; wasm-opt output $best_brotli is not smaller)"
fi
cp "$chosen" "$preinline"
# Data segments cost 0.75 gas per byte on every call; code bytes 0.001 (cached) to 0.13 (uncached).
say "moving data segments into code at the start of user_entrypoint"
stylus_check --inline-data "$final" "$preinline" || die "moving the data segments into code failed"


say "stylus-check $final"
stylus_check "$final" --write-deployed "$hex" "$@" \
    || die "$final does not meet the Stylus rules or size limit (see the stylus-check line above)"
say "deployable code: $hex"
