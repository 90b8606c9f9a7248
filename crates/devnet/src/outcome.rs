//! What a transaction did.

use alloy_primitives::{Address, Bytes, Log};
use revm::context::result::{ExecutionResult, Output};

/// How a transaction ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallStatus {
    /// It succeeded.
    Success,
    /// It reverted; [`CallOutcome::output`] holds the revert data.
    Revert,
    /// It halted exceptionally (out of gas, invalid opcode, …): all gas is gone.
    Halt {
        /// revm's halt reason, rendered.
        reason: String,
    },
}

/// The result of a transaction or simulated call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallOutcome {
    /// `status == CallStatus::Success`.
    pub success: bool,
    /// How it ended.
    pub status: CallStatus,
    /// Return data on success, revert data on revert, empty on halt.
    pub output: Bytes,
    /// Gas the transaction used after refunds (intrinsic gas included).
    pub gas_used: u64,
    /// Gas refunded (already subtracted from `gas_used`).
    pub gas_refunded: u64,
    /// Logs emitted (none unless it succeeded).
    pub logs: Vec<Log>,
    /// The created contract of a successful create transaction.
    pub created: Option<Address>,
}

impl CallOutcome {
    /// The revert data, if the call reverted.
    pub fn revert_data(&self) -> Option<&Bytes> {
        (self.status == CallStatus::Revert).then_some(&self.output)
    }
}

impl From<ExecutionResult> for CallOutcome {
    fn from(result: ExecutionResult) -> Self {
        let gas_used = result.tx_gas_used();
        let gas_refunded = result.gas().final_refunded();
        match result {
            ExecutionResult::Success { logs, output, .. } => {
                let (output, created) = match output {
                    Output::Call(bytes) => (bytes, None),
                    Output::Create(bytes, address) => (bytes, address),
                };
                Self {
                    success: true,
                    status: CallStatus::Success,
                    output,
                    gas_used,
                    gas_refunded,
                    logs,
                    created,
                }
            }
            ExecutionResult::Revert { output, .. } => Self {
                success: false,
                status: CallStatus::Revert,
                output,
                gas_used,
                gas_refunded,
                logs: Vec::new(),
                created: None,
            },
            ExecutionResult::Halt { reason, .. } => Self {
                success: false,
                status: CallStatus::Halt {
                    reason: format!("{reason:?}"),
                },
                output: Bytes::new(),
                gas_used,
                gas_refunded,
                logs: Vec::new(),
                created: None,
            },
        }
    }
}
