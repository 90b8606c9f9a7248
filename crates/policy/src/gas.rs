//! The most an op can make the account pay EntryPoint, for the session's gas-fee budget.
//!
//! Capping gas *units* leaves the wei spent unbounded through `maxFeePerGas` (threat 19), so the
//! budget is in wei and each op is charged its worst case: EntryPoint v0.7's `requiredPrefund`
//! = (verificationGasLimit + callGasLimit + paymasterVerificationGasLimit +
//! paymasterPostOpGasLimit + preVerificationGas) × maxFeePerGas. Ops with a paymaster are not
//! charged (the paymaster pays), but the paymaster must be the one the session names.

use alloy_primitives::{Address, B256, U256};

/// v0.7 `accountGasLimits` = verificationGasLimit (16 bytes) ‖ callGasLimit (16 bytes);
/// `gasFees` = maxPriorityFeePerGas ‖ maxFeePerGas.
pub fn required_prefund(account_gas_limits: &B256, pre_verification_gas: U256, gas_fees: &B256) -> U256 {
    let hi = |w: &B256| U256::from_be_slice(&w[..16]);
    let lo = |w: &B256| U256::from_be_slice(&w[16..]);
    // Each term < 2^128 except preVerificationGas; saturate rather than wrap so an absurd value
    // can only exceed the budget, never slip under it.
    let gas = hi(account_gas_limits)
        .saturating_add(lo(account_gas_limits))
        .saturating_add(pre_verification_gas);
    gas.saturating_mul(lo(gas_fees))
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
