//! Generators shared by the fuzz targets.
//!
//! Byte-level inputs rarely get past a strict decoder's first checks, so every target also
//! builds structured values from the input (`arbitrary`). Addresses, selectors and words come
//! mostly from small pools: a random 20-byte target would almost never match a record's call
//! entry, and the interesting comparisons sit at a few boundary values.

use alloy_primitives::{address, Address, B256, U256};
use arbitrary::{Result, Unstructured};
use sessionkey_policy::condition::{compare, Condition};
use sessionkey_policy::layout::{CallKey, SelectorMatch, TargetMatch};
use sessionkey_policy::record::{CallPolicy, Limit, SessionRecord, TokenCap, TokenLimit};
use sessionkey_policy::rule::ParamRule;

// The ABI types the oracles decode with: the interface's own (one source,
// `abi/ISessionKeyValidator.sol`) and the SDK's ERC-7579 account types.
pub use sessionkey_policy::interface::ISessionKeyValidator::validateUserOpCall;
pub use sessionkey_policy::interface::PackedUserOperation;
pub use sessionkey_sdk::account_calls::Execution;
pub use sessionkey_sdk::account_calls::IERC7579Account::executeCall;

/// The smart account sending every op.
pub const ACCOUNT: Address = address!("0x000000000000000000000000000000000000acc0");
/// The module's own address.
pub const MODULE: Address = address!("0x00000000000000000000000000000000000a11ce");

/// Targets, tokens and paymasters; the account and the module are in it so self-calls happen.
pub const ADDRESSES: [Address; 6] = [
    address!("0x0000000000000000000000000000000000007043"),
    address!("0x0000000000000000000000000000000000007044"),
    address!("0x0000000000000000000000000000000000000de0"),
    address!("0x000000000000000000000000000000000000a71c"),
    ACCOUNT,
    MODULE,
];

/// approve, transfer, transferFrom (the ERC-20 spends the engine recognises), and another.
pub const SELECTORS: [[u8; 4]; 4] = [
    [0x09, 0x5e, 0xa7, 0xb3],
    [0xa9, 0x05, 0x9c, 0xbb],
    [0x23, 0xb8, 0x72, 0xdd],
    [0x12, 0x34, 0x56, 0x78],
];

/// An address, usually from the pool.
pub fn address(u: &mut Unstructured) -> Result<Address> {
    Ok(match u.int_in_range(0..=7u8)? {
        i @ 0..=5 => ADDRESSES[i as usize],
        6 => Address::ZERO,
        _ => Address::new(u.arbitrary()?),
    })
}

/// A selector, usually from the pool.
pub fn selector(u: &mut Unstructured) -> Result<[u8; 4]> {
    Ok(match u.int_in_range(0..=4u8)? {
        i @ 0..=3 => SELECTORS[i as usize],
        _ => u.arbitrary()?,
    })
}

/// A 32-byte word, biased to the boundaries of uint256 and int256 and to small numbers.
pub fn word(u: &mut Unstructured) -> Result<B256> {
    let small = |v: u64| B256::from(U256::from(v));
    Ok(match u.int_in_range(0..=9u8)? {
        0 => B256::ZERO,
        1 => small(u.int_in_range(0..=300u64)?),
        2 => B256::repeat_byte(0xff),
        3 => {
            // 2^255 ± small: the int256 sign boundary.
            let mut w = B256::ZERO;
            w[0] = 0x80;
            w[31] = u.arbitrary()?;
            w
        }
        4 => {
            let mut w = B256::repeat_byte(0xff);
            w[0] = 0x7f;
            w
        }
        5 => {
            // -small as int256.
            let v: u8 = u.arbitrary()?;
            B256::from(U256::ZERO.wrapping_sub(U256::from(v)))
        }
        6 => address(u)?.into_word(),
        7 => small(u.arbitrary()?),
        8 => {
            // 2^k ± 1 around the u128 and 2^248 bounds the engine cares about.
            let k = *u.choose(&[96usize, 128, 248, 255])?;
            let w = U256::from(1u8) << k;
            B256::from(match u.int_in_range(0..=2u8)? {
                0 => w - U256::from(1u8),
                1 => w,
                _ => w + U256::from(1u8),
            })
        }
        _ => B256::new(u.arbitrary()?),
    })
}

/// A u128 amount, biased to boundaries.
pub fn amount(u: &mut Unstructured) -> Result<u128> {
    Ok(match u.int_in_range(0..=5u8)? {
        0 => 0,
        1 => u.int_in_range(1..=1000u128)?,
        2 => u128::MAX,
        3 => (1u128 << 96) - 1 + u.int_in_range(0..=1u128)?,
        _ => u.arbitrary()?,
    })
}

/// A wei limit.
pub fn limit(u: &mut Unstructured) -> Result<Limit> {
    Ok(if u.ratio(1, 4)? {
        Limit::Unlimited
    } else {
        Limit::Limited(amount(u)?)
    })
}

/// A rule whose value count suits its condition (the record format guarantees that); ranges
/// usually ordered, sometimes not (the decoder must refuse those).
pub fn rule(u: &mut Unstructured) -> Result<ParamRule> {
    let condition = *u.choose(&Condition::ALL)?;
    let word_index = u.int_in_range(0..=4u16)?;
    let n = match condition {
        Condition::InRange | Condition::SignedInRange => 2,
        Condition::OneOf => u.int_in_range(1..=8usize)?,
        _ => 1,
    };
    let mut values = Vec::with_capacity(n);
    for _ in 0..n {
        values.push(word(u)?);
    }
    if n == 2 && condition != Condition::OneOf && u.ratio(7, 8)? {
        values.sort_by(|a, b| compare(a, b, condition.is_signed()));
    }
    Ok(ParamRule {
        condition,
        word_index,
        values,
    })
}

