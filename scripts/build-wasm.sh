#!/usr/bin/env bash
# Builds the two Stylus programs of this crate and produces, under target/, for each NAME:
#   NAME.wasm           rustc's output
#   NAME.opt.wasm       the pinned wasm-opt's output (binaryen 132.0.0 from npm): the smallest
#                       after brotli of the pass sets in $opt_passes
#   NAME.opt.passes     the pass set that produced it
#   NAME.preinline.wasm whichever of the two is smaller after brotli
#   NAME.final.wasm     that, with its data segments moved into code at the start of
#                       user_entrypoint (stylus-check --inline-data)
#   NAME.deployed.hex   0x-prefixed deployable code: EF F0 00 ‖ 00 ‖ brotli(final)
# and checks each final WASM against the Stylus activation rules with stylus-check.
#
# The programs, in build order:
#   session_key_erc1271    the scoped ERC-1271 check (feature erc1271-program, src/erc1271.rs);
#                          the keccak of its deployable code goes into crates/policy/src/erc1271_program.rs,
#                          rewritten only when it changed
#   session_key_validator  the module, which delegates isValidSignatureWithSender only to code
#                          with that hash
# Extra arguments are passed to stylus-check (e.g. --max-compressed 20000, --json).
# Honours CARGO_TARGET_DIR for cargo's own output; the files above always go to <repo>/target/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

build_dir="${CARGO_TARGET_DIR:-target}"
out_dir="target"
# Registry sources are named by a machine-independent prefix in the panic locations the WASM
# embeds, so every machine builds the same bytes (and so the same code hash) whatever its
# CARGO_HOME.
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
remap="target.wasm32-unknown-unknown.rustflags=[\"--remap-path-prefix=$cargo_home=/cargo\"]"

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

# build_program NAME [CARGO_FEATURE_ARGS...]: builds, optimises, inlines and checks one program.
build_program() {
    local name="$1"
    shift
    local raw="$out_dir/$name.wasm"
    local opt="$out_dir/$name.opt.wasm"
    local opt_meta="$out_dir/$name.opt.passes"
    local preinline="$out_dir/$name.preinline.wasm"
    local final="$out_dir/$name.final.wasm"
    local hex="$out_dir/$name.deployed.hex"
    # Never leave artifacts of an earlier build behind to be mistaken for this one.
    rm -f "$raw" "$opt" "$opt_meta" "$final" "$hex" "$preinline"

    say "$name: cargo build --locked --release --target wasm32-unknown-unknown -p session-key-validator --lib $*"
    cargo build --locked --release --target wasm32-unknown-unknown -p session-key-validator --lib \
        --config "$remap" "$@" \
        || die "building $name for wasm32-unknown-unknown failed (see cargo's output above)"

    local built="$build_dir/wasm32-unknown-unknown/release/session_key_validator.wasm"
    [[ -f "$built" ]] || die "cargo did not produce $built"
    cp "$built" "$raw"
    say "rustc output: $raw ($(wc -c < "$raw") bytes)"

    local chosen="$raw" best="" best_brotli=0 passes size
    local opt_passes=("-Oz" "-Oz --converge" "-Os --converge")
    say "wasm-opt ($version): ${opt_passes[*]}"
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
    local raw_brotli
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
    stylus_check "$final" --write-deployed "$hex" "${check_args[@]}" \
        || die "$final does not meet the Stylus rules or size limit (see the stylus-check line above)"
    say "deployable code: $hex"
}

check_args=("$@")

build_program session_key_erc1271 --features erc1271-program

# The module pins the program by the hash of its deployable code (src/erc1271.rs).
codehash="$(stylus_check --code-hash "$out_dir/session_key_erc1271.final.wasm")"
codehash_file="crates/policy/src/erc1271_program.rs"
codehash_text="//! The ERC-1271 program the module delegates to (the contract's \`src/erc1271.rs\`), pinned by its
//! code hash. Written by \`scripts/build-wasm.sh\` from the program it builds (any change to code the
//! program links, even a line number in a panic location, changes it); CI fails when the committed
//! file differs from the one the build writes.

/// keccak256 of the ERC-1271 program's deployable code (\`target/session_key_erc1271.deployed.hex\`),
/// the only code \`isValidSignatureWithSender\` delegates to.
pub const PROGRAM_CODEHASH: alloy_primitives::B256 =
    alloy_primitives::b256!(\"$codehash\");"
if [[ "$(cat "$codehash_file" 2>/dev/null)" != "$codehash_text" ]]; then
    printf '%s\n' "$codehash_text" > "$codehash_file"
    say "wrote $codehash_file: $codehash"
else
    say "$codehash_file is current: $codehash"
fi

build_program session_key_validator
