//! Why a request was refused, and the JSON-RPC error each reason becomes.
//!
//! Standard methods follow geth: `-32602` for parameters that do not parse, `-32000` for a
//! transaction the node refuses (nonce, funds, signature, chain id), `3` with the revert data
//! for `eth_call`/`eth_estimateGas` on a reverting call. Bundler methods follow ERC-7769
//! (`ERCS/erc-7769.md`, "eth_sendUserOperation … Error Codes"): `-32602` invalid fields,
//! `-32500` rejected by EntryPoint in validation (message: the `AAxx` reason), `-32501`
//! rejected by the paymaster, `-32502` an ERC-7562 opcode/storage rule violation, `-32503` out
//! of the validity window, `-32507` the account's signature check failed.

use alloy_primitives::Bytes;
use jsonrpsee::types::ErrorObjectOwned;
use serde_json::Value;

/// JSON-RPC 2.0: invalid method parameters (and ERC-7769: invalid user-operation fields).
pub const INVALID_PARAMS: i32 = -32602;
/// JSON-RPC 2.0: the method does not exist.
pub const METHOD_NOT_FOUND: i32 = -32601;
/// JSON-RPC 2.0: internal error.
pub const INTERNAL_ERROR: i32 = -32603;
/// geth's generic server error: a transaction the node refuses.
pub const TX_REJECTED: i32 = -32000;
/// geth's `execution reverted` code, with the revert data.
pub const EXECUTION_REVERTED: i32 = 3;
/// ERC-7769: rejected by EntryPoint during account creation or validation.
pub const AA_REJECTED: i32 = -32500;
/// ERC-7769: rejected by the paymaster's validation.
pub const PAYMASTER_REJECTED: i32 = -32501;
/// ERC-7769: an ERC-7562 opcode or storage rule violation.
pub const OPCODE_RULE_VIOLATION: i32 = -32502;
/// ERC-7769: the account or paymaster's validity window has passed or not begun.
pub const OUT_OF_TIME_RANGE: i32 = -32503;
/// ERC-7769: the account's signature check failed.
pub const SIGNATURE_FAILED: i32 = -32507;

/// Why the node refused a request.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeError {
    /// Parameters that do not parse or make no sense.
    InvalidParams(String),
    /// A transaction the node refuses before executing it; nothing changed.
    TxRejected(String),
    /// A call (`eth_call`, `eth_estimateGas`) reverted or halted.
    ExecutionReverted {
        /// Why, in words.
        reason: String,
        /// The revert data.
        data: Bytes,
    },
    /// A user operation refused under ERC-7769 (`code` is one of the ERC's codes).
    UserOp {
        /// The ERC-7769 code.
        code: i32,
        /// EntryPoint's `AAxx` reason, or the rule violated.
        message: String,
        /// Details: revert data, the module's error, violations.
        data: Value,
    },
    /// A state the node does not keep (e.g. a past block's).
    Unavailable(String),
    /// A failure of the node itself.
    Internal(String),
}

impl NodeError {
    /// The JSON-RPC error code.
    pub fn code(&self) -> i32 {
        match self {
            Self::InvalidParams(_) => INVALID_PARAMS,
            Self::TxRejected(_) | Self::Unavailable(_) => TX_REJECTED,
            Self::ExecutionReverted { .. } => EXECUTION_REVERTED,
            Self::UserOp { code, .. } => *code,
            Self::Internal(_) => INTERNAL_ERROR,
        }
    }
}

impl std::fmt::Display for NodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidParams(m) => write!(f, "invalid params: {m}"),
            Self::TxRejected(m) | Self::Unavailable(m) | Self::Internal(m) => f.write_str(m),
            Self::ExecutionReverted { reason, .. } => f.write_str(reason),
            Self::UserOp { message, .. } => f.write_str(message),
        }
    }
}

impl std::error::Error for NodeError {}

impl From<NodeError> for ErrorObjectOwned {
    fn from(error: NodeError) -> Self {
        let message = error.to_string();
        match error {
            NodeError::ExecutionReverted { data, .. } => {
                ErrorObjectOwned::owned(EXECUTION_REVERTED, message, Some(data))
            }
            NodeError::UserOp { code, data, .. } => {
                ErrorObjectOwned::owned(code, message, Some(data))
            }
            other => ErrorObjectOwned::owned(other.code(), message, None::<()>),
        }
    }
}

impl From<stylus_devnet::DevnetError> for NodeError {
    fn from(error: stylus_devnet::DevnetError) -> Self {
        match error {
            stylus_devnet::DevnetError::InvalidTransaction { reason } => Self::TxRejected(reason),
            other => Self::Internal(other.to_string()),
        }
    }
}
