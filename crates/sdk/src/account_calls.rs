//! The calls a smart account makes to install the module and to register and revoke sessions,
//! encoded from the committed contract interface (`abi/ISessionKeyValidator.sol`) and the
//! records of `sessionkey-policy`, so the SDK's bytes and the contract's decoder cannot drift.
//!
//! Registration and revocation are calls *from the account* to the module (`msg.sender` is the
//! account), so the owner has the account run them through ERC-7579
//! `execute(mode, executionCalldata)`: single mode (`0x00…`), `target ‖ value ‖ callData`
//! packed, or batch mode (`0x01…`), `abi.encode(Execution[])`. Installing is the account's own
//! `installModule(1, module, initData)`, with `initData` = encoded records back to back (each
//! registered by `onInstall`).

use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::{SolCall, SolValue};
use sessionkey_policy::execution::{decode_execute, CallType};
use sessionkey_policy::record::SessionRecord;
use sessionkey_policy::ExecutionError;

/// The contract's interface, generated once from the committed Solidity file.
pub use sessionkey_policy::interface::{ISessionKeyValidator, PackedUserOperation};

/// ERC-7579 account functions and the batch element type.
#[allow(missing_docs)]
pub mod erc7579 {
    alloy_sol_types::sol! {
    /// The ERC-7579 account functions the SDK encodes.
    #[sol(all_derives)]
    interface IERC7579Account {
        function execute(bytes32 mode, bytes calldata executionCalldata) external payable;
        function installModule(uint256 moduleTypeId, address module, bytes calldata initData) external payable;
        function uninstallModule(uint256 moduleTypeId, address module, bytes calldata deInitData) external payable;
    }

    /// One call of an ERC-7579 batch.
    #[sol(all_derives)]
    struct Execution {
        address target;
        uint256 value;
        bytes callData;
    }
    }
}

pub use erc7579::{Execution, IERC7579Account};

/// ERC-7579 module type of a validator.
pub const MODULE_TYPE_VALIDATOR: u64 = 1;

/// ERC-7579 mode: single call, revert on failure.
pub const MODE_SINGLE: B256 = B256::ZERO;

/// ERC-7579 mode: batch, revert on failure.
pub const MODE_BATCH: B256 = {
    let mut m = [0u8; 32];
    m[0] = 1;
    B256::new(m)
};

/// One call the account makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// Callee.
    pub target: Address,
    /// Native value sent.
    pub value: U256,
    /// Calldata.
    pub data: Bytes,
}

impl Call {
    /// A call sending no value.
    pub fn new(target: Address, data: impl Into<Bytes>) -> Self {
        Self {
            target,
            value: U256::ZERO,
            data: data.into(),
        }
    }
}

/// `execute` calldata running `calls`: single mode for one call, batch mode for more.
///
/// # Panics
/// Never for one or more calls; an empty slice encodes an empty batch (which the validator and
/// most accounts refuse), so callers pass at least one.
pub fn execute(calls: &[Call]) -> Bytes {
    match calls {
        [one] => execute_single(one),
        many => execute_batch(many),
    }
}

/// `execute(MODE_SINGLE, target ‖ value ‖ data)`.
pub fn execute_single(call: &Call) -> Bytes {
    let mut packed = Vec::with_capacity(52 + call.data.len());
    packed.extend_from_slice(call.target.as_slice());
    packed.extend_from_slice(&call.value.to_be_bytes::<32>());
    packed.extend_from_slice(&call.data);
    IERC7579Account::executeCall {
        mode: MODE_SINGLE,
        executionCalldata: packed.into(),
    }
    .abi_encode()
    .into()
}

/// `execute(MODE_BATCH, abi.encode(Execution[]))`.
pub fn execute_batch(calls: &[Call]) -> Bytes {
    let execs: Vec<Execution> = calls
        .iter()
        .map(|c| Execution {
            target: c.target,
            value: c.value,
            callData: c.data.clone(),
        })
        .collect();
    IERC7579Account::executeCall {
        mode: MODE_BATCH,
        executionCalldata: execs.abi_encode().into(),
    }
    .abi_encode()
    .into()
}

