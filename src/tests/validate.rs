//! `validateUserOp`: signatures, windows, rules and caps through the real router.

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolCall;
use sessionkey_policy::layout::{CountersWord, SessionHeader, TokenCapWord};
use sessionkey_policy::record::{Limit, TokenCap, TokenLimit};
use sessionkey_policy::signature::{SessionSignature, HALF_ORDER};
use sessionkey_policy::{Condition, ParamRule, ValidationData};

use super::harness::*;
use crate::abi::*;

fn window(data: U256) -> ValidationData {
    ValidationData::unpack(data).expect("no aggregator")
}

fn token_remaining(h: &Harness, key: &SessionKey, token: Address) -> U256 {
    TokenCapWord::unpack(&h.contract.token_cap_word(ACCOUNT, key.address(), token))
        .unwrap()
        .remaining
}

#[test]
fn valid_op_returns_the_session_window_and_debits_the_cap() {
    let key = session_key(1);
    let mut h = Harness::new();
    h.install_with(&demo_record(&key));
    let data = h.run(&key, single(TOKEN, 0, transfer(ALICE, 30))).unwrap();
    // validAfter in bits 208..255, validUntil in 160..207, authorizer 0.
    assert_eq!(data, (U256::from(1000) << 208) | (U256::from(4600) << 160));
    assert_eq!(token_remaining(&h, &key, TOKEN), U256::from(120));
}

#[test]
fn no_expiry_window_packs_zero_valid_until() {
    let key = session_key(1);
    let mut record = demo_record(&key);
    (record.valid_after, record.valid_until) = (0, 0);
    let mut h = Harness::new();
    h.install_with(&record);
    assert_eq!(
        h.run(&key, single(TOKEN, 0, transfer(ALICE, 1))).unwrap(),
        U256::ZERO
    );
}

#[test]
fn signature_by_another_key_returns_sig_validation_failed_after_every_check() {
    let (key, impostor) = (session_key(1), session_key(9));
    let mut h = Harness::new();
    h.install_with(&demo_record(&key));
    // The impostor names `key`'s session but signs with its own key.
    let mut sig = impostor.sign(OP_HASH, MODULE);
    sig[..20].copy_from_slice(key.address().as_slice());
    let op = user_op(ACCOUNT, single(TOKEN, 0, transfer(ALICE, 30)), sig);
    let data = h.validate(&op, OP_HASH).unwrap();
    assert!(window(data).sig_failed);
    assert_eq!(
        (window(data).valid_after, window(data).valid_until),
        (1000, 4600)
    );
    // Same path as a valid op, counters included (gas estimation with a dummy signature sees the
    // real cost); EntryPoint reverts the whole bundle on authorizer 1, so this never persists.
    assert_eq!(token_remaining(&h, &key, TOKEN), U256::from(120));
}

#[test]
fn a_dummy_signature_costs_the_same_checks_as_a_real_one() {
    let key = session_key(1);
    let mut h = Harness::new();
    h.install_with(&demo_record(&key));
    let mut dummy = key.address().to_vec();
    dummy.extend([0xff; 32]);
    dummy.extend([0x7f; 32]);
    dummy.push(28);
    // A policy violation with a dummy signature is still reported as the violation.
    let op = user_op(ACCOUNT, single(TOKEN, 0, approve(ATTACKER, 1)), dummy);
    let err = h.validate(&op, OP_HASH).unwrap_err();
    assert_eq!(
        err,
        revert_of(RuleFailed {
            callIndex: U256::ZERO,
            ruleIndex: U256::ZERO
        })
    );
}

