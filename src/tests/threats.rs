//! The classes of `shared/design/threats.md` that apply without a chain, one test (at least)
//! each; the exact rejection and unchanged storage asserted every time. Where a class is
//! covered elsewhere:
//!
//! | class | tests |
//! |---|---|
//! | 1 parameter bypass | `t01_*`, `validate::approve_rules_hold_at_the_boundary_and_fail_past_it` |
//! | 2 approve → transferFrom | `t02_*`, token-cap tests in `validate` (approve spends the cap) |
//! | 3 cap accounting | `t03_*`, `validate::token_cap_*`, `validate::native_cap_*` |
//! | 4 ABI tricks | `t04_*`, `router::*`, policy `execution_strict`/`userop_differential` |
//! | 5 batch tricks | `t05_*` |
//! | 6 replay | `t06_*`, `validate::signature_over_another_hash_or_module_is_refused` |
//! | 7 revocation | `register::revoke_*`, `install::uninstall_kills_every_session_and_reinstall_resurrects_nothing` |
//! | 8 time | `validate::valid_op_returns_the_session_window_*`, `validate::no_expiry_window_*` |
//! | 9 prefund drain | `validate::gas_budget_caps_the_prefund_in_wei`, `validate::only_the_named_paymaster_*` |
//! | 10 signature format | `validate::high_s_*`, `validate::v_other_than_*`, `validate::signature_of_wrong_length_reverts` |
//! | 11 ERC-7562 | `t16_*` here; opcode tracing needs the devnet |
//! | 12 half-configured | `t12_*`, `install::install_with_malformed_record_reverts_before_any_write` |
//! | 13 windows intersected | policy `words` (ValidationData::intersect); the module has one window source |
//! | 14 enable signature | n/a: sessions are registered by the account's own transaction |
//! | 15 leftovers | `install::uninstall_kills_*`, `register::re_registration_after_revoke_starts_fresh_counters` |
//! | 16 associated offsets | `t16_*`, policy `record` (128-word entry limit) |
//! | 17 usage persisted | `validate::token_cap_is_exhausted_across_ops`, `validate::op_count_cap_counts_every_op` |
//! | 18 zero vs unlimited | `t18_*`, `validate::a_token_spend_without_a_configured_cap_is_refused` |
//! | 19 fee caps | `validate::gas_budget_caps_the_prefund_in_wei` (wei, not gas units) |
//! | 20 ERC-1271 | `install::erc1271_is_always_invalid_and_writes_nothing` |
//! | 21 short ids | `t21_*` (full selectors, 20-byte signers, 32-byte storage keys) |
//! | 22 revocation race | documented in README ("Trust and limits") |

use std::collections::BTreeSet;

use alloy_primitives::{keccak256, Address, B256, U256};
use alloy_sol_types::SolCall;
use sessionkey_policy::layout::{self, CallKey, SelectorMatch, TargetMatch};
use sessionkey_policy::record::{CallPolicy, SessionRecord};
use sessionkey_policy::ExecutionError;

use super::harness::*;
use crate::abi::*;

fn malformed(e: ExecutionError) -> Vec<u8> {
    revert_of(MalformedExecution { code: e.code() })
}

fn reject(h: &mut Harness, key: &SessionKey, call_data: Vec<u8>, expected: Vec<u8>) {
    h.assert_rejected(key, call_data, expected);
}

fn setup() -> (Harness, SessionKey) {
    let key = session_key(1);
    let mut h = Harness::new();
    h.install_with(&demo_record(&key));
    (h, key)
}

// 1. Parameter bypass: covered for approve in validate.rs; transfer recipient here.
#[test]
fn t01_transfer_recipient_rule_cannot_be_bypassed() {
    use sessionkey_policy::{Condition, ParamRule};
    let key = session_key(1);
    let mut record = demo_record(&key);
    for c in &mut record.calls {
        if c.key.selector == SelectorMatch::Exact(transferCall::SELECTOR) {
            c.rules = vec![ParamRule::new(Condition::Eq, 0, addr_word(ALICE))];
        }
    }
    let mut h = Harness::new();
    h.install_with(&record);
    reject(
        &mut h,
        &key,
        single(TOKEN, 0, transfer(ATTACKER, 1)),
        revert_of(RuleFailed {
            callIndex: U256::ZERO,
            ruleIndex: U256::ZERO,
        }),
    );
}

