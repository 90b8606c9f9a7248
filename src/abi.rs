//! The revert data of the validator.
//!
//! Functions, events and errors are declared once, in `abi/ISessionKeyValidator.sol`, and
//! reach Rust through `sessionkey_policy::interface`; which error each refusal maps to, and its
//! words, is `sessionkey_policy::error::ModuleError`, shared with the SDK and the bundler kit.
//! EntryPoint wraps a validation revert as `FailedOpWithRevert(opIndex, "AA23 reverted", inner)`.

use alloc::vec::Vec;
use alloy_primitives::Address;
use sessionkey_policy::error::ModuleError;
use sessionkey_policy::{ExecutionError, RecordError, Violation};

// The interface's errors, events and call types (`RuleFailed`, `ModuleInstalled`, …).
pub use sessionkey_policy::interface::ISessionKeyValidator::*;
pub use sessionkey_policy::interface::PackedUserOperation;

/// A revert: one of the module's errors, already ABI-encoded (`selector ‖ static args`).
///
/// Encoded from [`ModuleError::abi`]'s words rather than by alloy's derived per-type encoders,
/// which cost ~10 KB of WASM. The contract tests compare these bytes with alloy's
/// `SolError::abi_encode` of the expected error, which checks the exact error and this encoder
/// at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(Vec<u8>);

impl From<ModuleError> for Error {
    #[inline(never)]
    fn from(e: ModuleError) -> Self {
        Self(e.encode())
    }
}

impl Error {
    /// `NotInstalled(account)`.
    pub fn not_installed(account: Address) -> Self {
        ModuleError::NotInstalled { account }.into()
    }

    /// `AlreadyInstalled(account)`.
    pub fn already_installed(account: Address) -> Self {
        ModuleError::AlreadyInstalled { account }.into()
    }

    /// `SessionAlreadyActive(account, signer)`.
    pub fn session_already_active(account: Address, signer: Address) -> Self {
        ModuleError::SessionAlreadyActive { account, signer }.into()
    }

    /// `SessionNotActive(account, signer)`.
    pub fn session_not_active(account: Address, signer: Address) -> Self {
        ModuleError::SessionNotActive { account, signer }.into()
    }

    /// `InvalidSignatureLength(length)`.
    pub fn invalid_signature_length(length: usize) -> Self {
        ModuleError::InvalidSignatureLength { length }.into()
    }

    /// `SenderMismatch(sender, caller)`.
    pub fn sender_mismatch(sender: Address, caller: Address) -> Self {
        ModuleError::SenderMismatch { sender, caller }.into()
    }

    /// `MalformedCalldata(code)`: the module's own arguments are not canonical ABI.
    pub fn calldata(e: ExecutionError) -> Self {
        ModuleError::calldata(e).into()
    }
}

impl From<Error> for Vec<u8> {
    fn from(e: Error) -> Vec<u8> {
        e.0
    }
}

impl From<RecordError> for Error {
    fn from(e: RecordError) -> Self {
        ModuleError::from(e).into()
    }
}

impl From<ExecutionError> for Error {
    fn from(e: ExecutionError) -> Self {
        ModuleError::execution(e).into()
    }
}

impl From<Violation> for Error {
    fn from(v: Violation) -> Self {
        ModuleError::Violation(v).into()
    }
}

/// `export-abi` prints functions only: the errors and events are declared, documented, in
/// `abi/ISessionKeyValidator.sol`, and a derive listing them here would also generate the
/// ~10 KB encoder this module avoids.
#[cfg(feature = "export-abi")]
impl stylus_sdk::abi::export::internal::InnerTypes for Error {
    fn inner_types() -> Vec<stylus_sdk::abi::export::internal::InnerType> {
        Vec::new()
    }
}
