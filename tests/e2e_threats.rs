//! The `threats.md` classes not already exercised by `e2e_session_keys.rs`, each on the devnet
//! with the real WASM: the exact rejection (EntryPoint's reason, the module's typed error) and
//! no watched state changed.

mod common;

use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::{SolCall, SolError, SolEvent};
use common::*;
use devnet_bundler::bindings::{TestAccount7579, TestToken};
use devnet_bundler::{OpOutcome, SessionKey};
use session_key_validator::abi;
use sessionkey_policy::signature::{SessionSignature, HALF_ORDER};

// 2: transferFrom / increaseAllowance are neither implied by approve nor left uncounted.
#[test]
fn t02_spend_aliases_are_not_implied() {
    let mut s = Setup::new();
    let token = s.world.token;
    let before = s.probe();
    for (data, selector) in [
        (
            TestToken::transferFromCall {
                from: ATTACKER,
                to: ALICE,
                amount: U256::from(1),
            }
            .abi_encode(),
            TestToken::transferFromCall::SELECTOR,
        ),
        (
            TestToken::increaseAllowanceCall {
                spender: DEX,
                added: U256::from(1),
            }
            .abi_encode(),
            TestToken::increaseAllowanceCall::SELECTOR,
        ),
    ] {
        let report = s.run(single(token, 0, data));
        assert_rejected_with(
            &report,
            abi::CallNotAllowed {
                callIndex: U256::ZERO,
                target: token,
                selector: selector.into(),
            }
            .abi_encode(),
        );
    }
    assert_eq!(s.probe(), before);
}

// 4: the account would run a non-canonical encoding; the module refuses to read it.
#[test]
fn t04_non_canonical_execute_calldata_is_refused() {
    let mut s = Setup::new();
    let before = s.probe();
    let mut call = single(s.world.token, 0, transfer(ALICE, 1));
    *call.last_mut().unwrap() = 1; // dirty padding after the packed execution
    let report = s.run(call);
    assert_rejected_with(&report, abi::MalformedExecution { code: 9 }.abi_encode());
    let mut call = single(s.world.token, 0, transfer(ALICE, 1));
    call[4 + 1] = 1; // try-mode
    let report = s.run(call);
    assert_rejected_with(&report, abi::MalformedExecution { code: 5 }.abi_encode());
    assert_eq!(s.probe(), before);
}

// 10: the high-s twin of a valid signature (which ecrecover itself accepts) fails validation.
#[test]
fn t10_high_s_signature_is_aa24() {
    let mut s = Setup::new();
    let before = s.probe();
    let mut op = s.world.session_op(
        &s.account,
        &s.key,
        single(s.world.token, 0, transfer(ALICE, 1)),
    );
    let mut sig = SessionSignature::parse(&op.signature).unwrap();
    let n: U256 = (HALF_ORDER << 1) + U256::from(1);
    let s_high: U256 = n - U256::from_be_bytes(sig.s.0);
    sig.s = B256::from(s_high.to_be_bytes::<32>());
    sig.v = 55 - sig.v;
    op.signature = sig.to_bytes().to_vec().into();
    let report = s.world.submit(op).unwrap();
    assert!(
        matches!(&report.ops[..], [OpOutcome::Rejected { reason, .. }] if reason == "AA24 signature error")
    );
    assert_eq!(s.probe(), before);
}

// 12: a record with no calls allows nothing.
#[test]
fn t12_an_empty_record_allows_nothing() {
    let mut s = Setup::with_record(|signer, token| {
        let mut r = demo_record(signer, token);
        r.calls.clear();
        r
    });
    let before = s.probe();
    let token = s.world.token;
    let report = s.run(single(token, 0, transfer(ALICE, 1)));
    assert_rejected_with(
        &report,
        abi::CallNotAllowed {
            callIndex: U256::ZERO,
            target: token,
            selector: TestToken::transferCall::SELECTOR.into(),
        }
        .abi_encode(),
    );
    assert_eq!(s.probe(), before);
}