// 2. approve → transferFrom: transferFrom is not allowed unless listed, and counts if it is.
#[test]
fn t02_transfer_from_is_neither_implied_nor_uncounted() {
    let (mut h, key) = setup();
    let data = transferFromCall {
        from: ATTACKER,
        to: ALICE,
        amount: U256::from(1),
    }
    .abi_encode();
    reject(
        &mut h,
        &key,
        single(TOKEN, 0, data.clone()),
        revert_of(CallNotAllowed {
            callIndex: U256::ZERO,
            target: TOKEN,
            selector: transferFromCall::SELECTOR.into(),
        }),
    );
    let inc = increaseAllowanceCall {
        spender: DEX,
        amount: U256::from(1),
    }
    .abi_encode();
    reject(
        &mut h,
        &key,
        single(TOKEN, 0, inc),
        revert_of(CallNotAllowed {
            callIndex: U256::ZERO,
            target: TOKEN,
            selector: increaseAllowanceCall::SELECTOR.into(),
        }),
    );
}

// 3. Cap accounting: usage persisted and summed per op (validate.rs); overflow here.
#[test]
fn t03_summing_amounts_cannot_overflow() {
    let key = session_key(1);
    let mut record = demo_record(&key);
    record.token_caps[0].limit = sessionkey_policy::TokenLimit::Unlimited;
    let mut h = Harness::new();
    h.install_with(&record);
    let max = {
        let mut d = transferCall::SELECTOR.to_vec();
        d.extend_from_slice(addr_word(ALICE).as_slice());
        d.extend_from_slice(&[0xff; 32]);
        d
    };
    reject(
        &mut h,
        &key,
        batch(&[(TOKEN, 0, max.clone()), (TOKEN, 0, max)]),
        revert_of(AmountOverflow {}),
    );
}

// 3b. Caps of two sessions never share storage.
#[test]
fn t03_two_sessions_do_not_share_a_cap() {
    let (a, b) = (session_key(1), session_key(2));
    let mut h = Harness::new();
    h.install_with(&demo_record(&a));
    h.register(&demo_record(&b)).unwrap();
    h.run(&a, single(TOKEN, 0, transfer(ALICE, 150))).unwrap();
    h.run(&b, single(TOKEN, 0, transfer(ALICE, 150))).unwrap();
}

// 4. ABI tricks in the execute calldata.
#[test]
fn t04_non_canonical_execute_encodings_are_refused() {
    let (mut h, key) = setup();
    let good = single(TOKEN, 0, transfer(ALICE, 1));
    // Outer offset 0x60 instead of 0x40.
    let mut bad = good.clone();
    bad[4 + 63] = 0x60;
    reject(
        &mut h,
        &key,
        bad,
        malformed(ExecutionError::NonCanonicalOffset),
    );
    // Trailing byte.
    let mut bad = good.clone();
    bad.push(0);
    reject(&mut h, &key, bad, malformed(ExecutionError::TrailingBytes));
    // Dirty padding.
    let mut bad = good.clone();
    *bad.last_mut().unwrap() = 1;
    reject(&mut h, &key, bad, malformed(ExecutionError::DirtyPadding));
    // Dirty address word in a batch element.
    let mut bad = batch(&[(TOKEN, 0, transfer(ALICE, 1))]);
    let at = 4 + 64 + 32 + 64 + 32; // selector, mode, offset, length, array offset, n, element offset
    bad[at] = 1;
    reject(&mut h, &key, bad, malformed(ExecutionError::DirtyAddress));
    // Short calldata: 1–3 bytes is neither a call nor a transfer.
    reject(
        &mut h,
        &key,
        single(TOKEN, 0, vec![0xa9, 0x05]),
        revert_of(CalldataTooShort {
            callIndex: U256::ZERO,
        }),
    );
}

// 4b. A token call the module reads differently than the token would.
#[test]
fn t04_token_calls_must_be_exactly_canonical() {
    let (mut h, key) = setup();
    let mut trailing = transfer(ALICE, 1);
    trailing.push(0);
    reject(
        &mut h,
        &key,
        single(TOKEN, 0, trailing),
        revert_of(MalformedTokenCall {
            callIndex: U256::ZERO,
        }),
    );
    let mut dirty = transfer(ALICE, 1);
    dirty[4] = 1;
    reject(
        &mut h,
        &key,
        single(TOKEN, 0, dirty),
        revert_of(MalformedTokenCall {
            callIndex: U256::ZERO,
        }),
    );
}

