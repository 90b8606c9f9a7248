//! Activation: what `ArbWasm.activateProgram` does before a program may run.
//!
//! The deployed code is decompressed (at most 128 KiB), checked against every Stylus activation
//! rule by `stylus-check`, instrumented with the ink meter and compiled by wasmi once. The result
//! is keyed by code hash: like Nitro, activating one contract activates every contract with the
//! same code.

use std::sync::OnceLock;

use alloy_primitives::{keccak256, Address, B256};
use stylus_check::{check_activation, decompress_deployable, ActivationReport};

use crate::error::DevnetError;
use crate::ink::instrument::instrument;

/// A program that passed activation, ready to instantiate.
#[derive(Clone, Debug)]
pub struct Program {
    pub(crate) module: wasmi::Module,
    /// What activation learnt about it.
    pub info: ActivationInfo,
}

/// Facts about an activated program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivationInfo {
    /// Hash of the deployed code (`EF F0 00 ‖ dict ‖ brotli(wasm)`), the activation key.
    pub code_hash: B256,
    /// Size of the uncompressed WASM.
    pub wasm_bytes: usize,
    /// Size of the WASM after the ink meter was added.
    pub metered_bytes: usize,
    /// Initial memory pages (every call pays for these).
    pub initial_pages: u32,
    /// The activation check's report (imports, exports, counts).
    pub report: ActivationReport,
}

/// The wasmi engine, configured with exactly the WebAssembly features Stylus enables.
pub(crate) fn engine() -> &'static wasmi::Engine {
    static ENGINE: OnceLock<wasmi::Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = wasmi::Config::default();
        config
            .wasm_reference_types(false)
            .wasm_multi_value(false)
            .wasm_multi_memory(false)
            .wasm_tail_call(false)
            .wasm_extended_const(false)
            .wasm_custom_page_sizes(false)
            .wasm_wide_arithmetic(false)
            .floats(false)
            .allow_start_fn(false)
            .wasm_mutable_global(true)
            .wasm_sign_extension(true)
            .wasm_saturating_float_to_int(true)
            .wasm_bulk_memory(true);
        wasmi::Engine::new(&config)
    })
}

/// Runs activation on the code stored at `address`.
///
/// # Errors
///
/// [`DevnetError::Activation`] with `stylus-check`'s error for a rule violation (including a
/// missing `EF F0 00` prefix or a corrupt brotli stream), [`DevnetError::Instrumentation`] if
/// the meter or wasmi cannot handle a module the check accepted.
pub(crate) fn activate_code(address: Address, code: &[u8]) -> Result<Program, DevnetError> {
    let rejected = |error| DevnetError::Activation { address, error };
    let wasm = decompress_deployable(code).map_err(rejected)?;
    let report = check_activation(&wasm).map_err(rejected)?;
    let metered =
        instrument(&wasm).map_err(|error| DevnetError::instrumentation(address, &error))?;
    let module =
        wasmi::Module::new(engine(), &metered).map_err(|error| DevnetError::Instrumentation {
            address,
            reason: error.to_string(),
        })?;
    Ok(Program {
        module,
        info: ActivationInfo {
            code_hash: keccak256(code),
            wasm_bytes: wasm.len(),
            metered_bytes: metered.len(),
            initial_pages: u32::try_from(report.initial_pages).unwrap_or(u32::MAX),
            report,
        },
    })
}
