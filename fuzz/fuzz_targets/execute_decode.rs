//! `decode_execute` against alloy-sol-types.
//!
//! Oracle: the calldata is accepted iff alloy's validating decoder reads `execute(bytes32,bytes)`
//! from it, re-encoding gives back exactly the input (the canonical encoding), the mode is a
//! default-mode single or batch, and the inner payload is a packed single call (≥ 52 bytes) or a
//! canonical `abi.encode(Execution[])` of 1 to 16 calls; then both return the same calls.
#![no_main]

use alloy_primitives::{Address, U256};
use alloy_sol_types::{SolCall, SolValue};
use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use sessionkey_fuzz::{self as gen, executeCall, Execution};
use sessionkey_policy::execution::{decode_execute, CallType, MAX_BATCH};

type Call = (Address, U256, Vec<u8>);

fn oracle(data: &[u8]) -> Option<(CallType, Vec<Call>)> {
    let outer = executeCall::abi_decode_validate(data).ok()?;
    if outer.abi_encode() != data {
        return None;
    }
    let mode = outer.mode;
    if mode[1..].iter().any(|b| *b != 0) {
        return None;
    }
    let inner = outer.executionCalldata.as_ref();
    match mode[0] {
        0 if inner.len() >= 52 => Some((
            CallType::Single,
            vec![(
                Address::from_slice(&inner[..20]),
                U256::from_be_slice(&inner[20..52]),
                inner[52..].to_vec(),
            )],
        )),
        1 => {
            let calls = Vec::<Execution>::abi_decode_validate(inner).ok()?;
            if calls.abi_encode() != inner || calls.is_empty() || calls.len() > MAX_BATCH {
                return None;
            }
            let calls = calls
                .into_iter()
                .map(|e| (e.target, e.value, e.callData.to_vec()))
                .collect();
            Some((CallType::Batch, calls))
        }
        _ => None,
    }
}

fn check(data: &[u8]) {
    let ours = decode_execute(data).map(|(t, calls)| {
        let calls: Vec<Call> = calls
            .iter()
            .map(|e| (e.target, e.value, e.calldata.to_vec()))
            .collect();
        (t, calls)
    });
    assert_eq!(ours.ok(), oracle(data), "decode_execute vs alloy");
}

fn structured(u: &mut Unstructured) -> arbitrary::Result<()> {
    let n = u.int_in_range(0..=MAX_BATCH + 1)?;
    let mut calls = Vec::with_capacity(n);
    for _ in 0..n {
        calls.push(Execution {
            target: gen::address(u)?,
            value: U256::from_be_bytes(gen::word(u)?.0),
            callData: gen::calldata(u)?.into(),
        });
    }
    let data = gen::execute_calldata(&calls, u.arbitrary()?);
    gen::check_mutated(u, data, check)
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