#[test]
fn high_s_twin_of_a_valid_signature_is_refused() {
    let key = session_key(1);
    let mut h = Harness::new();
    h.install_with(&demo_record(&key));
    let mut sig = SessionSignature::parse(&key.sign(OP_HASH, MODULE)).unwrap();
    let s = U256::from_be_bytes(sig.s.0);
    assert!(s <= HALF_ORDER, "k256 signs low-s");
    sig.s = B256::from((order() - s).to_be_bytes::<32>());
    sig.v = 55 - sig.v; // 27 <-> 28
    let op = user_op(
        ACCOUNT,
        single(TOKEN, 0, transfer(ALICE, 1)),
        sig.to_bytes().to_vec(),
    );
    // The precompile itself recovers the right signer from the twin...
    let digest = alloy_primitives::keccak256(sessionkey_policy::signature::digest_preimage(
        &OP_HASH, MODULE,
    ));
    assert_eq!(
        ecrecover_precompile(&sig.ecrecover_input(&digest)),
        key.address().into_word().to_vec()
    );
    // ...and the module refuses it anyway.
    assert!(window(h.validate(&op, OP_HASH).unwrap()).sig_failed);
}

#[test]
fn v_other_than_27_or_28_is_refused() {
    let key = session_key(1);
    let mut h = Harness::new();
    h.install_with(&demo_record(&key));
    for v in [0u8, 1, 29, 255] {
        let mut sig = SessionSignature::parse(&key.sign(OP_HASH, MODULE)).unwrap();
        sig.v = v;
        let op = user_op(
            ACCOUNT,
            single(TOKEN, 0, transfer(ALICE, 1)),
            sig.to_bytes().to_vec(),
        );
        assert!(
            window(h.validate(&op, OP_HASH).unwrap()).sig_failed,
            "v = {v}"
        );
    }
}

#[test]
fn signature_over_another_hash_or_module_is_refused() {
    let key = session_key(1);
    let mut h = Harness::new();
    h.install_with(&demo_record(&key));
    let other_hash = B256::repeat_byte(0x43);
    let op = user_op(
        ACCOUNT,
        single(TOKEN, 0, transfer(ALICE, 1)),
        key.sign(other_hash, MODULE),
    );
    assert!(window(h.validate(&op, OP_HASH).unwrap()).sig_failed);
    let op = user_op(
        ACCOUNT,
        single(TOKEN, 0, transfer(ALICE, 1)),
        key.sign(OP_HASH, OTHER_ACCOUNT),
    );
    assert!(window(h.validate(&op, OP_HASH).unwrap()).sig_failed);
}

#[test]
fn signature_of_wrong_length_reverts() {
    let key = session_key(1);
    let mut h = Harness::new();
    h.install_with(&demo_record(&key));
    let before = h.storage();
    for len in [0usize, 65, 84, 86] {
        let mut sig = key.sign(OP_HASH, MODULE);
        sig.resize(len, 0);
        let op = user_op(ACCOUNT, single(TOKEN, 0, transfer(ALICE, 1)), sig);
        let err = h.validate(&op, OP_HASH).unwrap_err();
        assert_eq!(
            err,
            revert_of(InvalidSignatureLength {
                length: U256::from(len)
            })
        );
    }
    assert_eq!(h.storage(), before);
}

#[test]
fn unknown_session_reverts() {
    let (key, stranger) = (session_key(1), session_key(2));
    let mut h = Harness::new();
    h.install_with(&demo_record(&key));
    h.assert_rejected(
        &stranger,
        single(TOKEN, 0, transfer(ALICE, 1)),
        revert_of(SessionNotActive {
            account: ACCOUNT,
            signer: stranger.address(),
        }),
    );
}

#[test]
fn op_for_another_sender_reverts() {
    let key = session_key(1);
    let mut h = Harness::new();
    h.install_with(&demo_record(&key));
    let before = h.storage();
    let op = user_op(
        OTHER_ACCOUNT,
        single(TOKEN, 0, transfer(ALICE, 1)),
        key.sign(OP_HASH, MODULE),
    );
    let err = h.validate(&op, OP_HASH).unwrap_err();
    assert_eq!(
        err,
        revert_of(SenderMismatch {
            sender: OTHER_ACCOUNT,
            caller: ACCOUNT
        })
    );
    assert_eq!(h.storage(), before);
}

