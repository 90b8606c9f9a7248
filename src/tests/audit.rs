//! Audit pins: suspected weaknesses that turned out safe, each pinned through the real router
//! with the exact rejection and unchanged storage, so a later change cannot open them.

use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::SolCall;
use sessionkey_policy::layout::{self, CallKey, SelectorMatch, TargetMatch, TokenCapWord};
use sessionkey_policy::record::{CallPolicy, Limit, TokenCap, TokenLimit};
use sessionkey_policy::{Condition, ParamRule, ValidationData};

use super::harness::*;
use crate::abi::*;

/// A selector no ERC-20 spend shares.
const PING: [u8; 4] = [0x12, 0x34, 0x56, 0x78];

fn ping(words: &[B256]) -> Vec<u8> {
    let mut d = PING.to_vec();
    for w in words {
        d.extend_from_slice(w.as_slice());
    }
    d
}

fn int(v: i64) -> B256 {
    let u = if v < 0 {
        U256::MAX - U256::from(v.unsigned_abs()) + U256::from(1)
    } else {
        U256::from(v as u64)
    };
    B256::from(u.to_be_bytes::<32>())
}

/// EntryPoint v0.7 reads a `paymasterAndData` of ≥ 52 bytes whose first 20 bytes are zero as
/// *no paymaster*: the account pays a prefund that even includes the paymaster gas limits. If
/// the module read it as "sponsored" the gas-fee budget would be skipped; it must refuse it.
#[test]
fn a_zero_address_paymaster_field_is_refused_not_treated_as_sponsored() {
    let key = session_key(1);
    for named in [None, Some(Address::repeat_byte(0x99))] {
        let mut record = demo_record(&key);
        record.gas_budget = Limit::Limited(0);
        record.paymaster = named;
        let mut h = Harness::new();
        h.install_with(&record);
        let mut op = user_op(
            ACCOUNT,
            single(TOKEN, 0, transfer(ALICE, 1)),
            key.sign(OP_HASH, MODULE),
        );
        // paymaster 0 ‖ pmVerificationGasLimit ‖ pmPostOpGasLimit (EntryPoint's 52-byte minimum).
        op.paymasterAndData = [&[0u8; 20][..], &gas_pair(1_000_000, 1_000_000).0]
            .concat()
            .into();
        let before = h.storage();
        assert_eq!(
            h.validate(&op, OP_HASH).unwrap_err(),
            revert_of(PaymasterNotAllowed {
                paymaster: Address::ZERO
            }),
            "session paymaster {named:?}"
        );
        assert_eq!(h.storage(), before);
    }
}

/// `engine::check_rules` walks descriptors and value offsets with its own arithmetic; the
/// registration writes them with `layout::call_entry_words`. 16 rules (3 inline descriptors,
/// 8 + 5 in two continuation words) mixing 8-value `OneOf`, `InRange`, `SignedInRange` and
/// single-value rules, on reversed word indexes, through real storage slots: each rule reads
/// exactly its own descriptor, word and values.
#[test]
fn sixteen_mixed_rules_each_read_their_own_descriptor_word_and_values() {
    let key = session_key(1);
    // (rule, good word, bad word)
    let mut rules = Vec::new();
    let mut good = [B256::ZERO; 16];
    let mut bad = [B256::ZERO; 16];
    for i in 0..16u16 {
        let w = 15 - i; // word index != rule index
        let base = 1000 * (i as u128 + 1);
        let rule = match i % 4 {
            0 => {
                let values: Vec<B256> = (0..8).map(|j| num(base + j)).collect();
                good[w as usize] = num(base + 7); // the 8th value: all eight are read
                bad[w as usize] = num(base + 8);
                ParamRule {
                    condition: Condition::OneOf,
                    word_index: w,
                    values,
                }
            }
            1 => {
                good[w as usize] = num(base + 10);
                bad[w as usize] = num(base + 11);
                ParamRule {
                    condition: Condition::InRange,
                    word_index: w,
                    values: vec![num(base), num(base + 10)],
                }
            }
            2 => {
                good[w as usize] = int(-(i as i64));
                bad[w as usize] = int(-(i as i64) - 1);
                ParamRule {
                    condition: Condition::SignedInRange,
                    word_index: w,
                    values: vec![int(-(i as i64)), int(i as i64)],
                }
            }
            _ => {
                good[w as usize] = num(base);
                bad[w as usize] = num(base + 1);
                ParamRule::new(Condition::Lte, w, num(base))
            }
        };
        rules.push(rule);
    }
    let policy = entry(DEX, PING, 0, rules);
    assert_eq!(layout::values_start(16), 3);
    assert_eq!(layout::entry_words(&policy), 3 + 4 * 8 + 4 * 2 + 4 * 2 + 4);
    let mut record = demo_record(&key);
    record.calls.push(policy);
    record.calls.sort_by_key(|c| c.key.to_bytes());
    let mut h = Harness::new();
    h.install_with(&record);

    h.run(&key, single(DEX, 0, ping(&good))).unwrap();
    for i in 0..16usize {
        let mut words = good;
        words[15 - i] = bad[15 - i];
        h.assert_rejected(
            &key,
            single(DEX, 0, ping(&words)),
            revert_of(RuleFailed {
                callIndex: U256::ZERO,
                ruleIndex: U256::from(i),
            }),
        );
    }
    // One word short: the rule on the last word (rule 0) has nothing to read.
    h.assert_rejected(
        &key,
        single(DEX, 0, ping(&good[..15])),
        revert_of(ParamMissing {
            callIndex: U256::ZERO,
            ruleIndex: U256::ZERO,
        }),
    );
}