/// The module's `registerSession(record)` calldata.
pub fn register_session(record: &SessionRecord) -> Bytes {
    ISessionKeyValidator::registerSessionCall {
        record: record.encode().into(),
    }
    .abi_encode()
    .into()
}

/// The module's `revokeSession(signer)` calldata.
pub fn revoke_session(signer: Address) -> Bytes {
    ISessionKeyValidator::revokeSessionCall { signer }
        .abi_encode()
        .into()
}

/// The module's `revokeAllSessions()` calldata.
pub fn revoke_all_sessions() -> Bytes {
    ISessionKeyValidator::revokeAllSessionsCall {}
        .abi_encode()
        .into()
}

/// `onInstall` data: the records' encodings back to back.
pub fn install_data(records: &[SessionRecord]) -> Bytes {
    records
        .iter()
        .flat_map(|r| r.encode())
        .collect::<Vec<u8>>()
        .into()
}

/// The account's `installModule(1, module, records…)`: installs the validator and registers
/// `records` (possibly none) in the same call.
pub fn install_module(module: Address, records: &[SessionRecord]) -> Bytes {
    IERC7579Account::installModuleCall {
        moduleTypeId: U256::from(MODULE_TYPE_VALIDATOR),
        module,
        initData: install_data(records),
    }
    .abi_encode()
    .into()
}

/// The account's `uninstallModule(1, module, "")`: every session of the account dies.
pub fn uninstall_module(module: Address) -> Bytes {
    IERC7579Account::uninstallModuleCall {
        moduleTypeId: U256::from(MODULE_TYPE_VALIDATOR),
        module,
        deInitData: Bytes::new(),
    }
    .abi_encode()
    .into()
}

/// Account calldata registering `record` on `module`: `execute(single, module, 0, registerSession)`.
pub fn grant(module: Address, record: &SessionRecord) -> Bytes {
    execute(&[Call::new(module, register_session(record))])
}

/// Account calldata revoking `signer`'s session: `execute(single, module, 0, revokeSession)`.
pub fn revoke(module: Address, signer: Address) -> Bytes {
    execute(&[Call::new(module, revoke_session(signer))])
}

/// Account calldata revoking every session: `execute(single, module, 0, revokeAllSessions)`.
pub fn revoke_all(module: Address) -> Bytes {
    execute(&[Call::new(module, revoke_all_sessions())])
}

/// The calls an `execute` calldata makes, decoded strictly (canonical ABI only, single or batch
/// mode), exactly as the validator decodes a session op.
///
/// # Errors
/// The validator's [`ExecutionError`].
pub fn decode_calls(calldata: &[u8]) -> Result<(CallType, Vec<Call>), ExecutionError> {
    let (ty, execs) = decode_execute(calldata)?;
    Ok((
        ty,
        execs
            .into_iter()
            .map(|e| Call {
                target: e.target,
                value: e.value,
                data: Bytes::copy_from_slice(e.calldata),
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_are_the_erc7579_and_interface_ones() {
        assert_eq!(
            IERC7579Account::executeCall::SELECTOR,
            sessionkey_policy::execution::EXECUTE_SELECTOR
        );
        assert_eq!(
            ISessionKeyValidator::onInstallCall::SELECTOR,
            [0x6d, 0x61, 0xfe, 0x70]
        );
        assert_eq!(
            ISessionKeyValidator::validateUserOpCall::SELECTOR,
            sessionkey_policy::userop::VALIDATE_USER_OP_SELECTOR
        );
    }

    #[test]
    fn execute_round_trips_through_the_validator_decoder() {
        let a = Call::new(Address::repeat_byte(1), vec![1u8, 2, 3, 4, 5]);
        let b = Call {
            target: Address::repeat_byte(2),
            value: U256::from(7),
            data: Bytes::new(),
        };
        let (ty, calls) = decode_calls(&execute(std::slice::from_ref(&a))).unwrap();
        assert_eq!((ty, calls), (CallType::Single, vec![a.clone()]));
        let (ty, calls) = decode_calls(&execute(&[a.clone(), b.clone()])).unwrap();
        assert_eq!((ty, calls), (CallType::Batch, vec![a, b]));
    }
}
