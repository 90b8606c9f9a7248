//! End to end on the embedded devnet: the real release WASM behind the canonical EntryPoint
//! v0.7, driven by `handleOps` from a bundler, with a Solidity ERC-7579 account and ERC-20.
//! Every rejection asserts EntryPoint's reason, the module's exact typed error, and that no
//! watched state changed (balances, allowances, module words, caps, nonce).

mod common;

use alloy_primitives::U256;
use alloy_sol_types::SolError;
use common::*;
use devnet_bundler::{OpOutcome, SessionKey};
use session_key_validator::abi;
use sessionkey_policy::layout::{SessionHeader, SessionStatus};
use sessionkey_policy::ValidationData;

#[test]
fn a_session_transfer_executes_and_moves_tokens() {
    let mut s = Setup::new();
    let report = s.run(single(s.world.token, 0, transfer(ALICE, 30 * TOKENS)));
    assert_executed(&report);
    assert!(
        report.validation.violations.is_empty(),
        "{:?}",
        report.validation.violations
    );
    assert!(
        report.validation.ran_stylus(),
        "validation ran the Stylus module"
    );
    assert_eq!(s.world.token_balance(ALICE), U256::from(30 * TOKENS));
    assert_eq!(
        s.world.token_balance(s.account.address),
        U256::from(970 * TOKENS)
    );
    let cap = s
        .world
        .token_cap_word(s.account.address, s.key.address, s.world.token);
    assert_eq!(U256::from_be_slice(&cap[1..]), U256::from(120 * TOKENS));
}

#[test]
fn approve_within_the_rules_executes_and_outside_them_is_rejected() {
    let mut s = Setup::new();
    let token = s.world.token;
    let before = s.probe();
    let report = s.run(single(token, 0, approve(ATTACKER, TOKENS)));
    assert_rejected_with(
        &report,
        abi::RuleFailed {
            callIndex: U256::ZERO,
            ruleIndex: U256::ZERO,
        }
        .abi_encode(),
    );
    let report = s.run(single(token, 0, approve(DEX, 100 * TOKENS + 1)));
    assert_rejected_with(
        &report,
        abi::RuleFailed {
            callIndex: U256::ZERO,
            ruleIndex: U256::from(1),
        }
        .abi_encode(),
    );
    assert_eq!(s.probe(), before);
    assert_executed(&s.run(single(token, 0, approve(DEX, 100 * TOKENS))));
    assert_eq!(
        s.world.allowance(s.account.address, DEX),
        U256::from(100 * TOKENS)
    );
}

#[test]
fn the_token_cap_holds_across_ops_and_inside_a_batch() {
    let mut s = Setup::new();
    let token = s.world.token;
    assert_executed(&s.run(single(token, 0, transfer(ALICE, 100 * TOKENS))));
    let before = s.probe();
    let report = s.run(batch(&[
        (token, 0, transfer(ALICE, 30 * TOKENS)),
        (token, 0, approve(DEX, 21 * TOKENS)),
    ]));
    assert_rejected_with(
        &report,
        abi::TokenCapExceeded {
            token,
            requested: U256::from(51 * TOKENS),
            remaining: U256::from(50 * TOKENS),
        }
        .abi_encode(),
    );
    assert_eq!(s.probe(), before);
    assert_executed(&s.run(batch(&[
        (token, 0, transfer(ALICE, 30 * TOKENS)),
        (token, 0, approve(DEX, 20 * TOKENS)),
    ])));
}

#[test]
fn native_value_is_capped() {
    let mut s = Setup::new();
    assert_executed(&s.run(single(ALICE, ETH / 2, vec![])));
    assert_eq!(s.world.chain.balance(ALICE), U256::from(ETH / 2));
    let before = s.probe();
    let report = s.run(single(ALICE, ETH / 2 + 1, vec![]));
    assert_rejected_with(
        &report,
        abi::NativeCapExceeded {
            requested: U256::from(ETH / 2 + 1),
            remaining: U256::from(ETH / 2),
        }
        .abi_encode(),
    );
    assert_eq!(s.probe(), before);
}

