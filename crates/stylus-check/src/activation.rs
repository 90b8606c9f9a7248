//! The activation check: every rule `ArbWasm.activateProgram` applies that can be decided from
//! the module alone.

use wasmparser::{ExternalKind, Parser, Validator};

use crate::entry_cost::{EntryCost, EntryInputs, INSTRUMENTATION_GLOBALS};
use crate::error::ActivationError;
use crate::features::{all_core_features, name_forbidden_feature, STYLUS_FEATURES};
use crate::hostio::{console_hook, vm_hook, Hostio, CONSOLE_MODULE, VM_HOOKS_MODULE};
use crate::limits::{MAX_INITIAL_PAGES, MAX_WASM_BYTES};
use crate::module_scan::{invalid_wasm, offset_usize, ImportKind, ModuleScan};
use crate::signature::{FuncSignature, ValueType};

/// Name of the program entry point export.
pub const ENTRYPOINT_EXPORT: &str = "user_entrypoint";

/// Name of the memory export.
pub const MEMORY_EXPORT: &str = "memory";

/// Knobs of the activation check.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CheckOptions {
    /// Accept imports from module `console` (only debug-mode chains link them).
    pub allow_debug: bool,
}

/// What a module that passed the activation check looks like.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivationReport {
    /// Size of the uncompressed module.
    pub wasm_bytes: usize,
    /// Initial size of the memory in 64 KiB pages (each call pays for these).
    pub initial_pages: u64,
    /// Declared maximum of the memory in pages, if any.
    pub maximum_pages: Option<u64>,
    /// Names of the imported `vm_hooks` host functions, in import order.
    pub imports: Vec<String>,
    /// Names of imported `console` functions (non-empty only with `allow_debug`).
    pub debug_imports: Vec<String>,
    /// Number of functions the module defines (imports excluded).
    pub functions: usize,
    /// Number of globals the module defines.
    pub globals: usize,
    /// Names of all exports, in order.
    pub exports: Vec<String>,
    /// What every call pays on entry ([`EntryCost`]).
    pub entry: EntryCost,
}

/// Checks `wasm` against the Stylus activation rules with default options (no `console`).
pub fn check_activation(wasm: &[u8]) -> Result<ActivationReport, ActivationError> {
    check_activation_with(wasm, CheckOptions::default())
}

/// Checks `wasm` against the Stylus activation rules.
///
/// Rules, in the order they are checked (the first violation is returned):
/// 1. at most [`MAX_WASM_BYTES`] bytes;
/// 2. a valid core WebAssembly module;
/// 3. imports are host functions of module `vm_hooks` (or `console` with `allow_debug`) with
///    known names and the host function's exact type;
/// 4. exactly one memory, defined (not imported), at most [`MAX_INITIAL_PAGES`] initial pages;
/// 5. no start function;
/// 6. exports `user_entrypoint: (i32) -> i32` and `memory`;
/// 7. no floating-point type or instruction anywhere;
/// 8. no WebAssembly feature beyond mutable-global, sat-float-to-int, sign-ext and bulk-memory;
/// 9. no instruction Nitro's meter refuses (`memory.init`, `data.drop`, `elem.drop`, `table.*`);
/// 10. an entry cost that fits Nitro's 16-bit fields.
pub fn check_activation_with(
    wasm: &[u8],
    options: CheckOptions,
) -> Result<ActivationReport, ActivationError> {
    if wasm.len() > MAX_WASM_BYTES {
        return Err(ActivationError::WasmTooLarge {
            bytes: wasm.len(),
            limit: MAX_WASM_BYTES,
        });
    }
    if !Parser::is_core_wasm(wasm) {
        return Err(ActivationError::InvalidWasm {
            offset: 0,
            reason: "does not start with the core module header (\\0asm, version 1)".to_owned(),
        });
    }
    Validator::new_with_features(all_core_features())
        .validate_all(wasm)
        .map_err(invalid_wasm)?;

    let scan = ModuleScan::read(wasm)?;
    let (imports, debug_imports) = check_imports(&scan, options)?;
    let memory = check_memory(&scan)?;
    if let Some(func_index) = scan.start_function {
        return Err(ActivationError::StartFunction { func_index });
    }
    check_exports(&scan)?;
    if let Some(site) = scan.first_float.clone() {
        return Err(ActivationError::FloatUsage { site });
    }
    check_feature_set(wasm)?;
    if let Some((func_index, offset, mnemonic)) = scan.first_unsupported {
        return Err(ActivationError::UnsupportedInstruction {
            func_index,
            offset,
            mnemonic,
        });
    }
    let inputs = EntryInputs {
        functions: scan.defined_functions as u64,
        type_len: scan.defined_type_len(),
        wasm_len: wasm.len() as u64,
        globals: scan.defined_globals as u64 + INSTRUMENTATION_GLOBALS,
        data_len: scan.segment_bytes,
        pages: memory.initial,
    };
    let entry = EntryCost::predict(inputs).ok_or(ActivationError::EntryCostTooHigh { inputs })?;

    Ok(ActivationReport {
        wasm_bytes: wasm.len(),
        initial_pages: memory.initial,
        maximum_pages: memory.maximum,
        imports,
        debug_imports,
        functions: scan.defined_functions,
        globals: scan.defined_globals,
        exports: scan
            .exports
            .iter()
            .map(|export| export.name.clone())
            .collect(),
        entry,
    })
}