// 4c. The outer validateUserOp arguments must be canonical too.
#[test]
fn t04_non_canonical_validate_user_op_arguments_are_refused() {
    use alloy_sol_types::SolValue;
    let (h, key) = setup();
    let op = user_op(
        ACCOUNT,
        single(TOKEN, 0, transfer(ALICE, 1)),
        key.sign(OP_HASH, MODULE),
    );
    let mut calldata = validate_selector().to_vec();
    calldata.extend_from_slice(&(op, OP_HASH).abi_encode_params());
    let before = h.storage();
    let bad_calldata = |e: ExecutionError| revert_of(MalformedCalldata { code: e.code() });
    let mut bad = calldata.clone();
    bad.push(0);
    assert_eq!(
        h.contract.fallback(&bad).unwrap_err(),
        bad_calldata(ExecutionError::TrailingBytes)
    );
    let mut bad = calldata.clone();
    bad[4 + 31] = 0x60;
    assert_eq!(
        h.contract.fallback(&bad).unwrap_err(),
        bad_calldata(ExecutionError::NonCanonicalOffset)
    );
    let mut bad = calldata.clone();
    bad[4 + 64 + 11] = 1; // dirty sender
    assert_eq!(
        h.contract.fallback(&bad).unwrap_err(),
        bad_calldata(ExecutionError::DirtyAddress)
    );
    assert_eq!(h.storage(), before);
}

// 5. Batch tricks.
#[test]
fn t05_a_disallowed_call_cannot_hide_in_a_batch() {
    let (mut h, key) = setup();
    let op = batch(&[(TOKEN, 0, transfer(ALICE, 1)), (ATTACKER, 0, vec![])]);
    reject(
        &mut h,
        &key,
        op,
        revert_of(CallNotAllowed {
            callIndex: U256::from(1),
            target: ATTACKER,
            selector: [0u8; 4].into(),
        }),
    );
}

#[test]
fn t05_empty_batch_and_unsupported_modes_are_refused() {
    let (mut h, key) = setup();
    reject(
        &mut h,
        &key,
        batch(&[]),
        malformed(ExecutionError::EmptyBatch),
    );
    for (byte, value, expected) in [
        (0usize, 0xffu8, ExecutionError::UnsupportedCallType(0xff)),
        (0, 0xfe, ExecutionError::UnsupportedCallType(0xfe)),
        (1, 0x01, ExecutionError::UnsupportedExecType(1)),
        (6, 0x01, ExecutionError::NonDefaultMode),
    ] {
        let mut op = single(TOKEN, 0, transfer(ALICE, 1));
        op[4 + byte] = value;
        reject(&mut h, &key, op, malformed(expected));
    }
    let mut wrapped = vec![0x8d, 0xd7, 0x71, 0x2f];
    wrapped.extend(single(TOKEN, 0, transfer(ALICE, 1)));
    reject(
        &mut h,
        &key,
        wrapped,
        malformed(ExecutionError::ExecuteUserOpUnsupported),
    );
}

#[test]
fn t05_calls_to_the_account_or_the_module_are_refused() {
    let key = session_key(1);
    let mut record = demo_record(&key);
    // Even an explicit any-target wildcard for transfer does not reach the account or module.
    record.calls.push(CallPolicy {
        key: CallKey {
            target: TargetMatch::Any,
            selector: SelectorMatch::Exact(transferCall::SELECTOR),
        },
        max_value: 0,
        rules: vec![],
    });
    record.calls.sort_by_key(|c| c.key.to_bytes());
    let mut h = Harness::new();
    h.install_with(&record);
    reject(
        &mut h,
        &key,
        single(ACCOUNT, 0, transfer(ALICE, 1)),
        revert_of(SelfCallRejected {
            callIndex: U256::ZERO,
        }),
    );
    reject(
        &mut h,
        &key,
        single(MODULE, 0, transfer(ALICE, 1)),
        revert_of(SelfCallRejected {
            callIndex: U256::ZERO,
        }),
    );
}

// 6. Replay: another account's op, another module (validate.rs); another account's storage.
#[test]
fn t06_a_session_of_one_account_is_unknown_to_another() {
    let (mut h, key) = setup();
    h.as_account(OTHER_ACCOUNT).install();
    let op = user_op(
        OTHER_ACCOUNT,
        single(TOKEN, 0, transfer(ALICE, 1)),
        key.sign(OP_HASH, MODULE),
    );
    let before = h.storage();
    let err = h.validate(&op, OP_HASH).unwrap_err();
    assert_eq!(
        err,
        revert_of(SessionNotActive {
            account: OTHER_ACCOUNT,
            signer: key.address()
        })
    );
    assert_eq!(h.storage(), before);
}