#[test]
fn a_call_to_another_target_is_rejected() {
    let mut s = Setup::new();
    let before = s.probe();
    let counter = s.world.counter;
    let ping = devnet_bundler::bindings::Counter::pingCall { x: U256::from(1) };
    let report = s.run(single(
        counter,
        0,
        alloy_sol_types::SolCall::abi_encode(&ping),
    ));
    assert_rejected_with(
        &report,
        abi::CallNotAllowed {
            callIndex: U256::ZERO,
            target: counter,
            selector:
                <devnet_bundler::bindings::Counter::pingCall as alloy_sol_types::SolCall>::SELECTOR
                    .into(),
        }
        .abi_encode(),
    );
    assert_eq!(s.probe(), before);
}

#[test]
fn a_wrong_signature_is_aa24_and_changes_nothing() {
    let mut s = Setup::new();
    let before = s.probe();
    // Name the real session, sign with another key.
    let op = s.impostor_op(single(s.world.token, 0, transfer(ATTACKER, 1)));
    let report = s.world.submit(op).unwrap();
    assert!(
        matches!(&report.ops[..], [OpOutcome::Rejected { reason, inner: None, .. }] if reason == "AA24 signature error")
    );
    // The validation phase debited the cap, but EntryPoint reverted the whole bundle.
    assert_eq!(s.probe(), before);
}

#[test]
fn the_window_goes_to_entry_point_which_enforces_it() {
    let mut s = Setup::new();
    // Before validAfter (1000): AA22.
    s.world.chain.set_block_timestamp(999);
    let before = s.probe();
    let report = s.run(single(s.world.token, 0, transfer(ALICE, 1)));
    assert!(
        matches!(&report.ops[..], [OpOutcome::Rejected { reason, .. }] if reason == "AA22 expired or not due")
    );
    assert_eq!(s.probe(), before);
    // Inside: fine.
    s.world.chain.set_block_timestamp(2000);
    assert_executed(&s.run(single(s.world.token, 0, transfer(ALICE, 1))));
    // After validUntil (4600): AA22 again.
    s.world.chain.set_block_timestamp(4601);
    let before = s.probe();
    let report = s.run(single(s.world.token, 0, transfer(ALICE, 1)));
    assert!(
        matches!(&report.ops[..], [OpOutcome::Rejected { reason, .. }] if reason == "AA22 expired or not due")
    );
    assert_eq!(s.probe(), before);
    // The module itself returned the window (it never reads the clock).
    assert!(report.validation.violations.is_empty());
    let _ = ValidationData::default();
}

#[test]
fn revoke_makes_the_very_next_op_fail() {
    let mut s = Setup::new();
    assert_executed(&s.run(single(s.world.token, 0, transfer(ALICE, 1))));
    let out = s.world.revoke_session(&s.account, s.key.address).unwrap();
    assert!(out.success);
    let before = s.probe();
    let report = s.run(single(s.world.token, 0, transfer(ALICE, 1)));
    assert_rejected_with(
        &report,
        abi::SessionNotActive {
            account: s.account.address,
            signer: s.key.address,
        }
        .abi_encode(),
    );
    assert_eq!(s.probe(), before);
    let (_, header, _, _) = s.world.session_words(s.account.address, s.key.address);
    assert_eq!(
        SessionHeader::unpack(&header).status,
        SessionStatus::Revoked
    );
}

#[test]
fn revoke_all_kills_every_session() {
    let mut s = Setup::new();
    let second = SessionKey::from_seed(8);
    let token = s.world.token;
    assert!(
        s.world
            .register_session(&s.account, demo_record(second.address, token).encode())
            .unwrap()
            .success
    );
    assert_executed(&s.run_as(&second, single(token, 0, transfer(ALICE, 1))));
    assert!(s.world.revoke_all_sessions(&s.account).unwrap().success);
    for key in [s.key.clone(), second] {
        let before = s.probe();
        let report = s.run_as(&key, single(token, 0, transfer(ALICE, 1)));
        assert_rejected_with(
            &report,
            abi::SessionNotActive {
                account: s.account.address,
                signer: key.address,
            }
            .abi_encode(),
        );
        assert_eq!(s.probe(), before);
    }
}

