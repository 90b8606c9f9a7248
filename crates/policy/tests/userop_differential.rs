//! `decode_validate_user_op` equals alloy-sol-types on every canonical encoding, and refuses
//! every non-canonical one with the exact `ExecutionError`.

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_sol_types::{sol, SolCall};
use proptest::prelude::*;
use sessionkey_policy::userop::{decode_validate_user_op, UserOpRef, VALIDATE_USER_OP_SELECTOR};
use sessionkey_policy::ExecutionError;

sol! {
    #[derive(Debug)]
    struct PackedUserOperation {
        address sender;
        uint256 nonce;
        bytes initCode;
        bytes callData;
        bytes32 accountGasLimits;
        uint256 preVerificationGas;
        bytes32 gasFees;
        bytes paymasterAndData;
        bytes signature;
    }
    function validateUserOp(PackedUserOperation userOp, bytes32 userOpHash);
}

/// Offsets in the arguments (after the selector).
const TUPLE: usize = 64;
const INIT_CODE_OFFSET: usize = TUPLE + 2 * 32;
const CALL_DATA_OFFSET: usize = TUPLE + 3 * 32;
const PND_OFFSET: usize = TUPLE + 7 * 32;
const SIGNATURE_OFFSET: usize = TUPLE + 8 * 32;
const DYNAMIC: usize = TUPLE + 9 * 32;

fn sample() -> PackedUserOperation {
    PackedUserOperation {
        sender: Address::repeat_byte(0xac),
        nonce: U256::from(7) << 64,
        initCode: Bytes::new(),
        callData: Bytes::from(vec![0xe9, 0xae, 0x5c, 0x53, 1, 2, 3]),
        accountGasLimits: B256::repeat_byte(0x01),
        preVerificationGas: U256::from(50_000),
        gasFees: B256::repeat_byte(0x02),
        paymasterAndData: Bytes::from(vec![0xfa; 52]),
        signature: Bytes::from(vec![0x5e; 85]),
    }
}

fn args(op: &PackedUserOperation, hash: B256) -> Vec<u8> {
    let cd = validateUserOpCall {
        userOp: op.clone(),
        userOpHash: hash,
    }
    .abi_encode();
    assert_eq!(cd[..4], VALIDATE_USER_OP_SELECTOR);
    cd[4..].to_vec()
}

fn sample_args() -> Vec<u8> {
    args(&sample(), B256::repeat_byte(0x4a))
}

fn set_word(buf: &mut [u8], at: usize, v: U256) {
    buf[at..at + 32].copy_from_slice(&v.to_be_bytes::<32>());
}

fn err(args: &[u8]) -> ExecutionError {
    decode_validate_user_op(args).expect_err("decoder must refuse")
}

fn same(op: &UserOpRef<'_>, alloy: &PackedUserOperation) -> bool {
    op.sender == alloy.sender
        && op.nonce == alloy.nonce
        && op.init_code == alloy.initCode.as_ref()
        && op.call_data == alloy.callData.as_ref()
        && op.account_gas_limits == alloy.accountGasLimits
        && op.pre_verification_gas == alloy.preVerificationGas
        && op.gas_fees == alloy.gasFees
        && op.paymaster_and_data == alloy.paymasterAndData.as_ref()
        && op.signature == alloy.signature.as_ref()
}

#[test]
fn selector_is_the_erc7579_validate_user_op() {
    let sig =
        "validateUserOp((address,uint256,bytes,bytes,bytes32,uint256,bytes32,bytes,bytes),bytes32)";
    assert_eq!(keccak256(sig)[..4], VALIDATE_USER_OP_SELECTOR);
    assert_eq!(validateUserOpCall::SELECTOR, VALIDATE_USER_OP_SELECTOR);
}

#[test]
fn sample_decodes_field_by_field() {
    let a = sample_args();
    let (op, hash) = decode_validate_user_op(&a).unwrap();
    assert_eq!(hash, B256::repeat_byte(0x4a));
    assert!(same(&op, &sample()));
}

#[test]
fn short_arguments_are_too_short() {
    let a = sample_args();
    for len in [0usize, 31, 32, 63, 64, TUPLE + 31, TUPLE + 2 * 32 + 31] {
        assert_eq!(err(&a[..len]), ExecutionError::TooShort, "len {len}");
    }
}

#[test]
fn tuple_offset_other_than_0x40_is_non_canonical() {
    for off in [0u64, 0x20, 0x60, 1 << 40] {
        let mut a = sample_args();
        set_word(&mut a, 0, U256::from(off));
        assert_eq!(
            err(&a),
            ExecutionError::NonCanonicalOffset,
            "offset {off:#x}"
        );
    }
}

#[test]
fn dirty_sender_is_refused() {
    for byte in [0usize, 11] {
        let mut a = sample_args();
        a[TUPLE + byte] = 1;
        assert_eq!(err(&a), ExecutionError::DirtyAddress, "byte {byte}");
    }
}

#[test]
fn dynamic_field_offsets_must_follow_each_other() {
    for field in [
        INIT_CODE_OFFSET,
        CALL_DATA_OFFSET,
        PND_OFFSET,
        SIGNATURE_OFFSET,
    ] {
        let a = sample_args();
        let off = U256::from_be_slice(&a[field..field + 32]);
        for bad in [off + U256::from(32), off - U256::from(32), U256::ZERO] {
            let mut m = a.clone();
            set_word(&mut m, field, bad);
            assert_eq!(
                err(&m),
                ExecutionError::NonCanonicalOffset,
                "field at {field}, offset {bad:#x}"
            );
        }
    }
}

