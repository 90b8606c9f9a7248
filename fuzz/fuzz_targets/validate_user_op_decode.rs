//! `decode_validate_user_op` against alloy-sol-types.
//!
//! Oracle: the arguments are accepted iff alloy's validating decoder reads
//! `(PackedUserOperation, bytes32)` from them and re-encoding gives back exactly the input (the
//! canonical encoding); then both read the same fields and hash.
#![no_main]

use alloy_primitives::{Bytes, B256, U256};
use alloy_sol_types::SolCall;
use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use sessionkey_fuzz::{self as gen, validateUserOpCall, PackedUserOperation};
use sessionkey_policy::userop::decode_validate_user_op;

fn oracle(args: &[u8]) -> Option<validateUserOpCall> {
    let call = validateUserOpCall::abi_decode_raw_validate(args).ok()?;
    (call.abi_encode()[4..] == *args).then_some(call)
}

fn check(args: &[u8]) {
    let ours = decode_validate_user_op(args).ok().map(|(op, hash)| {
        let op = PackedUserOperation {
            sender: op.sender,
            nonce: op.nonce,
            initCode: Bytes::copy_from_slice(op.init_code),
            callData: Bytes::copy_from_slice(op.call_data),
            accountGasLimits: op.account_gas_limits,
            preVerificationGas: op.pre_verification_gas,
            gasFees: op.gas_fees,
            paymasterAndData: Bytes::copy_from_slice(op.paymaster_and_data),
            signature: Bytes::copy_from_slice(op.signature),
        };
        (op, hash)
    });
    let theirs = oracle(args).map(|c| (c.userOp, c.userOpHash));
    assert_eq!(ours, theirs, "decode_validate_user_op vs alloy");
}

fn bytes(u: &mut Unstructured) -> arbitrary::Result<Bytes> {
    let n = u.int_in_range(0..=70usize)?;
    Ok(u.bytes(n)?.to_vec().into())
}

fn structured(u: &mut Unstructured) -> arbitrary::Result<()> {
    let op = PackedUserOperation {
        sender: gen::address(u)?,
        nonce: U256::from_be_bytes(gen::word(u)?.0),
        initCode: bytes(u)?,
        callData: bytes(u)?,
        accountGasLimits: gen::word(u)?,
        preVerificationGas: U256::from_be_bytes(gen::word(u)?.0),
        gasFees: gen::word(u)?,
        paymasterAndData: bytes(u)?,
        signature: bytes(u)?,
    };
    let hash = B256::new(u.arbitrary()?);
    let call = validateUserOpCall {
        userOp: op,
        userOpHash: hash,
    };
    let args = call.abi_encode()[4..].to_vec();
    gen::check_mutated(u, args, check)
}

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        Some((0, rest)) => check(rest),
        Some((_, rest)) => {
            let _ = structured(&mut Unstructured::new(rest));
        }
        None => {}
    }
});
