//! The WebAssembly feature set Stylus activation accepts, and naming the proposal a module
//! needs beyond it.

use wasmparser::{Validator, WasmFeatures};

/// Features a Stylus program may use: the MVP plus mutable-global, sat-float-to-int, sign-ext and
/// bulk-memory.
///
/// `WasmFeatures::MVP` also carries wasmparser's `floats` and `gc-types` switches. Floats are
/// left on here on purpose: float use is rejected by a dedicated scan that names the exact site
/// (see [`crate::FloatSite`]). `gc-types` only gates reference types that need the (disabled)
/// reference-types proposal as well, so plain `funcref` tables stay legal.
pub const STYLUS_FEATURES: WasmFeatures = WasmFeatures::MVP
    .union(WasmFeatures::MUTABLE_GLOBAL)
    .union(WasmFeatures::SATURATING_FLOAT_TO_INT)
    .union(WasmFeatures::SIGN_EXTENSION)
    .union(WasmFeatures::BULK_MEMORY);

/// Name used when no single proposal explains a feature-set failure.
pub const UNNAMED_FEATURE: &str = "a WebAssembly proposal outside the Stylus feature set";

/// Proposals Stylus rejects, each with the flags that must be added to [`STYLUS_FEATURES`] for a
/// module using it to validate (prerequisites included), most specific first.
const FORBIDDEN_PROPOSALS: &[(&str, WasmFeatures)] = &[
    ("multi-value", WasmFeatures::MULTI_VALUE),
    (
        // rustc's default output: `call_indirect` with a padded (overlong) table index.
        "reference-types (overlong call_indirect encoding)",
        WasmFeatures::CALL_INDIRECT_OVERLONG,
    ),
    ("reference-types", WasmFeatures::REFERENCE_TYPES),
    ("simd", WasmFeatures::SIMD),
    (
        "relaxed-simd",
        WasmFeatures::SIMD.union(WasmFeatures::RELAXED_SIMD),
    ),
    ("threads", WasmFeatures::THREADS),
    ("tail-call", WasmFeatures::TAIL_CALL),
    ("multi-memory", WasmFeatures::MULTI_MEMORY),
    ("memory64", WasmFeatures::MEMORY64),
    ("extended-const", WasmFeatures::EXTENDED_CONST),
    ("wide-arithmetic", WasmFeatures::WIDE_ARITHMETIC),
    ("custom-page-sizes", WasmFeatures::CUSTOM_PAGE_SIZES),
    ("memory-control", WasmFeatures::MEMORY_CONTROL),
    ("compact-imports", WasmFeatures::COMPACT_IMPORTS),
    ("exceptions", WasmFeatures::EXCEPTIONS),
    (
        "exceptions (legacy encoding)",
        WasmFeatures::EXCEPTIONS.union(WasmFeatures::LEGACY_EXCEPTIONS),
    ),
    (
        "function-references",
        WasmFeatures::REFERENCE_TYPES.union(WasmFeatures::FUNCTION_REFERENCES),
    ),
    (
        "gc",
        WasmFeatures::REFERENCE_TYPES
            .union(WasmFeatures::FUNCTION_REFERENCES)
            .union(WasmFeatures::GC),
    ),
    (
        "shared-everything-threads",
        WasmFeatures::THREADS.union(WasmFeatures::SHARED_EVERYTHING_THREADS),
    ),
    (
        "stack-switching",
        WasmFeatures::REFERENCE_TYPES
            .union(WasmFeatures::FUNCTION_REFERENCES)
            .union(WasmFeatures::EXCEPTIONS)
            .union(WasmFeatures::STACK_SWITCHING),
    ),
];

/// Every feature wasmparser knows for core modules; used to tell "not WebAssembly at all" apart
/// from "WebAssembly that needs a forbidden proposal".
pub(crate) fn all_core_features() -> WasmFeatures {
    WasmFeatures::all()
}

/// Names the forbidden proposal a module (valid under [`all_core_features`] but not under
/// [`STYLUS_FEATURES`]) depends on, or [`UNNAMED_FEATURE`] if no single proposal suffices.
pub(crate) fn name_forbidden_feature(wasm: &[u8]) -> &'static str {
    FORBIDDEN_PROPOSALS
        .iter()
        .find(|(_, extra)| {
            Validator::new_with_features(STYLUS_FEATURES.union(*extra))
                .validate_all(wasm)
                .is_ok()
        })
        .map_or(UNNAMED_FEATURE, |(name, _)| *name)
}