/// After revoke-all, re-registering the same signer with a narrower record inherits nothing:
/// not the old entries (an approve the new record lacks), not the old caps (a token the new
/// record lacks), and the old exhausted cap does not carry over either.
#[test]
fn revoke_all_then_re_register_inherits_no_entries_or_caps() {
    let key = session_key(1);
    let mut wide = demo_record(&key);
    wide.calls
        .push(entry(TOKEN2, transferCall::SELECTOR, 0, vec![]));
    wide.calls.sort_by_key(|c| c.key.to_bytes());
    wide.token_caps.push(TokenCap {
        token: TOKEN2,
        limit: TokenLimit::Unlimited,
    });
    let mut h = Harness::new();
    h.install_with(&wide);
    h.run(&key, single(TOKEN, 0, transfer(ALICE, 150))).unwrap();
    h.run(&key, single(TOKEN2, 0, transfer(ALICE, 1))).unwrap();
    h.contract.revoke_all_sessions().unwrap();

    let mut narrow = demo_record(&key);
    narrow
        .calls
        .retain(|c| c.key.selector != SelectorMatch::Exact(approveCall::SELECTOR));
    narrow.token_caps[0].limit = TokenLimit::Limited(U256::from(10));
    narrow
        .calls
        .push(entry(TOKEN2, transferCall::SELECTOR, 0, vec![]));
    narrow.calls.sort_by_key(|c| c.key.to_bytes());
    h.register(&narrow).unwrap();

    h.assert_rejected(
        &key,
        single(TOKEN, 0, approve(DEX, 1)),
        revert_of(CallNotAllowed {
            callIndex: U256::ZERO,
            target: TOKEN,
            selector: approveCall::SELECTOR.into(),
        }),
    );
    h.assert_rejected(
        &key,
        single(TOKEN2, 0, transfer(ALICE, 1)),
        revert_of(TokenCapMissing { token: TOKEN2 }),
    );
    // Fresh cap of 10, not the old cap's exhausted 0 (and not the old 150).
    h.assert_rejected(
        &key,
        single(TOKEN, 0, transfer(ALICE, 11)),
        revert_of(TokenCapExceeded {
            token: TOKEN,
            requested: U256::from(11),
            remaining: U256::from(10),
        }),
    );
    h.run(&key, single(TOKEN, 0, transfer(ALICE, 10))).unwrap();
}

/// Token caps store 248 bits under a flag byte: the largest cap spends to exactly zero and
/// keeps its flag (a configured, exhausted cap, not "no cap"); a uint256-max approve is
/// compared in full, not truncated to 248 bits.
#[test]
fn the_largest_token_cap_spends_exactly_and_keeps_its_flag_byte() {
    let key = session_key(1);
    let max: U256 = (U256::from(1) << 248) - U256::from(1);
    let mut record = demo_record(&key);
    record
        .calls
        .retain(|c| c.key.selector != SelectorMatch::Exact(approveCall::SELECTOR));
    record
        .calls
        .push(entry(TOKEN, approveCall::SELECTOR, 0, vec![]));
    record.calls.sort_by_key(|c| c.key.to_bytes());
    record.token_caps[0].limit = TokenLimit::Limited(max);
    let mut h = Harness::new();
    h.install_with(&record);

    let approve_all = approveCall {
        spender: ATTACKER,
        amount: U256::MAX,
    }
    .abi_encode();
    h.assert_rejected(
        &key,
        single(TOKEN, 0, approve_all),
        revert_of(TokenCapExceeded {
            token: TOKEN,
            requested: U256::MAX,
            remaining: max,
        }),
    );
    // 2^248 differs from the cap only above bit 247: not truncated into the flag byte.
    let just_above = transferCall {
        to: ALICE,
        amount: max + U256::from(1),
    }
    .abi_encode();
    h.assert_rejected(
        &key,
        single(TOKEN, 0, just_above),
        revert_of(TokenCapExceeded {
            token: TOKEN,
            requested: max + U256::from(1),
            remaining: max,
        }),
    );
    let all = transferCall {
        to: ALICE,
        amount: max,
    }
    .abi_encode();
    h.run(&key, single(TOKEN, 0, all)).unwrap();
    let word = h.contract.token_cap_word(ACCOUNT, key.address(), TOKEN);
    assert_eq!(word[0], layout::token_flags::CONFIGURED);
    assert_eq!(
        TokenCapWord::unpack(&word),
        Some(TokenCapWord {
            unlimited: false,
            remaining: U256::ZERO
        })
    );
    h.assert_rejected(
        &key,
        single(TOKEN, 0, transfer(ALICE, 1)),
        revert_of(TokenCapExceeded {
            token: TOKEN,
            requested: U256::from(1),
            remaining: U256::ZERO,
        }),
    );
}