// 12. Half-configured / zero-rule records allow nothing.
#[test]
fn t12_a_record_with_no_calls_allows_nothing() {
    let key = session_key(1);
    let mut record = demo_record(&key);
    record.calls.clear();
    let mut h = Harness::new();
    h.install_with(&record);
    reject(
        &mut h,
        &key,
        single(TOKEN, 0, transfer(ALICE, 1)),
        revert_of(CallNotAllowed {
            callIndex: U256::ZERO,
            target: TOKEN,
            selector: transferCall::SELECTOR.into(),
        }),
    );
}

// 16. Every slot written is ERC-7562-associated: keccak256(account ‖ x) + n with n < 128, and
// nothing of one account's lies in another's.
#[test]
fn t16_every_written_slot_is_associated_with_the_account() {
    let key = session_key(1);
    let record = demo_record(&key);
    let mut h = Harness::new();
    h.install_with(&record);
    h.run(
        &key,
        batch(&[(TOKEN, 0, transfer(ALICE, 1)), (ALICE, 1, vec![])]),
    )
    .unwrap();
    let allowed = associated_slots(ACCOUNT, &record, 0);
    for slot in h.storage().keys() {
        assert!(
            allowed.contains(slot),
            "slot {slot:#x} is not associated with the account"
        );
    }
}

/// Every slot the layout may use for `record` on `account`, derived from the layout's formulas.
fn associated_slots(account: Address, record: &SessionRecord, nonce: u64) -> BTreeSet<U256> {
    let map = |outer: B256, root: u8| {
        let inner = keccak256([outer.as_slice(), B256::with_last_byte(root).as_slice()].concat());
        U256::from_be_bytes(
            keccak256([account.into_word().as_slice(), inner.as_slice()].concat()).0,
        )
    };
    let mut out = BTreeSet::new();
    out.insert(U256::from_be_bytes(
        keccak256(
            [
                account.into_word().as_slice(),
                B256::with_last_byte(layout::ACCOUNTS_ROOT).as_slice(),
            ]
            .concat(),
        )
        .0,
    ));
    let session = map(record.signer.into_word(), layout::SESSIONS_ROOT);
    for n in 0..3u8 {
        out.insert(session + U256::from(n));
    }
    for c in &record.calls {
        let base = map(
            keccak256(layout::call_key_preimage(record.signer, nonce, &c.key)),
            layout::CALLS_ROOT,
        );
        for n in 0..layout::entry_words(c) {
            assert!(n < layout::MAX_ENTRY_WORDS);
            out.insert(base + U256::from(n));
        }
    }
    for t in &record.token_caps {
        out.insert(map(
            keccak256(layout::token_key_preimage(record.signer, nonce, t.token)),
            layout::TOKEN_CAPS_ROOT,
        ));
    }
    out
}

// 18. Zero limit means nothing; unlimited is explicit.
#[test]
fn t18_a_zero_native_cap_forbids_any_value() {
    let key = session_key(1);
    let mut record = demo_record(&key);
    record.native_cap = sessionkey_policy::Limit::Limited(0);
    let mut h = Harness::new();
    h.install_with(&record);
    reject(
        &mut h,
        &key,
        single(ALICE, 1, vec![]),
        revert_of(NativeCapExceeded {
            requested: U256::from(1),
            remaining: U256::ZERO,
        }),
    );
    // Value 0 calls are unaffected.
    h.run(&key, single(TOKEN, 0, transfer(ALICE, 1))).unwrap();
}

// 21. Identifiers are full addresses and 32-byte hashes: the selector is matched in full.
#[test]
fn t21_selectors_are_matched_in_full() {
    let (mut h, key) = setup();
    let mut near = transfer(ALICE, 1);
    near[3] ^= 1;
    let sel: [u8; 4] = near[..4].try_into().unwrap();
    reject(
        &mut h,
        &key,
        single(TOKEN, 0, near),
        revert_of(CallNotAllowed {
            callIndex: U256::ZERO,
            target: TOKEN,
            selector: sel.into(),
        }),
    );
}
