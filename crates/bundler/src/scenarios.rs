//! The scenarios the gas report measures and the demo narrates: one account with the module
//! installed and a session limited the way the product card's example is.

use alloy_primitives::{address, Address, Bytes, B256, U256};
use alloy_sol_types::SolCall;
use devnet_fixtures::bindings::{
    encode_batch, encode_single, Execution, TestAccount7579, TestToken, MODE_BATCH, MODE_SINGLE,
};
use sessionkey_policy::layout::{CallKey, SelectorMatch, TargetMatch};
use sessionkey_policy::{
    CallPolicy, Condition, Limit, ParamRule, SessionRecord, SignerKey, TokenCap, TokenLimit,
};

/// The DEX a session may approve.
pub const DEX: Address = address!("0x0000000000000000000000000000000000000de0");
/// Someone the session must not pay.
pub const ATTACKER: Address = address!("0x000000000000000000000000000000000000bad0");
/// A recipient the session may pay.
pub const ALICE: Address = address!("0x000000000000000000000000000000000000a71c");
/// 10^18.
pub const UNIT: u128 = 1_000_000_000_000_000_000;

/// "approve only to DEX, ≤ 100 tokens; transfer ≤ 50 tokens in total (token cap 150 covers
/// approve + transfer); ETH only to ALICE, ≤ 0.1 ETH; valid for one hour from `start`."
pub fn demo_record(signer: Address, token: Address, start: u64) -> SessionRecord {
    let mut calls = vec![
        CallPolicy {
            key: CallKey {
                target: TargetMatch::Exact(token),
                selector: SelectorMatch::Exact(TestToken::approveCall::SELECTOR),
            },
            max_value: 0,
            rules: vec![
                ParamRule::new(Condition::Eq, 0, DEX.into_word()),
                ParamRule::new(Condition::Lte, 1, B256::from(U256::from(100 * UNIT))),
            ],
        },
        CallPolicy {
            key: CallKey {
                target: TargetMatch::Exact(token),
                selector: SelectorMatch::Exact(TestToken::transferCall::SELECTOR),
            },
            max_value: 0,
            rules: vec![ParamRule::new(
                Condition::Lte,
                1,
                B256::from(U256::from(50 * UNIT)),
            )],
        },
        CallPolicy {
            key: CallKey {
                target: TargetMatch::Exact(ALICE),
                selector: SelectorMatch::Empty,
            },
            max_value: UNIT / 10,
            rules: vec![],
        },
    ];
    calls.sort_by_key(|c| c.key.to_bytes());
    SessionRecord {
        signer,
        signer_key: SignerKey::Secp256k1,
        valid_after: start,
        valid_until: start + 3600,
        native_cap: Limit::Limited(UNIT / 10),
        gas_budget: Limit::Unlimited,
        max_ops: None,
        paymaster: None,
        period: None,
        calls,
        token_caps: vec![TokenCap {
            token,
            limit: TokenLimit::Limited(U256::from(150 * UNIT)),
        }],
        typed_data_scopes: Vec::new(),
    }
}

/// The account's `execute(single(target, value, data))` calldata.
pub fn single(target: Address, value: U256, data: Vec<u8>) -> Vec<u8> {
    TestAccount7579::executeCall {
        mode: MODE_SINGLE,
        executionCalldata: encode_single(target, value, &data),
    }
    .abi_encode()
}

/// The account's `execute(batch(calls))` calldata.
pub fn batch(calls: &[(Address, U256, Vec<u8>)]) -> Vec<u8> {
    let execs: Vec<Execution> = calls
        .iter()
        .map(|(t, v, d)| Execution {
            target: *t,
            value: *v,
            callData: Bytes::from(d.clone()),
        })
        .collect();
    TestAccount7579::executeCall {
        mode: MODE_BATCH,
        executionCalldata: encode_batch(&execs),
    }
    .abi_encode()
}

/// `approve(spender, amount)`.
pub fn approve(spender: Address, amount: U256) -> Vec<u8> {
    TestToken::approveCall { spender, amount }.abi_encode()
}

/// `transfer(to, amount)`.
pub fn transfer(to: Address, amount: U256) -> Vec<u8> {
    TestToken::transferCall { to, amount }.abi_encode()
}
