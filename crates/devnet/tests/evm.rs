//! The devnet runs ordinary EVM bytecode and the precompiles Arbitrum has.

mod common;

use common::{deploy_evm, devnet, ALICE, BOB, GAS};
use stylus_devnet::{Address, Bytes, DevnetError, U256};

/// PUSH1 42 PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN
const RETURNS_42: &[u8] = &[0x60, 0x2a, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3];

/// Stores CALLDATALOAD(0) at slot 0; reverts with 0xdead if the value is zero.
const STORES_ARG: &[u8] = &[
    0x60, 0x00, 0x35, // PUSH1 0 CALLDATALOAD
    0x80, // DUP1
    0x60, 0x0e, 0x57, // PUSH1 14 JUMPI
    0x61, 0xde, 0xad, 0x60, 0x00, 0x52, // PUSH2 0xdead PUSH1 0 MSTORE
    0x00, // STOP (unreached filler so JUMPDEST is at 14)
    0x5b, // JUMPDEST (14)
    0x60, 0x00, 0x55, // PUSH1 0 SSTORE
    0x00, // STOP
];

#[test]
fn hand_written_contract_returns_its_constant() {
    let mut chain = devnet();
    let contract = deploy_evm(&mut chain, RETURNS_42);
    let outcome = chain
        .call(ALICE, contract, U256::ZERO, Bytes::new(), GAS)
        .unwrap();
    assert!(outcome.success, "{outcome:?}");
    assert_eq!(U256::from_be_slice(&outcome.output), U256::from(42));
    assert!(outcome.gas_used > 21_000);
}

#[test]
fn committed_calls_persist_storage_and_simulations_do_not() {
    let mut chain = devnet();
    let contract = deploy_evm(&mut chain, STORES_ARG);
    let arg = Bytes::from(common::word(7).to_vec());
    let simulated = chain
        .simulate(ALICE, contract, U256::ZERO, arg.clone(), GAS)
        .unwrap();
    assert!(simulated.success);
    assert_eq!(chain.storage(contract, U256::ZERO), U256::ZERO);
    let nonce = chain.nonce(ALICE);
    chain.call(ALICE, contract, U256::ZERO, arg, GAS).unwrap();
    assert_eq!(chain.storage(contract, U256::ZERO), U256::from(7));
    assert_eq!(chain.nonce(ALICE), nonce + 1);
}

#[test]
fn value_transfers_move_balance() {
    let mut chain = devnet();
    let before = chain.balance(BOB);
    let outcome = chain
        .call(ALICE, BOB, U256::from(1_000u64), Bytes::new(), GAS)
        .unwrap();
    assert!(outcome.success);
    assert_eq!(outcome.gas_used, 21_000);
    assert_eq!(chain.balance(BOB), before + U256::from(1_000u64));
}

#[test]
fn sending_more_than_the_balance_is_an_invalid_transaction() {
    let mut chain = devnet();
    let poor = Address::repeat_byte(0x99);
    let error = chain
        .call(poor, BOB, U256::from(1u64), Bytes::new(), GAS)
        .unwrap_err();
    assert!(
        matches!(error, DevnetError::InvalidTransaction { .. }),
        "{error}"
    );
}

#[test]
fn ecrecover_precompile_answers() {
    let mut chain = devnet();
    // All-zero input recovers nothing: success with empty output, 3,000 gas charged.
    let outcome = chain
        .call(
            ALICE,
            Address::with_last_byte(1),
            U256::ZERO,
            Bytes::from(vec![0u8; 128]),
            GAS,
        )
        .unwrap();
    assert!(outcome.success);
    assert!(outcome.output.is_empty());
}

#[test]
fn p256verify_is_at_0x100_at_the_price_of_the_arbos_version() {
    // OffchainLabs/go-ethereum `p256Verify.RequiredGas`: 3,450 before ArbOS 50, then 6,900.
    for (arbos_version, price) in [(49, 3_450), (50, 6_900), (60, 6_900)] {
        let mut chain = devnet();
        chain.set_arbos_version(arbos_version);
        let p256 = stylus_devnet::address!("0000000000000000000000000000000000000100");
        let input = Bytes::from(vec![0u8; 160]);
        let outcome = chain.call(ALICE, p256, U256::ZERO, input, GAS).unwrap();
        assert!(outcome.success);
        let calldata_gas = 160 * 4;
        assert_eq!(
            outcome.gas_used,
            21_000 + calldata_gas + price,
            "ArbOS {arbos_version}"
        );
    }
}

#[test]
fn code_starting_with_0xef_is_rejected_unless_it_is_stylus() {
    let mut chain = devnet();
    let error = chain
        .deploy_evm(ALICE, common::initcode(&[0xef, 0x00, 0x01]))
        .unwrap_err();
    assert!(
        matches!(error, DevnetError::DeploymentFailed { .. }),
        "{error}"
    );
    let stylus = chain
        .deploy_evm(ALICE, common::initcode(&[0xef, 0xf0, 0x00, 0x00, 0x01]))
        .unwrap();
    assert_eq!(chain.code(stylus).as_ref(), &[0xef, 0xf0, 0x00, 0x00, 0x01]);
}

#[test]
fn snapshots_restore_state() {
    let mut chain = devnet();
    let snapshot = chain.snapshot();
    chain
        .call(ALICE, BOB, U256::from(5u64), Bytes::new(), GAS)
        .unwrap();
    chain.set_block_timestamp(42);
    chain.revert_to(&snapshot);
    assert_eq!(chain.nonce(ALICE), 0);
    assert_ne!(chain.block_timestamp(), 42);
}