#[test]
fn approve_rules_hold_at_the_boundary_and_fail_past_it() {
    let key = session_key(1);
    let mut h = Harness::new();
    h.install_with(&demo_record(&key));
    let before = h.storage();
    let err = h
        .run(&key, single(TOKEN, 0, approve(DEX, 101)))
        .unwrap_err();
    assert_eq!(
        err,
        revert_of(RuleFailed {
            callIndex: U256::ZERO,
            ruleIndex: U256::from(1)
        })
    );
    let err = h
        .run(&key, single(TOKEN, 0, approve(ATTACKER, 1)))
        .unwrap_err();
    assert_eq!(
        err,
        revert_of(RuleFailed {
            callIndex: U256::ZERO,
            ruleIndex: U256::ZERO
        })
    );
    assert_eq!(h.storage(), before);
    h.run(&key, single(TOKEN, 0, approve(DEX, 100))).unwrap();
    assert_eq!(
        token_remaining(&h, &key, TOKEN),
        U256::from(50),
        "an approve spends the cap"
    );
}

#[test]
fn each_condition_passes_and_fails_at_its_boundary() {
    use Condition::*;
    let neg = |v: i128| {
        B256::from(
            alloy_primitives::I256::try_from(v)
                .unwrap()
                .to_be_bytes::<32>(),
        )
    };
    // (condition, values, passing amount word, failing amount word)
    let cases: Vec<(Condition, Vec<B256>, B256, B256)> = vec![
        (Eq, vec![num(7)], num(7), num(8)),
        (Neq, vec![num(7)], num(8), num(7)),
        (Gt, vec![num(7)], num(8), num(7)),
        (Gte, vec![num(7)], num(7), num(6)),
        (Lt, vec![num(7)], num(6), num(7)),
        (Lte, vec![num(7)], num(7), num(8)),
        (SignedGt, vec![neg(-1)], num(0), neg(-1)),
        (SignedGte, vec![neg(-1)], neg(-1), neg(-2)),
        (SignedLt, vec![num(0)], neg(-1), num(0)),
        (SignedLte, vec![neg(-5)], neg(-5), neg(-4)),
        (InRange, vec![num(5), num(9)], num(9), num(10)),
        (SignedInRange, vec![neg(-3), num(3)], neg(-3), neg(-4)),
        (OneOf, vec![num(1), num(5), num(9)], num(9), num(4)),
    ];
    for (i, (cond, values, pass, fail)) in cases.into_iter().enumerate() {
        let key = session_key(10 + i as u8);
        let mut record = demo_record(&key);
        let sel = swapCall::SELECTOR;
        record.calls.push(entry(
            DEX,
            sel,
            0,
            vec![ParamRule {
                condition: cond,
                word_index: 1,
                values,
            }],
        ));
        record.calls.sort_by_key(|c| c.key.to_bytes());
        let mut h = Harness::new();
        h.install_with(&record);
        let call = |min_out: B256| {
            let mut data = sel.to_vec();
            data.extend_from_slice(num(1).as_slice());
            data.extend_from_slice(min_out.as_slice());
            data.extend_from_slice(addr_word(ALICE).as_slice());
            single(DEX, 0, data)
        };
        assert!(h.run(&key, call(pass)).is_ok(), "{cond:?} should pass");
        let before = h.storage();
        let err = h.run(&key, call(fail)).unwrap_err();
        assert_eq!(
            err,
            revert_of(RuleFailed {
                callIndex: U256::ZERO,
                ruleIndex: U256::ZERO
            }),
            "{cond:?}"
        );
        assert_eq!(h.storage(), before);
    }
}

