//! The node's entry points: `send` charges the base fee per gas and the intrinsic gas
//! (access list included) and refuses, without touching state, what cannot pay;
//! `simulate_tx` runs as geth's `eth_call` (free, `BASEFEE` 0, any sender) and keeps nothing;
//! the override setters (`set_nonce`, `replace_storage`) do what they say.

use stylus_devnet::{Address, Bytes, Devnet, DevnetError, TxKind, TxRequest, B256, U256};

const ALICE: Address = Address::repeat_byte(0xA1);
const BOB: Address = Address::repeat_byte(0xB0);
const BASE_FEE: u64 = 100;
/// `BASEFEE PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN`.
const RETURN_BASEFEE: &[u8] = &[0x48, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3];

fn chain() -> Devnet {
    let mut chain = Devnet::new();
    chain.set_base_fee(BASE_FEE);
    chain.fund(ALICE, U256::from(10u64).pow(U256::from(18u64)));
    chain
}

fn transfer(gas_limit: u64) -> TxRequest {
    TxRequest {
        from: ALICE,
        kind: TxKind::Call(BOB),
        value: U256::from(1000),
        gas_limit,
        ..TxRequest::default()
    }
}

fn state(chain: &Devnet) -> (U256, U256, u64) {
    (chain.balance(ALICE), chain.balance(BOB), chain.nonce(ALICE))
}

#[test]
fn send_charges_base_fee_per_gas_and_increments_the_nonce() {
    let mut chain = chain();
    let before = chain.balance(ALICE);
    let outcome = chain.send(&transfer(50_000)).unwrap();
    assert!(outcome.success);
    assert_eq!(outcome.gas_used, 21_000);
    assert_eq!(
        chain.balance(ALICE),
        before - U256::from(1000) - U256::from(21_000 * BASE_FEE)
    );
    assert_eq!(chain.balance(BOB), U256::from(1000));
    assert_eq!(chain.nonce(ALICE), 1);
    assert_eq!(chain.base_fee(), BASE_FEE);
}

#[test]
fn access_list_is_intrinsic_gas() {
    let mut chain = chain();
    let tx = TxRequest {
        access_list: vec![(BOB, vec![B256::ZERO])],
        ..transfer(50_000)
    };
    // EIP-2930: 2,400 per address, 1,900 per storage key.
    assert_eq!(chain.send(&tx).unwrap().gas_used, 21_000 + 2_400 + 1_900);
}

#[test]
fn send_refuses_what_cannot_run_and_changes_nothing() {
    let pauper = Address::repeat_byte(0x66);
    let cases = [
        transfer(20_999),
        TxRequest {
            from: pauper,
            ..transfer(21_000)
        },
    ];
    for tx in cases {
        let mut chain = chain();
        let before = state(&chain);
        match chain.send(&tx) {
            Err(DevnetError::InvalidTransaction { .. }) => {}
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(state(&chain), before);
        assert_eq!(chain.nonce(pauper), 0);
    }
}

#[test]
fn simulate_tx_is_free_reads_basefee_zero_and_keeps_nothing() {
    let mut chain = chain();
    let contract = Address::repeat_byte(0xC0);
    chain.set_code(contract, Bytes::from_static(RETURN_BASEFEE));
    // From a contract with no balance: allowed in a simulation (EIP-3607 skipped).
    let call = TxRequest {
        from: contract,
        kind: TxKind::Call(contract),
        gas_limit: 100_000,
        ..TxRequest::default()
    };
    let outcome = chain.simulate_tx(&call).unwrap();
    assert!(outcome.success);
    assert_eq!(U256::from_be_slice(&outcome.output), U256::ZERO);
    assert_eq!(chain.nonce(contract), 0);
    assert_eq!(chain.balance(contract), U256::ZERO);
    // A committed transaction sees the base fee, and a sender with code is refused again.
    let sent = chain
        .send(&TxRequest {
            from: ALICE,
            ..call.clone()
        })
        .unwrap();
    assert_eq!(U256::from_be_slice(&sent.output), U256::from(BASE_FEE));
    chain.fund(contract, U256::from(10u64).pow(U256::from(18u64)));
    assert!(matches!(
        chain.send(&call),
        Err(DevnetError::InvalidTransaction { .. })
    ));
}

#[test]
fn set_nonce_and_replace_storage() {
    let mut chain = chain();
    chain.set_nonce(ALICE, 7);
    assert_eq!(chain.nonce(ALICE), 7);
    chain.set_storage(BOB, U256::from(1), U256::from(11));
    chain.set_storage(BOB, U256::from(2), U256::from(22));
    chain.replace_storage(BOB, &[(U256::from(2), U256::from(5))]);
    assert_eq!(chain.storage(BOB, U256::from(1)), U256::ZERO);
    assert_eq!(chain.storage(BOB, U256::from(2)), U256::from(5));
}