fn call_key(u: &mut Unstructured) -> Result<CallKey> {
    let target = if u.ratio(1, 5)? {
        TargetMatch::Any
    } else {
        TargetMatch::Exact(address(u)?)
    };
    let selector = match u.int_in_range(0..=5u8)? {
        0 => SelectorMatch::Any,
        1 => SelectorMatch::Empty,
        _ => SelectorMatch::Exact(selector(u)?),
    };
    Ok(CallKey { target, selector })
}

/// A session record, sorted so that it is usually valid; whether it is, is the decoder's call
/// (`SessionRecord::validate`).
pub fn record(u: &mut Unstructured, signer: Address) -> Result<SessionRecord> {
    let valid_after = u.int_in_range(0..=3u64)? * 1000;
    let valid_until = match u.int_in_range(0..=3u8)? {
        0 => 0,
        1 => valid_after + u.int_in_range(1..=5000u64)?,
        2 => (1 << 48) - 1,
        _ => u.int_in_range(0..=5000u64)?,
    };
    let mut calls: Vec<CallPolicy> = Vec::new();
    for _ in 0..u.int_in_range(0..=5u8)? {
        let key = call_key(u)?;
        let mut rules = Vec::new();
        if key.selector != SelectorMatch::Empty {
            for _ in 0..u.int_in_range(0..=3u8)? {
                rules.push(rule(u)?);
            }
        }
        calls.push(CallPolicy {
            key,
            max_value: amount(u)?,
            rules,
        });
    }
    calls.sort_by_key(|c| c.key.to_bytes());
    calls.dedup_by_key(|c| c.key.to_bytes());
    let mut token_caps: Vec<TokenCap> = Vec::new();
    for _ in 0..u.int_in_range(0..=3u8)? {
        let limit = if u.ratio(1, 4)? {
            TokenLimit::Unlimited
        } else {
            TokenLimit::Limited(U256::from_be_bytes(word(u)?.0))
        };
        token_caps.push(TokenCap {
            token: address(u)?,
            limit,
        });
    }
    token_caps.sort_by_key(|t| t.token);
    token_caps.dedup_by_key(|t| t.token);
    Ok(SessionRecord {
        signer,
        signer_key: Default::default(),
        valid_after,
        valid_until,
        native_cap: limit(u)?,
        gas_budget: limit(u)?,
        max_ops: if u.arbitrary()? {
            Some(u.int_in_range(0..=3u32)?)
        } else {
            None
        },
        paymaster: if u.ratio(1, 4)? {
            Some(address(u)?)
        } else {
            None
        },
        period: None,
        calls,
        token_caps,
        typed_data_scopes: Vec::new(),
    })
}

/// Calldata for one call: a selector from the pool and head words from the word pool, then
/// sometimes cut or extended (ERC-20 spends must be exactly 4 + 32·k bytes).
pub fn calldata(u: &mut Unstructured) -> Result<Vec<u8>> {
    if u.ratio(1, 6)? {
        return Ok(Vec::new());
    }
    let mut out = selector(u)?.to_vec();
    let words = match out[..] {
        [0x23, ..] => 3,
        [0x09, ..] | [0xa9, ..] => 2,
        _ => u.int_in_range(0..=4usize)?,
    };
    for _ in 0..words {
        out.extend_from_slice(word(u)?.as_slice());
    }
    match u.int_in_range(0..=9u8)? {
        0 => {
            let keep = u.int_in_range(0..=out.len())?;
            out.truncate(keep);
        }
        1 => out.push(u.arbitrary()?),
        2 => out.extend_from_slice(word(u)?.as_slice()),
        _ => {}
    }
    Ok(out)
}

/// `execute` calldata for `calls`: single (packed) for one call when asked, else a batch.
pub fn execute_calldata(calls: &[Execution], single: bool) -> Vec<u8> {
    let mut mode = B256::ZERO;
    let inner = if single && calls.len() == 1 {
        let c = &calls[0];
        let mut packed = c.target.to_vec();
        packed.extend_from_slice(&c.value.to_be_bytes::<32>());
        packed.extend_from_slice(&c.callData);
        packed
    } else {
        mode[0] = 1;
        alloy_sol_types::SolValue::abi_encode(&calls.to_vec())
    };
    alloy_sol_types::SolCall::abi_encode(&executeCall {
        mode,
        executionCalldata: inner.into(),
    })
}

/// `check`s `bytes`, then one or two arbitrary mutations of it, each checked in turn.
pub fn check_mutated(u: &mut Unstructured, mut bytes: Vec<u8>, check: fn(&[u8])) -> Result<()> {
    check(&bytes);
    for _ in 0..u.int_in_range(1..=2u8)? {
        mutate(u, &mut bytes)?;
        check(&bytes);
    }
    Ok(())
}

/// One arbitrary in-place change to `bytes`: flip a byte, cut, or append.
pub fn mutate(u: &mut Unstructured, bytes: &mut Vec<u8>) -> Result<()> {
    match u.int_in_range(0..=3u8)? {
        0 | 1 if !bytes.is_empty() => {
            let i = u.choose_index(bytes.len())?;
            let x: u8 = u.arbitrary()?;
            bytes[i] ^= x.max(1);
        }
        2 => {
            let keep = u.int_in_range(0..=bytes.len())?;
            bytes.truncate(keep);
        }
        _ => {
            let n = u.int_in_range(1..=33usize)?;
            for _ in 0..n {
                bytes.push(u.arbitrary()?);
            }
        }
    }
    Ok(())
}