#[test]
fn length_past_the_end_is_out_of_bounds() {
    let a = sample_args();
    let sig_len_at =
        TUPLE + U256::from_be_slice(&a[SIGNATURE_OFFSET..SIGNATURE_OFFSET + 32]).to::<usize>();
    for len in [
        U256::from(200),
        U256::from(u32::MAX),
        U256::from(1u64 << 32),
        U256::MAX,
    ] {
        let mut m = a.clone();
        set_word(&mut m, sig_len_at, len);
        assert_eq!(
            err(&m),
            ExecutionError::LengthOutOfBounds,
            "length {len:#x}"
        );
    }
    // Cut inside the signature.
    assert_eq!(err(&a[..a.len() - 32]), ExecutionError::LengthOutOfBounds);
}

#[test]
fn non_zero_padding_is_dirty() {
    // The 85-byte signature ends 11 bytes before its 96-byte padded region does.
    let mut a = sample_args();
    let last = a.len() - 1;
    a[last] = 1;
    assert_eq!(err(&a), ExecutionError::DirtyPadding);
    // callData (7 bytes) is followed by 25 bytes of padding.
    let mut a = sample_args();
    let cd_at =
        TUPLE + U256::from_be_slice(&a[CALL_DATA_OFFSET..CALL_DATA_OFFSET + 32]).to::<usize>();
    a[cd_at + 32 + 7] = 1;
    assert_eq!(err(&a), ExecutionError::DirtyPadding);
}

#[test]
fn trailing_bytes_are_refused() {
    for extra in [1usize, 32] {
        let mut a = sample_args();
        a.extend(std::iter::repeat_n(0u8, extra));
        assert_eq!(
            err(&a),
            ExecutionError::TrailingBytes,
            "{extra} extra bytes"
        );
    }
}

#[test]
fn empty_dynamic_fields_take_one_length_word_each() {
    let op = PackedUserOperation {
        initCode: Bytes::new(),
        callData: Bytes::new(),
        paymasterAndData: Bytes::new(),
        signature: Bytes::new(),
        ..sample()
    };
    let a = args(&op, B256::ZERO);
    assert_eq!(a.len(), DYNAMIC + 4 * 32);
    let (decoded, _) = decode_validate_user_op(&a).unwrap();
    assert!(same(&decoded, &op));
}

fn arb_bytes(max: usize) -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(any::<u8>(), 0..max).prop_map(Bytes::from)
}

fn arb_op() -> impl Strategy<Value = PackedUserOperation> {
    (
        (
            any::<[u8; 20]>(),
            any::<[u8; 32]>(),
            any::<[u8; 32]>(),
            any::<[u8; 32]>(),
            any::<[u8; 32]>(),
        ),
        (
            arb_bytes(80),
            arb_bytes(200),
            arb_bytes(120),
            arb_bytes(100),
        ),
    )
        .prop_map(
            |((sender, nonce, limits, pvg, fees), (init, call, pnd, sig))| PackedUserOperation {
                sender: Address::from(sender),
                nonce: U256::from_be_bytes(nonce),
                initCode: init,
                callData: call,
                accountGasLimits: B256::from(limits),
                preVerificationGas: U256::from_be_bytes(pvg),
                gasFees: B256::from(fees),
                paymasterAndData: pnd,
                signature: sig,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn decodes_exactly_as_alloy(op in arb_op(), hash in any::<[u8; 32]>()) {
        let a = args(&op, B256::from(hash));
        let (decoded, h) = decode_validate_user_op(&a).unwrap();
        prop_assert_eq!(h, B256::from(hash));
        let alloy = validateUserOpCall::abi_decode_raw(&a).unwrap();
        prop_assert!(same(&decoded, &alloy.userOp));
        prop_assert!(same(&decoded, &op));
    }

    #[test]
    fn mutated_encoding_is_refused_or_canonical(
        op in arb_op(),
        pick in any::<prop::sample::Index>(),
        xor in 1..=255u8,
    ) {
        let mut a = args(&op, B256::ZERO);
        let at = pick.index(a.len());
        a[at] ^= xor;
        if let Ok((decoded, hash)) = decode_validate_user_op(&a) {
            let rebuilt = PackedUserOperation {
                sender: decoded.sender,
                nonce: decoded.nonce,
                initCode: Bytes::copy_from_slice(decoded.init_code),
                callData: Bytes::copy_from_slice(decoded.call_data),
                accountGasLimits: decoded.account_gas_limits,
                preVerificationGas: decoded.pre_verification_gas,
                gasFees: decoded.gas_fees,
                paymasterAndData: Bytes::copy_from_slice(decoded.paymaster_and_data),
                signature: Bytes::copy_from_slice(decoded.signature),
            };
            prop_assert_eq!(args(&rebuilt, hash), a);
        }
    }

    #[test]
    fn every_truncation_is_refused(op in arb_op(), cut in any::<prop::sample::Index>()) {
        let a = args(&op, B256::ZERO);
        prop_assert!(decode_validate_user_op(&a[..cut.index(a.len())]).is_err());
    }
}
