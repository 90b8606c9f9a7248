//! `ArbWasm.activateProgram(address)` at `0x71`: activates by transaction as Nitro does, answers
//! `(version, dataFee)`, refunds the value, and reverts with Nitro's errors.

mod common;

use common::{devnet, wat, ALICE, BOB, ECHO_WAT, GAS};
use stylus_devnet::{
    keccak256, stylus_version, Address, Bytes, CallStatus, Devnet, ACTIVATION_FIXED_GAS, ARB_WASM,
    U256,
};

fn selector(signature: &str) -> Vec<u8> {
    keccak256(signature.as_bytes())[..4].to_vec()
}

fn activate_calldata(program: Address) -> Bytes {
    let mut data = selector("activateProgram(address)");
    data.extend_from_slice(&[0u8; 12]);
    data.extend_from_slice(program.as_slice());
    data.into()
}

/// An echo program deployed but not activated.
fn deployed(chain: &mut Devnet) -> Address {
    chain
        .deploy_stylus(ALICE, &stylus_check::deployable_code(&wat(ECHO_WAT)))
        .expect("deploys")
}

#[test]
fn activates_by_transaction_and_refunds_the_value() {
    let mut chain = devnet();
    chain.set_base_fee(1);
    let program = deployed(&mut chain);
    let before = chain.balance(ALICE);
    let value = U256::from(10u64).pow(U256::from(18u64));
    let outcome = chain
        .call(ALICE, ARB_WASM, value, activate_calldata(program), GAS)
        .unwrap();
    assert!(outcome.success, "{:?}", outcome.status);
    let mut expected = [0u8; 64];
    expected[30..32].copy_from_slice(&stylus_version(chain.config().arbos_version).to_be_bytes());
    assert_eq!(outcome.output.as_ref(), expected, "(version 2, dataFee 0)");
    assert!(outcome.gas_used >= ACTIVATION_FIXED_GAS);
    // The data fee is 0: everything sent comes back, only gas is paid.
    assert_eq!(
        chain.balance(ALICE),
        before - U256::from(outcome.gas_used),
        "value refunded"
    );
    assert_eq!(chain.balance(ARB_WASM), U256::ZERO);
    assert!(chain.is_activated(program));
    let echoed = chain
        .call(BOB, program, U256::ZERO, Bytes::from_static(b"hi"), GAS)
        .unwrap();
    assert!(echoed.success);
}

#[test]
fn a_simulation_or_a_failed_transaction_does_not_activate() {
    let mut chain = devnet();
    let program = deployed(&mut chain);
    let simulated = chain
        .simulate(ALICE, ARB_WASM, U256::ZERO, activate_calldata(program), GAS)
        .unwrap();
    assert!(simulated.success);
    assert!(!chain.is_activated(program), "eth_call keeps nothing");
    let starved = chain
        .call(
            ALICE,
            ARB_WASM,
            U256::ZERO,
            activate_calldata(program),
            100_000,
        )
        .unwrap();
    assert!(!starved.success, "below the fixed activation gas");
    assert!(!chain.is_activated(program));
}

#[test]
fn up_to_date_and_not_wasm_revert_with_nitros_errors() {
    let mut chain = devnet();
    let program = deployed(&mut chain);
    chain.activate(program).unwrap();
    // A second contract with the same code is active too: Nitro activates per code hash.
    let twin = deployed(&mut chain);
    for address in [program, twin] {
        let outcome = chain
            .call(ALICE, ARB_WASM, U256::ZERO, activate_calldata(address), GAS)
            .unwrap();
        assert_eq!(outcome.status, CallStatus::Revert);
        assert_eq!(outcome.output.as_ref(), selector("ProgramUpToDate()"));
    }
    for not_wasm in [BOB, common::deploy_evm(&mut chain, &[0x00])] {
        let outcome = chain
            .call(
                ALICE,
                ARB_WASM,
                U256::ZERO,
                activate_calldata(not_wasm),
                GAS,
            )
            .unwrap();
        assert_eq!(outcome.status, CallStatus::Revert);
        assert_eq!(outcome.output.as_ref(), selector("ProgramNotWasm()"));
    }
    let unknown = chain
        .call(
            ALICE,
            ARB_WASM,
            U256::ZERO,
            Bytes::from_static(&[1, 2, 3, 4]),
            GAS,
        )
        .unwrap();
    assert_eq!(unknown.status, CallStatus::Revert);
    assert!(unknown.output.is_empty());
}

/// EVM code forwarding its calldata to 0x71 with all gas, then ending with `last`
/// (`STOP` or `REVERT(0, 0)`), whatever the call did.
fn forwarder(last: &[u8]) -> Vec<u8> {
    let mut code = vec![
        0x36, 0x60, 0x00, 0x60, 0x00, 0x37, // CALLDATACOPY(0, 0, CALLDATASIZE)
        0x60, 0x00, 0x60, 0x00, 0x36, 0x60, 0x00, 0x60, 0x00, // ret 0/0, args 0/size, value 0
        0x60, 0x71, 0x5a, 0xf1, // CALL(GAS, 0x71, …)
    ];
    code.extend_from_slice(last);
    code
}

#[test]
fn activation_from_a_contract_lasts_only_if_its_transaction_succeeds() {
    let mut chain = devnet();
    let program = deployed(&mut chain);
    let reverting = common::deploy_evm(&mut chain, &forwarder(&[0x60, 0x00, 0x60, 0x00, 0xfd]));
    let outcome = chain
        .call(
            ALICE,
            reverting,
            U256::ZERO,
            activate_calldata(program),
            GAS,
        )
        .unwrap();
    assert_eq!(outcome.status, CallStatus::Revert);
    assert!(
        !chain.is_activated(program),
        "the failed transaction's activation is undone"
    );

    let stopping = common::deploy_evm(&mut chain, &forwarder(&[0x00]));
    let outcome = chain
        .call(ALICE, stopping, U256::ZERO, activate_calldata(program), GAS)
        .unwrap();
    assert!(outcome.success);
    assert!(
        chain.is_activated(program),
        "activated through a contract's call"
    );
}
