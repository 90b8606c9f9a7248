//! The real compiled session-key validator runs on the devnet.

mod common;

use common::{contract_wasm, devnet, ALICE, BOB, GAS};
use stylus_devnet::{keccak256, Address, Bytes, CallStatus, Devnet, DevnetError, U256};

const ON_INSTALL: [u8; 4] = [0x6d, 0x61, 0xfe, 0x70];
const IS_INITIALIZED: [u8; 4] = [0xd6, 0x0b, 0x34, 0x7f];

fn selector(signature: &str) -> [u8; 4] {
    let hash = keccak256(signature.as_bytes());
    [hash[0], hash[1], hash[2], hash[3]]
}

/// `onInstall(bytes)` with empty data.
fn on_install_empty() -> Bytes {
    let mut data = ON_INSTALL.to_vec();
    data.extend_from_slice(&common::word(0x20));
    data.extend_from_slice(&common::word(0));
    data.into()
}

fn is_initialized(account: Address) -> Bytes {
    let mut data = IS_INITIALIZED.to_vec();
    data.extend_from_slice(account.into_word().as_slice());
    data.into()
}

fn deploy_contract(chain: &mut Devnet) -> Address {
    let code = stylus_check::deployable_code(contract_wasm());
    let address = chain.deploy_stylus(ALICE, &code).expect("deploys");
    let info = chain.activate(address).expect("passes activation");
    assert_eq!(info.wasm_bytes, contract_wasm().len());
    address
}

fn initialized(chain: &mut Devnet, validator: Address, account: Address) -> bool {
    let outcome = chain
        .static_call(BOB, validator, is_initialized(account))
        .unwrap();
    assert!(outcome.success, "isInitialized failed: {outcome:?}");
    U256::from_be_slice(&outcome.output) == U256::from(1)
}

#[test]
fn deploys_and_passes_activation() {
    let mut chain = devnet();
    let validator = deploy_contract(&mut chain);
    assert!(chain.is_activated(validator));
    assert!(stylus_check::is_stylus_code(&chain.code(validator)));
}

#[test]
fn calls_before_activation_revert() {
    let mut chain = devnet();
    let code = stylus_check::deployable_code(contract_wasm());
    let validator = chain.deploy_stylus(ALICE, &code).unwrap();
    let outcome = chain
        .call(ALICE, validator, U256::ZERO, on_install_empty(), GAS)
        .unwrap();
    assert_eq!(outcome.status, CallStatus::Revert);
    chain.activate(validator).unwrap();
    let error = chain.activate(validator).unwrap_err();
    assert!(
        matches!(error, DevnetError::AlreadyActivated { .. }),
        "{error}"
    );
}

#[test]
fn install_persists_across_transactions() {
    let mut chain = devnet();
    let validator = deploy_contract(&mut chain);
    assert!(!initialized(&mut chain, validator, ALICE));
    let outcome = chain
        .call(ALICE, validator, U256::ZERO, on_install_empty(), GAS)
        .unwrap();
    assert!(outcome.success, "onInstall failed: {outcome:?}");
    assert!(initialized(&mut chain, validator, ALICE));
    assert!(!initialized(&mut chain, validator, BOB));
}

#[test]
fn second_install_reverts_with_already_installed_and_changes_nothing() {
    let mut chain = devnet();
    let validator = deploy_contract(&mut chain);
    let first = chain
        .call(ALICE, validator, U256::ZERO, on_install_empty(), GAS)
        .unwrap();
    assert!(first.success);
    let storage_before: Vec<U256> = (0..8)
        .map(|slot| chain.storage(validator, U256::from(slot)))
        .collect();

    chain.start_trace();
    let second = chain
        .call(ALICE, validator, U256::ZERO, on_install_empty(), GAS)
        .unwrap();
    let trace = chain.take_trace();
    assert_eq!(second.status, CallStatus::Revert);
    let expected = selector("AlreadyInstalled(address)");
    assert_eq!(
        &second.output[..4],
        &expected,
        "revert data {:?}",
        second.output
    );
    assert_eq!(&second.output[4..], ALICE.into_word().as_slice());
    assert!(second.logs.is_empty());
    assert!(initialized(&mut chain, validator, ALICE));
    let storage_after: Vec<U256> = (0..8)
        .map(|slot| chain.storage(validator, U256::from(slot)))
        .collect();
    assert_eq!(storage_before, storage_after);
    // The traced frame is the Stylus program, and it read (at least) the install flag.
    let frame = &trace.frames[0];
    assert_eq!(frame.kind, stylus_devnet::FrameKind::Stylus);
    assert_eq!(frame.success, Some(false));
    assert!(!frame.storage.is_empty());
}

#[test]
fn install_uses_less_gas_than_its_limit_and_a_plausible_amount() {
    let mut chain = devnet();
    let validator = deploy_contract(&mut chain);
    let outcome = chain
        .call(ALICE, validator, U256::ZERO, on_install_empty(), GAS)
        .unwrap();
    assert!(outcome.success);
    // An SSTORE to a fresh slot alone is 22,100 gas; the whole call must stay well below 1M.
    assert!(outcome.gas_used > 21_000 + 22_100, "{}", outcome.gas_used);
    assert!(outcome.gas_used < 1_000_000, "{}", outcome.gas_used);
}

#[test]
fn more_calldata_costs_more_ink() {
    let mut chain = devnet();
    let validator = deploy_contract(&mut chain);
    let short = chain
        .simulate(BOB, validator, U256::ZERO, is_initialized(ALICE), GAS)
        .unwrap();
    let mut long = on_install_empty().to_vec();
    long.extend_from_slice(&[0u8; 4096]);
    let unknown = chain
        .simulate(BOB, validator, U256::ZERO, Bytes::from(long), GAS)
        .unwrap();
    // Both calls run; the longer one copies more calldata in, so it costs more.
    assert!(
        unknown.gas_used > short.gas_used,
        "{} vs {}",
        unknown.gas_used,
        short.gas_used
    );
}

#[test]
fn out_of_gas_halts() {
    let mut chain = devnet();
    let validator = deploy_contract(&mut chain);
    let outcome = chain
        .call(
            ALICE,
            validator,
            U256::ZERO,
            on_install_empty(),
            21_000 + 2_000,
        )
        .unwrap();
    assert!(
        matches!(outcome.status, CallStatus::Halt { .. }),
        "{outcome:?}"
    );
    assert!(!initialized(&mut chain, validator, ALICE));
}
