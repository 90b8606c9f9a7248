//! The most an op can make the account pay EntryPoint, for the session's gas-fee budget.
//!
//! Capping gas *units* leaves the wei spent unbounded through `maxFeePerGas` (threat 19), so the
//! budget is in wei and each op is charged its worst case: EntryPoint v0.7's `requiredPrefund`
//! = (verificationGasLimit + callGasLimit + paymasterVerificationGasLimit +
//! paymasterPostOpGasLimit + preVerificationGas) × maxFeePerGas. Ops with a paymaster are not
//! charged (the paymaster pays), but the paymaster must be the one the session names.

use alloy_primitives::{Address, B256, U256};

use crate::word::{be_uint, u256_from_u128};

/// v0.7 `accountGasLimits` = verificationGasLimit (16 bytes) ‖ callGasLimit (16 bytes);
/// `gasFees` = maxPriorityFeePerGas ‖ maxFeePerGas.
///
/// Computed in `u128` with checked arithmetic: every budget is below 2^128, so on overflow the
/// cost is reported as `U256::MAX`, which exceeds any budget.
pub fn required_prefund(
    account_gas_limits: &B256,
    pre_verification_gas: U256,
    gas_fees: &B256,
) -> U256 {
    let half = |w: &B256, at: usize| be_uint(w, at, 16);
    let l = pre_verification_gas.as_limbs();
    if l[2] | l[3] != 0 {
        return U256::MAX;
    }
    let pvg = ((l[1] as u128) << 64) | l[0] as u128;
    half(account_gas_limits, 0)
        .checked_add(half(account_gas_limits, 16))
        .and_then(|g| g.checked_add(pvg))
        .and_then(|g| g.checked_mul(half(gas_fees, 16)))
        .map_or(U256::MAX, u256_from_u128)
}

/// The paymaster named by `paymasterAndData`, `None` when it is empty. EntryPoint itself
/// rejects a non-empty field shorter than 52 bytes; a field shorter than 20 is refused here too
/// (read as the zero address, which no session can name).
pub fn paymaster_of(paymaster_and_data: &[u8]) -> Option<Address> {
    match paymaster_and_data.len() {
        0 => None,
        n if n < 20 => Some(Address::ZERO),
        _ => Some(Address::from_slice(&paymaster_and_data[..20])),
    }
}
