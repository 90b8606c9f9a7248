//! Differential proof: on every valid `execute(bytes32,bytes)` calldata that Solidity's encoder
//! produces, the hand-written strict decoder returns exactly the calls alloy-sol-types decodes.
//!
//! Batch: `abi.encode(Execution[])`; single: `target(20) ‖ value(32) ‖ callData` packed.

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_sol_types::{sol, SolCall, SolValue};
use proptest::prelude::*;
use sessionkey_policy::execution::{
    decode_execute, CallType, EXECUTE_SELECTOR, EXECUTE_USER_OP_SELECTOR, MAX_BATCH,
};

sol! {
    struct Execution { address target; uint256 value; bytes callData; }
    function execute(bytes32 mode, bytes executionCalldata);
}

type Call = (Address, U256, Vec<u8>);

fn mode(call_type: u8) -> B256 {
    let mut m = B256::ZERO;
    m[0] = call_type;
    m
}

fn to_sol(calls: &[Call]) -> Vec<Execution> {
    calls
        .iter()
        .map(|(target, value, data)| Execution {
            target: *target,
            value: *value,
            callData: Bytes::from(data.clone()),
        })
        .collect()
}

fn batch_calldata(calls: &[Call]) -> Vec<u8> {
    executeCall {
        mode: mode(1),
        executionCalldata: to_sol(calls).abi_encode().into(),
    }
    .abi_encode()
}

fn single_calldata(call: &Call) -> Vec<u8> {
    let mut packed = Vec::new();
    packed.extend_from_slice(call.0.as_slice());
    packed.extend_from_slice(&call.1.to_be_bytes::<32>());
    packed.extend_from_slice(&call.2);
    executeCall {
        mode: mode(0),
        executionCalldata: packed.into(),
    }
    .abi_encode()
}

/// What alloy reads from the same calldata: the outer call with `executeCall::abi_decode`, the
/// batch with `Vec<Execution>::abi_decode`, the packed single by its fixed layout.
fn alloy_decode(calldata: &[u8]) -> (u8, Vec<Call>) {
    let outer = executeCall::abi_decode(calldata).expect("alloy decodes execute()");
    let inner = outer.executionCalldata.as_ref();
    match outer.mode[0] {
        0 => (
            0,
            vec![(
                Address::from_slice(&inner[..20]),
                U256::from_be_slice(&inner[20..52]),
                inner[52..].to_vec(),
            )],
        ),
        1 => {
            let execs = Vec::<Execution>::abi_decode(inner).expect("alloy decodes Execution[]");
            (
                1,
                execs
                    .into_iter()
                    .map(|e| (e.target, e.value, e.callData.to_vec()))
                    .collect(),
            )
        }
        other => panic!("unexpected call type {other}"),
    }
}

fn ours(calldata: &[u8]) -> (CallType, Vec<Call>) {
    let (ty, calls) = decode_execute(calldata).expect("strict decoder accepts canonical input");
    (
        ty,
        calls
            .iter()
            .map(|e| (e.target, e.value, e.calldata.to_vec()))
            .collect(),
    )
}

fn arb_value() -> impl Strategy<Value = U256> {
    prop_oneof![
        Just(U256::ZERO),
        any::<u64>().prop_map(U256::from),
        any::<[u8; 32]>().prop_map(U256::from_be_bytes),
        Just(U256::MAX),
    ]
}

fn arb_call() -> impl Strategy<Value = Call> {
    (
        any::<[u8; 20]>().prop_map(Address::from),
        arb_value(),
        proptest::collection::vec(any::<u8>(), 0..200),
    )
}

#[test]
fn execute_selectors_match_their_solidity_signatures() {
    assert_eq!(executeCall::SELECTOR, EXECUTE_SELECTOR);
    assert_eq!(keccak256("execute(bytes32,bytes)")[..4], EXECUTE_SELECTOR);
    let user_op =
        "executeUserOp((address,uint256,bytes,bytes,bytes32,uint256,bytes32,bytes,bytes),bytes32)";
    assert_eq!(keccak256(user_op)[..4], EXECUTE_USER_OP_SELECTOR);
}

