//! Why a module cannot be activated, or why deployed code cannot be read back.

use core::fmt;

use crate::floats::FloatSite;
use crate::hostio::{Hostio, CONSOLE_MODULE};
use crate::signature::FuncSignature;

/// A violated Stylus activation rule, or a malformed deployable code blob.
///
/// Each variant carries the context needed to find the offending item; [`ActivationError::rule`]
/// gives a short stable name of the rule for scripts.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ActivationError {
    /// The uncompressed module is larger than Stylus accepts.
    WasmTooLarge {
        /// Size of the module.
        bytes: usize,
        /// The limit, [`crate::MAX_WASM_BYTES`].
        limit: usize,
    },
    /// The bytes are not a valid core WebAssembly module under any feature set.
    InvalidWasm {
        /// Byte offset the parser stopped at.
        offset: usize,
        /// The parser's description of the problem.
        reason: String,
    },
    /// The module is valid WebAssembly but needs a proposal Stylus does not enable.
    ForbiddenFeature {
        /// The proposal, e.g. `reference-types` or `simd`.
        feature: &'static str,
        /// Byte offset of the first use.
        offset: usize,
        /// The validator's description of the first use.
        reason: String,
    },
    /// The module uses a floating-point type or instruction.
    FloatUsage {
        /// Where.
        site: FloatSite,
    },
    /// The module uses an instruction Nitro's meter cannot price (`memory.init`, `data.drop`,
    /// `elem.drop` and the table instructions): activation fails ("opcode not supported").
    UnsupportedInstruction {
        /// Function index (in the function index space).
        func_index: u32,
        /// Byte offset of the instruction.
        offset: usize,
        /// Its mnemonic.
        mnemonic: &'static str,
    },
    /// The predicted entry cost does not fit Nitro's 16-bit field ("init cost too high").
    EntryCostTooHigh {
        /// The inputs of the prediction.
        inputs: crate::entry_cost::EntryInputs,
    },
    /// The module does not define exactly one memory.
    MemoryCount {
        /// Number of memories the module defines.
        count: u32,
    },
    /// The memory's initial size is above the Stylus limit.
    TooManyPages {
        /// Initial size in 64 KiB pages.
        initial: u64,
        /// The limit, [`crate::MAX_INITIAL_PAGES`].
        limit: u64,
    },
    /// The module has a start function.
    StartFunction {
        /// Index of the start function.
        func_index: u32,
    },
    /// A required export is absent.
    MissingExport {
        /// `user_entrypoint` or `memory`.
        name: &'static str,
    },
    /// A required export names an item of the wrong kind.
    WrongExportKind {
        /// `user_entrypoint` or `memory`.
        name: &'static str,
        /// The kind it must be.
        expected: &'static str,
        /// The kind it is.
        found: &'static str,
    },
    /// `user_entrypoint` does not have type `(i32) -> i32`.
    EntrypointSignature {
        /// The exported function's type.
        found: FuncSignature,
    },
    /// An import comes from a module other than `vm_hooks` (or `console` with `allow_debug`).
    ForbiddenImportModule {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
    },
    /// An import is not a function.
    NonFunctionImport {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
        /// What it imports: `memory`, `table`, `global` or `tag`.
        kind: &'static str,
    },
    /// A `vm_hooks` (or `console`) import is not a known host function.
    UnknownHostio {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
    },
    /// A known host function is imported with the wrong type.
    HostioSignature {
        /// Import module (`vm_hooks` or `console`).
        module: &'static str,
        /// The host function, with its name and expected type.
        hostio: &'static Hostio,
        /// The type the module declares.
        found: FuncSignature,
    },
    /// Deployed code does not start with `EF F0 00` and a dictionary byte.
    NotStylusCode {
        /// Up to the first four bytes found.
        prefix: Vec<u8>,
    },
    /// Deployed code names a compression dictionary other than the empty one (`00`).
    UnsupportedDictionary {
        /// The dictionary byte found.
        byte: u8,
    },
    /// The brotli stream of deployed code is corrupt or truncated.
    CorruptCompression {
        /// Size of the compressed stream.
        compressed_bytes: usize,
    },
    /// Deployed code decompresses to more than the uncompressed WASM limit.
    DecompressedTooLarge {
        /// The limit, [`crate::MAX_WASM_BYTES`].
        limit: usize,
    },
}

