//! The strict `execute` decoder refuses every encoding but the canonical one, with the exact
//! `ExecutionError` for each way an input can deviate (threats 4 and 5).

use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::{sol, SolCall, SolValue};
use proptest::prelude::*;
use sessionkey_policy::execution::{
    decode_execute, CallType, EXECUTE_SELECTOR, EXECUTE_USER_OP_SELECTOR, MAX_BATCH,
};
use sessionkey_policy::ExecutionError;

sol! {
    struct Execution { address target; uint256 value; bytes callData; }
    function execute(bytes32 mode, bytes executionCalldata);
}

type Call = (Address, U256, Vec<u8>);

/// Calldata offsets of the outer `execute(bytes32,bytes)` encoding.
const MODE: usize = 4;
const OUTER_OFFSET: usize = 36;
const OUTER_LEN: usize = 68;
const DATA: usize = 100;

fn mode(call_type: u8, exec_type: u8) -> B256 {
    let mut m = B256::ZERO;
    m[0] = call_type;
    m[1] = exec_type;
    m
}

fn execute(mode: B256, data: &[u8]) -> Vec<u8> {
    executeCall {
        mode,
        executionCalldata: Bytes::copy_from_slice(data),
    }
    .abi_encode()
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

fn batch_data(calls: &[Call]) -> Vec<u8> {
    to_sol(calls).abi_encode()
}

fn batch(calls: &[Call]) -> Vec<u8> {
    execute(mode(1, 0), &batch_data(calls))
}

fn packed_single(call: &Call) -> Vec<u8> {
    let mut packed = Vec::new();
    packed.extend_from_slice(call.0.as_slice());
    packed.extend_from_slice(&call.1.to_be_bytes::<32>());
    packed.extend_from_slice(&call.2);
    packed
}

fn single(call: &Call) -> Vec<u8> {
    execute(mode(0, 0), &packed_single(call))
}

fn set_word(buf: &mut [u8], at: usize, v: U256) {
    buf[at..at + 32].copy_from_slice(&v.to_be_bytes::<32>());
}

fn word(v: u64) -> [u8; 32] {
    U256::from(v).to_be_bytes()
}

fn err(calldata: &[u8]) -> ExecutionError {
    decode_execute(calldata).expect_err("decoder must refuse")
}

fn sample_call() -> Call {
    (
        Address::repeat_byte(0x11),
        U256::from(5),
        vec![0xa9, 0x05, 0x9c, 0xbb],
    )
}

/// Two calls: calldata of 5 and 36 bytes. Element 0 takes 5 words, element 1 takes 6.
fn sample_batch() -> Vec<Call> {
    vec![
        (Address::repeat_byte(0x11), U256::from(1), vec![0xaa; 5]),
        (Address::repeat_byte(0x22), U256::from(2), vec![0xbb; 36]),
    ]
}

/// Offsets within the batch data of [`sample_batch`].
const B_HEAD: usize = 0;
const B_LEN: usize = 32;
const B_OFF0: usize = 64;
const B_OFF1: usize = 96;
const B_EL0: usize = 64 + 0x40;
const B_EL1: usize = 64 + 0x40 + 160;

fn sample_batch_data() -> Vec<u8> {
    let data = batch_data(&sample_batch());
    assert_eq!(data.len(), B_EL1 + 192);
    assert_eq!(
        U256::from_be_slice(&data[B_OFF1..B_OFF1 + 32]),
        U256::from(B_EL1 - 64)
    );
    data
}

/// The sample batch, its data mutated by `f`, wrapped canonically.
fn mutated_batch(f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut data = sample_batch_data();
    f(&mut data);
    execute(mode(1, 0), &data)
}

// ---------------------------------------------------------------- outer call and mode

#[test]
fn calldata_shorter_than_a_selector_is_too_short() {
    for len in 0..4 {
        assert_eq!(
            err(&EXECUTE_SELECTOR[..len]),
            ExecutionError::TooShort,
            "len {len}"
        );
    }
}

#[test]
fn calldata_without_mode_or_offset_word_is_too_short() {
    let full = single(&sample_call());
    for len in [4, 5, 35, 36, 67] {
        assert_eq!(err(&full[..len]), ExecutionError::TooShort, "len {len}");
    }
}

#[test]
fn calldata_ending_before_the_bytes_length_is_out_of_bounds() {
    let full = single(&sample_call());
    for len in [68, 99] {
        assert_eq!(
            err(&full[..len]),
            ExecutionError::LengthOutOfBounds,
            "len {len}"
        );
    }
}

#[test]
fn unknown_selector_is_refused_with_the_selector() {
    let mut cd = single(&sample_call());
    cd[..4].copy_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
    assert_eq!(
        err(&cd),
        ExecutionError::UnknownSelector([0xde, 0xad, 0xbe, 0xef])
    );
    // One bit away from execute's selector.
    cd[..4].copy_from_slice(&[0xe9, 0xae, 0x5c, 0x52]);
    assert_eq!(
        err(&cd),
        ExecutionError::UnknownSelector([0xe9, 0xae, 0x5c, 0x52])
    );
    // Four bytes of an unknown selector alone.
    assert_eq!(
        err(&[1, 2, 3, 4]),
        ExecutionError::UnknownSelector([1, 2, 3, 4])
    );
}

#[test]
fn execute_user_op_wrapper_is_refused() {
    assert_eq!(
        err(&EXECUTE_USER_OP_SELECTOR),
        ExecutionError::ExecuteUserOpUnsupported
    );
    let mut cd = single(&sample_call());
    cd[..4].copy_from_slice(&EXECUTE_USER_OP_SELECTOR);
    assert_eq!(err(&cd), ExecutionError::ExecuteUserOpUnsupported);
}

#[test]
fn staticcall_delegatecall_and_unknown_call_types_are_refused() {
    let packed = packed_single(&sample_call());
    for ty in [0x02u8, 0x7f, 0xfe, 0xff] {
        assert_eq!(
            err(&execute(mode(ty, 0), &packed)),
            ExecutionError::UnsupportedCallType(ty),
            "call type {ty:#x}"
        );
    }
    // The call type is checked before the exec type.
    assert_eq!(
        err(&execute(mode(0xfe, 1), &packed)),
        ExecutionError::UnsupportedCallType(0xfe)
    );
}

#[test]
fn try_exec_type_is_refused_for_single_and_batch() {
    let packed = packed_single(&sample_call());
    assert_eq!(
        err(&execute(mode(0, 1), &packed)),
        ExecutionError::UnsupportedExecType(1)
    );
    let data = sample_batch_data();
    assert_eq!(
        err(&execute(mode(1, 1), &data)),
        ExecutionError::UnsupportedExecType(1)
    );
    assert_eq!(
        err(&execute(mode(1, 0xff), &data)),
        ExecutionError::UnsupportedExecType(0xff)
    );
}

#[test]
fn any_non_zero_mode_byte_after_the_exec_type_is_non_default_mode() {
    for call_type in [0u8, 1] {
        for k in 2..32 {
            let mut cd = if call_type == 0 {
                single(&sample_call())
            } else {
                batch(&sample_batch())
            };
            cd[MODE + k] = 0x01;
            assert_eq!(
                err(&cd),
                ExecutionError::NonDefaultMode,
                "call type {call_type}, byte {k}"
            );
        }
    }
}

#[test]
fn outer_offset_other_than_0x40_is_non_canonical() {
    let canonical = single(&sample_call());
    for off in [
        U256::ZERO,
        U256::from(0x20),
        U256::from(0x41),
        U256::from(0x60),
        U256::from(1) << 32,
    ] {
        let mut cd = canonical.clone();
        set_word(&mut cd, OUTER_OFFSET, off);
        assert_eq!(
            err(&cd),
            ExecutionError::NonCanonicalOffset,
            "offset {off:#x}"
        );
    }
}

#[test]
fn outer_offset_0x60_with_relocated_data_is_refused_though_alloy_reads_it() {
    // A lenient encoding: offset 0x60, one junk word, then the bytes. A lenient decoder reads it.
    let packed = packed_single(&sample_call());
    let mut cd = EXECUTE_SELECTOR.to_vec();
    cd.extend_from_slice(mode(0, 0).as_slice());
    cd.extend_from_slice(&word(0x60));
    cd.extend_from_slice(&word(0));
    cd.extend_from_slice(&word(packed.len() as u64));
    cd.extend_from_slice(&packed);
    let args = cd.len() - 4;
    cd.resize(4 + args.div_ceil(32) * 32, 0);
    let alloy = executeCall::abi_decode(&cd).expect("alloy follows the offset");
    assert_eq!(alloy.executionCalldata.as_ref(), packed.as_slice());
    assert_eq!(err(&cd), ExecutionError::NonCanonicalOffset);
}

#[test]
fn outer_length_past_the_end_is_out_of_bounds() {
    let canonical = single(&sample_call()); // 56 bytes of data, padded to 64
    for len in [
        U256::from(56 + 9),
        U256::from(97),
        U256::from(u32::MAX),
        U256::from(1u64 << 32),
        U256::MAX,
    ] {
        let mut cd = canonical.clone();
        set_word(&mut cd, OUTER_LEN, len);
        assert_eq!(
            err(&cd),
            ExecutionError::LengthOutOfBounds,
            "length {len:#x}"
        );
    }
}

#[test]
fn non_zero_outer_padding_is_dirty() {
    let mut cd = single(&sample_call());
    assert_eq!(cd.len(), DATA + 64);
    for at in [DATA + 56, cd.len() - 1] {
        let mut bad = cd.clone();
        bad[at] = 0x80;
        assert_eq!(err(&bad), ExecutionError::DirtyPadding, "byte {at}");
    }
    cd[DATA + 55] ^= 0xff; // the last content byte is data, not padding
    assert!(decode_execute(&cd).is_ok());
}

#[test]
fn trailing_bytes_after_the_outer_bytes_are_refused() {
    for extra in [1usize, 31, 32] {
        let mut cd = single(&sample_call());
        cd.extend(std::iter::repeat_n(0u8, extra));
        assert_eq!(
            err(&cd),
            ExecutionError::TrailingBytes,
            "{extra} extra bytes"
        );
        let mut cd = batch(&sample_batch());
        cd.extend(std::iter::repeat_n(0u8, extra));
        assert_eq!(
            err(&cd),
            ExecutionError::TrailingBytes,
            "{extra} extra bytes (batch)"
        );
    }
}

// ---------------------------------------------------------------- single

#[test]
fn single_shorter_than_target_and_value_is_too_short() {
    let packed = packed_single(&(Address::repeat_byte(1), U256::from(1), vec![]));
    for len in [0usize, 1, 20, 51] {
        assert_eq!(
            err(&execute(mode(0, 0), &packed[..len])),
            ExecutionError::SingleTooShort,
            "len {len}"
        );
    }
    let cd = execute(mode(0, 0), &packed);
    let (ty, calls) = decode_execute(&cd).unwrap();
    assert_eq!(ty, CallType::Single);
    assert_eq!(calls.len(), 1);
    assert!(calls[0].calldata.is_empty());
}

// ---------------------------------------------------------------- batch structure

#[test]
fn sample_batch_is_accepted_unmodified() {
    let cd = batch(&sample_batch());
    let (ty, calls) = decode_execute(&cd).unwrap();
    assert_eq!(ty, CallType::Batch);
    let got: Vec<Call> = calls
        .iter()
        .map(|e| (e.target, e.value, e.calldata.to_vec()))
        .collect();
    assert_eq!(got, sample_batch());
}

#[test]
fn batch_with_empty_execution_data_is_too_short() {
    assert_eq!(err(&execute(mode(1, 0), &[])), ExecutionError::TooShort);
}

#[test]
fn batch_array_offset_other_than_0x20_is_non_canonical() {
    for off in [0u64, 0x1f, 0x40, 0x60] {
        let cd = mutated_batch(|d| set_word(d, B_HEAD, U256::from(off)));
        assert_eq!(
            err(&cd),
            ExecutionError::NonCanonicalOffset,
            "offset {off:#x}"
        );
    }
}

#[test]
fn batch_without_a_length_word_is_out_of_bounds() {
    let cd = execute(mode(1, 0), &word(0x20));
    assert_eq!(err(&cd), ExecutionError::LengthOutOfBounds);
}

#[test]
fn empty_batch_is_refused() {
    let data = batch_data(&[]);
    assert_eq!(data, [word(0x20), word(0)].concat());
    assert_eq!(err(&execute(mode(1, 0), &data)), ExecutionError::EmptyBatch);
}

#[test]
fn batch_of_seventeen_calls_is_too_large() {
    let calls: Vec<Call> = (0..=MAX_BATCH)
        .map(|i| (Address::with_last_byte(i as u8 + 1), U256::ZERO, vec![]))
        .collect();
    assert_eq!(err(&batch(&calls)), ExecutionError::BatchTooLarge(17));
    assert!(decode_execute(&batch(&calls[..MAX_BATCH])).is_ok());
    // A claimed count is refused before any element is read.
    let cd = execute(mode(1, 0), &[word(0x20), word(u32::MAX as u64)].concat());
    assert_eq!(err(&cd), ExecutionError::BatchTooLarge(u32::MAX as usize));
    let cd = execute(mode(1, 0), &[word(0x20), word(1 << 32)].concat());
    assert_eq!(err(&cd), ExecutionError::LengthOutOfBounds);
}

#[test]
fn batch_count_above_the_elements_present_is_refused() {
    // Claims 3 calls over 2 encoded ones: the first element offset is not 3 heads.
    let cd = mutated_batch(|d| set_word(d, B_LEN, U256::from(3)));
    assert_eq!(err(&cd), ExecutionError::NonCanonicalOffset);
    // Claims 16 calls with nothing after the count.
    let cd = execute(mode(1, 0), &[word(0x20), word(16)].concat());
    assert_eq!(err(&cd), ExecutionError::LengthOutOfBounds);
    // Heads present, elements missing.
    let data = sample_batch_data();
    let cd = execute(mode(1, 0), &data[..B_EL0]);
    assert_eq!(err(&cd), ExecutionError::LengthOutOfBounds);
}

#[test]
fn batch_count_below_the_elements_present_is_refused() {
    let cd = mutated_batch(|d| set_word(d, B_LEN, U256::from(1)));
    assert_eq!(err(&cd), ExecutionError::NonCanonicalOffset);
}

#[test]
fn element_offset_pointing_elsewhere_is_non_canonical() {
    let cd = mutated_batch(|d| set_word(d, B_OFF0, U256::from(0x60)));
    assert_eq!(err(&cd), ExecutionError::NonCanonicalOffset);
    let cd = mutated_batch(|d| set_word(d, B_OFF1, U256::from(B_EL1 - 64 + 32)));
    assert_eq!(err(&cd), ExecutionError::NonCanonicalOffset);
}

#[test]
fn overlapping_element_offsets_are_refused_though_alloy_reads_them() {
    // Both heads point at element 0: a lenient decoder sees the same call twice.
    let mut data = sample_batch_data();
    set_word(&mut data, B_OFF1, U256::from(0x40));
    let alloy = Vec::<Execution>::abi_decode(&data).expect("alloy follows both offsets");
    assert_eq!(alloy[0].target, alloy[1].target);
    assert_eq!(
        err(&execute(mode(1, 0), &data)),
        ExecutionError::NonCanonicalOffset
    );
}

#[test]
fn element_offset_out_of_bounds_is_refused() {
    let cd = mutated_batch(|d| set_word(d, B_OFF1, U256::from(0xffff)));
    assert_eq!(err(&cd), ExecutionError::NonCanonicalOffset);
    // An offset that does not fit 32 bits is not even a length.
    let cd = mutated_batch(|d| set_word(d, B_OFF1, U256::from(1u64 << 32)));
    assert_eq!(err(&cd), ExecutionError::LengthOutOfBounds);
    let cd = mutated_batch(|d| set_word(d, B_OFF0, U256::MAX));
    assert_eq!(err(&cd), ExecutionError::LengthOutOfBounds);
}

#[test]
fn dirty_address_high_bits_in_a_batch_element_are_refused() {
    for (el, byte) in [(B_EL0, 0usize), (B_EL0, 11), (B_EL1, 0), (B_EL1, 5)] {
        let cd = mutated_batch(|d| d[el + byte] = 0x01);
        assert_eq!(
            err(&cd),
            ExecutionError::DirtyAddress,
            "element at {el}, byte {byte}"
        );
    }
}

#[test]
fn inner_bytes_offset_other_than_0x60_is_non_canonical() {
    for (el, off) in [(B_EL0, 0x40u64), (B_EL0, 0x80), (B_EL1, 0), (B_EL1, 0x61)] {
        let cd = mutated_batch(|d| set_word(d, el + 64, U256::from(off)));
        assert_eq!(
            err(&cd),
            ExecutionError::NonCanonicalOffset,
            "element at {el}, offset {off:#x}"
        );
    }
}

#[test]
fn inner_length_past_the_end_is_out_of_bounds() {
    let cd = mutated_batch(|d| set_word(d, B_EL1 + 96, U256::from(0x1000)));
    assert_eq!(err(&cd), ExecutionError::LengthOutOfBounds);
    let cd = mutated_batch(|d| set_word(d, B_EL1 + 96, U256::from(1u64 << 32)));
    assert_eq!(err(&cd), ExecutionError::LengthOutOfBounds);
}

#[test]
fn inner_length_overrunning_into_the_next_element_is_refused() {
    // Element 0 claims 33 bytes: its "padding" is then element 1's target word.
    let cd = mutated_batch(|d| set_word(d, B_EL0 + 96, U256::from(33)));
    assert_eq!(err(&cd), ExecutionError::DirtyPadding);
}

#[test]
fn non_zero_inner_padding_is_dirty() {
    // Element 0's calldata is 5 bytes in one padded word at B_EL0 + 128.
    for at in [
        B_EL0 + 128 + 5,
        B_EL0 + 128 + 31,
        B_EL1 + 128 + 36,
        B_EL1 + 128 + 63,
    ] {
        let cd = mutated_batch(|d| d[at] = 0x01);
        assert_eq!(err(&cd), ExecutionError::DirtyPadding, "byte {at}");
    }
}

#[test]
fn trailing_bytes_after_the_batch_are_refused() {
    for extra in [1usize, 32] {
        let cd = mutated_batch(|d| d.extend(std::iter::repeat_n(0u8, extra)));
        assert_eq!(
            err(&cd),
            ExecutionError::TrailingBytes,
            "{extra} extra bytes"
        );
    }
}

#[test]
fn truncated_batch_element_is_out_of_bounds() {
    let data = sample_batch_data();
    // Cut element 1 after its length word and after its first content word.
    for end in [B_EL1 + 32, B_EL1 + 96, B_EL1 + 128, B_EL1 + 160] {
        assert_eq!(
            err(&execute(mode(1, 0), &data[..end])),
            ExecutionError::LengthOutOfBounds,
            "cut at {end}"
        );
    }
}

// ---------------------------------------------------------------- mutation property

fn arb_call() -> impl Strategy<Value = Call> {
    (
        any::<[u8; 20]>().prop_map(Address::from),
        prop_oneof![Just(U256::ZERO), any::<u64>().prop_map(U256::from)],
        proptest::collection::vec(any::<u8>(), 0..70),
    )
}

/// Bytes of a canonical batch calldata that carry structure rather than values: mode, offsets,
/// lengths, address high bytes and padding.
fn structural_positions(calls: &[Call]) -> Vec<usize> {
    let mut out: Vec<usize> = (MODE..DATA + 64).collect();
    let data_len = batch_data(calls).len();
    let mut el = DATA + 64 + 32 * calls.len();
    out.extend(DATA + 64..el);
    for (_, _, cd) in calls {
        out.extend(el..el + 12); // address high bytes
        out.extend(el + 64..el + 128); // inner offset and length
        let padded = cd.len().div_ceil(32) * 32;
        out.extend(el + 128 + cd.len()..el + 128 + padded); // padding
        el += 128 + padded;
    }
    assert_eq!(el, DATA + data_len);
    out
}

fn accepted_means_canonical(cd: &[u8]) -> Result<(), TestCaseError> {
    let Ok((ty, calls)) = decode_execute(cd) else {
        return Ok(());
    };
    let calls: Vec<Call> = calls
        .iter()
        .map(|e| (e.target, e.value, e.calldata.to_vec()))
        .collect();
    // Accepted input is exactly the canonical encoding of what was decoded...
    let re = match ty {
        CallType::Batch => batch(&calls),
        CallType::Single => single(&calls[0]),
    };
    prop_assert_eq!(&re, &cd.to_vec());
    // ...and alloy reads the same calls from it.
    let outer = executeCall::abi_decode(cd).expect("alloy decodes what we accept");
    let alloy: Vec<Call> = match ty {
        CallType::Batch => Vec::<Execution>::abi_decode(&outer.executionCalldata)
            .expect("alloy decodes the batch we accept")
            .into_iter()
            .map(|e| (e.target, e.value, e.callData.to_vec()))
            .collect(),
        CallType::Single => {
            let p = outer.executionCalldata.as_ref();
            vec![(
                Address::from_slice(&p[..20]),
                U256::from_be_slice(&p[20..52]),
                p[52..].to_vec(),
            )]
        }
    };
    prop_assert_eq!(alloy, calls);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn mutated_batch_is_rejected_or_decodes_as_alloy(
        calls in proptest::collection::vec(arb_call(), 1..=3),
        structural in any::<bool>(),
        pick in any::<prop::sample::Index>(),
        xor in 1..=255u8,
    ) {
        let mut cd = batch(&calls);
        let at = if structural {
            let positions = structural_positions(&calls);
            positions[pick.index(positions.len())]
        } else {
            pick.index(cd.len())
        };
        cd[at] ^= xor;
        accepted_means_canonical(&cd)?;
    }

    #[test]
    fn mutated_single_is_rejected_or_decodes_as_alloy(
        call in arb_call(),
        pick in any::<prop::sample::Index>(),
        xor in 1..=255u8,
    ) {
        let mut cd = single(&call);
        let at = pick.index(cd.len());
        cd[at] ^= xor;
        accepted_means_canonical(&cd)?;
    }

    #[test]
    fn truncated_or_extended_encoding_is_refused(
        calls in proptest::collection::vec(arb_call(), 1..=3),
        cut in any::<prop::sample::Index>(),
        extra in proptest::collection::vec(any::<u8>(), 1..40),
    ) {
        let cd = batch(&calls);
        let cut = cut.index(cd.len());
        prop_assert!(decode_execute(&cd[..cut]).is_err());
        let mut longer = cd.clone();
        longer.extend_from_slice(&extra);
        prop_assert_eq!(decode_execute(&longer).unwrap_err(), ExecutionError::TrailingBytes);
    }

    #[test]
    fn arbitrary_bytes_after_the_selector_never_panic(
        body in proptest::collection::vec(any::<u8>(), 0..400),
        header in proptest::collection::vec(prop_oneof![Just(0u8), Just(1u8), Just(0x20u8), Just(0x40u8), any::<u8>()], 0..200),
    ) {
        let mut cd = EXECUTE_SELECTOR.to_vec();
        cd.extend_from_slice(&header);
        cd.extend_from_slice(&body);
        accepted_means_canonical(&cd)?;
    }
}