#[test]
fn token_cap_is_exhausted_across_ops() {
    let key = session_key(1);
    let mut h = Harness::new();
    h.install_with(&demo_record(&key));
    h.run(&key, single(TOKEN, 0, transfer(ALICE, 100))).unwrap();
    h.run(&key, single(TOKEN, 0, transfer(ALICE, 50))).unwrap();
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

#[test]
fn token_cap_is_summed_inside_one_batch() {
    let key = session_key(1);
    let mut h = Harness::new();
    h.install_with(&demo_record(&key));
    let before = h.storage();
    let op = batch(&[
        (TOKEN, 0, transfer(ALICE, 80)),
        (TOKEN, 0, approve(DEX, 71)),
    ]);
    let err = h.run(&key, op).unwrap_err();
    assert_eq!(
        err,
        revert_of(TokenCapExceeded {
            token: TOKEN,
            requested: U256::from(151),
            remaining: U256::from(150)
        })
    );
    assert_eq!(h.storage(), before);
    h.run(
        &key,
        batch(&[
            (TOKEN, 0, transfer(ALICE, 80)),
            (TOKEN, 0, approve(DEX, 70)),
        ]),
    )
    .unwrap();
    assert_eq!(token_remaining(&h, &key, TOKEN), U256::ZERO);
}

#[test]
fn native_cap_is_exhausted_across_ops_and_inside_a_batch() {
    let key = session_key(1);
    let eth = 10u128.pow(18);
    let mut h = Harness::new();
    h.install_with(&demo_record(&key));
    h.run(&key, single(ALICE, eth / 2, vec![])).unwrap();
    h.assert_rejected(
        &key,
        batch(&[(ALICE, eth / 4, vec![]), (ALICE, eth / 4 + 1, vec![])]),
        revert_of(NativeCapExceeded {
            requested: U256::from(eth / 2 + 1),
            remaining: U256::from(eth / 2),
        }),
    );
    h.run(
        &key,
        batch(&[(ALICE, eth / 4, vec![]), (ALICE, eth / 4, vec![])]),
    )
    .unwrap();
    let (_, header, _, _) = h.session_words(ACCOUNT, key.address());
    assert_eq!(SessionHeader::unpack(&header).native_remaining, 0);
}

#[test]
fn value_above_the_per_call_limit_is_refused() {
    let key = session_key(1);
    let mut h = Harness::new();
    h.install_with(&demo_record(&key));
    h.assert_rejected(
        &key,
        single(TOKEN, 1, transfer(ALICE, 1)),
        revert_of(ValueTooHigh {
            callIndex: U256::ZERO,
            value: U256::from(1),
            max: U256::ZERO,
        }),
    );
}

#[test]
fn op_count_cap_counts_every_op() {
    let key = session_key(1);
    let mut record = demo_record(&key);
    record.max_ops = Some(2);
    let mut h = Harness::new();
    h.install_with(&record);
    h.run(&key, single(TOKEN, 0, transfer(ALICE, 1))).unwrap();
    h.run(&key, single(TOKEN, 0, transfer(ALICE, 1))).unwrap();
    let (_, _, counters, _) = h.session_words(ACCOUNT, key.address());
    assert_eq!(CountersWord::unpack(&counters).ops_remaining, 0);
    h.assert_rejected(
        &key,
        single(TOKEN, 0, transfer(ALICE, 1)),
        revert_of(OpLimitReached {}),
    );
}

#[test]
fn gas_budget_caps_the_prefund_in_wei() {
    let key = session_key(1);
    let mut record = demo_record(&key);
    // user_op(): (100k + 200k + 50k) gas × 10 wei = 3.5M wei per op.
    record.gas_budget = Limit::Limited(5_000_000);
    let mut h = Harness::new();
    h.install_with(&record);
    h.run(&key, single(TOKEN, 0, transfer(ALICE, 1))).unwrap();
    h.assert_rejected(
        &key,
        single(TOKEN, 0, transfer(ALICE, 1)),
        revert_of(GasBudgetExceeded {
            cost: U256::from(3_500_000),
            remaining: U256::from(1_500_000),
        }),
    );
}

#[test]
fn only_the_named_paymaster_is_accepted_and_it_is_not_charged_to_the_budget() {
    let key = session_key(1);
    let paymaster = Address::repeat_byte(0x99);
    let mut record = demo_record(&key);
    record.gas_budget = Limit::Limited(0);
    record.paymaster = Some(paymaster);
    let mut h = Harness::new();
    h.install_with(&record);
    let mut op = user_op(
        ACCOUNT,
        single(TOKEN, 0, transfer(ALICE, 1)),
        key.sign(OP_HASH, MODULE),
    );
    op.paymasterAndData = [paymaster.as_slice(), &[0u8; 32]].concat().into();
    h.validate(&op, OP_HASH).unwrap();
    let before = h.storage();
    op.paymasterAndData = [ATTACKER.as_slice(), &[0u8; 32]].concat().into();
    let err = h.validate(&op, OP_HASH).unwrap_err();
    assert_eq!(
        err,
        revert_of(PaymasterNotAllowed {
            paymaster: ATTACKER
        })
    );
    // Without a paymaster the zero gas budget refuses the op.
    op.paymasterAndData = Default::default();
    let err = h.validate(&op, OP_HASH).unwrap_err();
    assert_eq!(
        err,
        revert_of(GasBudgetExceeded {
            cost: U256::from(3_500_000),
            remaining: U256::ZERO
        })
    );
    assert_eq!(h.storage(), before);
}

#[test]
fn two_capped_tokens_in_one_batch_are_debited_each_from_its_own_cap() {
    // The debit writes reuse the slot derived while reading each cap: a mix-up between the two
    // tokens would debit the wrong word.
    let key = session_key(1);
    let mut record = demo_record(&key);
    record
        .calls
        .push(entry(TOKEN2, transferCall::SELECTOR, 0, vec![]));
    record.calls.sort_by_key(|c| c.key.to_bytes());
    record.token_caps.push(TokenCap {
        token: TOKEN2,
        limit: TokenLimit::Limited(U256::from(1_000)),
    });
    record.token_caps.sort_by_key(|t| t.token);
    let mut h = Harness::new();
    h.install_with(&record);
    h.run(
        &key,
        batch(&[
            (TOKEN, 0, transfer(ALICE, 30)),
            (TOKEN2, 0, transfer(ALICE, 400)),
        ]),
    )
    .unwrap();
    assert_eq!(token_remaining(&h, &key, TOKEN), U256::from(120));
    assert_eq!(token_remaining(&h, &key, TOKEN2), U256::from(600));
}

#[test]
fn a_token_spend_without_a_configured_cap_is_refused() {
    let key = session_key(1);
    let mut record = demo_record(&key);
    record
        .calls
        .push(entry(TOKEN2, transferCall::SELECTOR, 0, vec![]));
    record.calls.sort_by_key(|c| c.key.to_bytes());
    let mut h = Harness::new();
    h.install_with(&record);
    h.assert_rejected(
        &key,
        single(TOKEN2, 0, transfer(ALICE, 1)),
        revert_of(TokenCapMissing { token: TOKEN2 }),
    );
    // An explicit "unlimited" cap allows it and writes nothing.
    let key2 = session_key(2);
    let mut record = record.clone();
    record.signer = key2.address();
    record.token_caps.push(TokenCap {
        token: TOKEN2,
        limit: TokenLimit::Unlimited,
    });
    h.register(&record).unwrap();
    let before = h.storage();
    h.run(&key2, single(TOKEN2, 0, transfer(ALICE, u128::MAX)))
        .unwrap();
    assert_eq!(h.storage(), before);
}

#[test]
fn validation_never_writes_a_zero_slot() {
    // A zero → non-zero store costs 20,000 gas; every word validation writes is initialised
    // non-zero at registration, so each op only pays non-zero → non-zero (2,900) stores.
    let key = session_key(1);
    let mut record = demo_record(&key);
    record.max_ops = Some(5);
    record.gas_budget = Limit::Limited(10u128.pow(18));
    let mut h = Harness::new();
    h.install_with(&record);
    let eth = 10u128.pow(18);
    let before = h.vm.snapshot().storage;
    h.run(
        &key,
        batch(&[(TOKEN, 0, transfer(ALICE, 10)), (ALICE, eth / 10, vec![])]),
    )
    .unwrap();
    let after = h.vm.snapshot().storage;
    let written: Vec<_> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .collect();
    assert_eq!(
        written.len(),
        3,
        "header (ops), spend (native + gas), token cap"
    );
    for (slot, _) in written {
        assert!(
            !before.get(slot).copied().unwrap_or_default().is_zero(),
            "slot {slot:#x} was zero"
        );
    }
}