#[test]
fn batch_abi_encode_is_solidity_abi_encode_of_the_array() {
    let calls = vec![
        (Address::repeat_byte(0x11), U256::from(7), vec![0xaa; 5]),
        (Address::repeat_byte(0x22), U256::ZERO, vec![]),
    ];
    let enc = to_sol(&calls).abi_encode();
    // abi.encode(Execution[]) of a dynamic array: head offset 0x20, then the length.
    assert_eq!(U256::from_be_slice(&enc[..32]), U256::from(0x20));
    assert_eq!(U256::from_be_slice(&enc[32..64]), U256::from(2));
    // Element offsets are relative to the start of the array content: 2 heads = 0x40, then
    // element 0 is 3 head words + length word + one padded word = 0xa0 bytes.
    assert_eq!(U256::from_be_slice(&enc[64..96]), U256::from(0x40));
    assert_eq!(U256::from_be_slice(&enc[96..128]), U256::from(0x40 + 0xa0));
    // Solidity's encoding of a single tuple of the array equals the param encoding of the array.
    assert_eq!(enc, (to_sol(&calls),).abi_encode_params());
}

#[test]
fn single_with_empty_calldata_is_a_plain_value_transfer() {
    let call = (Address::repeat_byte(0x33), U256::from(1_000_000u64), vec![]);
    let cd = single_calldata(&call);
    assert_eq!(ours(&cd), (CallType::Single, vec![call.clone()]));
    assert_eq!(alloy_decode(&cd), (0, vec![call]));
}

#[test]
fn batch_with_word_aligned_and_unaligned_calldata_lengths() {
    let calls: Vec<Call> = [0usize, 1, 4, 31, 32, 33, 63, 64, 65]
        .iter()
        .enumerate()
        .map(|(i, n)| {
            (
                Address::repeat_byte(i as u8 + 1),
                U256::from(i),
                vec![0x5a; *n],
            )
        })
        .collect();
    let cd = batch_calldata(&calls);
    assert_eq!(ours(&cd), (CallType::Batch, calls.clone()));
    assert_eq!(alloy_decode(&cd).1, calls);
}

#[test]
fn batch_of_max_size_decodes_in_order() {
    let calls: Vec<Call> = (0..MAX_BATCH)
        .map(|i| {
            (
                Address::with_last_byte(i as u8 + 1),
                U256::from(i * 3),
                vec![i as u8; i * 7],
            )
        })
        .collect();
    let cd = batch_calldata(&calls);
    assert_eq!(ours(&cd), (CallType::Batch, calls.clone()));
    assert_eq!(alloy_decode(&cd).1, calls);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn batch_decodes_exactly_as_alloy(calls in proptest::collection::vec(arb_call(), 1..=MAX_BATCH)) {
        let enc = to_sol(&calls).abi_encode();
        prop_assert_eq!(U256::from_be_slice(&enc[..32]), U256::from(0x20));
        let cd = batch_calldata(&calls);
        let (ty, decoded) = ours(&cd);
        prop_assert_eq!(ty, CallType::Batch);
        let (alloy_ty, alloy_calls) = alloy_decode(&cd);
        prop_assert_eq!(alloy_ty, 1);
        prop_assert_eq!(&decoded, &alloy_calls);
        prop_assert_eq!(&decoded, &calls);
    }

    #[test]
    fn single_decodes_exactly_as_alloy(call in arb_call()) {
        let cd = single_calldata(&call);
        let (ty, decoded) = ours(&cd);
        prop_assert_eq!(ty, CallType::Single);
        let (alloy_ty, alloy_calls) = alloy_decode(&cd);
        prop_assert_eq!(alloy_ty, 0);
        prop_assert_eq!(&decoded, &alloy_calls);
        prop_assert_eq!(decoded, vec![call]);
    }
}
