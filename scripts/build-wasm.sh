#!/usr/bin/env bash
# Builds the contract for Stylus and produces, under target/:
#   session_key_validator.wasm           rustc's output
#   session_key_validator.opt.wasm       wasm-opt output (only when wasm-opt is on PATH): the
#                                        smallest after brotli of the pass sets in $opt_passes
#   session_key_validator.opt.passes     the pass set that produced it
#   session_key_validator.final.wasm     whichever of the two is smaller after brotli
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

mkdir -p "$out_dir"
# Never leave artifacts of an earlier build behind to be mistaken for this one.
rm -f "$raw" "$opt" "$opt_meta" "$final" "$hex"

say "cargo build --locked --release --target wasm32-unknown-unknown -p session-key-validator --lib"
cargo build --locked --release --target wasm32-unknown-unknown -p session-key-validator --lib \
    || die "building the contract for wasm32-unknown-unknown failed (see cargo's output above)"

built="$build_dir/wasm32-unknown-unknown/release/$name.wasm"
[[ -f "$built" ]] || die "cargo did not produce $built"
cp "$built" "$raw"
say "rustc output: $raw ($(wc -c < "$raw") bytes)"

chosen="$raw"
# Pass sets tried; which one compresses best shifts with the code, so each build measures all.
opt_passes=("-Oz" "-Oz --converge" "-Os --converge")
if command -v wasm-opt > /dev/null 2>&1; then
    say "wasm-opt ($(wasm-opt --version 2>/dev/null || echo 'unknown version')): ${opt_passes[*]}"
    best=""
    best_brotli=0
    for passes in "${opt_passes[@]}"; do
        # shellcheck disable=SC2086 # the pass set is a word list
        if wasm-opt $passes --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
            --enable-nontrapping-float-to-int --strip-debug "$raw" -o "$opt.try"; then
            size="$(stylus_check --brotli-size "$opt.try")"
            say "  wasm-opt $passes: $size brotli bytes"
            if [[ -z "$best" ]] || (( size < best_brotli )); then
                best="$passes"
                best_brotli="$size"
                mv "$opt.try" "$opt"
            fi
        else
            printf 'build-wasm.sh: warning: wasm-opt %s failed\n' "$passes" >&2
        fi
    done
    rm -f "$opt.try" "$opt_meta"
    if [[ -n "$best" ]]; then
        printf '%s\n' "$best" > "$opt_meta"
        raw_brotli="$(stylus_check --brotli-size "$raw")"
        if (( best_brotli < raw_brotli )); then
            chosen="$opt"
            say "final: wasm-opt $best output ($best_brotli brotli bytes; rustc output $raw_brotli)"
        else
            say "final: rustc output ($raw_brotli brotli bytes; wasm-opt output $best_brotli is not smaller)"
        fi
    else
        rm -f "$opt"
        printf 'build-wasm.sh: warning: wasm-opt failed; using the rustc output\n' >&2
        say "final: rustc output"
    fi
else
    say "final: rustc output (wasm-opt not on PATH; apt-get install binaryen to try it)"
fi
cp "$chosen" "$final"

say "stylus-check $final"
stylus_check "$final" --write-deployed "$hex" "$@" \
    || die "$final does not meet the Stylus rules or size limit (see the stylus-check line above)"
say "deployable code: $hex"