/// Returns the names of the `vm_hooks` and `console` imports.
fn check_imports(
    scan: &ModuleScan,
    options: CheckOptions,
) -> Result<(Vec<String>, Vec<String>), ActivationError> {
    let mut hostios = Vec::new();
    let mut debug = Vec::new();
    for import in &scan.imports {
        let (module, lookup, names): (&'static str, fn(&str) -> Option<&'static Hostio>, _) =
            match import.module.as_str() {
                VM_HOOKS_MODULE => (VM_HOOKS_MODULE, vm_hook, &mut hostios),
                CONSOLE_MODULE if options.allow_debug => (CONSOLE_MODULE, console_hook, &mut debug),
                _ => {
                    return Err(ActivationError::ForbiddenImportModule {
                        module: import.module.clone(),
                        name: import.name.clone(),
                    })
                }
            };
        let type_index = match import.kind {
            ImportKind::Func(type_index) => type_index,
            ImportKind::Other(kind) => {
                return Err(ActivationError::NonFunctionImport {
                    module: import.module.clone(),
                    name: import.name.clone(),
                    kind,
                })
            }
        };
        let Some(hostio) = lookup(&import.name) else {
            return Err(ActivationError::UnknownHostio {
                module: import.module.clone(),
                name: import.name.clone(),
            });
        };
        let found = scan.type_signature(type_index);
        if !found.is_some_and(|found| found.is(hostio.params, hostio.results)) {
            return Err(ActivationError::HostioSignature {
                module,
                hostio,
                found: found
                    .cloned()
                    .unwrap_or_else(|| FuncSignature::new(&[], &[])),
            });
        }
        names.push(import.name.clone());
    }
    Ok((hostios, debug))
}

fn check_memory(scan: &ModuleScan) -> Result<wasmparser::MemoryType, ActivationError> {
    let [memory] = scan.defined_memories.as_slice() else {
        return Err(ActivationError::MemoryCount {
            count: u32::try_from(scan.defined_memories.len()).unwrap_or(u32::MAX),
        });
    };
    if memory.initial > MAX_INITIAL_PAGES {
        return Err(ActivationError::TooManyPages {
            initial: memory.initial,
            limit: MAX_INITIAL_PAGES,
        });
    }
    Ok(*memory)
}

fn check_exports(scan: &ModuleScan) -> Result<(), ActivationError> {
    let entrypoint = scan
        .export(ENTRYPOINT_EXPORT)
        .ok_or(ActivationError::MissingExport {
            name: ENTRYPOINT_EXPORT,
        })?;
    if !matches!(
        entrypoint.kind,
        ExternalKind::Func | ExternalKind::FuncExact
    ) {
        return Err(ActivationError::WrongExportKind {
            name: ENTRYPOINT_EXPORT,
            expected: "function",
            found: kind_name(entrypoint.kind),
        });
    }
    let signature = scan.function_signature(entrypoint.index);
    if !signature.is_some_and(|sig| sig.is(&[ValueType::I32], &[ValueType::I32])) {
        return Err(ActivationError::EntrypointSignature {
            found: signature
                .cloned()
                .unwrap_or_else(|| FuncSignature::new(&[], &[])),
        });
    }

    let memory = scan
        .export(MEMORY_EXPORT)
        .ok_or(ActivationError::MissingExport {
            name: MEMORY_EXPORT,
        })?;
    if memory.kind != ExternalKind::Memory {
        return Err(ActivationError::WrongExportKind {
            name: MEMORY_EXPORT,
            expected: "memory",
            found: kind_name(memory.kind),
        });
    }
    Ok(())
}

fn check_feature_set(wasm: &[u8]) -> Result<(), ActivationError> {
    match Validator::new_with_features(STYLUS_FEATURES).validate_all(wasm) {
        Ok(_) => Ok(()),
        Err(error) => Err(ActivationError::ForbiddenFeature {
            feature: name_forbidden_feature(wasm),
            offset: offset_usize(error.offset()),
            reason: error.message().to_owned(),
        }),
    }
}

fn kind_name(kind: ExternalKind) -> &'static str {
    match kind {
        ExternalKind::Func | ExternalKind::FuncExact => "function",
        ExternalKind::Table => "table",
        ExternalKind::Memory => "memory",
        ExternalKind::Global => "global",
        ExternalKind::Tag => "tag",
    }
}
