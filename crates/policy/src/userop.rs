//! Strict decoding of `validateUserOp(PackedUserOperation userOp, bytes32 userOpHash)` calldata.
//!
//! The generic ABI decoder cost ~15 KB of WASM and copies every `bytes` field; this one borrows
//! them from the calldata and accepts only the canonical encoding Solidity's `abi.encode`
//! writes (which is what every Solidity account sends). `tests/userop_differential.rs` proves it
//! equal to alloy-sol-types on valid input.
//!
//! `PackedUserOperation` (EntryPoint v0.7): `address sender; uint256 nonce; bytes initCode;
//! bytes callData; bytes32 accountGasLimits; uint256 preVerificationGas; bytes32 gasFees;
//! bytes paymasterAndData; bytes signature`.

use alloy_primitives::{Address, B256, U256};

use crate::error::ExecutionError;
use crate::word::{ceil32, padded_content, word_as_address, word_as_len, word_at};

/// `validateUserOp((address,uint256,bytes,bytes,bytes32,uint256,bytes32,bytes,bytes),bytes32)`
/// (ERC-7579 validator).
pub const VALIDATE_USER_OP_SELECTOR: [u8; 4] =
    <crate::interface::ISessionKeyValidator::validateUserOpCall as alloy_sol_types::SolCall>::SELECTOR;

/// A user operation borrowed from calldata.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserOpRef<'a> {
    /// The account.
    pub sender: Address,
    /// 2D nonce.
    pub nonce: U256,
    /// Factory ‖ factoryData.
    pub init_code: &'a [u8],
    /// What the account will execute.
    pub call_data: &'a [u8],
    /// verificationGasLimit ‖ callGasLimit.
    pub account_gas_limits: B256,
    /// Pre-verification gas.
    pub pre_verification_gas: U256,
    /// maxPriorityFeePerGas ‖ maxFeePerGas.
    pub gas_fees: B256,
    /// Paymaster ‖ its gas limits ‖ its data.
    pub paymaster_and_data: &'a [u8],
    /// The session signature.
    pub signature: &'a [u8],
}

/// Decodes the arguments (calldata after the selector) of `validateUserOp`.
pub fn decode_validate_user_op(args: &[u8]) -> Result<(UserOpRef<'_>, B256), ExecutionError> {
    let head = word_at(args, 0).ok_or(ExecutionError::TooShort)?;
    if word_as_len(head) != Some(64) {
        return Err(ExecutionError::NonCanonicalOffset);
    }
    let hash = B256::from(*word_at(args, 32).ok_or(ExecutionError::TooShort)?);
    let tuple = args.get(64..).ok_or(ExecutionError::TooShort)?;
    let word = |i: usize| word_at(tuple, 32 * i).ok_or(ExecutionError::TooShort);
    let sender = word_as_address(word(0)?).ok_or(ExecutionError::DirtyAddress)?;
    // Dynamic fields in declaration order: initCode (2), callData (3), paymasterAndData (7),
    // signature (8); each must start exactly where the previous one ended.
    let mut expected = 9 * 32;
    let mut dynamic = [&[][..]; 4];
    for (slot, index) in [2usize, 3, 7, 8].into_iter().enumerate() {
        if word_as_len(word(index)?) != Some(expected) {
            return Err(ExecutionError::NonCanonicalOffset);
        }
        let len = word_at(tuple, expected)
            .and_then(word_as_len)
            .ok_or(ExecutionError::LengthOutOfBounds)?;
        let padded = ceil32(len).ok_or(ExecutionError::LengthOutOfBounds)?;
        let start = expected + 32;
        let region = tuple
            .get(start..start + padded)
            .ok_or(ExecutionError::LengthOutOfBounds)?;
        dynamic[slot] = padded_content(region, len)?;
        expected = start + padded;
    }
    if expected != tuple.len() {
        return Err(ExecutionError::TrailingBytes);
    }
    let op = UserOpRef {
        sender,
        nonce: U256::from_be_bytes(*word(1)?),
        init_code: dynamic[0],
        call_data: dynamic[1],
        account_gas_limits: B256::from(*word(4)?),
        pre_verification_gas: U256::from_be_bytes(*word(5)?),
        gas_fees: B256::from(*word(6)?),
        paymaster_and_data: dynamic[2],
        signature: dynamic[3],
    };
    Ok((op, hash))
}