// 18: a zero native cap means no ETH, not "unlimited".
#[test]
fn t18_zero_native_cap_means_none() {
    let mut s = Setup::with_record(|signer, token| {
        let mut r = demo_record(signer, token);
        r.native_cap = sessionkey_policy::Limit::Limited(0);
        r
    });
    let before = s.probe();
    let report = s.run(single(ALICE, 1, vec![]));
    assert_rejected_with(
        &report,
        abi::NativeCapExceeded {
            requested: U256::from(1),
            remaining: U256::ZERO,
        }
        .abi_encode(),
    );
    assert_eq!(s.probe(), before);
}

// 20: ERC-1271 through the module never says yes, even for a session key's own signature.
#[test]
fn t20_erc1271_through_the_module_is_refused() {
    let mut s = Setup::new();
    let hash = B256::repeat_byte(0x55);
    let mut signature = s.world.module.to_vec();
    signature.extend(s.key.session_signature(hash, s.world.module));
    let answer: alloy_primitives::FixedBytes<4> = s.world.view(
        s.account.address,
        TestAccount7579::isValidSignatureCall {
            hash,
            signature: Bytes::from(signature),
        },
    );
    assert_eq!(answer.0, [0xff; 4]);
}

// 21: a selector that differs in one bit is another function.
#[test]
fn t21_selectors_match_in_full() {
    let mut s = Setup::new();
    let before = s.probe();
    let token = s.world.token;
    let mut data = transfer(ALICE, 1);
    data[3] ^= 1;
    let selector: [u8; 4] = data[..4].try_into().unwrap();
    let report = s.run(single(token, 0, data));
    assert_rejected_with(
        &report,
        abi::CallNotAllowed {
            callIndex: U256::ZERO,
            target: token,
            selector: selector.into(),
        }
        .abi_encode(),
    );
    assert_eq!(s.probe(), before);
}

// 22: an op bundled before a revoke lands still runs (inherent, documented); every op included
// after it fails (`e2e_session_keys::revoke_makes_the_very_next_op_fail`). Here: revoking one
// session leaves the account's other sessions untouched.
#[test]
fn t22_revoking_one_session_leaves_the_others() {
    let mut s = Setup::new();
    let other = SessionKey::from_seed(8);
    let token = s.world.token;
    assert!(
        s.world
            .register_session(&s.account, demo_record(other.address, token).encode())
            .unwrap()
            .success
    );
    assert!(
        s.world
            .revoke_session(&s.account, s.key.address)
            .unwrap()
            .success
    );
    assert_executed(&s.run_as(&other, single(token, 0, transfer(ALICE, 1))));
    let _ = Address::ZERO;
}

// Value sent to the module: its functions are non-payable, so the WASM's router refuses any
// call carrying value (here the owner's own revoke-all, which without value goes through and
// logs its event), and no wei can get stuck in the module.
#[test]
fn calls_carrying_value_to_the_module_revert_and_change_nothing_without_value_they_log() {
    let mut s = Setup::new();
    let module = s.world.module;
    let revoke_all = abi::revokeAllSessionsCall {}.abi_encode();
    let (account_word, ..) = s.world.session_words(s.account.address, s.key.address);
    let module_eth = s.world.chain.balance(module);

    let paid = s
        .world
        .owner_execute(&s.account, module, U256::from(1), revoke_all.clone())
        .expect("the owner op runs");
    assert!(!paid.success, "a call with value to the module must revert");
    assert_eq!(
        s.world.session_words(s.account.address, s.key.address).0,
        account_word,
        "the revoke did not happen"
    );
    assert_eq!(s.world.chain.balance(module), module_eth);

    let free = s
        .world
        .owner_execute(&s.account, module, U256::ZERO, revoke_all)
        .expect("the owner op runs");
    assert!(free.success, "the same call without value goes through");
    // The WASM's own event, exactly: one log from the module.
    let expected = abi::AllSessionsRevoked {
        account: s.account.address,
        revokedBelow: 1,
    }
    .encode_log_data();
    let logs: Vec<_> = free.logs.iter().filter(|l| l.address == module).collect();
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert_eq!(logs[0].data, expected);
    assert_ne!(
        s.world.session_words(s.account.address, s.key.address).0,
        account_word,
        "revoke-all moved the account's revocation mark"
    );
}
