//! The hand-written router: strict argument decoding, no value, unknown selectors.

use alloy_primitives::U256;
use sessionkey_policy::ExecutionError;

use super::harness::*;
use crate::abi::MalformedCalldata;
use crate::router::selector;

fn bad(e: ExecutionError) -> Vec<u8> {
    revert_of(MalformedCalldata { code: e.code() })
}

#[test]
fn unknown_selectors_and_short_calldata_revert_empty() {
    let h = Harness::new();
    for input in [&[][..], &[0x6d, 0x61, 0xfe][..], &[1, 2, 3, 4][..]] {
        assert_eq!(h.contract.fallback(input).unwrap_err(), Vec::<u8>::new());
    }
    assert!(h.storage().is_empty());
}

#[test]
fn calls_with_value_revert_empty_and_write_nothing() {
    let h = Harness::new();
    h.vm.set_value(U256::from(1));
    let mut call = selector::ON_INSTALL.to_vec();
    call.extend_from_slice(&alloy_sol_types::SolValue::abi_encode(
        &alloy_primitives::Bytes::new(),
    ));
    assert_eq!(h.contract.fallback(&call).unwrap_err(), Vec::<u8>::new());
    assert!(h.storage().is_empty());
}

#[test]
fn address_arguments_must_be_clean_words() {
    let mut h = Harness::new();
    h.install();
    let before = h.storage();
    let mut call = selector::REVOKE_SESSION.to_vec();
    let mut word = [0u8; 32];
    word[0] = 1;
    word[31] = 7;
    call.extend_from_slice(&word);
    assert_eq!(
        h.contract.fallback(&call).unwrap_err(),
        bad(ExecutionError::DirtyAddress)
    );
    call.push(0);
    assert_eq!(
        h.contract.fallback(&call).unwrap_err(),
        bad(ExecutionError::TrailingBytes)
    );
    assert_eq!(
        h.contract.fallback(&call[..20]).unwrap_err(),
        bad(ExecutionError::TooShort)
    );
    assert_eq!(h.storage(), before);
}

#[test]
fn argumentless_calls_refuse_trailing_bytes() {
    let mut h = Harness::new();
    h.install();
    let before = h.storage();
    let mut call = selector::REVOKE_ALL_SESSIONS.to_vec();
    call.push(0);
    assert_eq!(
        h.contract.fallback(&call).unwrap_err(),
        bad(ExecutionError::TrailingBytes)
    );
    assert_eq!(h.storage(), before);
}

#[test]
fn bytes_arguments_must_be_canonical() {
    let h = Harness::new();
    let record = demo_record(&session_key(1)).encode();
    let good = {
        let mut c = selector::ON_INSTALL.to_vec();
        c.extend_from_slice(&alloy_sol_types::SolValue::abi_encode(
            &alloy_primitives::Bytes::from(record),
        ));
        c
    };
    let cases: Vec<(Vec<u8>, ExecutionError)> = vec![
        (
            {
                let mut c = good.clone();
                c[4 + 31] = 0x40;
                c
            },
            ExecutionError::NonCanonicalOffset,
        ),
        (
            {
                let mut c = good.clone();
                c.push(0);
                c
            },
            ExecutionError::TrailingBytes,
        ),
        (
            {
                let mut c = good.clone();
                *c.last_mut().unwrap() = 1;
                c
            },
            ExecutionError::DirtyPadding,
        ),
        (
            {
                let mut c = good.clone();
                c[4 + 63] = 0xff;
                c
            },
            ExecutionError::LengthOutOfBounds,
        ),
    ];
    for (call, expected) in cases {
        assert_eq!(
            h.contract.fallback(&call).unwrap_err(),
            bad(expected),
            "{expected:?}"
        );
    }
    assert!(h.storage().is_empty());
    h.contract.fallback(&good).unwrap();
    assert!(h.contract.is_initialized(ACCOUNT));
}