/// Native amounts are words; limits are `u128`. A value above 128 bits is compared in full
/// (never truncated to its low 128 bits), and two `u128::MAX` calls overflow no counter.
#[test]
fn native_values_above_128_bits_are_compared_in_full() {
    let key = session_key(1);
    let mut record = demo_record(&key);
    // The largest cap the header's 96-bit counter holds.
    let cap = layout::MAX_NATIVE_CAP;
    record.native_cap = Limit::Limited(cap);
    record.calls = vec![receive_entry(ALICE, u128::MAX)];
    let mut h = Harness::new();
    h.install_with(&record);

    // 2^128 + 5: its low 128 bits (5) would pass both limits.
    let mut packed = ALICE.to_vec();
    let value: U256 = (U256::from(1) << 128) + U256::from(5);
    packed.extend_from_slice(&value.to_be_bytes::<32>());
    let call_data = executeCall {
        mode: B256::ZERO,
        executionCalldata: packed.into(),
    }
    .abi_encode();
    h.assert_rejected(
        &key,
        call_data,
        revert_of(ValueTooHigh {
            callIndex: U256::ZERO,
            value,
            max: U256::from(u128::MAX),
        }),
    );
    // Two calls whose sum exceeds 128 bits, each below the per-call limit.
    h.assert_rejected(
        &key,
        batch(&[(ALICE, u128::MAX, vec![]), (ALICE, u128::MAX, vec![])]),
        revert_of(NativeCapExceeded {
            requested: U256::from(u128::MAX) * U256::from(2),
            remaining: U256::from(cap),
        }),
    );
    h.run(&key, single(ALICE, cap, vec![])).unwrap();
    h.assert_rejected(
        &key,
        single(ALICE, 1, vec![]),
        revert_of(NativeCapExceeded {
            requested: U256::from(1),
            remaining: U256::ZERO,
        }),
    );
}

#[test]
fn a_native_cap_above_96_bits_is_refused_at_registration_and_writes_nothing() {
    let key = session_key(1);
    let mut record = demo_record(&key);
    record.native_cap = Limit::Limited(layout::MAX_NATIVE_CAP + 1);
    let mut h = Harness::new();
    h.install();
    let before = h.storage();
    // version (1) + window (12) + kind (1) + signer (20) + flags (1): the native cap starts at
    // byte 35.
    let err = h
        .contract
        .register_session(Bytes::from(record.encode()))
        .unwrap_err();
    assert_eq!(
        err,
        revert_of(InvalidRecord {
            code: 15,
            position: U256::from(35)
        })
    );
    assert_eq!(h.storage(), before);
}

/// A target's any-selector entry still counts ERC-20 spends on that target: `transfer` through
/// the wildcard needs a cap, and non-canonical spend calldata is refused, not guessed at.
#[test]
fn an_any_selector_entry_on_a_token_still_counts_spends() {
    let key = session_key(1);
    let mut record = demo_record(&key);
    record.calls.push(CallPolicy {
        key: CallKey {
            target: TargetMatch::Exact(TOKEN2),
            selector: SelectorMatch::Any,
        },
        max_value: 0,
        rules: vec![],
    });
    record.calls.sort_by_key(|c| c.key.to_bytes());
    let mut h = Harness::new();
    h.install_with(&record);
    h.run(&key, single(TOKEN2, 0, ping(&[]))).unwrap();
    h.assert_rejected(
        &key,
        single(TOKEN2, 0, transfer(ATTACKER, 1)),
        revert_of(TokenCapMissing { token: TOKEN2 }),
    );
    let mut trailing = transfer(ATTACKER, 1);
    trailing.push(0);
    h.assert_rejected(
        &key,
        single(TOKEN2, 0, trailing),
        revert_of(MalformedTokenCall {
            callIndex: U256::ZERO,
        }),
    );
}

/// The signer named in the signature is not covered by the userOpHash. Renaming another live
/// session of the same account (whose record would allow the call) gets authorizer 1 — which
/// EntryPoint turns into a revert of the whole bundle — never that session's approval.
#[test]
fn renaming_another_live_session_in_the_signature_fails_the_signature() {
    let (a, b) = (session_key(1), session_key(2));
    let mut h = Harness::new();
    h.install_with(&demo_record(&a));
    h.register(&demo_record(&b)).unwrap();
    let mut sig = a.sign(OP_HASH, MODULE);
    sig[..20].copy_from_slice(b.address().as_slice());
    let op = user_op(ACCOUNT, single(TOKEN, 0, transfer(ALICE, 1)), sig);
    let data = h.validate(&op, OP_HASH).unwrap();
    assert!(ValidationData::unpack(data).unwrap().sig_failed);
}