#[test]
fn uninstall_then_reinstall_resurrects_nothing() {
    let mut s = Setup::new();
    let token = s.world.token;
    assert_executed(&s.run(single(token, 0, transfer(ALICE, 40 * TOKENS))));
    assert!(s.world.uninstall_module(&s.account).unwrap().success);
    assert!(!s.world.module_installed(s.account.address));
    assert!(
        s.world
            .install_module(&s.account, Vec::new())
            .unwrap()
            .success
    );
    let before = s.probe();
    let report = s.run(single(token, 0, transfer(ALICE, 1)));
    assert_rejected_with(
        &report,
        abi::SessionNotActive {
            account: s.account.address,
            signer: s.key.address,
        }
        .abi_encode(),
    );
    assert_eq!(s.probe(), before);
    // Re-registering is a fresh session: the full 150 cap again.
    assert!(
        s.world
            .register_session(&s.account, demo_record(s.key.address, token).encode())
            .unwrap()
            .success
    );
    assert_executed(&s.run(single(token, 0, transfer(ALICE, 150 * TOKENS))));
}

#[test]
fn self_calls_and_unsupported_modes_are_rejected() {
    let mut s = Setup::new();
    let before = s.probe();
    let account = s.account.address;
    let report = s.run(single(account, 0, vec![]));
    assert_rejected_with(
        &report,
        abi::SelfCallRejected {
            callIndex: U256::ZERO,
        }
        .abi_encode(),
    );
    let module = s.world.module;
    let report = s.run(single(module, 0, vec![]));
    assert_rejected_with(
        &report,
        abi::SelfCallRejected {
            callIndex: U256::ZERO,
        }
        .abi_encode(),
    );
    // delegatecall mode
    let mut op = single(s.world.token, 0, transfer(ALICE, 1));
    op[4] = 0xff;
    let report = s.run(op);
    assert_rejected_with(&report, abi::MalformedExecution { code: 4 }.abi_encode());
    // an empty batch
    let report = s.run(batch(&[]));
    assert_rejected_with(&report, abi::MalformedExecution { code: 12 }.abi_encode());
    assert_eq!(s.probe(), before);
}

#[test]
fn a_hidden_call_in_a_batch_is_rejected() {
    let mut s = Setup::new();
    let before = s.probe();
    let token = s.world.token;
    let report = s.run(batch(&[
        (token, 0, transfer(ALICE, 1)),
        (ATTACKER, 1, vec![]),
    ]));
    assert_rejected_with(
        &report,
        abi::CallNotAllowed {
            callIndex: U256::from(1),
            target: ATTACKER,
            selector: [0u8; 4].into(),
        }
        .abi_encode(),
    );
    assert_eq!(s.probe(), before);
}

#[test]
fn an_op_replayed_on_another_account_is_rejected() {
    let mut s = Setup::new();
    let other = s
        .world
        .create_account(SessionKey::from_seed(2), 10)
        .unwrap();
    assert!(s.world.install_module(&other, Vec::new()).unwrap().success);
    let mut op = s.world.session_op(
        &s.account,
        &s.key,
        single(s.world.token, 0, transfer(ALICE, 1)),
    );
    op.sender = other.address;
    let report = s.world.submit(op).unwrap();
    assert_rejected_with(
        &report,
        abi::SessionNotActive {
            account: other.address,
            signer: s.key.address,
        }
        .abi_encode(),
    );
}

#[test]
fn gas_fees_are_bounded_by_the_budget_in_wei() {
    let mut s = Setup::with_record(|signer, token| {
        let mut r = demo_record(signer, token);
        // Each op may cost (1.5M + 1M + 60k) gas × 0.01 gwei = 25.6e12 wei; allow one.
        r.gas_budget = sessionkey_policy::Limit::Limited(30_000_000_000_000);
        r
    });
    assert_executed(&s.run(single(s.world.token, 0, transfer(ALICE, 1))));
    let before = s.probe();
    let report = s.run(single(s.world.token, 0, transfer(ALICE, 1)));
    assert_rejected_with(
        &report,
        abi::GasBudgetExceeded {
            cost: U256::from(25_600_000_000_000u128),
            remaining: U256::from(4_400_000_000_000u128),
        }
        .abi_encode(),
    );
    assert_eq!(s.probe(), before);
}