impl ActivationError {
    /// Short stable name of the violated rule, e.g. `no-floats` or `hostio-name`.
    pub fn rule(&self) -> &'static str {
        match self {
            Self::WasmTooLarge { .. } => "wasm-size",
            Self::InvalidWasm { .. } => "valid-wasm",
            Self::ForbiddenFeature { .. } => "feature-set",
            Self::FloatUsage { .. } => "no-floats",
            Self::UnsupportedInstruction { .. } => "supported-instructions",
            Self::EntryCostTooHigh { .. } => "entry-cost",
            Self::MemoryCount { .. } => "single-memory",
            Self::TooManyPages { .. } => "memory-pages",
            Self::StartFunction { .. } => "no-start-function",
            Self::MissingExport { .. } | Self::WrongExportKind { .. } => "required-exports",
            Self::EntrypointSignature { .. } => "entrypoint-signature",
            Self::ForbiddenImportModule { .. } => "import-module",
            Self::NonFunctionImport { .. } => "import-kind",
            Self::UnknownHostio { .. } => "hostio-name",
            Self::HostioSignature { .. } => "hostio-signature",
            Self::NotStylusCode { .. } => "stylus-prefix",
            Self::UnsupportedDictionary { .. } => "dictionary",
            Self::CorruptCompression { .. } => "brotli-stream",
            Self::DecompressedTooLarge { .. } => "wasm-size",
        }
    }
}

impl fmt::Display for ActivationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WasmTooLarge { bytes, limit } => write!(
                f,
                "uncompressed WASM is {bytes} bytes, over the {limit}-byte limit"
            ),
            Self::InvalidWasm { offset, reason } => {
                write!(f, "not a valid WebAssembly module (offset {offset:#x}): {reason}")
            }
            Self::ForbiddenFeature {
                feature,
                offset,
                reason,
            } => write!(
                f,
                "uses {feature}, which Stylus does not enable (offset {offset:#x}: {reason})"
            ),
            Self::FloatUsage { site } => write!(f, "floating point is forbidden: {site}"),
            Self::UnsupportedInstruction {
                func_index,
                offset,
                mnemonic,
            } => write!(
                f,
                "`{mnemonic}` in function {func_index} at byte {offset}: Nitro's meter does not \
                 support it"
            ),
            Self::EntryCostTooHigh { inputs } => write!(
                f,
                "the predicted entry cost does not fit 16 bits ({} functions, {} bytes)",
                inputs.functions, inputs.wasm_len
            ),
            Self::MemoryCount { count } => write!(
                f,
                "the module must define exactly one memory, it defines {count}"
            ),
            Self::TooManyPages { initial, limit } => write!(
                f,
                "initial memory is {initial} pages, over the {limit}-page limit"
            ),
            Self::StartFunction { func_index } => write!(
                f,
                "the module has a start function (function {func_index}); Stylus forbids one"
            ),
            Self::MissingExport { name } => write!(f, "the module does not export `{name}`"),
            Self::WrongExportKind {
                name,
                expected,
                found,
            } => write!(f, "export `{name}` must be a {expected}, it is a {found}"),
            Self::EntrypointSignature { found } => write!(
                f,
                "export `user_entrypoint` must have type (i32) -> i32, it has {found}"
            ),
            Self::ForbiddenImportModule { module, name } => {
                write!(
                    f,
                    "import `{module}::{name}`: only module `vm_hooks` may be imported"
                )?;
                if module == CONSOLE_MODULE {
                    f.write_str(" (`console` only with allow_debug)")?;
                }
                Ok(())
            }
            Self::NonFunctionImport { module, name, kind } => write!(
                f,
                "import `{module}::{name}` is a {kind}; only host functions may be imported"
            ),
            Self::UnknownHostio { module, name } => {
                write!(f, "import `{module}::{name}` is not a known Stylus host function")
            }
            Self::HostioSignature {
                module,
                hostio,
                found,
            } => write!(
                f,
                "import `{module}::{}` has type {found}, the host function has {}",
                hostio.name,
                hostio.signature()
            ),
            Self::NotStylusCode { prefix } => {
                f.write_str("deployed code must start with EF F0 00 and a dictionary byte, found")?;
                if prefix.is_empty() {
                    f.write_str(" nothing")?;
                }
                for byte in prefix {
                    write!(f, " {byte:02X}")?;
                }
                Ok(())
            }
            Self::UnsupportedDictionary { byte } => write!(
                f,
                "deployed code uses compression dictionary {byte:#04x}; only 0x00 (empty) is supported"
            ),
            Self::CorruptCompression { compressed_bytes } => write!(
                f,
                "the {compressed_bytes}-byte brotli stream of the deployed code is corrupt or truncated"
            ),
            Self::DecompressedTooLarge { limit } => write!(
                f,
                "deployed code decompresses to more than the {limit}-byte WASM limit"
            ),
        }
    }
}

impl std::error::Error for ActivationError {}
