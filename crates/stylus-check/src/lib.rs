//! Checks a compiled WASM against the Arbitrum Stylus activation rules and builds the code a
//! deployment stores.
//!
//! ```
//! let wasm = wat::parse_str(r#"
//!     (module
//!       (import "vm_hooks" "read_args" (func (param i32)))
//!       (memory (export "memory") 1)
//!       (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))
//! "#).unwrap();
//! let report = stylus_check::check_activation(&wasm).unwrap();
//! assert_eq!(report.imports, ["read_args"]);
//! let code = stylus_check::deployable_code(&wasm);
//! assert!(code.len() <= stylus_check::MAX_DEPLOYED_CODE);
//! assert_eq!(stylus_check::decompress_deployable(&code).unwrap(), wasm);
//! ```
#![deny(missing_docs)]

mod activation;
pub mod data_inline;
mod deploy;
pub mod entry_cost;
mod error;
pub mod features;
mod floats;
pub mod hostio;
mod limits;
mod module_scan;
mod signature;

pub use activation::{
    check_activation, check_activation_with, ActivationReport, CheckOptions, ENTRYPOINT_EXPORT,
    MEMORY_EXPORT,
};
pub use data_inline::{inline_data_segments, InlineError};
pub use deploy::{
    compress_wasm, decompress_deployable, deployable_code, is_stylus_code, returning_initcode,
};
pub use entry_cost::{EntryCost, EntryInputs};
pub use error::ActivationError;
pub use floats::FloatSite;
pub use limits::{
    BROTLI_QUALITY, BROTLI_WINDOW, DEPLOYED_HEADER_BYTES, DICTIONARY_EMPTY, MAX_COMPRESSED_WASM,
    MAX_DEPLOYED_CODE, MAX_INITIAL_PAGES, MAX_WASM_BYTES, STYLUS_PREFIX,
};
pub use signature::{FuncSignature, ValueType};
