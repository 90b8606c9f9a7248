//! Errors of the devnet's public API.

use core::fmt;

use alloy_primitives::{Address, B256};
use stylus_check::ActivationError;

use crate::ink::instrument::InstrumentError;

/// Why a devnet operation failed.
///
/// Transactions that run and fail (revert, out of gas) are not errors: they come back as a
/// [`crate::CallOutcome`] with `success == false`. Errors are for requests the chain refuses
/// before or outside execution.
#[derive(Debug)]
#[non_exhaustive]
pub enum DevnetError {
    /// `activate` was asked for an address without code.
    NoCode {
        /// The address.
        address: Address,
    },
    /// The program's code (or its WASM) breaks a Stylus activation rule; `stylus-check`'s
    /// error names the rule.
    Activation {
        /// The program's address.
        address: Address,
        /// The violated rule.
        error: ActivationError,
    },
    /// The program is valid Stylus but the devnet could not prepare it (meter or interpreter);
    /// a devnet limitation, not a property of the program.
    Instrumentation {
        /// The program's address.
        address: Address,
        /// What failed.
        reason: String,
    },
    /// The program at this code hash is already activated.
    AlreadyActivated {
        /// The program's address.
        address: Address,
        /// Its code hash.
        code_hash: B256,
    },
    /// The code at this address is not an activated Stylus program.
    NotActivated {
        /// The address.
        address: Address,
    },
    /// revm rejected the transaction before executing it (nonce, balance, gas limit…).
    InvalidTransaction {
        /// revm's description.
        reason: String,
    },
    /// A deployment transaction ran but did not create a contract.
    DeploymentFailed {
        /// Who sent it.
        deployer: Address,
        /// Why: revert data or halt reason, rendered.
        reason: String,
    },
}

impl fmt::Display for DevnetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoCode { address } => write!(f, "no code at {address}"),
            Self::Activation { address, error } => write!(
                f,
                "program at {address} fails activation ({}): {error}",
                error.rule()
            ),
            Self::Instrumentation { address, reason } => {
                write!(f, "program at {address} cannot be prepared: {reason}")
            }
            Self::AlreadyActivated { address, code_hash } => write!(
                f,
                "program at {address} (code hash {code_hash}) is already activated"
            ),
            Self::NotActivated { address } => {
                write!(
                    f,
                    "the code at {address} is not an activated Stylus program"
                )
            }
            Self::InvalidTransaction { reason } => write!(f, "transaction rejected: {reason}"),
            Self::DeploymentFailed { deployer, reason } => {
                write!(f, "deployment from {deployer} failed: {reason}")
            }
        }
    }
}

impl std::error::Error for DevnetError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Activation { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl DevnetError {
    pub(crate) fn instrumentation(address: Address, error: &InstrumentError) -> Self {
        Self::Instrumentation {
            address,
            reason: error.to_string(),
        }
    }
}
